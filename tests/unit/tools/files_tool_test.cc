// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

// The four files tool kinds as a caller sees them: schemas, annotations, results, limits.

#include <sys/stat.h>

#include <functional>

#include "mcp/server.h"
#include "tools/confined_root.h"
#include "tools/path_rules.h"
#include "unit/tools/files_fixture.h"

namespace bastion::tools {
namespace {

using namespace bastion::tools::testing;
using Op = FilesToolOptions::Operation;

std::string pathArgs(std::string_view path) { return bj::serialize(bj::object{{"path", path}}); }

// Every string in every object schema below `v` has a maxLength; every object is closed.
void expectBounded(const bj::value& v, const std::string& where) {
  if (!v.is_object()) {
    return;
  }
  const bj::object& o = v.as_object();
  if (const bj::value* type = o.if_contains("type"); type && *type == "string") {
    EXPECT_TRUE(o.contains("maxLength")) << where;
  }
  if (const bj::value* type = o.if_contains("type"); type && *type == "object") {
    EXPECT_EQ(o.if_contains("additionalProperties") ? *o.if_contains("additionalProperties")
                                                    : bj::value(),
              bj::value(false))
        << where;
  }
  if (const bj::value* props = o.if_contains("properties")) {
    for (const auto& [name, schema] : props->as_object()) {
      expectBounded(schema, where + "." + std::string(name));
    }
  }
}

class FilesTool : public ::testing::Test {
 protected:
  TempTree tree_;
};

// Input schemas are closed and bounded (path <= 4096 bytes); outputs are declared.
TEST_F(FilesTool, SchemasAreClosedAndBounded) {
  for (Op op : {Op::Read, Op::List, Op::Search, Op::Write}) {
    mcp::ToolSpec spec = makeTool(tree_, op);
    expectBounded(spec.input_schema, spec.name);
    EXPECT_TRUE(spec.output_schema);
    EXPECT_EQ(spec.input_schema.at("properties").at("path").at("maxLength"), kMaxPathBytes);
    EXPECT_FALSE(accepts(spec, bj::object{{"path", std::string(kMaxPathBytes + 1, 'a')}}));
    EXPECT_FALSE(accepts(spec, bj::object{{"path", "a"}, {"unexpected", 1}}));
    EXPECT_FALSE(spec.description.empty());
    EXPECT_EQ(spec.description.find(tree_.root().string()), std::string::npos);
    EXPECT_EQ(spec.audit_fields, std::vector<std::string>{"path"}) << "identity used as given";
  }
}

// Every kind registers with an mcp::Server (its schemas compile as the registry closes them).
TEST_F(FilesTool, EveryKindRegisters) {
  mcp::Server server(mcp::ServerInfo{.name = "t", .version = "1", .title = "", .instructions = ""});
  int n = 0;
  for (Op op : {Op::Read, Op::List, Op::Search, Op::Write}) {
    mcp::ToolSpec spec = makeTool(tree_, op);
    spec.name = "files_" + std::to_string(n++);
    auto added = server.addTool(std::move(spec));
    EXPECT_TRUE(added) << (added ? "" : added.error().message);
  }
}

// Annotations tell the truth: only write changes anything, and it may destroy content.
TEST_F(FilesTool, AnnotationsAreTruthful) {
  for (Op op : {Op::Read, Op::List, Op::Search}) {
    mcp::ToolSpec spec = makeTool(tree_, op);
    EXPECT_EQ(spec.annotations.read_only, true);
    EXPECT_EQ(spec.annotations.open_world, false);
  }
  mcp::ToolSpec write = makeTool(tree_, Op::Write);
  EXPECT_EQ(write.annotations.read_only, false);
  EXPECT_EQ(write.annotations.destructive, true);
  EXPECT_EQ(write.annotations.idempotent, true);
}

// A missing root, a root that is a file, a bad deny glob and out-of-range limits fail the
// build of the tool, not its first call.
TEST_F(FilesTool, BadOptionsFailAtBuild) {
  tree_.file("plain.txt", "x");
  ToolIdentity id{.name = "f", .title = "", .description = "", .scopes = {}, .audit_fields = {}};
  auto with = [&](const std::function<void(FilesToolOptions&)>& change) {
    FilesToolOptions o;
    o.root = tree_.root().string();
    change(o);
    return makeFilesTool(id, o);
  };
  EXPECT_TRUE(with([](FilesToolOptions&) {}));
  EXPECT_FALSE(with([&](FilesToolOptions& o) { o.root = (tree_.base() / "missing").string(); }));
  EXPECT_FALSE(with([&](FilesToolOptions& o) { o.root = (tree_.root() / "plain.txt").string(); }));
  EXPECT_FALSE(with([](FilesToolOptions& o) { o.deny = {"[unclosed"}; }));
  EXPECT_FALSE(with([](FilesToolOptions& o) { o.max_bytes = 0; }));
  EXPECT_FALSE(with([](FilesToolOptions& o) { o.max_results = 0; }));
  EXPECT_FALSE(with([](FilesToolOptions& o) { o.max_depth = kMaxFilesDepth + 1; }));
}

// files.read returns the text both as content and structured, with its size.
TEST_F(FilesTool, ReadReturnsText) {
  tree_.file("docs/guide.md", "# Guide\n\nh\xc3\xa9llo\n");
  mcp::ToolSpec read = makeTool(tree_, Op::Read);
  Outcome o = call(read, pathArgs("./docs//guide.md"));
  ASSERT_TRUE(o.ok) << o.text;
  EXPECT_EQ(o.structured.at("content"), "# Guide\n\nh\xc3\xa9llo\n");
  EXPECT_EQ(o.structured.at("size"), 16);
  EXPECT_EQ(o.structured.at("path"), "./docs//guide.md") << "the caller's spelling";
}

// Refusals of files.read, each with its code and the caller's path in the message.
TEST_F(FilesTool, ReadRefusals) {
  FilesToolOptions small;
  small.max_bytes = 16;
  mcp::ToolSpec read = makeTool(tree_, Op::Read, small);
  tree_.file("big.txt", std::string(17, 'x'));
  tree_.file("exact.txt", std::string(16, 'x'));
  tree_.file("nul.bin", std::string("ab\0cd", 5));
  tree_.file("latin1.txt", "caf\xe9");
  tree_.file("dir/x", "x");
  ASSERT_EQ(::mkfifo((tree_.root() / "fifo").c_str(), 0600), 0);
  struct Case {
    const char* path;
    FilesError code;
    const char* message;
  };
  for (const Case& c : {
           Case{"big.txt", FilesError::TooLarge, "'big.txt': is larger than the limit of 16 bytes"},
           Case{"nul.bin", FilesError::Binary,
                "'nul.bin': binary file (not UTF-8 text); not returned"},
           Case{"latin1.txt", FilesError::Binary, nullptr},
           Case{"dir", FilesError::NotRegularFile, "'dir': is a directory"},
           Case{"fifo", FilesError::NotRegularFile, "'fifo': is not a regular file"},
           Case{"big.txt/x", FilesError::NotDirectory, "'big.txt/x': not a directory"},
           Case{"", FilesError::EmptyPath, "'': a file path is required"},
           Case{"missing/x", FilesError::NotFound, "'missing/x': not found"},
       }) {
    Outcome o = call(read, pathArgs(c.path));
    EXPECT_FALSE(o.ok) << c.path;
    EXPECT_EQ(o.code, static_cast<int>(c.code)) << c.path << ": " << o.text;
    if (c.message != nullptr) {
      EXPECT_EQ(o.text, c.message);
    }
  }
  EXPECT_TRUE(call(read, pathArgs("exact.txt")).ok) << "max_bytes is inclusive";
}

// A read the kernel fails midway is an Io error naming the caller's path (/proc/self/mem is a
// "regular file" whose first page is unmapped, so read() reports EIO).
TEST_F(FilesTool, ReadFailureIsIoError) {
  auto proc =
      ConfinedRoot::open("/proc/self", {.deny = {}, .no_symlinks = true, .writable = false});
  ASSERT_TRUE(proc);
  auto mem = proc.value()->openFile("mem");
  ASSERT_TRUE(mem) << mem.error().message;
  auto content = readBounded(mem.value(), 4096, "mem");
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, static_cast<int>(FilesError::Io));
  EXPECT_EQ(content.error().message.rfind("'mem': ", 0), 0u) << content.error().message;
}

// files.list: the root for an empty path, name order, types and sizes, directories first-level
// only unless recursive, and denied entries absent.
TEST_F(FilesTool, ListsInNameOrder) {
  tree_.file("b.txt", "bb");
  tree_.file("a/inner.txt", "i");
  tree_.file(".env", "SECRET=1");
  tree_.symlink("b.txt", "c_link");
  mcp::ToolSpec list = makeTool(tree_, Op::List);
  Outcome top = call(list, "{}");
  ASSERT_TRUE(top.ok) << top.text;
  EXPECT_EQ(bj::serialize(top.structured.at("entries")),
            R"([{"path":"a","type":"directory"},{"path":"b.txt","type":"file","size":2},)"
            R"({"path":"c_link","type":"symlink"}])");
  EXPECT_EQ(top.structured.at("truncated"), false);
  Outcome all = call(list, R"({"path": ".", "recursive": true})");
  EXPECT_EQ(all.structured.at("entries").as_array().size(), 4u);
  EXPECT_EQ(all.structured.at("entries").at(1).at("path"), "a/inner.txt");
  Outcome sub = call(list, pathArgs("a/"));
  EXPECT_EQ(bj::serialize(sub.structured.at("entries")),
            R"([{"path":"a/inner.txt","type":"file","size":1}])");
  Outcome file = call(list, pathArgs("b.txt"));
  EXPECT_EQ(file.code, static_cast<int>(FilesError::NotDirectory));
}

// Listings stop at max_results and max_depth and say so.
TEST_F(FilesTool, ListIsBounded) {
  for (int i = 0; i < 5; ++i) {
    tree_.file("f" + std::to_string(i), "x");
  }
  tree_.file("d1/d2/d3/deep.txt", "x");
  FilesToolOptions o;
  o.max_results = 3;
  Outcome capped = call(makeTool(tree_, Op::List, o), "{}");
  EXPECT_EQ(capped.structured.at("entries").as_array().size(), 3u);
  EXPECT_EQ(capped.structured.at("truncated"), true);
  FilesToolOptions shallow;
  shallow.max_depth = 2;
  Outcome depth = call(makeTool(tree_, Op::List, shallow), R"({"path": "d1", "recursive": true})");
  EXPECT_EQ(bj::serialize(depth.structured.at("entries")),
            R"([{"path":"d1/d2","type":"directory"},{"path":"d1/d2/d3","type":"directory"}])");
  EXPECT_EQ(depth.structured.at("truncated"), true);
}

// A cancelled call stops walking and reports cancellation.
TEST_F(FilesTool, ListStopsWhenCancelled) {
  tree_.file("a.txt", "x");
  mcp::ToolSpec list = makeTool(tree_, Op::List);
  TestContext ctx;
  ctx.cancel();
  auto r = list.handler(bj::object{}, ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, static_cast<int>(mcp::HandlerError::Cancelled));
}

// files.search by name glob, by text (with line numbers), and both; binary and oversized files
// are skipped and counted; max_results caps the matches.
TEST_F(FilesTool, SearchesNamesAndText) {
  tree_.file("src/main.cc", "int main() {\n  return run();\n}\n");
  tree_.file("src/run.cc", "int run() { return 0; }\r\n");
  tree_.file("docs/run.md", "how to run\n");
  tree_.file("blob.bin", std::string("run\0", 4));
  mcp::ToolSpec search = makeTool(tree_, Op::Search);
  Outcome names = call(search, R"({"name_glob": "*.cc"})");
  ASSERT_TRUE(names.ok) << names.text;
  EXPECT_EQ(bj::serialize(names.structured.at("matches")),
            R"([{"path":"src/main.cc","type":"file"},{"path":"src/run.cc","type":"file"}])");
  Outcome text = call(search, R"({"text": "run("})");
  EXPECT_EQ(bj::serialize(text.structured.at("matches")),
            R"([{"path":"src/main.cc","type":"file","line":2,"text":"  return run();"},)"
            R"({"path":"src/run.cc","type":"file","line":1,"text":"int run() { return 0; }"}])");
  EXPECT_EQ(text.structured.at("skipped"), 1) << "blob.bin is binary";
  Outcome both = call(search, R"({"path": "docs", "name_glob": "*.md", "text": "run"})");
  EXPECT_EQ(both.structured.at("matches").as_array().size(), 1u);
  Outcome capped = call(search, R"({"text": "r", "max_results": 1})");
  EXPECT_EQ(capped.structured.at("matches").as_array().size(), 1u);
  EXPECT_EQ(capped.structured.at("truncated"), true);
  EXPECT_EQ(call(search, "{}").code, static_cast<int>(FilesError::InvalidArgument));
  EXPECT_EQ(call(search, R"({"name_glob": "[x"})").code, static_cast<int>(FilesError::InvalidGlob));
}

// files.write creates and replaces files, keeps the old mode, leaves no temporary behind.
TEST_F(FilesTool, WriteCreatesAndReplaces) {
  mcp::ToolSpec write = makeTool(tree_, Op::Write);
  tree_.file("notes/todo.txt", "old\n");
  ASSERT_EQ(::chmod((tree_.root() / "notes/todo.txt").c_str(), 0640), 0);
  Outcome replaced = call(write, R"({"path": "notes/todo.txt", "content": "new\n"})");
  ASSERT_TRUE(replaced.ok) << replaced.text;
  EXPECT_EQ(replaced.structured.at("created"), false);
  EXPECT_EQ(tree_.read("notes/todo.txt"), "new\n");
  EXPECT_EQ(fs::status(tree_.root() / "notes/todo.txt").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  Outcome created =
      call(write, R"({"path": "notes/new.txt", "content": "n", "create_only": true})");
  ASSERT_TRUE(created.ok) << created.text;
  EXPECT_EQ(created.structured.at("created"), true);
  EXPECT_EQ(created.structured.at("bytes"), 1);
  Outcome exists = call(write, R"({"path": "notes/new.txt", "content": "m", "create_only": true})");
  EXPECT_EQ(exists.code, static_cast<int>(FilesError::Exists));
  EXPECT_EQ(tree_.read("notes/new.txt"), "n");
  EXPECT_EQ(call(write, R"({"path": "missing/x.txt", "content": "x"})").code,
            static_cast<int>(FilesError::NotFound));
  EXPECT_EQ(call(write, R"({"path": "notes", "content": "x"})").code,
            static_cast<int>(FilesError::NotRegularFile));
  EXPECT_EQ(call(write, R"({"path": "", "content": "x"})").code,
            static_cast<int>(FilesError::EmptyPath));
  EXPECT_EQ(call(write, R"({"path": "nul.txt", "content": "a\u0000b"})").code,
            static_cast<int>(FilesError::Binary));
  EXPECT_FALSE(fs::exists(tree_.root() / "nul.txt"));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tree_.root() / "notes")) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"new.txt", "todo.txt"}));
}

