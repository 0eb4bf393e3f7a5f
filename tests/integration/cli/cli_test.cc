#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "integration/cli/child.h"

namespace bastion::testing {
namespace {

const std::string kExe = BASTION_EXE;

std::string tempFile(const std::string& name, std::string_view content) {
  std::string path = ::testing::TempDir() + "/bastion-cli-" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

const std::string kSchema = R"({"type":"object","properties":{"age":{"type":"integer",
  "minimum":0},"email":{"type":"string","format":"email"}},"required":["name"]})";

// A valid instance: exit 0 and "valid".
TEST(CliValidate, ValidInstanceExitsZero) {
  auto r = run({kExe, "validate", "--schema", tempFile("s1.json", kSchema),
                tempFile("i1.json", R"({"name":"x","age":3})")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "valid\n");
}

// An invalid instance: exit 1 and one "pointer: reason" line per failure.
TEST(CliValidate, InvalidInstancePrintsPointersAndExitsOne) {
  auto r = run({kExe, "validate", "--schema", tempFile("s2.json", kSchema),
                tempFile("i2.json", R"({"age":-1})")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("invalid\n")) << r.out;
  EXPECT_NE(r.out.find("\n/age: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n(root): "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("name"), std::string::npos) << r.out;
}

// The instance may come from stdin with "-".
TEST(CliValidate, ReadsInstanceFromStdin) {
  auto r = run({kExe, "validate", "--schema", tempFile("s3.json", kSchema), "-"},
               R"({"name":"x","age":"old"})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("/age: "), std::string::npos) << r.out;
}

// --formats turns `format` into an assertion.
TEST(CliValidate, FormatsFlagAssertsFormats) {
  std::string schema = tempFile("s4.json", kSchema);
  std::string instance = tempFile("i4.json", R"({"name":"x","email":"nope"})");
  EXPECT_EQ(run({kExe, "validate", "--schema", schema, instance}).exit_code, 0);
  auto r = run({kExe, "validate", "--formats", "--schema", schema, instance});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("/email: "), std::string::npos) << r.out;
}

// An unusable schema, a schema that is not JSON, or a missing file: exit 2, reason on stderr.
TEST(CliValidate, UnusableInputExitsTwo) {
  auto bad_schema = run({kExe, "validate", "--schema", tempFile("s5.json", R"({"type":12})"),
                         tempFile("i5.json", "1")});
  EXPECT_EQ(bad_schema.exit_code, 2);
  EXPECT_NE(bad_schema.err.find("unusable schema"), std::string::npos) << bad_schema.err;
  EXPECT_EQ(bad_schema.out, "");
  auto not_json = run({kExe, "validate", "--schema", tempFile("s6.json", "{nope")});
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_NE(not_json.err.find("not JSON"), std::string::npos) << not_json.err;
  auto missing = run({kExe, "validate", "--schema", "/nonexistent/s.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "/nonexistent/s.json: cannot read the file\n");
  auto missing_instance =
      run({kExe, "validate", "--schema", tempFile("s7.json", "{}"), "/nonexistent/i.json"});
  EXPECT_EQ(missing_instance.exit_code, 2);
  auto unresolved = run({kExe, "validate", "--schema",
                         tempFile("s8.json", R"({"$ref":"https://example.com/remote.json"})"),
                         tempFile("i8.json", "1")});
  EXPECT_EQ(unresolved.exit_code, 2) << "a remote $ref must never be fetched or ignored";
}

// Without an instance only the schema is checked.
TEST(CliValidate, SchemaOnly) {
  auto r = run({kExe, "validate", "--schema", tempFile("s9.json", kSchema)});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "schema OK\n");
}

// A good configuration: exit 0 and a summary on stdout.
TEST(CliCheck, GoodConfigPrintsSummary) {
  std::string path =
      tempFile("good.toml", "[server]\nlisten = \"127.0.0.1:9999\"\n[demo]\ntools = true\n");
  auto r = run({kExe, "check", "--config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with(path + ": OK\n")) << r.out;
  EXPECT_NE(r.out.find("listen:     http://127.0.0.1:9999/mcp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("demo tools: on"), std::string::npos) << r.out;
}

// A bad configuration: exit 1 and every error with file:line:column on stderr.
TEST(CliCheck, BadConfigPrintsPositionedErrors) {
  std::string path = tempFile("bad.toml", "[server]\nlisten = \"0.0.0.0:80\"\nport = 1\n");
  auto r = run({kExe, "check", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path + ":3:1: server.port: unknown key\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":2:10: server.listen: auth.mode \"none\" is allowed only"),
            std::string::npos)
      << r.err;
}

// check summarizes the auth setup and names the secret's variable, never its value.
TEST(CliCheck, IntrospectionSecretIsNeverPrinted) {
  ::setenv("BASTION_CLI_TEST_SECRET", "hunter2-do-not-print", 1);
  const std::string path =
      tempFile("introspection.toml",
               "[server]\nlisten = \"127.0.0.1:8080\"\n[auth]\nmode = \"introspection\"\n"
               "[auth.scope_implications]\n\"files:write\" = [\"files:read\"]\n"
               "[auth.introspection]\nissuer = \"https://as.example\"\n"
               "endpoint = \"https://as.example/introspect\"\nclient_id = \"bastion\"\n"
               "client_secret_env = \"BASTION_CLI_TEST_SECRET\"\n");
  auto r = run({kExe, "check", "--config", path});
  ::unsetenv("BASTION_CLI_TEST_SECRET");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  auth:       introspection (https://as.example/introspect as bastion, "
                       "secret from $BASTION_CLI_TEST_SECRET)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  resource:   http://127.0.0.1:8080/mcp\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  implies:    files:write => files:read\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

// Without --config, check describes the embedded default: demo tools on 127.0.0.1:8080/mcp.
TEST(CliCheck, EmbeddedDefaultIsLoopback8080) {
  auto r = run({kExe, "check"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("listen:     http://127.0.0.1:8080/mcp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("demo tools: on"), std::string::npos) << r.out;
}

// Every subcommand has --help, which exits 0 and prints usage on stdout.
TEST(CliHelp, EverySubcommandHasHelp) {
  for (const char* sub : {"serve", "check", "validate", "version"}) {
    auto r = run({kExe, sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
  }
  auto top = run({kExe, "--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* sub : {"serve", "check", "validate", "version"}) {
    EXPECT_NE(top.out.find(sub), std::string::npos) << sub;
  }
}

// Usage errors (unknown option, missing --schema, no subcommand) exit 2.
TEST(CliHelp, UsageErrorsExitTwo) {
  EXPECT_EQ(run({kExe, "validate"}).exit_code, 2);
  EXPECT_EQ(run({kExe, "serve", "--bogus"}).exit_code, 2);
  EXPECT_EQ(run({kExe}).exit_code, 2);
  EXPECT_EQ(run({kExe, "serve", "--stdio", "--listen", "127.0.0.1:1"}).exit_code, 2);
}

// `version` prints the version.
TEST(CliVersion, PrintsVersion) {
  auto r = run({kExe, "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.starts_with("bastion ")) << r.out;
}

// serve refuses a bad config before starting, with positioned errors.
TEST(CliServe, RefusesBadConfig) {
  auto r = run({kExe, "serve", "--config", tempFile("bad2.toml", "[demo]\ntools = 1\n")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(":2:9: demo.tools: expected a boolean, got an integer"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

// An unauthenticated listener on a public address is refused before binding anything.
TEST(CliServe, RejectsAuthNoneOnPublicListen) {
  const std::string config = tempFile("public-none.toml", "[auth]\nmode = \"none\"\n");
  auto r = run({kExe, "serve", "--config", config, "--listen", "0.0.0.0:8080"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--listen: server.listen: auth.mode \"none\" is allowed only on a "
                       "loopback address"),
            std::string::npos)
      << r.err;
  // The default (embedded) on a public address needs the canonical URL clients will use.
  auto d = run({kExe, "serve", "--listen", "0.0.0.0:8080"});
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.err.find("--listen: server.listen: server.public_url is required with auth.mode "
                       "\"embedded\" here: the listen address is unspecified"),
            std::string::npos)
      << d.err;
}

// stdio in an OAuth mode with auth.stdio.token_env: serve --stdio refuses to start, naming the
// variable, when it is unset, and when the token in it is refused.
TEST(CliServe, StdioRefusesToStartWithoutItsTokenVariable) {
  ::unsetenv("BASTION_CLI_TEST_TOKEN");
  const std::string store = ::testing::TempDir() + "/bastion-cli-stdio-token.db";
  const std::string path =
      tempFile("stdio-token.toml",
               "[server]\npublic_url = \"http://127.0.0.1:1/mcp\"\n[auth]\nmode = \"embedded\"\n"
               "[auth.stdio]\ntoken_env = \"BASTION_CLI_TEST_TOKEN\"\n[store]\nurl = \"sqlite://" +
                   store + "\"\n");
  auto unset = run({kExe, "serve", "--stdio", "--config", path});
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_NE(unset.err.find("stdio needs a bearer token in the environment variable "
                           "BASTION_CLI_TEST_TOKEN (auth.stdio.token_env), and it is not set"),
            std::string::npos)
      << unset.err;
  EXPECT_EQ(unset.out, "");
  ::setenv("BASTION_CLI_TEST_TOKEN", "not.a.token", 1);
  auto refused = run({kExe, "serve", "--stdio", "--config", path});
  ::unsetenv("BASTION_CLI_TEST_TOKEN");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("the bearer token in BASTION_CLI_TEST_TOKEN was refused"),
            std::string::npos)
      << refused.err;
}

// bastion never writes a core file: its memory holds API keys, signing keys and tokens. The
// running server's core size limit is 0, soft and hard.
TEST(CliServe, ServerNeverDumpsCore) {
  Child child({kExe, "serve", "--stdio"});
  child.write(R"({"jsonrpc":"2.0","id":0,"method":"ping"})" "\n");
  ASSERT_TRUE(child.readLine(std::chrono::seconds(10))) << child.stderrText();
  std::ifstream limits("/proc/" + std::to_string(child.pid()) + "/limits");
  std::string line;
  std::string core;
  while (std::getline(limits, line)) {
    if (line.starts_with("Max core file size")) {
      core = line;
    }
  }
  EXPECT_TRUE(std::regex_search(core, std::regex(R"(Max core file size\s+0\s+0\s+bytes)")))
      << core;
  child.closeStdin();
  EXPECT_EQ(child.wait(std::chrono::seconds(20)), 0) << child.stderrText();
}

// A disk that fills up under the audit log (here: a file-size limit, EFBIG) stops the server
// with exit status 74 and a message saying why, instead of serving calls it cannot record or
// dumping core. The shell ignores SIGXFSZ so the write fails rather than killing the process.
TEST(CliServe, AuditLogThatCannotBeWrittenStopsTheServer) {
  const std::string dir = ::testing::TempDir() + "/bastion-cli-audit-full";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string config = tempFile(
      "audit-full.toml", "[demo]\ntools = true\n[audit]\npath = \"" + dir +
                             "/audit.jsonl\"\nfsync = \"always\"\n");
  Child child({"/bin/sh", "-c", "trap '' XFSZ; ulimit -f 16; exec \"$0\" serve --stdio --config \"$1\"",
               kExe, config});
  child.write(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":)"
              R"("2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
              "\n");
  ASSERT_TRUE(child.readLine(std::chrono::seconds(10))) << child.stderrText();
  // Each call appends a record; within the 8 KiB limit the log is soon full.
  const std::string call = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":)"
                           R"({"name":"count_text","arguments":{"text":")" +
                           std::string(200, 'x') + "\"}}}\n";
  for (int i = 0; i < 200; ++i) {
    child.write(call);
    if (!child.readLine(std::chrono::seconds(10))) {
      break;  // the server stopped
    }
  }
  EXPECT_EQ(child.wait(std::chrono::seconds(20)), 74) << child.stderrText();
  EXPECT_NE(child.stderrText().find("stopping: no call may run without its audit record"),
            std::string::npos)
      << child.stderrText();
  std::filesystem::remove_all(dir);
}

// The program does not link libpq: it loads it when a PostgreSQL database is configured. A
// database on a closed port is then refused by libpq itself ("cannot connect"), which proves the
// library was found and called; without a PostgreSQL database it is never mapped.
TEST(CliServe, LoadsLibpqOnlyForAPostgresDatabase) {
  const std::string path = tempFile("postgres-down.toml",
                                    "[databases.main]\n"
                                    "url = \"postgresql://nobody@127.0.0.1:9/x\"\n"
                                    "[[tools]]\nname = \"q\"\nkind = \"sql.query\"\n"
                                    "database = \"main\"\nsql = \"SELECT 1 AS one\"\n");
  auto r = run({kExe, "serve", "--stdio", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot start: database main: cannot connect to PostgreSQL: "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("libpq.so.5 cannot be loaded"), std::string::npos) << r.err;
  // The program itself has no libpq among its needed libraries.
  auto needed = run({"/usr/bin/ldd", kExe});
  EXPECT_EQ(needed.out.find("libpq"), std::string::npos) << needed.out;
}

// One HTTP request over a fresh loopback connection; returns the raw response (bounded).
std::string httpExchange(int port, const std::string& request);

// Without a config, serve runs the embedded authorization server: an initialize without a token
// gets 401 pointing at the Protected Resource Metadata, which names this server as issuer.
// A loopback port free right now: with OAuth the canonical URL must name the real port, so the
// test chooses it instead of listening on port 0.
int freeLoopbackPort() {
  int probe = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(probe);
  return port;
}

// Waits (bounded: real processes) until the child logs that it serves HTTP in `auth_mode`, and
// returns the port it names, or "" if it never does.
std::string waitForServing(Child& child, const std::string& auth_mode) {
  std::smatch m;
  const std::regex line(R"(serving MCP on http://127\.0\.0\.1:(\d+)/mcp \(auth )" + auth_mode +
                        R"(\))");
  std::string err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::regex_search(err, m, line) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    err = child.stderrText();
  }
  return std::regex_search(err, m, line) ? m[1].str() : std::string();
}

TEST(CliServe, DefaultIsTheEmbeddedAuthorizationServer) {
  const int free_port = freeLoopbackPort();
  ASSERT_GT(free_port, 0);
  Child child({kExe, "serve", "--listen", "127.0.0.1:" + std::to_string(free_port)});
  const std::string port = waitForServing(child, "embedded");
  ASSERT_FALSE(port.empty()) << child.stderrText();
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  std::string response = httpExchange(
      std::stoi(port), "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                           "\r\nContent-Type: application/json\r\nAccept: application/json, "
                           "text/event-stream\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 401")) << response;
  EXPECT_NE(response.find("WWW-Authenticate: Bearer resource_metadata=\"http://127.0.0.1:" + port +
                          "/.well-known/oauth-protected-resource/mcp\", scope=\"mcp:tools\""),
            std::string::npos)
      << response;
  std::string prm = httpExchange(std::stoi(port),
                                 "GET /.well-known/oauth-protected-resource/mcp HTTP/1.1\r\nHost: "
                                 "127.0.0.1:" +
                                     port + "\r\nConnection: close\r\n\r\n");
  EXPECT_NE(prm.find("\"authorization_servers\":[\"http://127.0.0.1:" + port + "\"]"),
            std::string::npos)
      << prm;
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait(std::chrono::seconds(20)), 0) << child.stderrText();
}

// auth.embedded.requests_per_ip reaches the authorization server: with "2/minute" and no burst,
// a client address's second request to its endpoints within 30 s is refused with 429.
TEST(CliServe, AuthorizationServerRequestsPerIpComesFromTheConfig) {
  const int free_port = freeLoopbackPort();
  ASSERT_GT(free_port, 0);
  const std::string config = tempFile(
      "serve-per-ip.toml", "[server]\nlisten = \"127.0.0.1:" + std::to_string(free_port) +
                               "\"\n[auth]\nmode = \"embedded\"\n[auth.embedded]\n"
                               "requests_per_ip = \"2/minute\"\nrequests_per_ip_burst = 0\n"
                               "[store]\nurl = \"sqlite://" +
                               ::testing::TempDir() + "/bastion-cli-per-ip/store.db\"\n");
  Child child({kExe, "serve", "--config", config});
  const std::string port = waitForServing(child, "embedded");
  ASSERT_FALSE(port.empty()) << child.stderrText();
  const std::string authorize = "GET /authorize HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                                "\r\nConnection: close\r\n\r\n";
  const std::string first = httpExchange(std::stoi(port), authorize);
  EXPECT_TRUE(first.starts_with("HTTP/1.1 400")) << "no client_id: an error page\n" << first;
  const std::string second = httpExchange(std::stoi(port), authorize);
  EXPECT_TRUE(second.starts_with("HTTP/1.1 429")) << second;
  EXPECT_NE(second.find("retry-after: 30"), std::string::npos) << second;
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait(std::chrono::seconds(20)), 0) << child.stderrText();
}

std::string httpExchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n = 0;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
      response.append(buf, static_cast<std::size_t>(n));
      if (response.find("\"serverInfo\"") != std::string::npos) {
        break;
      }
    }
  }
  close(fd);
  return response;
}

// `serve --listen` starts Streamable HTTP, answers initialize, and exits 0 on SIGTERM.
// Real network: the wait for the log line is bounded.
TEST(CliServe, HttpServesAndStopsOnSigterm) {
  const std::string config =
      tempFile("serve-none.toml", "[auth]\nmode = \"none\"\n[demo]\ntools = true\n");
  Child child({kExe, "serve", "--config", config, "--listen", "127.0.0.1:0"});
  std::smatch m;
  const std::regex line(R"(serving MCP on http://127\.0\.0\.1:(\d+)/mcp)");
  std::string err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::regex_search(err, m, line) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    err = child.stderrText();
  }
  ASSERT_TRUE(std::regex_search(err, m, line)) << err;
  int port = std::stoi(m[1].str());
  std::string body = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":)"
                     R"("2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  std::string response =
      httpExchange(port, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                             "\r\nContent-Type: application/json\r\nAccept: application/json, "
                             "text/event-stream\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
  EXPECT_NE(response.find("\"name\":\"bastion\""), std::string::npos) << response;
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait(std::chrono::seconds(20)), 0) << child.stderrText();
  EXPECT_EQ(child.readAll(std::chrono::seconds(5)), "") << "nothing but logs, and only on stderr";
}

}  // namespace
}  // namespace bastion::testing

namespace bastion::testing {
namespace {

// The suite-wide canary check itself: the value is found raw, percent-encoded, and inside a
// base64 blob at any alignment; text without it passes.
TEST(Canary, CheckFindsTheSecretInEveryEncoding) {
  const char* canary = std::getenv("BASTION_TEST_CANARY");
  ASSERT_NE(canary, nullptr) << "ctest sets BASTION_TEST_CANARY for every test";
  const std::string value = canary;
  EXPECT_TRUE(canaryLeaks("nothing secret here").empty());
  EXPECT_EQ(canaryLeaks("token=" + value + ";"), std::vector<std::string>{"raw"});
  for (const std::string& prefix : {std::string(""), std::string("a"), std::string("ab")}) {
    // base64 of prefix + value + suffix, computed by the shell-independent encoder below.
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string plain = prefix + value + "xyz";
    std::string encoded;
    for (std::size_t i = 0; i < plain.size(); i += 3) {
      std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(plain[i])) << 16;
      if (i + 1 < plain.size())
        n |= static_cast<std::uint32_t>(static_cast<unsigned char>(plain[i + 1])) << 8;
      if (i + 2 < plain.size()) n |= static_cast<unsigned char>(plain[i + 2]);
      encoded += kAlphabet[(n >> 18) & 63];
      encoded += kAlphabet[(n >> 12) & 63];
      encoded += i + 1 < plain.size() ? kAlphabet[(n >> 6) & 63] : '=';
      encoded += i + 2 < plain.size() ? kAlphabet[n & 63] : '=';
    }
    EXPECT_FALSE(canaryLeaks("Basic " + encoded).empty()) << "prefix of " << prefix.size();
  }
  std::string percent;
  for (char c : value) {
    percent += c == '/' ? std::string("%2F") : c == '+' ? std::string("%2B") : std::string(1, c);
  }
  ASSERT_NE(percent, value) << "the canary should hold a character that URLs encode";
  EXPECT_EQ(canaryLeaks("q=" + percent), std::vector<std::string>{"percent-encoded"});
}

}  // namespace
}  // namespace bastion::testing
