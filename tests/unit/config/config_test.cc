#include "config/config.h"

#include "core/crypto.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace bastion::config {
namespace {

// The rendered diagnostics of a config that must fail.
std::string errorsOf(std::string_view text, const Overrides& overrides = {}) {
  auto r = parse(text, "t.toml", overrides);
  EXPECT_FALSE(r) << "expected the config to be rejected";
  return r ? std::string() : r.error().toString();
}

std::shared_ptr<const Config> load(std::string_view text, const Overrides& overrides = {}) {
  auto r = parse(text, "t.toml", overrides);
  EXPECT_TRUE(r) << (r ? "" : r.error().toString());
  return r ? *r : nullptr;
}

// A full file fills every field of the typed struct.
TEST(Config, ReadsEveryField) {
  auto c = load(R"(
[server]
listen = "127.0.0.1:9000"
public_url = "https://mcp.example.com/mcp"
endpoint = "/api/mcp"
allowed_hosts = ["mcp.example.com", "localhost:9000"]
allowed_origins = ["https://claude.ai", "http://localhost:3000"]
max_body = "1MiB"
io_threads = 2
workers = 8
stdio_poll_us = 0
[server.sessions]
max = 50
idle_timeout = "5m"
[server.timeouts]
header = "5s"
body = "20s"
idle = "90s"
shutdown = "3s"
[auth]
mode = "none"
[log]
level = "debug"
file = "/tmp/bastion.log"
[demo]
tools = true
)");
  ASSERT_TRUE(c);
  const ServerConfig& s = c->server;
  ASSERT_TRUE(s.listen);
  EXPECT_EQ(s.listen->host, "127.0.0.1");
  EXPECT_EQ(s.listen->port, 9000);
  EXPECT_EQ(s.public_url, "https://mcp.example.com/mcp");
  EXPECT_EQ(s.endpoint, "/api/mcp");
  EXPECT_EQ(s.allowed_hosts, (std::vector<std::string>{"mcp.example.com", "localhost:9000"}));
  EXPECT_EQ(s.allowed_origins.size(), 2u);
  EXPECT_EQ(s.max_body, 1u << 20);
  EXPECT_EQ(s.io_threads, 2u);
  EXPECT_EQ(s.workers, 8u);
  EXPECT_EQ(s.stdio_poll_us, 0u);
  EXPECT_EQ(s.max_sessions, 50u);
  EXPECT_EQ(s.session_idle_timeout, std::chrono::minutes(5));
  EXPECT_EQ(s.timeouts.header, std::chrono::seconds(5));
  EXPECT_EQ(s.timeouts.body, std::chrono::seconds(20));
  EXPECT_EQ(s.timeouts.idle, std::chrono::seconds(90));
  EXPECT_EQ(s.timeouts.shutdown, std::chrono::seconds(3));
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_EQ(c->log.file, "/tmp/bastion.log");
  EXPECT_TRUE(c->demo.tools);
  EXPECT_EQ(c->source, "t.toml");
}

// The audit log records which configuration ran by its digest; without an audit log none is
// computed (its only use), so a start without one does not initialise OpenSSL.
TEST(Config, DigestIsTakenOnlyForTheAuditLog) {
  const std::string text = "[audit]\npath = \"/tmp/a.jsonl\"\n";
  auto audited = load(text);
  ASSERT_TRUE(audited);
  EXPECT_EQ(audited->sha256, crypto::sha256Hex(text));
  auto plain = load("[demo]\ntools = true\n");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->sha256.empty());
}

// An empty file is valid: stdio only, no demo tools, defaults everywhere.
TEST(Config, EmptyFileMeansStdioDefaults) {
  auto c = load("");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->server.listen);
  EXPECT_EQ(c->server.endpoint, "/mcp");
  EXPECT_EQ(c->server.max_body, 4u << 20);
  EXPECT_EQ(c->server.session_idle_timeout, std::chrono::minutes(30));
  EXPECT_FALSE(c->demo.tools);
}

