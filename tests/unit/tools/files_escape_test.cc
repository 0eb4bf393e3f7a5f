// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

// The escapes that broke the reference filesystem MCP server, each tried against the files
// tools: every one must be refused and must leak nothing (no outside content, no host path).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tools/confined_root.h"
#include "unit/tools/files_fixture.h"

namespace bastion::tools {
namespace {

using namespace bastion::tools::testing;
using Op = FilesToolOptions::Operation;

std::string pathArgs(std::string_view path) { return bj::serialize(bj::object{{"path", path}}); }

class FilesEscape : public ::testing::Test {
 protected:
  // Nothing from outside the root and no host path in anything the caller saw.
  void expectNoLeak(const Outcome& o) {
    EXPECT_EQ(o.text.find(kOutsideSecret), std::string::npos) << o.text;
    EXPECT_EQ(o.text.find(tree_.base().string()), std::string::npos) << o.text;
  }
  void expectRefused(const mcp::ToolSpec& tool, std::string_view args, FilesError code) {
    Outcome o = call(tool, args);
    EXPECT_FALSE(o.ok) << args << " -> " << o.text;
    EXPECT_EQ(o.code, static_cast<int>(code)) << args << " -> " << o.text;
    expectNoLeak(o);
  }
  // The whole tree as list and search see it.
  std::string everythingVisible() {
    Outcome listed = call(list_, R"({"path": "", "recursive": true})");
    Outcome found = call(search_, R"({"name_glob": "*"})");
    Outcome grepped = call(search_, R"({"text": "SECRET"})");
    EXPECT_TRUE(listed.ok && found.ok && grepped.ok);
    for (const Outcome* o : {&listed, &found, &grepped}) {
      expectNoLeak(*o);
    }
    return listed.text + found.text + grepped.text;
  }

