#pragma once
// The URL of an `http` tool: fixed scheme, host and port from configuration, with `{name}`
// placeholders that arguments fill. Placeholders may stand only in path segments and in query
// values (never in the scheme, host, port, a query key or a fragment); this is checked when the
// template is parsed, at load. Every value is percent-encoded with only RFC 3986 unreserved
// characters (A-Z a-z 0-9 - . _ ~) kept, so "/", "?", "#", "&", "=", "@" and "%" in a value can
// neither add a path segment, start a query or fragment, nor change the host. A path segment
// that a value would make empty, "." or ".." is refused (a server would read it as a dot-segment
// and walk up the path).
//
//   auto t = UrlTemplate::parse("https://api.example.com/v1/users/{id}?fields={fields}");
//   auto url = t->expand({{"id", "42"}, {"fields", "name,email"}});
//   // https://api.example.com/v1/users/42?fields=name%2Cemail

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bastion::tools {

enum class UrlTemplateError {
  BadTemplate = 1,  // load time: the template is malformed or puts a placeholder where none may go
  BadValue,         // call time: a value would make a path segment empty, "." or ".."
  MissingValue,     // call time: a placeholder has no value
};

// Percent-encodes every byte of `value` except RFC 3986 unreserved characters.
std::string percentEncode(std::string_view value);

class UrlTemplate {
 public:
  enum class Position { Path, Query };
  struct Placeholder {
    std::string name;
    Position position;
  };
  // A component of a path segment or query value: literal text (already valid, as written in
  // the template) or a placeholder's name.
  struct Part {
    bool placeholder = false;
    std::string text;
  };

  // Parses and checks `text` (an absolute http or https URL with no userinfo or fragment).
  // Placeholder names are [A-Za-z0-9_-]{1,64} and each may appear once. Does NOT decide whether
  // the scheme or host is allowed (the tool's configuration does) and does not resolve the host.
  [[nodiscard]] static Result<UrlTemplate> parse(std::string_view text);

  // The URL with each placeholder replaced by its encoded value. `value` returns nullopt for a
  // name that has none (MissingValue). `extra_query` (already encoded "k=v" pairs joined by
  // '&') is appended to the query.
  using ValueOf = std::function<std::optional<std::string>(std::string_view name)>;
  [[nodiscard]] Result<std::string> expand(const ValueOf& value,
                                           std::string_view extra_query = {}) const;

  const std::vector<Placeholder>& placeholders() const { return placeholders_; }
  // "scheme://host[:port]" as written in the template (lower-cased scheme and host).
  const std::string& origin() const { return origin_; }
  bool tls() const { return tls_; }
  // The host (no brackets for IPv6) and the port (the scheme's default when not written).
  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  struct QueryPair {
    std::string key;  // literal, as written
    bool has_value = false;
    std::vector<Part> value;
  };
  UrlTemplate() = default;

  std::string origin_;
  std::string authority_;  // as written (lower-cased)
  bool tls_ = true;
  std::string host_;
  std::uint16_t port_ = 443;
  std::vector<std::vector<Part>> segments_;  // path segments after the leading "/"
  bool has_query_ = false;
  std::vector<QueryPair> query_;
  std::vector<Placeholder> placeholders_;
};

}  // namespace bastion::tools
