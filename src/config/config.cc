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

#include "config/units.h"

namespace bastion::config {
namespace {

constexpr std::string_view kEmbeddedDefault =
    R"toml(# Bastion's embedded default: the demo tools on http://127.0.0.1:8080/mcp, no authentication
# (loopback only).
[server]
listen = "127.0.0.1:8080"
endpoint = "/mcp"

[auth]
mode = "none"

[log]
level = "info"

[demo]
tools = true
)toml";

constexpr std::array<std::string_view, 7> kLogLevels{"trace", "debug",    "info", "warn",
                                                     "error", "critical", "off"};

std::string_view typeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// Collects diagnostics for one source; positions come from toml++ source regions.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void at(const toml::source_region& where, std::string key, std::string message) {
    items_.push_back(Diagnostic{file_, where.begin.line, where.begin.column, std::move(key),
                                std::move(message)});
  }
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  bool empty() const { return items_.empty(); }
  ConfigErrors take() { return ConfigErrors{std::move(items_)}; }

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

// Reads one TOML table: typed getters mark keys as known; finish() reports every other key.
// A missing key leaves the target unchanged (its default); a key of the wrong type is an error.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Diagnostics& diags)
      : table_(table), path_(std::move(path)), diags_(diags) {}

  std::string keyPath(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The node under `key` if it has the expected type; reports and returns null otherwise.
  const toml::node* get(std::string_view key, toml::node_type type, std::string_view expected) {
    known_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return nullptr;
    }
    if (node->type() != type) {
      error(*node, key,
            "expected " + std::string(expected) + ", got " + std::string(typeName(node->type())));
      return nullptr;
    }
    return node;
  }

  const toml::value<std::string>* string(std::string_view key) {
    const toml::node* n = get(key, toml::node_type::string, "a string");
    return n ? n->as_string() : nullptr;
  }
  bool readString(std::string_view key, std::string& out) {
    if (const auto* s = string(key)) {
      out = s->get();
      return true;
    }
    return false;
  }
  void readBool(std::string_view key, bool& out) {
    if (const toml::node* n = get(key, toml::node_type::boolean, "a boolean")) {
      out = n->as_boolean()->get();
    }
  }
  // An integer in [min, max].
  template <class T>
  void readInteger(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    const toml::node* n = get(key, toml::node_type::integer, "an integer");
    if (n == nullptr) {
      return;
    }
    std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      error(*n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return;
    }
    out = static_cast<T>(v);
  }
  void readStrings(std::string_view key, std::vector<std::string>& out) {
    const toml::node* n = get(key, toml::node_type::array, "an array of strings");
    if (n == nullptr) {
      return;
    }
    std::vector<std::string> values;
    const toml::array& array = *n->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const toml::node& item = array[i];
      if (!item.is_string()) {
        error(item, std::string(key) + "[" + std::to_string(i) + "]",
              "expected a string, got " + std::string(typeName(item.type())));
        return;
      }
      values.push_back(item.as_string()->get());
    }
    out = std::move(values);
  }
  void readSize(std::string_view key, std::size_t& out) {
    if (const auto* s = string(key)) {
      auto bytes = parseSize(s->get());
      if (!bytes) {
        error(*s, key, bytes.error().message);
      } else if (*bytes == 0 || *bytes > std::numeric_limits<std::size_t>::max()) {
        error(*s, key, "must be at least 1B");
      } else {
        out = static_cast<std::size_t>(*bytes);
      }
    }
  }
  void readDuration(std::string_view key, std::chrono::milliseconds& out) {
    if (const auto* s = string(key)) {
      auto d = parseDuration(s->get());
      if (!d) {
        error(*s, key, d.error().message);
      } else if (d->count() == 0) {
        error(*s, key, "must be longer than 0s");
      } else {
        out = *d;
      }
    }
  }
  // A sub-table; absent -> null (the caller keeps defaults).
  const toml::table* table(std::string_view key) {
    const toml::node* n = get(key, toml::node_type::table, "a table");
    return n ? n->as_table() : nullptr;
  }

  void error(const toml::node& node, std::string_view key, std::string message) {
    diags_.at(node.source(), keyPath(key), std::move(message));
  }

  // Fail closed: a key we do not know is a typo or a feature this version lacks; either way
  // running with it silently ignored would be wrong.
  void finish() {
    for (auto&& [key, node] : table_) {
      if (!known_.contains(std::string(key.str()))) {
        diags_.at(key.source(), keyPath(key.str()), "unknown key");
      }
    }
  }

 private:
  const toml::table& table_;
  std::string path_;
  Diagnostics& diags_;
  std::set<std::string, std::less<>> known_;
};

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
  auto url = boost::urls::parse_absolute_uri(origin);
  return url && (url->scheme() == "http" || url->scheme() == "https") && url->has_authority() &&
         !url->host().empty() && !url->has_userinfo() && url->path().empty() && !url->has_query();
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
  auto url = boost::urls::parse_absolute_uri(text);
  return url && (url->scheme() == "http" || url->scheme() == "https") && url->has_authority() &&
         !url->host().empty() && !url->has_userinfo() && !url->has_query();
}