  TempTree tree_;
  mcp::ToolSpec read_ = makeTool(tree_, Op::Read);
  mcp::ToolSpec list_ = makeTool(tree_, Op::List);
  mcp::ToolSpec search_ = makeTool(tree_, Op::Search);
  mcp::ToolSpec write_ = makeTool(tree_, Op::Write);
};

// A root "/x/root" must not admit "/x/root_evil/secret" (a string-prefix check would).
TEST_F(FilesEscape, SiblingPrefixRootEvilIsOutside) {
  tree_.symlink("../root_evil/secret", "evil");
  tree_.symlink((tree_.base() / "root_evil").string(), "evil_dir");
  expectRefused(read_, pathArgs("../root_evil/secret"), FilesError::DotDot);
  expectRefused(read_, pathArgs((tree_.base() / "root_evil" / "secret").string()),
                FilesError::AbsolutePath);
  expectRefused(read_, pathArgs("evil"), FilesError::OutsideRoot);
  expectRefused(read_, pathArgs("evil_dir/secret"), FilesError::OutsideRoot);
  expectRefused(list_, pathArgs("evil_dir"), FilesError::OutsideRoot);
  EXPECT_EQ(everythingVisible().find("evil)"), std::string::npos);
}

// A file symlink pointing outside (relative or absolute) is not followed.
TEST_F(FilesEscape, SymlinkToOutsideIsRefused) {
  tree_.symlink("../outside/secret", "relative");
  tree_.symlink((tree_.outside() / "secret").string(), "absolute");
  tree_.symlink("../../../../../../../../" + (tree_.outside() / "secret").string(), "deep");
  for (const char* name : {"relative", "absolute", "deep"}) {
    expectRefused(read_, pathArgs(name), FilesError::OutsideRoot);
  }
  everythingVisible();
}

// A directory symlink pointing outside is neither read through, listed, nor walked into.
TEST_F(FilesEscape, DirectorySymlinkToOutsideIsRefused) {
  tree_.symlink("../outside", "out");
  tree_.file("docs/readme.txt", "hello\n");
  tree_.symlink("../../outside", "docs/nested_out");
  expectRefused(read_, pathArgs("out/secret"), FilesError::OutsideRoot);
  expectRefused(read_, pathArgs("docs/nested_out/secret"), FilesError::OutsideRoot);
  expectRefused(list_, pathArgs("out"), FilesError::OutsideRoot);
  expectRefused(search_, R"({"path": "out", "text": "SECRET"})", FilesError::OutsideRoot);
  std::string visible = everythingVisible();
  EXPECT_NE(visible.find("docs/readme.txt"), std::string::npos) << "the walk itself ran";
  EXPECT_EQ(visible.find("out/secret"), std::string::npos) << visible;
}

// Symlinks that stay inside the root are followed, unless no_symlinks refuses them all.
TEST_F(FilesEscape, SymlinkInsideRootIsFollowed) {
  tree_.file("docs/a.txt", "inside content\n");
  tree_.symlink("docs/a.txt", "alias");
  tree_.symlink("docs", "docs_alias");
  Outcome followed = call(read_, pathArgs("alias"));
  ASSERT_TRUE(followed.ok) << followed.text;
  EXPECT_EQ(followed.structured.at("content").as_string(), "inside content\n");
  EXPECT_TRUE(call(read_, pathArgs("docs_alias/a.txt")).ok);
  EXPECT_TRUE(call(list_, pathArgs("docs_alias")).ok);

  FilesToolOptions strict;
  strict.no_symlinks = true;
  mcp::ToolSpec strict_read = makeTool(tree_, Op::Read, strict);
  mcp::ToolSpec strict_list = makeTool(tree_, Op::List, strict);
  expectRefused(strict_read, pathArgs("alias"), FilesError::SymlinkRefused);
  expectRefused(strict_read, pathArgs("docs_alias/a.txt"), FilesError::SymlinkRefused);
  expectRefused(strict_list, pathArgs("docs_alias"), FilesError::SymlinkRefused);
  EXPECT_TRUE(call(strict_read, pathArgs("docs/a.txt")).ok) << "plain paths still work";
}

// No chain of '..' leaves the root, however it is spelled or combined with real names.
TEST_F(FilesEscape, DotDotChainsCannotEscape) {
  tree_.file("a/b/c.txt", "c\n");
  for (const char* path :
       {"..", "../outside/secret", "../../../../../../etc/passwd", "a/../../outside/secret",
        "a/b/../../../outside/secret", "./../outside/secret", "a/./../..", "a//..//..//outside",
        "a/b/c.txt/../../../../outside/secret"}) {
    expectRefused(read_, pathArgs(path), FilesError::DotDot);
    expectRefused(list_, pathArgs(path), FilesError::DotDot);
    expectRefused(write_, bj::serialize(bj::object{{"path", path}, {"content", "x"}}),
                  FilesError::DotDot);
  }
  // Inside the root a symlink holding '..' is resolved by the kernel, which still stops at it.
  tree_.symlink("../../..", "a/b/up");
  expectRefused(read_, pathArgs("a/b/up/outside/secret"), FilesError::OutsideRoot);
}

// Absolute paths are refused, even one naming a file inside the root, and never echoed.
TEST_F(FilesEscape, AbsolutePathIsRefused) {
  tree_.file("a.txt", "a\n");
  for (const std::string& path :
       {std::string("/etc/passwd"), (tree_.root() / "a.txt").string(),
        (tree_.outside() / "secret").string(), std::string("/"), std::string("//a.txt")}) {
    expectRefused(read_, pathArgs(path), FilesError::AbsolutePath);
    expectRefused(list_, pathArgs(path), FilesError::AbsolutePath);
    expectRefused(search_, bj::serialize(bj::object{{"path", path}, {"name_glob", "*"}}),
                  FilesError::AbsolutePath);
    expectRefused(write_, bj::serialize(bj::object{{"path", path}, {"content", "x"}}),
                  FilesError::AbsolutePath);
  }
}

// '~' is never expanded to a home directory; a leading '~' is refused outright.
TEST_F(FilesEscape, TildeIsNotExpanded) {
  for (const char* path : {"~", "~/.bashrc", "~root/.ssh/authorized_keys", "~/../outside"}) {
    expectRefused(read_, pathArgs(path), FilesError::TildePath);
    expectRefused(list_, pathArgs(path), FilesError::TildePath);
  }
  tree_.file("notes/~draft", "draft\n");
  EXPECT_TRUE(call(read_, pathArgs("notes/~draft")).ok) << "a '~' inside a name is a character";
}

// Nothing is decoded: "%2e%2e" and friends are plain names, found only if they exist as such.
TEST_F(FilesEscape, PercentEncodedDotDotIsLiteral) {
  for (const char* path : {"%2e%2e/outside/secret", "%2e%2e%2foutside%2fsecret", "..%2foutside",
                           "%252e%252e/outside/secret", "..\\outside\\secret", ".%2e/outside"}) {
    expectRefused(read_, pathArgs(path), FilesError::NotFound);
  }
  // Overlong UTF-8 for "." (not valid JSON text, so straight to the handler).
  Outcome overlong = call(read_, bj::object{{"path", "\xc0\xae\xc0\xae/outside/secret"}});
  EXPECT_EQ(overlong.code, static_cast<int>(FilesError::NotFound));
  expectNoLeak(overlong);
  tree_.file("%2e%2e/note.txt", "literal\n");
  Outcome literal = call(read_, pathArgs("%2e%2e/note.txt"));
  ASSERT_TRUE(literal.ok) << literal.text;
  EXPECT_EQ(literal.structured.at("content").as_string(), "literal\n");
}

// A NUL byte would cut the path short in C; it is refused before any system call.
TEST_F(FilesEscape, NulByteInPathIsRefused) {
  tree_.file("a.txt", "a\n");
  const std::string with_nul("a.txt\0/../../outside/secret", 27);
  expectRefused(read_, pathArgs(with_nul), FilesError::NulByte);
  expectRefused(list_, pathArgs(std::string("\0", 1)), FilesError::NulByte);
  expectRefused(write_,
                bj::serialize(bj::object{{"path", std::string("b\0c", 3)}, {"content", "x"}}),
                FilesError::NulByte);
  EXPECT_FALSE(fs::exists(tree_.root() / "b"));
}

// Denied entries are invisible everywhere: read and write say "not found" exactly as for a
// missing file; list and search leave them (and whatever is below them) out.
TEST_F(FilesEscape, DeniedGlobsAreInvisible) {
  const std::string secret = "DENIED-CONTENT";
  for (const char* name : {".env", ".env.local", "id_rsa", "ID_ED25519", "x.pem", "server.key",
                           ".git/config", "sub/.git/HEAD", "sub/deep/Secret.PEM"}) {
    tree_.file(name, secret + "\n");
  }
  tree_.file("sub/visible.txt", "visible\n");
  tree_.symlink(".env", "innocent");  // a name that passes, landing on one that does not
  tree_.symlink(".git", "innocent_dir");
  Outcome missing = call(read_, pathArgs("no_such_file"));
  EXPECT_EQ(missing.text, "'no_such_file': not found");
  for (const char* path :
       {".env", ".env.local", "id_rsa", "ID_ED25519", "x.pem", "server.key", ".git/config", ".git",
        "sub/.git/HEAD", "sub/deep/Secret.PEM", "innocent", "innocent_dir/config", ".GIT/config"}) {
    Outcome o = call(read_, pathArgs(path));
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.text, "'" + std::string(path) + "': not found") << path;
    EXPECT_EQ(o.text.find(secret), std::string::npos);
  }
  expectRefused(list_, pathArgs(".git"), FilesError::Denied);
  expectRefused(list_, pathArgs("innocent_dir"), FilesError::Denied);
  expectRefused(write_, R"({"path": ".env", "content": "x"})", FilesError::Denied);
  expectRefused(write_, R"({"path": "sub/.git/hooks", "content": "x"})", FilesError::Denied);
  EXPECT_EQ(tree_.read(".env"), secret + "\n") << "the refused write changed nothing";

