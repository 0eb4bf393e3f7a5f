#include "config/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <boost/throw_exception.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "config/config_internal.h"
#include "core/crypto.h"
#include "config/units.h"

namespace bastion::config {
namespace {

using detail::Diagnostics;
using detail::TableReader;

constexpr std::string_view kEmbeddedDefault =
    R"toml(# Bastion's embedded default: the demo tools on http://127.0.0.1:8080/mcp behind the embedded
# OAuth 2.1 authorization server (its data in ./bastion-data). Over stdio (--stdio) the caller is
# the local user, who holds the baseline scope.
[server]
listen = "127.0.0.1:8080"
endpoint = "/mcp"

[auth]
mode = "embedded"
# The demo tools require this scope.
scopes_supported = ["mcp:tools"]

[auth.embedded]
access_token_ttl = "10m"

[auth.stdio]
subject = "local"
scopes = ["mcp:tools"]

[store]
url = "sqlite://./bastion-data/bastion.db"

[log]
level = "info"

[demo]
tools = true
)toml";

// Appended to the embedded default when it listens on HTTP. Not under --stdio: every MCP client
// starts its own stdio server, often from the same directory, and an audit log has exactly one
// writer (a second server would be refused at start).
constexpr std::string_view kEmbeddedAudit = R"toml(
# One hash-chained record per tool call, authorization decision and token event; verify with
# `bastion audit verify ./bastion-data/audit.jsonl --key ./bastion-data/audit.jsonl.key.pub`.
[audit]
path = "./bastion-data/audit.jsonl"
)toml";

constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

// The canonical text of an IPv4 or IPv6 literal; nullopt for anything else (names included).
std::optional<std::string> canonicalIp(std::string_view host) {
  std::string in(host);
  unsigned char bytes[16];
  char text[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, in.c_str(), bytes) == 1 &&
        inet_ntop(family, bytes, text, sizeof text) != nullptr) {
      return std::string(text);
    }
  }
  return std::nullopt;
}

// "host:port" with an IP literal host ("[v6]:port" for IPv6). Hostnames are refused: binding
// must not depend on name resolution, and the loopback rule needs a literal address.
Result<ListenAddress> parseListen(std::string_view text) {
  const Error bad(1, "expected \"IP:port\", e.g. \"127.0.0.1:8080\" or \"[::1]:8080\"");
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find("]:");
    if (close == std::string_view::npos) {
      return bad;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return bad;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto address = canonicalIp(host);
  if (!address || (text.starts_with('[') != (address->find(':') != std::string::npos))) {
    return bad;
  }
  unsigned value = 0;
  auto [end, perr] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || perr != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return bad;
  }
  return ListenAddress{*address, static_cast<std::uint16_t>(value)};
}

bool validEndpoint(std::string_view path) {
  if (!path.starts_with('/') || path.size() > 256) {
    return false;
  }
  for (char c : path) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (!ok) {
      return false;
    }
  }
  return path.find("//") == std::string_view::npos;
}

// An origin is "scheme://host[:port]": no path, query, fragment or user info.
bool validOrigin(std::string_view origin) {
  auto parsed = boost::urls::parse_absolute_uri(origin);
  if (!parsed) {
    return false;
  }
  // A copy of the view, not operator->: GCC 12 -O2 sees a null path through result's accessor.
  const boost::urls::url_view url = parsed.value();
  return (url.scheme() == "http" || url.scheme() == "https") && url.has_authority() &&
         !url.host().empty() && !url.has_userinfo() && url.path().empty() && !url.has_query();
}

bool validHost(std::string_view host) {
  if (host.empty() || host.size() > 255) {
    return false;
  }
  for (char c : host) {
    if (c <= ' ' || c == '/' || c == '@' || c == '?' || c == '#' || c == '\x7f') {
      return false;
    }
  }
  return true;
}

bool validPublicUrl(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    return false;
  }
  // A copy of the view, not operator->: GCC 12 -O2 sees a null path through result's accessor.
  const boost::urls::url_view url = parsed.value();
  return (url.scheme_id() == boost::urls::scheme::http ||
          url.scheme_id() == boost::urls::scheme::https) &&
         url.has_authority() &&
         !url.host().empty() && !url.has_userinfo() && !url.has_query();
}

bool readable(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return f.good();
}

// Fills a Config from a TOML document, section by section, then checks rules that span keys.
class Loader {
 public:
  explicit Loader(std::string file) : diags_(file) { config_.source = std::move(file); }

  // Only the audit log records the digest. Without one, nothing here touches OpenSSL at
  // start: its first use initialises the library (configuration, providers, ~2 MiB resident).
  void digest(std::string_view text) {
    if (!config_.audit.path.empty()) {
      config_.sha256 = crypto::sha256Hex(text);
    }
  }

