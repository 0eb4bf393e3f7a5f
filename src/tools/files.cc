#include "tools/files.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "tools/confined_root.h"
#include "tools/path_rules.h"
#include "tools/tree_walk.h"

namespace bastion::tools {
namespace {

namespace bj = boost::json;
using mcp::CallContext;
using mcp::ToolResult;
using Operation = FilesToolOptions::Operation;

constexpr std::size_t kMaxGlobBytes = 255;
constexpr std::size_t kMaxSearchTextBytes = 1024;
constexpr std::size_t kMaxLineShown = 240;
// Bytes one text search may read in all, whatever max_bytes and the tree's size: past it the
// search stops and says "truncated".
constexpr std::size_t kSearchByteBudget = std::size_t{64} << 20;

// What every handler of one tool shares: the open root and the limits.
struct FilesContext {
  std::unique_ptr<ConfinedRoot> root;
  FilesToolOptions options;
};
using Shared = std::shared_ptr<const FilesContext>;

// Parses a schema literal written in this file. A typo here is a programming error: abort.
bj::object literal(std::string_view text) {
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) {
    std::abort();
  }
  return std::move(v.as_object());
}

bj::object pathProperty(std::string_view description, bool required_non_empty) {
  bj::object p{{"type", "string"}, {"maxLength", kMaxPathBytes}, {"description", description}};
  if (required_non_empty) {
    p["minLength"] = 1;
  }
  return p;
}

// Arguments were validated against the closed input schema before the handler runs; these
// lookups still fail softly in case a server is built with validation weakened.
Result<std::string_view> stringArg(const bj::object& args, std::string_view key,
                                   std::string_view fallback, bool required) {
  const bj::value* v = args.if_contains(key);
  if (v == nullptr && !required) {
    return fallback;
  }
  if (v == nullptr || !v->is_string()) {
    return Error(FilesError::InvalidArgument,
                 "argument '" + std::string(key) + "' is missing or not a string");
  }
  return std::string_view(v->get_string());
}

bool boolArg(const bj::object& args, std::string_view key, bool fallback) {
  const bj::value* v = args.if_contains(key);
  return v != nullptr && v->is_bool() ? v->get_bool() : fallback;
}

ToolResult structured(std::string text, bj::object value) {
  ToolResult result;
  result.content.push_back(mcp::textContent(text));
  result.structured = std::move(value);
  return result;
}

// ---- files.read ----

Result<ToolResult> readFile(const FilesContext& c, const bj::object& args) {
  auto path = stringArg(args, "path", "", true);
  if (!path) {
    return path.error();
  }
  auto file = c.root->openFile(path.value());
  if (!file) {
    return file.error();
  }
  auto content = readBounded(file.value(), c.options.max_bytes, path.value());
  if (!content) {
    return content.error();
  }
  if (looksBinary(content.value())) {
    return Error(FilesError::Binary,
                 quotedPath(path.value()) + ": binary file (not UTF-8 text); not returned");
  }
  std::string text = content.value();
  bj::object out{{"path", path.value()},
                 {"size", content.value().size()},
                 {"content", std::move(content).value()}};
  return structured(std::move(text), std::move(out));
}

mcp::ToolBuilder& describeRead(mcp::ToolBuilder& b) {
  bj::object input = literal(R"j({"type": "object", "required": ["path"],
                                  "additionalProperties": false})j");
  input["properties"] =
      bj::object{{"path", pathProperty("File path relative to the tool's directory", true)}};
  return b.input(std::move(input)).output(literal(R"j({
        "type": "object",
        "properties": {
          "path": {"type": "string"},
          "size": {"type": "integer", "minimum": 0},
          "content": {"type": "string"}
        },
        "required": ["path", "size", "content"],
        "additionalProperties": false})j"));
}

// ---- files.list ----

std::string renderEntry(const WalkEntry& e) {
  switch (e.type) {
    case EntryType::Directory:
      return e.path + "/";
    case EntryType::File:
      return e.path + "  (" + std::to_string(e.size) + " bytes)";
    case EntryType::Symlink:
      return e.path + "  (symlink)";
    case EntryType::Other:
      break;
  }
  return e.path + "  (other)";
}

