#pragma once
// Shared by the audit tests: a private temporary directory, whole-file reads and writes, and an
// attacker's tool that re-chains edited lines (recomputes prev and hash from a line on).

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "audit/record_format.h"
#include "audit/signing_key.h"
#include "core/crypto.h"

namespace bastion::audit::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "/bastion-audit-XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline void writeFile(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

// Complete lines without their "\n" (a final unterminated piece is dropped).
inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(text.substr(start, nl - start));
  }
  return out;
}

inline std::string join(const std::vector<std::string>& ls) {
  std::string out;
  for (const std::string& l : ls) {
    out += l;
    out += '\n';
  }
  return out;
}

inline boost::json::object parsed(const std::string& line) {
  return boost::json::parse(line).as_object();
}

// Rewrites lines[from..] so that each one's prev and hash are consistent again (what an
// attacker without the signing key can do). `resign`, when given, re-signs checkpoints.
inline void rechain(std::vector<std::string>& ls, std::size_t from,
                    const SigningKey* resign = nullptr) {
  std::string prev =
      from == 0 ? std::string(kZeroHash) : std::string(parsed(ls[from - 1]).at("hash").as_string());
  for (std::size_t i = from; i < ls.size(); ++i) {
    boost::json::object r = parsed(ls[i]);
    r.erase("hash");
    r["prev"] = prev;
    if (resign != nullptr && r.at("type") == "checkpoint") {
      const auto covers = static_cast<std::uint64_t>(r.at("covers").as_int64());
      r["sig"] = crypto::base64UrlEncode(resign->sign(checkpointMessage(covers, prev)));
    }
    prev = recordHash(r);
    r["hash"] = prev;
    ls[i] = canonicalJson(r);
  }
}

}  // namespace bastion::audit::testing