  void read(const toml::table& root) {
    TableReader reader(root, "", diags_);
    if (const toml::table* t = reader.table("server")) {
      readServer(*t);
    }
    if (const toml::table* t = reader.table("auth")) {
      detail::readAuth(*t, diags_, config_.auth, where_);
    }
    if (const toml::table* t = reader.table("store")) {
      detail::readStore(*t, diags_, config_.store);
    }
    if (const toml::table* t = reader.table("log")) {
      readLog(*t);
    }
    if (const toml::table* t = reader.table("demo")) {
      TableReader demo(*t, "demo", diags_);
      demo.readBool("tools", config_.demo.tools);
      demo.readStrings("scopes", config_.demo.scopes);
      demo.finish();
    }
    if (const toml::table* t = reader.table("ratelimit")) {
      detail::readRateLimit(*t, diags_, config_.ratelimit);
    }
    if (const toml::table* t = reader.table("audit")) {
      detail::readAudit(*t, diags_, config_.audit);
    }
    if (const toml::table* t = reader.table("guard")) {
      detail::readGuard(*t, diags_, config_.guard);
    }
    // Databases first: sql tools name one.
    if (const toml::table* t = reader.table("databases")) {
      detail::readDatabases(*t, diags_, config_.databases);
    }
    if (const toml::node* tools = root.get("tools")) {
      reader.get("tools", tools->type(), "an array of tables");
      detail::readTools(*tools, diags_, config_);
    }
    config_.env_references = diags_.takeEnvReferences();
    reader.finish();
  }

  void apply(const Overrides& overrides) {
    if (overrides.listen) {
      auto address = parseListen(*overrides.listen);
      if (!address) {
        diags_.add(Diagnostic{"--listen", 0, 0, "server.listen", address.error().message});
      } else {
        config_.server.listen = *address;
        where_.listen.reset();
      }
    }
    if (overrides.stdio) {
      config_.server.listen.reset();
    }
  }

  // Rules that involve more than one key; run after overrides so they judge the final result.
  void validate() { detail::validateAuth(config_, diags_, where_, config_.source); }

  LoadResult finish() {
    if (!diags_.empty()) {
      return diags_.take();
    }
    return std::make_shared<const Config>(std::move(config_));
  }

 private:
  void readServer(const toml::table& table) {
    TableReader r(table, "server", diags_);
    ServerConfig& out = config_.server;
    if (const auto* s = r.string("listen")) {
      if (auto address = parseListen(s->get())) {
        out.listen = *address;
        where_.listen = s->source();
      } else {
        r.error(*s, "listen", address.error().message);
      }
    }
    if (const auto* s = r.string("public_url")) {
      where_.public_url = s->source();
      if (validPublicUrl(s->get())) {
        out.public_url = s->get();
      } else {
        r.error(*s, "public_url", "expected an absolute http or https URL without query");
      }
    }
    if (const auto* s = r.string("endpoint")) {
      if (validEndpoint(s->get())) {
        out.endpoint = s->get();
      } else {
        r.error(*s, "endpoint", "expected a path such as \"/mcp\" (letters, digits, / - _ . ~)");
      }
    }
    readCheckedStrings(r, "allowed_hosts", out.allowed_hosts, validHost,
                       "expected a Host value such as \"localhost:8080\"");
    readCheckedStrings(r, "allowed_origins", out.allowed_origins, validOrigin,
                       "expected an origin such as \"https://example.com\" (no path)");
    r.readSize("max_body", out.max_body);
    r.readSize("max_header", out.max_header);
    if (const toml::node* n = table.get("max_header"); n != nullptr && out.max_header < 1024) {
      r.error(*n, "max_header", "must be at least 1KiB");
    }
    r.readInteger("max_connections", out.max_connections, 1, 1000000);
    r.readInteger("io_threads", out.io_threads, 0, 256);
    r.readInteger("workers", out.workers, 0, 1024);
    r.readInteger("stdio_poll_us", out.stdio_poll_us, 0, 1000);
    if (const toml::table* t = r.table("sessions")) {
      TableReader sessions(*t, "server.sessions", diags_);
      sessions.readInteger("max", out.max_sessions, 1, 1000000);
      sessions.readDuration("idle_timeout", out.session_idle_timeout);
      sessions.finish();
    }
    if (const toml::table* t = r.table("timeouts")) {
      TableReader timeouts(*t, "server.timeouts", diags_);
      timeouts.readDuration("header", out.timeouts.header);
      timeouts.readDuration("body", out.timeouts.body);
      timeouts.readDuration("idle", out.timeouts.idle);
      timeouts.readDuration("write", out.timeouts.write);
      timeouts.readDuration("shutdown", out.timeouts.shutdown);
      timeouts.finish();
    }
    if (const toml::table* t = r.table("sse")) {
      TableReader sse(*t, "server.sse", diags_);
      sse.readDuration("retry", out.sse.retry);
      sse.readDuration("keepalive", out.sse.keepalive);
      sse.readDuration("delay", out.sse.delay);
      sse.readSize("max_queued", out.sse.max_queued);
      sse.readInteger("replay_events", out.sse.replay_events, 1, 1000000);
      sse.readSize("replay_bytes", out.sse.replay_bytes);
      sse.finish();
    }
    if (const toml::table* t = r.table("tls")) {
      readTls(*t);
    }
    r.finish();
  }