Result<ToolResult> listFiles(const FilesContext& c, const bj::object& args, CallContext& ctx) {
  auto path = stringArg(args, "path", "", false);
  if (!path) {
    return path.error();
  }
  WalkOptions walk{.recursive = boolArg(args, "recursive", false),
                   .max_depth = c.options.max_depth,
                   .cancelled = [&ctx] { return ctx.cancelled(); }};
  bj::array entries;
  std::string text;
  bool full = false;
  auto summary = walkTree(*c.root, path.value(), walk, [&](const WalkEntry& e) {
    if (entries.size() == c.options.max_results) {
      full = true;
      return Visit::Stop;
    }
    bj::object entry{{"path", e.path}, {"type", entryTypeName(e.type)}};
    if (e.type == EntryType::File) {
      entry["size"] = e.size;
    }
    entries.push_back(std::move(entry));
    text += renderEntry(e) + "\n";
    return Visit::Continue;
  });
  if (!summary) {
    return summary.error();
  }
  if (summary.value().cancelled) {
    return Error(mcp::HandlerError::Cancelled, "cancelled");
  }
  const bool truncated = full || summary.value().truncated;
  if (entries.empty()) {
    text = "(no entries)\n";
  }
  if (truncated) {
    text += "(truncated: more entries exist)\n";
  }
  bj::object out{{"path", path.value()}, {"entries", std::move(entries)}, {"truncated", truncated}};
  return structured(std::move(text), std::move(out));
}

mcp::ToolBuilder& describeList(mcp::ToolBuilder& b) {
  bj::object input = literal(R"j({"type": "object", "additionalProperties": false})j");
  input["properties"] = bj::object{
      {"path",
       pathProperty("Directory relative to the tool's directory; empty for the top", false)},
      {"recursive", literal(R"j({"type": "boolean", "default": false,
                                 "description": "Also list subdirectories' entries"})j")}};
  return b.input(std::move(input)).output(literal(R"j({
        "type": "object",
        "properties": {
          "path": {"type": "string"},
          "entries": {"type": "array", "items": {
            "type": "object",
            "properties": {
              "path": {"type": "string"},
              "type": {"enum": ["file", "directory", "symlink", "other"]},
              "size": {"type": "integer", "minimum": 0}
            },
            "required": ["path", "type"],
            "additionalProperties": false}},
          "truncated": {"type": "boolean"}
        },
        "required": ["path", "entries", "truncated"],
        "additionalProperties": false})j"));
}

// ---- files.search ----

struct SearchState {
  bj::array matches;
  std::string text;
  std::size_t limit = 0;
  std::size_t skipped = 0;  // files too large or not text
  std::size_t bytes_read = 0;
  bool full = false;

  bool add(bj::object match, std::string line) {
    if (matches.size() == limit) {
      full = true;
      return false;
    }
    matches.push_back(std::move(match));
    text += line + "\n";
    return true;
  }
};

// Adds every line of the file `e` holding `needle`; false when the result is full.
bool searchLines(const FilesContext& c, const WalkEntry& e, std::string_view needle,
                 SearchState& s) {
  if (s.bytes_read + std::min<std::uint64_t>(e.size, c.options.max_bytes) > kSearchByteBudget) {
    s.full = true;
    return false;
  }
  auto file = c.root->openChildFile(e.dir_fd, e.name);
  if (!file) {
    return true;  // replaced meanwhile (e.g. by a symlink): not followed
  }
  auto content = readBounded(file.value(), c.options.max_bytes, e.path);
  if (!content || looksBinary(content.value())) {
    ++s.skipped;
    return true;
  }
  s.bytes_read += content.value().size();
  std::string_view rest = content.value();
  for (std::size_t number = 1; !rest.empty(); ++number) {
    const std::size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.find(needle) == std::string_view::npos) {
      continue;
    }
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    std::string shown(utf8Prefix(line, kMaxLineShown));
    std::string rendered = e.path + ":" + std::to_string(number) + ": " + shown;
    if (!s.add(bj::object{{"path", e.path}, {"type", "file"}, {"line", number}, {"text", shown}},
               std::move(rendered))) {
      return false;
    }
  }
  return true;
}

