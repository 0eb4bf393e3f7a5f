#pragma once
// Bastion's configuration: one typed, immutable struct, read from TOML (and a few command-line
// overrides), validated once at load, then shared as std::shared_ptr<const Config>.
//
// Every diagnostic names the file, line and column and the dotted key path; unknown keys and
// wrong types are errors, never ignored. Strings are taken literally: `${env:NAME}` expansion is
// not implemented yet (a later issue), so such a string is kept verbatim.
//
// toml++ stays inside config.cc: nothing here exposes it.

#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  std::chrono::milliseconds shutdown{std::chrono::seconds(10)};  // in-flight calls at SIGTERM
};

struct ServerConfig {
  std::optional<ListenAddress> listen;  // absent: stdio only
  std::string public_url;               // canonical URL of the endpoint; empty: derived
  std::string endpoint = "/mcp";
  std::vector<std::string> allowed_hosts;    // Host values accepted; empty: loopback defaults
  std::vector<std::string> allowed_origins;  // Origin values accepted besides same-origin
  std::size_t max_body = std::size_t{4} << 20;
  std::size_t max_sessions = 10000;
  std::chrono::milliseconds session_idle_timeout{std::chrono::minutes(30)};
  Timeouts timeouts;
  unsigned io_threads = 0;  // 0: one per core
  unsigned workers = 0;     // tool-call worker threads; 0: 4 per core
  std::optional<TlsFiles> tls;
};

// Only `none` exists in this issue; the OAuth modes (embedded, jwt, introspection) arrive with
// the next one. `none` is accepted only for stdio or a loopback listener.
enum class AuthMode { None };

struct AuthConfig {
  AuthMode mode = AuthMode::None;
};

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string file;            // empty: stderr
};

struct DemoConfig {
  bool tools = false;  // the built-in demo tool set (on in the embedded default)
};

struct Config {
  std::string source;  // file name it came from, for summaries
  ServerConfig server;
  AuthConfig auth;
  LogConfig log;
  DemoConfig demo;
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

// What `bastion serve` uses without --config: the demo tools on 127.0.0.1:8080/mcp.
std::string_view embeddedDefaultToml();
[[nodiscard]] LoadResult loadEmbeddedDefault(const Overrides& overrides = {});

}  // namespace bastion::config