// The embedded default serves the demo tools on 127.0.0.1:8080/mcp.
TEST(Config, EmbeddedDefaultIsLoopback8080WithDemoTools) {
  auto r = loadEmbeddedDefault();
  ASSERT_TRUE(r) << r.error().toString();
  const Config& c = **r;
  ASSERT_TRUE(c.server.listen);
  EXPECT_EQ(c.server.listen->toString(), "127.0.0.1:8080");
  EXPECT_EQ(c.server.endpoint, "/mcp");
  EXPECT_TRUE(c.demo.tools);
  EXPECT_EQ(c.auth.mode, AuthMode::Embedded);
  EXPECT_EQ(c.server.public_url, "http://127.0.0.1:8080/mcp");
  EXPECT_EQ(c.auth.stdio.subject, "local");
  auto stdio = loadEmbeddedDefault(Overrides{.listen = std::nullopt, .stdio = true});
  ASSERT_TRUE(stdio) << stdio.error().toString();
  EXPECT_FALSE((*stdio)->server.listen);
}

// A misspelt key is reported at the key itself, with its full path.
TEST(Config, UnknownKeyIsAnError) {
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n"),
            "t.toml:3:1: server.lisen: unknown key\n");
  EXPECT_EQ(errorsOf("[servr]\n"), "t.toml:1:2: servr: unknown key\n");
  EXPECT_EQ(errorsOf("[server.tls]\ncert = \"a\"\nkey = \"b\"\npassword = \"c\"\n"),
            "t.toml:4:1: server.tls.password: unknown key\n"
            "t.toml:2:8: server.tls.cert: cannot read file \"a\"\n"
            "t.toml:3:7: server.tls.key: cannot read file \"b\"\n");
}

// "N/unit" admits N calls at once unless burst says otherwise; a bad rate names the format.
TEST(Config, ToolRatesDefaultToAPeriodsWorthOfBurst) {
  auto c = load(R"(
[ratelimit]
per_client = "600/minute"
[[tools]]
name = "a"
kind = "files.read"
root = "."
rate = "10/minute"
[[tools]]
name = "b"
kind = "files.read"
root = "."
rate = "5/second"
burst = 0
tool_rate = "100/hour"
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->tools.size(), 2u);
  EXPECT_EQ(c->tools[0].rate->count, 10u);
  EXPECT_EQ(c->tools[0].rate->burst, 9u);
  EXPECT_EQ(c->tools[0].rate->period, std::chrono::minutes(1));
  EXPECT_EQ(c->tools[1].rate->burst, 0u);
  EXPECT_EQ(c->tools[1].tool_rate->burst, 0u);
  EXPECT_EQ(c->ratelimit.per_client->burst, 599u);
  EXPECT_EQ(errorsOf("[[tools]]\nname = \"a\"\nkind = \"files.read\"\nroot = \".\"\n"
                     "rate = \"ten a minute\"\n"),
            "t.toml:5:8: tools[0].rate: expected COUNT/UNIT with COUNT >= 1 and UNIT second, "
            "minute, hour or day (e.g. \"10/minute\")\n");
}

// The embedded default audits when it listens; under --stdio (one server per client, often in
// the same directory, while a log has one writer) it does not.
TEST(Config, EmbeddedDefaultAuditsOnlyOverHttp) {
  auto http = loadEmbeddedDefault();
  ASSERT_TRUE(http);
  EXPECT_EQ((*http)->audit.path, "./bastion-data/audit.jsonl");
  auto stdio = loadEmbeddedDefault(Overrides{.listen = std::nullopt, .stdio = true});
  ASSERT_TRUE(stdio);
  EXPECT_EQ((*stdio)->audit.path, "");
}

// Tool names are unique and tool kinds known.
TEST(Config, ToolNameAndKindAreChecked) {
  EXPECT_EQ(errorsOf("[[tools]]\nname = \"a\"\nkind = \"files.read\"\nroot = \".\"\n"
                     "[[tools]]\nname = \"a\"\nkind = \"files.read\"\nroot = \".\"\n"),
            "t.toml:6:8: tools[1].name: another tool has this name\n");
  EXPECT_EQ(errorsOf("[[tools]]\nname = \"a\"\nkind = \"shell\"\n"),
            "t.toml:3:8: tools[0].kind: unknown tool kind (known: files.read, files.list, "
            "files.search, files.write, sql.query, sql.list, sql.exec, http, exec)\n");
}