  void readCheckedStrings(TableReader& r, std::string_view key, std::vector<std::string>& out,
                          bool (*valid)(std::string_view), std::string_view message) {
    std::vector<std::string> values;
    r.readStrings(key, values);
    const toml::node* node = r.get(key, toml::node_type::array, "an array of strings");
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!valid(values[i])) {
        r.error((*node->as_array())[i], std::string(key) + "[" + std::to_string(i) + "]",
                std::string(message));
        return;
      }
    }
    out = std::move(values);
  }

  void readTls(const toml::table& table) {
    TableReader r(table, "server.tls", diags_);
    TlsFiles files;
    bool has_cert = r.readString("cert", files.cert_file);
    bool has_key = r.readString("key", files.key_file);
    r.finish();
    if (!has_cert || !has_key) {
      diags_.at(table.source(), "server.tls", "needs both cert and key");
      return;
    }
    for (auto [key, path] : {std::pair{"cert", &files.cert_file}, {"key", &files.key_file}}) {
      if (!readable(*path)) {
        r.error(*table.get(key), key, "cannot read file \"" + *path + "\"");
      }
    }
    config_.server.tls = std::move(files);
  }

  void readLog(const toml::table& table) {
    TableReader r(table, "log", diags_);
    if (const auto* s = r.string("level")) {
      bool known = false;
      for (std::string_view level : kLogLevels) {
        known = known || level == s->get();
      }
      if (known) {
        config_.log.level = s->get();
      } else {
        r.error(*s, "level", "expected one of trace, debug, info, warn, error, critical, off");
      }
    }
    r.readString("file", config_.log.file);
    r.finish();
  }

  Diagnostics diags_;
  Config config_;
  detail::AuthPositions where_;
};

}  // namespace

bool ListenAddress::isLoopback() const {
  unsigned char bytes[16];
  if (inet_pton(AF_INET, host.c_str(), bytes) == 1) {
    return bytes[0] == 127;
  }
  const unsigned char v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return inet_pton(AF_INET6, host.c_str(), bytes) == 1 &&
         std::equal(std::begin(bytes), std::end(bytes), std::begin(v6_loopback));
}

std::string ListenAddress::toString() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Diagnostic::toString() const {
  std::string out = file;
  if (line != 0) {
    out += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  out += ": ";
  if (!key.empty()) {
    out += key + ": ";
  }
  return out + message;
}

std::string ConfigErrors::toString() const {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += d.toString();
    out += '\n';
  }
  return out;
}

void throw_exception_from_error(const ConfigErrors& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.toString()), loc);
}

LoadResult parse(std::string_view toml_text, std::string_view source_name,
                 const Overrides& overrides) {
  Loader loader{std::string(source_name)};
  // toml++ reports syntax errors by exception; this is the one place it is caught, and it
  // becomes a diagnostic value.
  try {
    toml::table root = toml::parse(toml_text, source_name);
    loader.read(root);
  } catch (const toml::parse_error& e) {
    std::vector<Diagnostic> out{Diagnostic{std::string(source_name), e.source().begin.line,
                                           e.source().begin.column, "",
                                           std::string(e.description())}};
    return ConfigErrors{std::move(out)};
  }
  loader.apply(overrides);
  loader.validate();
  loader.digest(toml_text);
  return loader.finish();
}

LoadResult loadFile(const std::string& path, const Overrides& overrides) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  if (file) {
    text << file.rdbuf();
  }
  if (!file || file.bad()) {
    return ConfigErrors{{Diagnostic{path, 0, 0, "", "cannot read the file"}}};
  }
  return parse(text.str(), path, overrides);
}

std::string_view embeddedDefaultToml() { return kEmbeddedDefault; }

LoadResult loadEmbeddedDefault(const Overrides& overrides) {
  if (overrides.stdio) {
    return parse(kEmbeddedDefault, "<embedded default>", overrides);
  }
  return parse(std::string(kEmbeddedDefault) + std::string(kEmbeddedAudit), "<embedded default>",
               overrides);
}

}  // namespace bastion::config
