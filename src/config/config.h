#pragma once
// Bastion's configuration: one typed, immutable struct, read from TOML (and a few command-line
// overrides), validated once at load, then shared as std::shared_ptr<const Config>.
//
// Every diagnostic names the file, line and column and the dotted key path; unknown keys and
// wrong types are errors, never ignored. A string holding `${env:NAME}` is refused (expansion
// arrives with the tool kinds that need it); environment variables are read only where a key
// names one (auth.introspection.client_secret_env, checked at load;
// auth.stdio.token_env, checked when stdio starts).
//
// toml++ stays inside config.cc: nothing here exposes it.

#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "policy/rate_limit.h"
#include "tools/exec.h"
#include "tools/files.h"
#include "tools/http.h"
#include "tools/sql.h"
#include "tools/tool_common.h"

namespace bastion::config {

struct ListenAddress {
  std::string host;  // an IP literal, without brackets ("127.0.0.1", "::1")
  std::uint16_t port = 0;

  bool isLoopback() const;       // 127.0.0.0/8 or ::1
  std::string toString() const;  // "127.0.0.1:8080", "[::1]:8080"
};

struct TlsFiles {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
};

struct Timeouts {
  std::chrono::milliseconds header{std::chrono::seconds(10)};    // receive request headers
  std::chrono::milliseconds body{std::chrono::seconds(30)};      // receive the request body
  std::chrono::milliseconds idle{std::chrono::seconds(60)};      // keep-alive between requests
  std::chrono::milliseconds write{std::chrono::seconds(30)};     // one write to the client
  std::chrono::milliseconds shutdown{std::chrono::seconds(10)};  // in-flight calls at SIGTERM
};

// Server-Sent Events on the HTTP transport.
struct SseConfig {
  std::chrono::milliseconds retry{std::chrono::seconds(1)};       // `retry:` sent to clients
  std::chrono::milliseconds keepalive{std::chrono::seconds(15)};  // comment on idle streams
  std::chrono::milliseconds delay{std::chrono::milliseconds(100)};  // quiet call -> SSE answer
  std::size_t max_queued = std::size_t{8} << 20;  // per stream; a client not reading is dropped
  std::size_t replay_events = 1024;               // kept per session for Last-Event-ID
  std::size_t replay_bytes = std::size_t{4} << 20;
};

struct ServerConfig {
  std::optional<ListenAddress> listen;  // absent: stdio only
  // Canonical URI of the MCP endpoint: the OAuth resource and token audience. After load it is
  // always set for a listener: lower-case scheme and host, no trailing slash; derived from
  // listen, TLS and endpoint when absent; https unless the host is loopback.
  std::string public_url;
  std::string endpoint = "/mcp";
  std::vector<std::string> allowed_hosts;    // Host values accepted; empty: loopback defaults
  std::vector<std::string> allowed_origins;  // Origin values accepted besides same-origin
  std::size_t max_body = std::size_t{4} << 20;
  std::size_t max_header = 16 * 1024;   // request line + headers
  std::size_t max_connections = 1024;   // beyond: accepted and closed at once
  std::size_t max_sessions = 10000;
  std::chrono::milliseconds session_idle_timeout{std::chrono::minutes(30)};
  Timeouts timeouts;
  SseConfig sse;
  unsigned io_threads = 0;  // 0: one per core
  unsigned workers = 0;     // tool-call worker threads; 0: 4 per core
  unsigned stdio_poll_us = 50;  // stdio: busy-poll the input this long before sleeping; 0: never
  std::optional<TlsFiles> tls;
};

// How bearer tokens are checked. `none` (no tokens; one local principal) is accepted only for
// stdio or a loopback listener.
enum class AuthMode { None, Embedded, Jwt, Introspection };
std::string_view authModeName(AuthMode mode);

// Outbound fetches (JWKS and discovery, Client ID Metadata Documents) go through the SSRF guard;
// these loosen it for development only.
struct FetchConfig {
  bool allow_http = false;               // plain http targets
  bool allow_private_addresses = false;  // loopback, private and link-local targets
  std::string ca_file;                   // extra trust anchors (PEM); empty: the system store
};

// JWT access tokens (RFC 9068) from an external issuer.
struct JwtAuthConfig {
  std::string issuer;    // exact `iss`; also where discovery (RFC 8414 / OIDC) starts
  std::string jwks_uri;  // empty: found through the issuer's metadata
  std::vector<std::string> algorithms{"RS256", "PS256", "ES256", "EdDSA"};  // allow-list
  std::chrono::seconds skew{60};  // tolerance on exp, nbf, iat
  FetchConfig fetch;              // [auth.jwt.fetch]
};

// Opaque tokens checked with RFC 7662 introspection.
struct IntrospectionAuthConfig {
  std::string issuer;  // the authorization server clients are sent to (PRM); `iss` must match
  std::string endpoint;
  std::string client_id;
  std::string client_secret_env;  // the variable holding the secret; must be set at load
  std::string client_secret;      // its value, read at load; never printed or logged
  std::chrono::seconds cache_ttl{60};  // an active verdict is reused at most this long
  FetchConfig fetch;                   // [auth.introspection.fetch]
};

// The embedded authorization server.
struct EmbeddedAuthConfig {
  std::chrono::seconds access_token_ttl{std::chrono::minutes(10)};
  std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 30)};
  bool dynamic_registration = true;  // RFC 7591 at /register
  bool metadata_documents = true;    // Client ID Metadata Documents (client_id as HTTPS URL)
  FetchConfig fetch;                 // [auth.embedded.fetch], for metadata documents
  // Requests per client address to the authorization server's endpoints; nullopt: its default
  // (600/minute, burst 100); count 0 ("off"): no limit. Behind a proxy, see
  // ratelimit.trusted_proxies, or every client shares the proxy's address.
  std::optional<policy::Rate> requests_per_ip;
};