// A ${env:NAME} outside the keys that take secrets is refused, never used verbatim (as a path,
// a scope).
TEST(Config, EnvReferenceIsRefusedNotKeptVerbatim) {
  EXPECT_EQ(errorsOf("[log]\nfile = \"${env:LOG_FILE}\"\n"),
            "t.toml:2:8: log.file: ${env:NAME} is allowed only in keys that take secrets (tool "
            "headers, database urls)\n");
  EXPECT_EQ(errorsOf("[demo]\ntools = true\nscopes = [\"a\", \"${env:S}\"]\n"),
            "t.toml:3:16: demo.scopes[1]: ${env:NAME} is allowed only in keys that take secrets "
            "(tool headers, database urls)\n");
}

// A value of the wrong type names what was expected and what was found, at the value.
TEST(Config, WrongTypeIsAnError) {
  EXPECT_EQ(errorsOf("[server]\nlisten = 8080\n"),
            "t.toml:2:10: server.listen: expected a string, got an integer\n");
  EXPECT_EQ(errorsOf("[demo]\ntools = \"yes\"\n"),
            "t.toml:2:9: demo.tools: expected a boolean, got a string\n");
  EXPECT_EQ(errorsOf("server = 1\n"), "t.toml:1:10: server: expected a table, got an integer\n");
  EXPECT_EQ(errorsOf("[server]\nallowed_origins = [\"https://a.example\", 3]\n"),
            "t.toml:2:41: server.allowed_origins[1]: expected a string, got an integer\n");
}

// Every problem is reported, not only the first.
TEST(Config, ReportsAllErrors) {
  EXPECT_EQ(errorsOf("[server]\nmax_body = \"4MB\"\nworkers = -1\n[log]\nlevel = \"loud\"\n"),
            "t.toml:2:12: server.max_body: expected a size such as \"4MiB\" (a whole number "
            "and B, KiB, MiB or GiB)\n"
            "t.toml:3:11: server.workers: must be between 0 and 1024\n"
            "t.toml:5:9: log.level: expected one of trace, debug, info, warn, error, critical, "
            "off\n");
}

// TOML syntax errors carry toml++'s description and position.
TEST(Config, SyntaxErrorHasPosition) {
  std::string e = errorsOf("[server]\nlisten = \"127.0.0.1:8080\n");
  EXPECT_TRUE(e.starts_with("t.toml:2:")) << e;
  EXPECT_NE(e.find("string"), std::string::npos) << e;
  EXPECT_EQ(errorsOf("[server]\nlisten = \"a\"\nlisten = \"b\"\n").substr(0, 9), "t.toml:3:");
}

// Durations and sizes are checked where they appear.
TEST(Config, DurationAndSizeValues) {
  EXPECT_EQ(errorsOf("[server.sessions]\nidle_timeout = \"0s\"\n"),
            "t.toml:2:16: server.sessions.idle_timeout: must be longer than 0s\n");
  EXPECT_EQ(errorsOf("[server.timeouts]\nheader = \"10\"\n"),
            "t.toml:2:10: server.timeouts.header: expected a duration such as \"30s\" (a whole "
            "number and ms, s, m or h)\n");
  EXPECT_EQ(errorsOf("[server]\nmax_body = \"0B\"\n"),
            "t.toml:2:12: server.max_body: must be at least 1B\n");
  EXPECT_EQ(errorsOf("[server]\nmax_body = 4096\n"),
            "t.toml:2:12: server.max_body: expected a string, got an integer\n");
}

// Listen addresses are IP literals with a port; names and malformed values are refused.
TEST(Config, ListenAddressShape) {
  const std::string expected =
      ": server.listen: expected \"IP:port\", e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"\n";
  for (const char* bad : {"localhost:8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                          "::1:8080", "[127.0.0.1]:80", "127.0.0.1:80x", "[::1]8080"}) {
    EXPECT_EQ(errorsOf(std::string("[server]\nlisten = \"") + bad + "\"\n"),
              "t.toml:2:10" + expected)
        << bad;
  }
  auto v6 = load("[server]\nlisten = \"[::1]:8443\"\n");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->server.listen->toString(), "[::1]:8443");
  EXPECT_TRUE(v6->server.listen->isLoopback());
}