Result<ToolResult> searchFiles(const FilesContext& c, const bj::object& args, CallContext& ctx) {
  auto path = stringArg(args, "path", "", false);
  auto name_glob = stringArg(args, "name_glob", "", false);
  auto needle = stringArg(args, "text", "", false);
  for (const auto* arg : {&path, &name_glob, &needle}) {
    if (!*arg) {
      return arg->error();
    }
  }
  if (name_glob.value().empty() && needle.value().empty()) {
    return Error(FilesError::InvalidArgument, "give name_glob, text or both");
  }
  auto glob = Glob::compile(name_glob.value().empty() ? "*" : name_glob.value(), false);
  if (!glob) {
    return glob.error();
  }
  SearchState s;
  s.limit = c.options.max_results;
  if (const bj::value* m = args.if_contains("max_results"); m != nullptr && m->is_int64()) {
    s.limit =
        std::min(s.limit, static_cast<std::size_t>(std::max<std::int64_t>(1, m->get_int64())));
  }
  WalkOptions walk{.recursive = true, .max_depth = c.options.max_depth, .cancelled = [&ctx] {
                     return ctx.cancelled();
                   }};
  auto summary = walkTree(*c.root, path.value(), walk, [&](const WalkEntry& e) {
    if (!glob.value().matches(e.name)) {
      return Visit::Continue;
    }
    if (needle.value().empty()) {
      return s.add(bj::object{{"path", e.path}, {"type", entryTypeName(e.type)}}, renderEntry(e))
                 ? Visit::Continue
                 : Visit::Stop;
    }
    if (e.type != EntryType::File) {
      return Visit::Continue;
    }
    return searchLines(c, e, needle.value(), s) ? Visit::Continue : Visit::Stop;
  });
  if (!summary) {
    return summary.error();
  }
  if (summary.value().cancelled) {
    return Error(mcp::HandlerError::Cancelled, "cancelled");
  }
  const bool truncated = s.full || summary.value().truncated;
  if (s.matches.empty()) {
    s.text = "(no matches)\n";
  }
  if (truncated) {
    s.text += "(truncated: more matches may exist)\n";
  }
  if (s.skipped > 0) {
    s.text += "(" + std::to_string(s.skipped) + " files skipped: too large or not text)\n";
  }
  bj::object out{{"path", path.value()},
                 {"matches", std::move(s.matches)},
                 {"truncated", truncated},
                 {"skipped", s.skipped}};
  return structured(std::move(s.text), std::move(out));
}

mcp::ToolBuilder& describeSearch(mcp::ToolBuilder& b, const FilesToolOptions& o) {
  bj::object input = literal(R"j({"type": "object", "additionalProperties": false})j");
  bj::object glob{
      {"type", "string"},
      {"maxLength", kMaxGlobBytes},
      {"description", "Shell glob over entry names (* ? [abc]); case-sensitive; no '/'"}};
  bj::object text{{"type", "string"},
                  {"maxLength", kMaxSearchTextBytes},
                  {"description", "Text that matching lines contain (case-sensitive)"}};
  bj::object max{{"type", "integer"},
                 {"minimum", 1},
                 {"maximum", o.max_results},
                 {"description", "At most this many matches"}};
  input["properties"] = bj::object{
      {"path", pathProperty("Directory to search, relative to the tool's directory; empty for "
                            "the top",
                            false)},
      {"name_glob", std::move(glob)},
      {"text", std::move(text)},
      {"max_results", std::move(max)}};
  return b.input(std::move(input)).output(literal(R"j({
        "type": "object",
        "properties": {
          "path": {"type": "string"},
          "matches": {"type": "array", "items": {
            "type": "object",
            "properties": {
              "path": {"type": "string"},
              "type": {"enum": ["file", "directory", "symlink", "other"]},
              "line": {"type": "integer", "minimum": 1},
              "text": {"type": "string"}
            },
            "required": ["path", "type"],
            "additionalProperties": false}},
          "truncated": {"type": "boolean"},
          "skipped": {"type": "integer", "minimum": 0}
        },
        "required": ["path", "matches", "truncated", "skipped"],
        "additionalProperties": false})j"));
}

// ---- files.write ----

Result<ToolResult> writeFile(const FilesContext& c, const bj::object& args) {
  auto path = stringArg(args, "path", "", true);
  auto content = stringArg(args, "content", "", true);
  for (const auto* arg : {&path, &content}) {
    if (!*arg) {
      return arg->error();
    }
  }
  if (content.value().size() > c.options.max_bytes) {
    return Error(FilesError::TooLarge, quotedPath(path.value()) +
                                           ": content is larger than the limit of " +
                                           std::to_string(c.options.max_bytes) + " bytes");
  }
  // The tool writes text files, as files.read returns them; JSON strings are UTF-8 already.
  if (content.value().find('\0') != std::string_view::npos) {
    return Error(FilesError::Binary,
                 quotedPath(path.value()) + ": content holds a NUL byte; only text is written");
  }
  const bool create_only = !c.options.overwrite || boolArg(args, "create_only", false);
  RandomSource& rng = c.options.rng != nullptr ? *c.options.rng : systemRandom();
  auto written = c.root->writeFile(path.value(), content.value(), create_only, rng);
  if (!written) {
    return written.error();
  }
  const WriteOutcome w = written.value();
  std::string text = std::string(w.created ? "created " : "replaced ") + quotedPath(path.value()) +
                     " (" + std::to_string(w.bytes) + " bytes)";
  bj::object out{{"path", path.value()}, {"bytes", w.bytes}, {"created", w.created}};
  return structured(std::move(text), std::move(out));
}

