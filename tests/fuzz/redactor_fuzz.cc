// Any bytes as tool output (text, or JSON when it parses) through a Redactor with secrets and
// shapes: never a crash or sanitizer report, and no registered secret survives verbatim. The
// secrets hold no '[' or ']' so that the mask cannot complete one.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "guard/redactor.h"

namespace {

const std::vector<std::string> kSecrets = {"sk_live_0123456789abcdef", "pa ss/wo+rd=%&?#\"\\x",
                                           "\xff\xfe-binary-\x01secret"};

const bastion::guard::Redactor& redactor() {
  static const auto r = bastion::guard::makeRedactor(kSecrets, {.shapes = true});
  return *r;
}

void expectClean(std::string_view text) {
  for (const std::string& s : kSecrets) {
    if (text.find(s) != std::string_view::npos) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  redactor().redact(text);
  expectClean(text);
  boost::system::error_code ec;
  boost::json::value v =
      boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (!ec) {
    redactor().redact(v);
    // Every string and key, decoded, is clean (serialize would re-escape them).
    std::vector<const boost::json::value*> stack{&v};
    while (!stack.empty()) {
      const boost::json::value* at = stack.back();
      stack.pop_back();
      if (at->is_string()) {
        expectClean(at->get_string());
      } else if (at->is_array()) {
        for (const auto& e : at->get_array()) {
          stack.push_back(&e);
        }
      } else if (at->is_object()) {
        for (const auto& kv : at->get_object()) {
          expectClean(kv.key());
          stack.push_back(&kv.value());
        }
      }
    }
  }
  return 0;
}