// Unauthenticated access is confined to loopback: a public listener with auth "none" is
// refused, whether it comes from the file or from --listen.
TEST(Config, RejectsAuthNoneOnPublicAddress) {
  const std::string rule =
      "server.listen: auth.mode \"none\" is allowed only on a loopback address (127.0.0.0/8 or "
      "::1) or stdio; use \"embedded\", \"jwt\" or \"introspection\"\n";
  EXPECT_EQ(errorsOf("[server]\nlisten = \"0.0.0.0:8080\"\n[auth]\nmode = \"none\"\n"),
            "t.toml:2:10: " + rule);
  EXPECT_EQ(errorsOf("[server]\nlisten = \"[::]:8080\"\n"), "t.toml:2:10: " + rule);
  EXPECT_EQ(errorsOf("", Overrides{.listen = "192.168.1.5:80", .stdio = false}),
            "--listen: " + rule);
  EXPECT_TRUE(load("[server]\nlisten = \"127.8.9.10:8080\"\n"));
}

// --stdio drops the listener, so even a public listen address is acceptable with it.
TEST(Config, StdioOverrideDropsListener) {
  auto c = load("[server]\nlisten = \"0.0.0.0:8080\"\n",
                Overrides{.listen = std::nullopt, .stdio = true});
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->server.listen);
  auto l = load("", Overrides{.listen = "127.0.0.1:7000", .stdio = false});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->server.listen->port, 7000);
  EXPECT_EQ(errorsOf("", Overrides{.listen = "nope", .stdio = false}),
            "--listen: server.listen: expected \"IP:port\", e.g. \"127.0.0.1:8080\" or "
            "\"[::1]:8080\"\n");
}

// An unknown mode is refused with the list of modes.
TEST(Config, RejectsUnsupportedAuthMode) {
  EXPECT_EQ(errorsOf("[auth]\nmode = \"oauth\"\n"),
            "t.toml:2:8: auth.mode: unsupported mode \"oauth\"; expected \"embedded\", \"jwt\", "
            "\"introspection\" or \"none\"\n");
}

// Origins are scheme://host[:port] only, endpoints are plain paths.
TEST(Config, OriginAndEndpointShape) {
  EXPECT_EQ(errorsOf("[server]\nallowed_origins = [\"https://a.example/path\"]\n"),
            "t.toml:2:20: server.allowed_origins[0]: expected an origin such as "
            "\"https://example.com\" (no path)\n");
  EXPECT_EQ(errorsOf("[server]\nendpoint = \"mcp\"\n"),
            "t.toml:2:12: server.endpoint: expected a path such as \"/mcp\" (letters, digits, / "
            "- _ . ~)\n");
  EXPECT_EQ(errorsOf("[server]\npublic_url = \"ftp://x\"\n"),
            "t.toml:2:14: server.public_url: expected an absolute http or https URL without "
            "query\n");
}

// TLS needs both files, and both must be readable at load time.
TEST(Config, TlsFiles) {
  EXPECT_EQ(errorsOf("[server.tls]\ncert = \"/nonexistent/c.pem\"\n"),
            "t.toml:1:1: server.tls: needs both cert and key\n");
  std::string path = ::testing::TempDir() + "/bastion-config-test.pem";
  std::ofstream(path) << "x";
  auto c = load("[server]\nlisten = \"127.0.0.1:8443\"\n[server.tls]\ncert = \"" + path +
                "\"\nkey = \"" + path + "\"\n");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->server.tls);
  EXPECT_EQ(c->server.tls->cert_file, path);
}