  std::string visible = everythingVisible() + call(search_, R"({"text": "DENIED"})").text;
  EXPECT_NE(visible.find("sub/visible.txt"), std::string::npos);
  for (const char* name : {".env", "id_rsa", "ID_ED25519", "x.pem", "server.key", ".git", "HEAD",
                           "Secret.PEM", secret.c_str()}) {
    EXPECT_EQ(visible.find(name), std::string::npos) << name << " in " << visible;
  }
}

// A symlink to /proc/self/root (a magic link into the whole filesystem) is never followed.
TEST_F(FilesEscape, ProcSelfRootMagicLinkIsRefused) {
  tree_.symlink("/proc/self/root", "proc_root");
  tree_.symlink("/proc/self/cwd", "proc_cwd");
  tree_.symlink("/proc/self/fd", "proc_fd");
  for (const char* path : {"proc_root/etc/passwd", "proc_root", "proc_cwd", "proc_fd/0",
                           "proc_root/proc/self/root/etc/hostname"}) {
    Outcome o = call(read_, pathArgs(path));
    EXPECT_FALSE(o.ok) << path;
    EXPECT_EQ(o.text.find("root:"), std::string::npos) << o.text;
    expectNoLeak(o);
  }
  expectRefused(list_, pathArgs("proc_root"), FilesError::OutsideRoot);

  // Magic links reached without any absolute symlink: a root whose own entries are magic links
  // (/proc/self). RESOLVE_NO_MAGICLINKS (and BENEATH) must refuse the jump out of it.
  auto proc =
      ConfinedRoot::open("/proc/self", {.deny = {}, .no_symlinks = false, .writable = false});
  ASSERT_TRUE(proc);
  for (const char* path : {"root/etc/passwd", "cwd", "fd/0", "exe", "root"}) {
    auto opened = proc.value()->openFile(path);
    ASSERT_FALSE(opened) << path;
    EXPECT_TRUE(opened.error().code == static_cast<int>(FilesError::SymlinkRefused) ||
                opened.error().code == static_cast<int>(FilesError::OutsideRoot))
        << path << ": " << opened.error().message;
  }
  EXPECT_TRUE(proc.value()->openFile("status")) << "ordinary entries still open";
}

// The race the reference server lost: while reads run, another thread keeps renaming a
// symlink to an outside secret over a regular file (and a directory symlink over a real
// directory). No read may ever return the outside content. Bounded: 2 s or 20,000 reads
// (after at least one swap; 30 s at most).
TEST_F(FilesEscape, SymlinkSwapCannotEscapeRoot) {
  tree_.file("swap", "inside\n");
  tree_.file("swapdir/secret", "inside dir\n");
  const fs::path root = tree_.root();
  std::atomic<bool> stop{false};
  std::atomic<long> swaps{0};
  std::thread swapper([&] {
    const std::string outside_file = (tree_.outside() / "secret").string();
    const std::string outside_dir = tree_.outside().string();
    while (!stop.load()) {
      std::error_code ec;
      fs::create_symlink(outside_file, root / "link.tmp", ec);
      fs::rename(root / "link.tmp", root / "swap", ec);
      fs::create_directory_symlink(outside_dir, root / "dirlink.tmp", ec);
      fs::rename(root / "swapdir", root / "swapdir.real", ec);
      fs::rename(root / "dirlink.tmp", root / "swapdir", ec);
      TempTree::writeFile(root / "file.tmp", "inside\n");
      fs::rename(root / "file.tmp", root / "swap", ec);
      fs::remove(root / "swapdir", ec);
      fs::rename(root / "swapdir.real", root / "swapdir", ec);
      swaps.fetch_add(1);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(2);
  // Keep reading past the deadline until the swapper has swapped at least once (a loaded CI
  // machine may start it late), but never past a hard bound.
  const auto hard_deadline = start + std::chrono::seconds(30);
  auto keep_going = [&](int reads_so_far) {
    const auto now = std::chrono::steady_clock::now();
    return now < hard_deadline && (swaps.load() == 0 || (reads_so_far < 20'000 && now < deadline));
  };
  int reads = 0;
  int inside = 0;
  bool escaped = false;
  for (; !escaped && keep_going(reads); reads += 2) {
    for (const char* path : {"swap", "swapdir/secret"}) {
      Outcome o = call(read_, pathArgs(path));
      escaped = escaped || o.text.find(kOutsideSecret) != std::string::npos ||
                o.text.find(tree_.base().string()) != std::string::npos;
      inside += o.ok ? 1 : 0;
    }
  }
  stop.store(true);
  swapper.join();
  EXPECT_FALSE(escaped) << "a read returned outside content or a host path after " << reads;
  EXPECT_GT(swaps.load(), 0);
  EXPECT_GT(reads, 0);
  RecordProperty("reads", reads);
  RecordProperty("inside_reads", inside);
}

// A write through a parent directory symlink that leads outside is refused and creates
// nothing outside; a write onto a symlink (inside or out) is refused instead of following it.
TEST_F(FilesEscape, WriteOutsideViaSymlinkParentRefused) {
  tree_.symlink("../outside", "out");
  tree_.symlink((tree_.outside() / "secret").string(), "secret_link");
  tree_.file("real.txt", "real\n");
  tree_.symlink("real.txt", "inside_link");
  expectRefused(write_, R"({"path": "out/new.txt", "content": "pwned"})", FilesError::OutsideRoot);
  expectRefused(write_, R"({"path": "out/secret", "content": "pwned"})", FilesError::OutsideRoot);
  expectRefused(write_, R"({"path": "secret_link", "content": "pwned"})",
                FilesError::SymlinkRefused);
  expectRefused(write_, R"({"path": "inside_link", "content": "pwned"})",
                FilesError::SymlinkRefused);
  EXPECT_FALSE(fs::exists(tree_.outside() / "new.txt"));
  EXPECT_EQ(std::count_if(fs::directory_iterator(tree_.outside()), fs::directory_iterator(),
                          [](const auto&) { return true; }),
            1);
  std::ifstream in(tree_.outside() / "secret");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}),
            std::string(kOutsideSecret) + "\n");
  EXPECT_TRUE(fs::is_symlink(tree_.root() / "secret_link"));
  EXPECT_EQ(tree_.read("real.txt"), "real\n");
}

// Only files.write writes: the other kinds have no content argument, are marked read-only,
// ignore a smuggled "content", and their root refuses writes outright.
TEST_F(FilesEscape, WriteRefusedWhenKindNotWrite) {
  tree_.file("a.txt", "original\n");
  for (const mcp::ToolSpec* tool : {&read_, &list_, &search_}) {
    EXPECT_FALSE(tool->input_schema.at("properties").as_object().contains("content"));
    EXPECT_TRUE(tool->annotations.read_only.value_or(false));
    EXPECT_FALSE(accepts(*tool, bj::parse(R"({"path": "a.txt", "content": "changed"})")));
    static_cast<void>(call(*tool, R"({"path": "a.txt", "content": "changed", "text": "x"})"));
  }
  EXPECT_EQ(tree_.read("a.txt"), "original\n");

  auto root = ConfinedRoot::open(tree_.root().string(),
                                 {.deny = {}, .no_symlinks = false, .writable = false});
  ASSERT_TRUE(root);
  auto written = root.value()->writeFile("a.txt", "changed", false, systemRandom());
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, static_cast<int>(FilesError::ReadOnly));
  EXPECT_EQ(tree_.read("a.txt"), "original\n");
}

// A reader racing a writer sees the old file or the new one, never a torn or empty mix.
TEST_F(FilesEscape, WriteIsAtomic) {
  const std::string a(64 * 1024, 'a');
  const std::string b(64 * 1024, 'b');
  tree_.file("doc.txt", a);
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop.load(); ++i) {
      Outcome o = call(write_, bj::object{{"path", "doc.txt"}, {"content", i % 2 == 0 ? b : a}});
      EXPECT_TRUE(o.ok) << o.text;
      writes.fetch_add(1);
    }
  });
  int reads = 0;
  bool torn = false;
  while (!torn && writes.load() < 200 && reads < 20'000) {
    Outcome o = call(read_, pathArgs("doc.txt"));
    EXPECT_TRUE(o.ok) << o.text;
    torn = !o.ok || (o.structured.at("content").as_string() != a &&
                     o.structured.at("content").as_string() != b);
    ++reads;
  }
  stop.store(true);
  writer.join();
  EXPECT_FALSE(torn) << "a reader saw a missing or partial file after " << reads << " reads";
  EXPECT_GT(reads, 0);
  for (const auto& entry : fs::directory_iterator(tree_.root())) {
    EXPECT_EQ(entry.path().filename(), "doc.txt") << "temporary file left behind";
  }
}

}  // namespace
}  // namespace bastion::tools