mcp::ToolBuilder& describeWrite(mcp::ToolBuilder& b, const FilesToolOptions& o) {
  bj::object input = literal(R"j({"type": "object", "required": ["path", "content"],
                                  "additionalProperties": false})j");
  // maxLength counts characters, each at least one byte: a bound the handler tightens to bytes.
  bj::object content{{"type", "string"},
                     {"maxLength", o.max_bytes},
                     {"description", "The whole new content of the file (UTF-8 text)"}};
  bj::object create_only{{"type", "boolean"},
                         {"default", !o.overwrite},
                         {"description", "Fail if the file exists instead of replacing it"}};
  input["properties"] = bj::object{
      {"path", pathProperty("File path relative to the tool's directory; its directory must "
                            "exist",
                            true)},
      {"content", std::move(content)},
      {"create_only", std::move(create_only)}};
  return b.input(std::move(input)).output(literal(R"j({
        "type": "object",
        "properties": {
          "path": {"type": "string"},
          "bytes": {"type": "integer", "minimum": 0},
          "created": {"type": "boolean"}
        },
        "required": ["path", "bytes", "created"],
        "additionalProperties": false})j"));
}

// ---- the factory ----

std::string_view defaultDescription(Operation op) {
  switch (op) {
    case Operation::Read:
      return "Read a UTF-8 text file. Paths are relative to the tool's directory.";
    case Operation::List:
      return "List a directory (optionally recursively). Paths are relative to the tool's "
             "directory; empty for its top.";
    case Operation::Search:
      return "Find entries whose name matches a glob and/or lines containing a text, below a "
             "directory relative to the tool's directory.";
    case Operation::Write:
      break;
  }
  return "Create or replace a UTF-8 text file atomically. Paths are relative to the tool's "
         "directory; the file's directory must exist.";
}

Result<void> checkLimits(const FilesToolOptions& o) {
  if (o.max_bytes == 0 || o.max_bytes > kMaxFilesBytes) {
    return Error(FilesError::InvalidArgument, "max_bytes must be between 1 and 1 GiB");
  }
  if (o.max_results == 0 || o.max_results > kMaxFilesResults) {
    return Error(FilesError::InvalidArgument,
                 "max_results must be between 1 and " + std::to_string(kMaxFilesResults));
  }
  if (o.max_depth < 1 || o.max_depth > kMaxFilesDepth) {
    return Error(FilesError::InvalidArgument,
                 "max_depth must be between 1 and " + std::to_string(kMaxFilesDepth));
  }
  return {};
}

}  // namespace

Result<mcp::ToolSpec> makeFilesTool(const ToolIdentity& identity, const FilesToolOptions& options) {
  if (auto limits = checkLimits(options); !limits) {
    return limits.error();
  }
  const Operation op = options.operation;
  auto root = ConfinedRoot::open(options.root, {.deny = options.deny,
                                                .no_symlinks = options.no_symlinks,
                                                .writable = op == Operation::Write});
  if (!root) {
    return root.error();
  }
  auto shared = std::make_shared<FilesContext>(FilesContext{std::move(root).value(), options});
  Shared c = shared;

  mcp::ToolBuilder b = builderFor(identity);
  if (identity.description.empty()) {
    b.description(std::string(defaultDescription(op)));
  }
  // Truthful hints: only write changes anything; nothing reaches beyond the root.
  b.readOnly(op != Operation::Write).openWorld(false);
  switch (op) {
    case Operation::Read:
      describeRead(b).idempotent().handler(
          [c](const bj::object& args, CallContext&) { return readFile(*c, args); });
      break;
    case Operation::List:
      describeList(b).idempotent().handler(
          [c](const bj::object& args, CallContext& ctx) { return listFiles(*c, args, ctx); });
      break;
    case Operation::Search:
      describeSearch(b, options)
          .idempotent()
          .handler(
              [c](const bj::object& args, CallContext& ctx) { return searchFiles(*c, args, ctx); });
      break;
    case Operation::Write:
      // Replacing a file destroys its old content; the same call twice leaves the same state.
      describeWrite(b, options)
          .destructive()
          .idempotent()
          .handler([c](const bj::object& args, CallContext&) { return writeFile(*c, args); });
      break;
  }
  return std::move(b).build();
}

}  // namespace bastion::tools