// An unreadable file is reported by name, without a position.
TEST(Config, UnreadableFile) {
  auto r = loadFile("/nonexistent/bastion.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().toString(), "/nonexistent/bastion.toml: cannot read the file\n");
}

// The documented example holds every key with its default and must stay loadable.
TEST(Config, ExampleFileLoads) {
  auto r = loadFile(std::string(BASTION_SOURCE_DIR) + "/examples/bastion.toml");
  ASSERT_TRUE(r) << r.error().toString();
  const Config& c = **r;
  EXPECT_EQ(c.server.listen->toString(), "127.0.0.1:8080");
  EXPECT_EQ(c.server.max_body, ServerConfig{}.max_body);
  EXPECT_EQ(c.server.session_idle_timeout, ServerConfig{}.session_idle_timeout);
  EXPECT_EQ(c.server.timeouts.shutdown, Timeouts{}.shutdown);
  EXPECT_TRUE(c.demo.tools);
}

// A jwt mode reads issuer, jwks_uri, algorithms and skew; public_url is canonicalized.
TEST(Config, JwtModeReadsItsTable) {
  auto c = load(R"(
[server]
listen = "0.0.0.0:8443"
public_url = "HTTPS://MCP.Example.COM/mcp/"
[auth]
mode = "jwt"
scopes_supported = ["mcp:tools", "files:read"]
[auth.jwt]
issuer = "https://issuer.example"
jwks_uri = "https://issuer.example/jwks"
algorithms = ["ES256", "EdDSA"]
skew = "30s"
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->auth.mode, AuthMode::Jwt);
  EXPECT_EQ(c->server.public_url, "https://mcp.example.com/mcp");
  EXPECT_EQ(c->auth.jwt.issuer, "https://issuer.example");
  EXPECT_EQ(c->auth.jwt.jwks_uri, "https://issuer.example/jwks");
  EXPECT_EQ(c->auth.jwt.algorithms, (std::vector<std::string>{"ES256", "EdDSA"}));
  EXPECT_EQ(c->auth.jwt.skew, std::chrono::seconds(30));
  EXPECT_EQ(c->auth.scopes_supported, (std::vector<std::string>{"mcp:tools", "files:read"}));
}

// Algorithms outside the allow-list (none, HS256) and a missing issuer are refused.
TEST(Config, JwtRejectsUnsafeAlgorithmsAndMissingIssuer) {
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"jwt\"\n[auth.jwt]\n"
                     "issuer = \"https://i\"\nalgorithms = [\"RS256\", \"none\"]\n"),
            "t.toml:7:24: auth.jwt.algorithms[1]: expected one of RS256, PS256, ES256, EdDSA\n");
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"jwt\"\n[auth.jwt]\n"
                     "issuer = \"https://i\"\nalgorithms = [\"HS256\"]\n"),
            "t.toml:7:15: auth.jwt.algorithms[0]: expected one of RS256, PS256, ES256, EdDSA\n");
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"jwt\"\n"),
            "t.toml:4:8: auth.jwt.issuer: required when auth.mode is \"jwt\"\n");
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"jwt\"\n[auth.jwt]\n"
                     "issuer = \"http://issuer.example\"\n"),
            "t.toml:6:10: auth.jwt.issuer: expected an https URL (http only on a loopback host)\n");
}

// public_url: https unless loopback; derived from listen when absent; required when the
// listen address cannot give a usable one.
TEST(Config, PublicUrlRules) {
  const std::string jwt = "[auth]\nmode = \"jwt\"\n[auth.jwt]\nissuer = \"https://i\"\n";
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\npublic_url = \"http://mcp.example/mcp\"\n" +
                     jwt),
            "t.toml:3:14: server.public_url: must be https unless the host is loopback (tokens "
            "are bearer credentials)\n");
  EXPECT_EQ(errorsOf("[server]\nlisten = \"0.0.0.0:8080\"\n" + jwt),
            "t.toml:2:10: server.listen: server.public_url is required with auth.mode \"jwt\" "
            "here: the listen address is unspecified\n");
  auto port0 = loadEmbeddedDefault(Overrides{.listen = "127.0.0.1:0", .stdio = false});
  ASSERT_FALSE(port0);
  EXPECT_EQ(port0.error().toString(),
            "--listen: server.listen: server.public_url is required with auth.mode \"embedded\" "
            "here: the listen address has port 0 (chosen at start)\n");
  EXPECT_TRUE(load("", Overrides{.listen = "127.0.0.1:0", .stdio = false})) << "none: no URL";
  EXPECT_EQ(errorsOf("[server]\nlisten = \"10.0.0.5:8080\"\n" + jwt),
            "t.toml:2:10: server.listen: server.public_url is required with auth.mode \"jwt\" "
            "here: the listen address gives a non-https URL\n");
  auto derived = load("[server]\nlisten = \"127.0.0.1:9000\"\nendpoint = \"/x/mcp\"\n" + jwt);
  ASSERT_TRUE(derived);
  EXPECT_EQ(derived->server.public_url, "http://127.0.0.1:9000/x/mcp");
  auto loopback = load("[server]\nlisten = \"127.0.0.1:1\"\npublic_url = \"http://LOCALHOST:1/mcp/\"\n" + jwt);
  ASSERT_TRUE(loopback);
  EXPECT_EQ(loopback->server.public_url, "http://localhost:1/mcp");
}