// How the stdio principal is established when auth.mode is not `none`: a bearer token from the
// environment, checked by the configured verifier, or a configured local subject. One of the
// two is required for stdio in those modes.
struct StdioAuthConfig {
  std::string token_env;            // e.g. "BASTION_TOKEN"; `serve --stdio` refuses if unset
  std::string subject;              // configured local principal (iss "local")
  std::vector<std::string> scopes;  // its scopes
};

struct AuthConfig {
  AuthMode mode = AuthMode::None;
  // The baseline scopes: what PRM advertises and a 401 challenge asks for. Never
  // offline_access.
  std::vector<std::string> scopes_supported{"mcp:tools"};
  // scope -> scopes it implies (transitive; cycles rejected at load).
  std::map<std::string, std::vector<std::string>, std::less<>> scope_implications;
  JwtAuthConfig jwt;
  IntrospectionAuthConfig introspection;
  EmbeddedAuthConfig embedded;
  StdioAuthConfig stdio;
};

struct StoreConfig {
  std::string url = "sqlite://./bastion-data/bastion.db";  // the embedded server's storage
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string file;            // empty: stderr
};

struct DemoConfig {
  bool tools = false;  // the built-in demo tool set (on in the embedded default)
  std::vector<std::string> scopes{"mcp:tools"};  // what each demo tool requires
};

// [ratelimit]: limits on tool calls (per-tool rates are on each [[tools]] entry).
struct RateLimitConfig {
  std::string backend = "memory";      // only "memory" in this release
  std::optional<policy::Rate> per_client;  // every tool call of one OAuth client
  std::size_t max_keys = 1'000'000;    // memory backend: bound on tracked keys
  // Peers whose X-Forwarded-For is believed (OAuth endpoint throttling); IP literals or CIDRs.
  std::vector<std::string> trusted_proxies;
};

// [audit]
struct AuditConfig {
  std::string path;  // empty: no audit log
  std::string fsync = "batch";  // always | batch | never
  std::size_t checkpoint_every = 1000;
  std::string key;  // Ed25519 signing key (PEM; created if missing); empty: <path>.key
};

// [guard]: what happens to tool output before it leaves the server.
struct GuardConfig {
  bool redact_shapes = true;  // also redact credential shapes never registered as secrets
  std::size_t max_output = std::size_t{1} << 20;  // bytes of one tool result
};

struct SourcePosition {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// One [[tools]] entry.
struct ToolConfig {
  tools::ToolIdentity identity;
  std::string kind;                    // files.read, sql.query, http, exec, ...
  std::optional<policy::Rate> rate;    // per (principal, tool)
  std::optional<policy::Rate> tool_rate;  // per tool, all callers together
  SourcePosition position;             // of the [[tools]] header
  // Dotted key (relative to the tool's table, e.g. "params.email.maxLength") -> its position,
  // for findings of `bastion check`.
  std::map<std::string, SourcePosition, std::less<>> key_positions;
  std::variant<tools::FilesToolOptions, tools::SqlToolOptions, tools::HttpToolOptions,
               tools::ExecToolOptions>
      options;
};

struct Config {
  std::string source;  // file name it came from, for summaries
  std::string sha256;  // hex digest of the file's bytes, when audit.path is set (which ran)
  ServerConfig server;
  AuthConfig auth;
  StoreConfig store;
  LogConfig log;
  DemoConfig demo;
  RateLimitConfig ratelimit;
  AuditConfig audit;
  GuardConfig guard;
  std::map<std::string, tools::DatabaseOptions, std::less<>> databases;  // [databases.NAME]
  std::vector<ToolConfig> tools;
  // Every ${env:NAME} the file references (secrets), with where: checked at start.
  std::vector<std::pair<std::string, SourcePosition>> env_references;
};

// One problem found while loading, rendered as "file:line:column: key: message"
// (without line/column when the problem has no position, e.g. a command-line override).
struct Diagnostic {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string key;  // dotted key path, e.g. "server.tls.cert"; may be empty
  std::string message;

  std::string toString() const;
};

struct ConfigErrors {
  std::vector<Diagnostic> diagnostics;
  std::string toString() const;  // one diagnostic per line
};

// Lets LoadResult::value() throw when misused; callers test first.
[[noreturn]] void throw_exception_from_error(const ConfigErrors& e,
                                             const boost::source_location& loc);

using LoadResult = boost::system::result<std::shared_ptr<const Config>, ConfigErrors>;

// Command-line settings that take precedence over the file.
struct Overrides {
  std::optional<std::string> listen;  // --listen host:port
  bool stdio = false;                 // --stdio: serve on stdin/stdout, ignore listen
};

// Parses TOML text; `source_name` is used in diagnostics.
[[nodiscard]] LoadResult parse(std::string_view toml_text, std::string_view source_name,
                               const Overrides& overrides = {});
// Reads and parses a file; an unreadable file is a diagnostic without position.
[[nodiscard]] LoadResult loadFile(const std::string& path, const Overrides& overrides = {});

// What `bastion serve` uses without --config: the demo tools on 127.0.0.1:8080/mcp behind the
// embedded authorization server (store ./bastion-data/bastion.db) with the audit log in
// ./bastion-data/audit.jsonl; on stdio (overrides.stdio), the local subject and no audit log
// (each client starts its own stdio server; a log has one writer).
std::string_view embeddedDefaultToml();
[[nodiscard]] LoadResult loadEmbeddedDefault(const Overrides& overrides = {});

}  // namespace bastion::config