// Write limits: content over max_bytes is refused; overwrite = false makes every write
// create-only whatever the caller asks.
TEST_F(FilesTool, WriteLimits) {
  FilesToolOptions o;
  o.max_bytes = 4;
  o.overwrite = false;
  mcp::ToolSpec write = makeTool(tree_, Op::Write, o);
  EXPECT_EQ(call(write, R"({"path": "a", "content": "12345"})").code,
            static_cast<int>(FilesError::TooLarge));
  EXPECT_FALSE(fs::exists(tree_.root() / "a"));
  EXPECT_TRUE(call(write, R"({"path": "a", "content": "1234"})").ok);
  EXPECT_EQ(call(write, R"({"path": "a", "content": "x", "create_only": false})").code,
            static_cast<int>(FilesError::Exists));
  EXPECT_EQ(tree_.read("a"), "1234");
}

// The root's host path appears in no result or error of any kind, whatever is asked.
TEST_F(FilesTool, RootPathNeverAppearsInResults) {
  tree_.file("a/b.txt", "b\n");
  const std::string host = tree_.root().string();
  std::vector<std::pair<Op, std::string>> calls = {
      {Op::Read, pathArgs("a/b.txt")},
      {Op::Read, pathArgs("a")},
      {Op::Read, pathArgs("nope")},
      {Op::Read, pathArgs(host + "/a/b.txt")},
      {Op::List, R"({"recursive": true})"},
      {Op::List, pathArgs("a/b.txt")},
      {Op::Search, R"({"text": "b"})"},
      {Op::Write, R"({"path": "a/c.txt", "content": "c"})"},
      {Op::Write, R"({"path": "zz/c.txt", "content": "c"})"}};
  for (const auto& [op, args] : calls) {
    Outcome o = call(makeTool(tree_, op), args);
    EXPECT_EQ(o.text.find(host), std::string::npos) << args << " -> " << o.text;
    EXPECT_EQ(o.text.find(tree_.base().string()), std::string::npos) << o.text;
  }
}

}  // namespace
}  // namespace bastion::tools