// Introspection needs its endpoint, client and a secret variable that is set at load.
TEST(Config, IntrospectionSecretVariableMustBeSet) {
  const std::string text =
      "[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"introspection\"\n"
      "[auth.introspection]\nissuer = \"https://as\"\nendpoint = \"https://as/introspect\"\n"
      "client_id = \"bastion\"\n"
      "client_secret_env = \"BASTION_TEST_INTROSPECTION_SECRET\"\n";
  ::unsetenv("BASTION_TEST_INTROSPECTION_SECRET");
  EXPECT_EQ(errorsOf(text),
            "t.toml:9:21: auth.introspection.client_secret_env: environment variable "
            "BASTION_TEST_INTROSPECTION_SECRET is not set\n");
  ::setenv("BASTION_TEST_INTROSPECTION_SECRET", "s3cret", 1);
  auto c = load(text);
  ::unsetenv("BASTION_TEST_INTROSPECTION_SECRET");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->auth.introspection.client_secret, "s3cret");
  EXPECT_EQ(errorsOf("[auth]\nmode = \"introspection\"\n[auth.stdio]\nsubject = \"me\"\n"),
            "t.toml:2:8: auth.introspection: issuer, endpoint, client_id and client_secret_env "
            "are required when auth.mode is \"introspection\"\n");
}

// Scope implications: read as a table, cycles refused at the first scope of the cycle.
TEST(Config, ScopeImplicationsAndCycles) {
  auto c = load("[auth.scope_implications]\n\"files:write\" = [\"files:read\"]\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->auth.scope_implications.at("files:write"), std::vector<std::string>{"files:read"});
  EXPECT_EQ(errorsOf("[auth.scope_implications]\na = [\"b\"]\nb = [\"a\"]\n"),
            "t.toml:2:5: auth.scope_implications.a: scope implications form a cycle: a -> b -> "
            "a\n");
  EXPECT_EQ(errorsOf("[auth]\nscopes_supported = [\"mcp:tools\", \"offline_access\"]\n"),
            "t.toml:2:34: auth.scopes_supported[1]: offline_access is not a resource scope "
            "(clients ask the authorization server for refresh tokens)\n");
  EXPECT_EQ(errorsOf("[auth]\nscopes_supported = [\"a b\"]\n"),
            "t.toml:2:21: auth.scopes_supported[0]: expected a scope such as \"files:read\"\n");
}

// A sub-table for a mode that is not selected is ambiguous and refused.
TEST(Config, TableForAnotherModeIsRefused) {
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\n[auth.jwt]\nissuer = \"https://i\"\n"),
            "t.toml:3:1: auth.jwt: is set but auth.mode is \"none\"\n");
}

