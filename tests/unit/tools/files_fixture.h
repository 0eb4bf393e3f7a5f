#pragma once
// Shared by the files tool tests: a scratch tree made with mkdtemp, laid out as
//   <base>/root/          the confinement root
//   <base>/root_evil/     a sibling whose name starts with the root's name
//   <base>/outside/       secrets that must never be read through the root
// and helpers to call a files tool's handler and collect every byte of what it returned.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "json/schema.h"
#include "mcp/types.h"
#include "support/test_call_context.h"
#include "tools/files.h"

namespace bastion::tools::testing {

namespace bj = boost::json;
namespace fs = std::filesystem;

inline constexpr std::string_view kOutsideSecret = "TOP-SECRET-OUTSIDE-THE-ROOT";

class TempTree {
 public:
  TempTree() {
    std::string tmpl = (fs::temp_directory_path() / "bastion-files-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::abort();
    }
    base_ = tmpl;
    fs::create_directories(base_ / "root");
    fs::create_directories(base_ / "root_evil");
    fs::create_directories(base_ / "outside");
    writeFile(base_ / "outside" / "secret", std::string(kOutsideSecret) + "\n");
    writeFile(base_ / "root_evil" / "secret", std::string(kOutsideSecret) + " (evil)\n");
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  fs::path base() const { return base_; }
  fs::path root() const { return base_ / "root"; }
  fs::path outside() const { return base_ / "outside"; }

  // Creates `relative` below the root with `content` (parents too).
  void file(const std::string& relative, const std::string& content) const {
    fs::path p = root() / relative;
    fs::create_directories(p.parent_path());
    writeFile(p, content);
  }
  void symlink(const std::string& target, const std::string& relative) const {
    fs::path p = root() / relative;
    fs::create_directories(p.parent_path());
    fs::create_symlink(target, p);
  }
  std::string read(const std::string& relative) const {
    std::ifstream in(root() / relative, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static void writeFile(const fs::path& p, const std::string& content) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
  }

 private:
  fs::path base_;
};

using TestContext = bastion::testing::TestCallContext;

// What one call produced: every text the caller could see, and the structured value.
struct Outcome {
  bool ok = false;       // a result that is not an error
  int code = 0;          // the Error code when the handler failed
  std::string text;      // error message, or content texts + serialized structuredContent
  bj::value structured;  // null unless ok
};

inline mcp::ToolSpec makeTool(const TempTree& tree, FilesToolOptions::Operation op,
                              FilesToolOptions options = {}) {
  options.operation = op;
  options.root = tree.root().string();
  auto spec = makeFilesTool(
      ToolIdentity{
          .name = "files", .title = "", .description = "", .scopes = {}, .audit_fields = {"path"}},
      options);
  EXPECT_TRUE(spec) << (spec ? "" : spec.error().message);
  if (!spec) {
    std::abort();
  }
  return std::move(spec).value();
}

// Calls the handler; a successful result is also checked against the tool's outputSchema.
inline Outcome call(const mcp::ToolSpec& spec, const bj::object& args) {
  TestContext ctx;
  auto result = spec.handler(args, ctx);
  Outcome out;
  if (!result) {
    out.code = result.error().code;
    out.text = result.error().message;
    return out;
  }
  const mcp::ToolResult& r = result.value();
  out.ok = !r.is_error;
  for (const auto& block : r.content) {
    out.text += bj::serialize(block);
  }
  if (r.structured) {
    out.structured = r.structured.value();
    out.text += bj::serialize(out.structured);
    auto schema = json::CompiledSchema::compile(spec.output_schema.value());
    EXPECT_TRUE(schema);
    if (schema) {
      EXPECT_TRUE(schema.value()->validate(out.structured).valid) << out.text;
    }
  }
  return out;
}

inline Outcome call(const mcp::ToolSpec& spec, std::string_view args_json) {
  return call(spec, bj::parse(args_json).as_object());
}

// True if `args` passes the tool's input schema as the server closes it.
inline bool accepts(const mcp::ToolSpec& spec, const bj::value& args) {
  auto schema = json::CompiledSchema::compile(json::closeObjectSchemas(spec.input_schema));
  EXPECT_TRUE(schema);
  return schema && schema.value()->validate(args).valid;
}

}  // namespace bastion::tools::testing
