// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

// The [[tools]] keys of files.* kinds: every key read, defaults kept, mistakes refused with
// messages the tests pin.

#include <variant>

#include "config/config.h"
#include "unit/tools/files_fixture.h"

namespace bastion::tools {
namespace {

using namespace bastion::tools::testing;
using Op = FilesToolOptions::Operation;

class FilesConfig : public ::testing::Test {
 protected:
  std::string tool(std::string_view kind, std::string_view extra) {
    return "[[tools]]\nname = \"f\"\nkind = \"" + std::string(kind) + "\"\nroot = \"" +
           tree_.root().string() + "\"\n" + std::string(extra);
  }
  FilesToolOptions options(const std::string& toml) {
    auto r = config::parse(toml, "t.toml");
    EXPECT_TRUE(r) << (r ? "" : r.error().toString());
    if (!r || r.value()->tools.size() != 1) {
      return {};
    }
    return std::get<FilesToolOptions>(r.value()->tools[0].options);
  }
  std::string errorsOf(const std::string& toml) {
    auto r = config::parse(toml, "t.toml");
    EXPECT_FALSE(r) << "expected the config to be rejected";
    return r ? std::string() : r.error().toString();
  }

  TempTree tree_;
};

// Every key is read into the options, and the kind picks the operation.
TEST_F(FilesConfig, ReadsEveryKey) {
  FilesToolOptions o = options(tool("files.search",
                                    "deny = [\"*.sqlite\", \"build/\"]\nno_symlinks = true\n"
                                    "max_bytes = \"2KiB\"\nmax_results = 50\nmax_depth = 3\n"));
  EXPECT_EQ(o.operation, Op::Search);
  EXPECT_EQ(o.root, fs::canonical(tree_.root()).string());
  EXPECT_EQ(o.deny, (std::vector<std::string>{".env*", "*.pem", "*.key", "id_*", ".git/",
                                              "*.sqlite", "build/"}));
  EXPECT_TRUE(o.no_symlinks);
  EXPECT_EQ(o.max_bytes, 2048u);
  EXPECT_EQ(o.max_results, 50u);
  EXPECT_EQ(o.max_depth, 3);
  FilesToolOptions w = options(tool("files.write", "overwrite = false\n"));
  EXPECT_EQ(w.operation, Op::Write);
  EXPECT_FALSE(w.overwrite);
  EXPECT_EQ(options(tool("files.list", "")).operation, Op::List);
}

// Only root given: the built-in deny list and limits apply; default_deny = false drops the list.
TEST_F(FilesConfig, DefaultsApply) {
  FilesToolOptions o = options(tool("files.read", ""));
  EXPECT_EQ(o.operation, Op::Read);
  EXPECT_EQ(o.deny, FilesToolOptions{}.deny);
  EXPECT_FALSE(o.no_symlinks);
  EXPECT_EQ(o.max_bytes, std::size_t{1} << 20);
  FilesToolOptions bare = options(tool("files.read", "default_deny = false\ndeny = [\".*\"]\n"));
  EXPECT_EQ(bare.deny, std::vector<std::string>{".*"});
}

// A relative root is taken relative to the config file, and stored absolute without symlinks.
TEST_F(FilesConfig, RelativeRootIsResolvedAgainstTheConfigFile) {
  fs::create_directories(tree_.root() / "project");
  fs::create_directory_symlink("project", tree_.root() / "alias");
  const fs::path file = tree_.root() / "bastion.toml";
  TempTree::writeFile(file, "[[tools]]\nname = \"f\"\nkind = \"files.read\"\nroot = \"alias\"\n");
  auto r = config::loadFile(file.string());
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(std::get<FilesToolOptions>(r.value()->tools[0].options).root,
            fs::canonical(tree_.root() / "project").string());
}

// Mistakes are refused at load with exact messages.
TEST_F(FilesConfig, RefusesMistakes) {
  tree_.file("plain.txt", "x");
  EXPECT_EQ(errorsOf("[[tools]]\nname = \"f\"\nkind = \"files.read\"\n"),
            "t.toml:1:1: tools[0].root: required\n");
  EXPECT_EQ(errorsOf("[[tools]]\nname = \"f\"\nkind = \"files.read\"\nroot = \"" +
                     (tree_.root() / "plain.txt").string() + "\"\n"),
            "t.toml:4:8: tools[0].root: is not a directory\n");
  EXPECT_EQ(errorsOf("[[tools]]\nname = \"f\"\nkind = \"files.read\"\nroot = \"" +
                     (tree_.root() / "missing").string() + "\"\n"),
            "t.toml:4:8: tools[0].root: cannot be used: No such file or directory\n");
  EXPECT_EQ(errorsOf(tool("files.read", "deny = [\"ok\", \"a/b\"]\n")),
            "t.toml:5:15: tools[0].deny[1]: deny pattern 'a/b' has a '/' before its end; "
            "patterns match one path component (\"name\" or \"name/\")\n");
  EXPECT_EQ(errorsOf(tool("files.read", "max_results = 5\n")),
            "t.toml:5:15: tools[0].max_results: only for files.list and files.search\n");
  EXPECT_EQ(errorsOf(tool("files.write", "max_depth = 5\n")),
            "t.toml:5:13: tools[0].max_depth: only for files.list and files.search\n");
  EXPECT_EQ(errorsOf(tool("files.read", "overwrite = false\n")),
            "t.toml:5:13: tools[0].overwrite: only for files.write\n");
  EXPECT_EQ(errorsOf(tool("files.read", "max_bytes = \"2GiB\"\n")),
            "t.toml:5:13: tools[0].max_bytes: must be at most 1GiB\n");
  EXPECT_EQ(errorsOf(tool("files.list", "max_depth = 0\n")),
            "t.toml:5:13: tools[0].max_depth: must be between 1 and 64\n");
  EXPECT_EQ(errorsOf(tool("files.read", "symlinks = true\n")),
            "t.toml:5:1: tools[0].symlinks: unknown key\n");
}

// What config produces builds a working tool (the path the server takes at start).
TEST_F(FilesConfig, LoadedOptionsBuildATool) {
  tree_.file("a.txt", "hello\n");
  FilesToolOptions o = options(tool("files.read", ""));
  auto spec = makeFilesTool(
      ToolIdentity{
          .name = "f", .title = "", .description = "", .scopes = {}, .audit_fields = {"path"}},
      o);
  ASSERT_TRUE(spec);
  Outcome r = call(spec.value(), R"({"path": "a.txt"})");
  EXPECT_TRUE(r.ok) << r.text;
}

}  // namespace
}  // namespace bastion::tools