bool readable(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return f.good();
}

// Fills a Config from a TOML document, section by section, then checks rules that span keys.
class Loader {
 public:
  explicit Loader(std::string file) : diags_(file) { config_.source = std::move(file); }

  void read(const toml::table& root) {
    TableReader reader(root, "", diags_);
    if (const toml::table* t = reader.table("server")) {
      readServer(*t);
    }
    if (const toml::table* t = reader.table("auth")) {
      readAuth(*t);
    }
    if (const toml::table* t = reader.table("log")) {
      readLog(*t);
    }
    if (const toml::table* t = reader.table("demo")) {
      TableReader demo(*t, "demo", diags_);
      demo.readBool("tools", config_.demo.tools);
      demo.finish();
    }
    reader.finish();
  }

  void apply(const Overrides& overrides) {
    if (overrides.listen) {
      auto address = parseListen(*overrides.listen);
      if (!address) {
        diags_.add(Diagnostic{"--listen", 0, 0, "server.listen", address.error().message});
      } else {
        config_.server.listen = *address;
        listen_where_.reset();
      }
    }
    if (overrides.stdio) {
      config_.server.listen.reset();
    }
  }

  // Rules that involve more than one key; run after overrides so they judge the final result.
  void validate() {
    const ServerConfig& server = config_.server;
    if (config_.auth.mode == AuthMode::None && server.listen && !server.listen->isLoopback()) {
      std::string message =
          "auth.mode \"none\" is allowed only on a loopback address (127.0.0.0/8 or ::1) or "
          "stdio; this version has no other auth mode (OAuth arrives with the next release)";
      if (listen_where_) {
        diags_.at(*listen_where_, "server.listen", std::move(message));
      } else {
        diags_.add(Diagnostic{"--listen", 0, 0, "server.listen", std::move(message)});
      }
    }
  }

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
        listen_where_ = s->source();
      } else {
        r.error(*s, "listen", address.error().message);
      }
    }
    if (const auto* s = r.string("public_url")) {
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
    r.readInteger("io_threads", out.io_threads, 0, 256);
    r.readInteger("workers", out.workers, 0, 1024);
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
      timeouts.readDuration("shutdown", out.timeouts.shutdown);
      timeouts.finish();
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

  void readAuth(const toml::table& table) {
    TableReader r(table, "auth", diags_);
    if (const auto* s = r.string("mode")) {
      if (s->get() != "none") {
        r.error(*s, "mode",
                "unsupported mode \"" + s->get() +
                    "\"; this version supports only \"none\" (OAuth arrives with the next "
                    "release)");
      }
    }
    r.finish();
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
  std::optional<toml::source_region> listen_where_;
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
  return parse(kEmbeddedDefault, "<embedded default>", overrides);
}

}  // namespace bastion::config