// stdio in an OAuth mode needs a credential source: a token variable or a local subject.
TEST(Config, StdioInOAuthModeNeedsACredentialSource) {
  const std::string jwt = "[auth]\nmode = \"jwt\"\n[auth.jwt]\nissuer = \"https://i\"\n";
  EXPECT_EQ(errorsOf(jwt),
            "t.toml:2:8: auth.stdio: stdio with auth.mode \"jwt\" needs token_env (a bearer "
            "token from the environment) or subject (a configured local principal)\n");
  auto c = load(jwt + "[auth.stdio]\ntoken_env = \"BASTION_TOKEN\"\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->auth.stdio.token_env, "BASTION_TOKEN");
  EXPECT_EQ(errorsOf(jwt + "[auth.stdio]\ntoken_env = \"A\"\nsubject = \"me\"\n"),
            "t.toml:5:1: auth.stdio: set token_env or subject, not both (which one identifies "
            "the caller?)\n");
  EXPECT_EQ(errorsOf(jwt + "[auth.stdio]\ntoken_env = \"$X\"\n"),
            "t.toml:6:13: auth.stdio.token_env: expected an environment variable name such as "
            "\"BASTION_TOKEN\"\n");
}

// Embedded mode: lifetimes and registration switches; access tokens stay short-lived.
TEST(Config, EmbeddedModeReadsItsTable) {
  auto c = load(R"(
[server]
listen = "127.0.0.1:8080"
[auth]
mode = "embedded"
[auth.embedded]
access_token_ttl = "5m"
refresh_token_ttl = "168h"
dynamic_registration = false
metadata_documents = false
[auth.embedded.fetch]
allow_private_addresses = true
[store]
url = "sqlite:///var/lib/bastion/b.db"
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->auth.mode, AuthMode::Embedded);
  EXPECT_EQ(c->auth.embedded.access_token_ttl, std::chrono::minutes(5));
  EXPECT_EQ(c->auth.embedded.refresh_token_ttl, std::chrono::hours(24 * 7));
  EXPECT_FALSE(c->auth.embedded.dynamic_registration);
  EXPECT_FALSE(c->auth.embedded.metadata_documents);
  EXPECT_TRUE(c->auth.embedded.fetch.allow_private_addresses);
  EXPECT_FALSE(c->auth.embedded.fetch.allow_http);
  EXPECT_EQ(c->store.url, "sqlite:///var/lib/bastion/b.db");
  EXPECT_EQ(c->server.public_url, "http://127.0.0.1:8080/mcp");
  EXPECT_EQ(c->auth.scopes_supported, std::vector<std::string>{"mcp:tools"}) << "the default stays";
  EXPECT_EQ(errorsOf("[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"embedded\"\n"
                     "[auth.embedded]\naccess_token_ttl = \"2h\"\n"),
            "t.toml:6:20: auth.embedded.access_token_ttl: must be at most 1h (access tokens are "
            "short-lived)\n");
}

// The authorization server's per-address request limit: a rate, "off", or its default; a burst
// without a rate is an error, as is a rate that does not parse.
TEST(Config, EmbeddedRequestsPerIpIsARateOrOff) {
  const std::string head =
      "[server]\nlisten = \"127.0.0.1:1\"\n[auth]\nmode = \"embedded\"\n[auth.embedded]\n";
  auto unset = load(head);
  ASSERT_TRUE(unset);
  EXPECT_FALSE(unset->auth.embedded.requests_per_ip) << "the server's own default applies";
  auto rate = load(head + "requests_per_ip = \"6000/minute\"\nrequests_per_ip_burst = 50\n");
  ASSERT_TRUE(rate && rate->auth.embedded.requests_per_ip);
  EXPECT_EQ(rate->auth.embedded.requests_per_ip->count, 6000u);
  EXPECT_EQ(rate->auth.embedded.requests_per_ip->period, std::chrono::minutes(1));
  EXPECT_EQ(rate->auth.embedded.requests_per_ip->burst, 50u);
  auto whole = load(head + "requests_per_ip = \"10/second\"\n");
  ASSERT_TRUE(whole && whole->auth.embedded.requests_per_ip);
  EXPECT_EQ(whole->auth.embedded.requests_per_ip->burst, 9u) << "a period's worth at once";
  auto off = load(head + "requests_per_ip = \"off\"\n");
  ASSERT_TRUE(off && off->auth.embedded.requests_per_ip);
  EXPECT_EQ(off->auth.embedded.requests_per_ip->count, 0u);
  EXPECT_NE(errorsOf(head + "requests_per_ip = \"lots\"\n").find(
                "t.toml:6:19: auth.embedded.requests_per_ip: "),
            std::string::npos);
  EXPECT_EQ(errorsOf(head + "requests_per_ip_burst = 5\n"),
            "t.toml:6:25: auth.embedded.requests_per_ip_burst: needs requests_per_ip\n");
}

// The HTTP options issue 2 left in code only: write timeout, connection bound, SSE settings.
TEST(Config, ServerLimitsAndSseSettings) {
  auto c = load(R"(
[server]
max_connections = 64
max_header = "32KiB"
[server.timeouts]
write = "5s"
[server.sse]
retry = "2s"
keepalive = "20s"
delay = "250ms"
max_queued = "1MiB"
replay_events = 10
replay_bytes = "64KiB"
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server.max_connections, 64u);
  EXPECT_EQ(c->server.max_header, 32u * 1024);
  EXPECT_EQ(c->server.timeouts.write, std::chrono::seconds(5));
  EXPECT_EQ(c->server.sse.retry, std::chrono::seconds(2));
  EXPECT_EQ(c->server.sse.keepalive, std::chrono::seconds(20));
  EXPECT_EQ(c->server.sse.delay, std::chrono::milliseconds(250));
  EXPECT_EQ(c->server.sse.max_queued, 1u << 20);
  EXPECT_EQ(c->server.sse.replay_events, 10u);
  EXPECT_EQ(c->server.sse.replay_bytes, 64u * 1024);
  EXPECT_EQ(errorsOf("[server]\nmax_header = \"512B\"\n"),
            "t.toml:2:14: server.max_header: must be at least 1KiB\n");
}

}  // namespace
}  // namespace bastion::config
