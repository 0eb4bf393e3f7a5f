// The `http` tool kind: options checked once (template, method, placements, headers,
// allow-list), secrets expanded once, then each call builds one request from the arguments and
// follows at most `follow_redirects` same-origin redirects within one overall deadline.

#include "tools/http.h"

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <set>

#include "guard/secrets.h"
#include "net/fetch_url.h"
#include "net/fetcher.h"
#include "tools/http_response.h"
#include "tools/url_template.h"

namespace bastion::tools {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::array<std::string_view, 5> kMethods{"GET", "POST", "PUT", "PATCH", "DELETE"};
// Framing headers belong to the fetcher; Cookie and Proxy-* have no place in a declared API call.
constexpr std::array<std::string_view, 8> kReservedHeaders{
    "host", "content-length", "transfer-encoding", "connection", "upgrade",
    "te",   "trailer",        "content-type"};

Error badOptions(std::string message) {
  return Error(HttpToolError::BadOptions, std::move(message));
}
Error badArgument(std::string message) {
  return Error(HttpToolError::BadArgument, std::move(message));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

bool hasBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

// RFC 9110 token characters.
bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Where each declared parameter goes, decided once.
enum class Place { Template, Query, Body };
struct Placed {
  std::string name;
  Place place;
  bool required;
};

Result<std::vector<Placed>> placeParams(const HttpToolOptions& o, const UrlTemplate& t) {
  std::set<std::string, std::less<>> declared;
  std::vector<Placed> out;
  for (const HttpParam& p : o.params) {
    if (!declared.insert(p.name).second) {
      return badOptions("params." + p.name + ": declared twice");
    }
    const auto in_url = std::find_if(t.placeholders().begin(), t.placeholders().end(),
                                     [&](const auto& ph) { return ph.name == p.name; });
    if (in_url != t.placeholders().end()) {
      const bool in_path = in_url->position == UrlTemplate::Position::Path;
      if (p.in == HttpParam::In::Body || (p.in == HttpParam::In::Path && !in_path) ||
          (p.in == HttpParam::In::Query && in_path)) {
        return badOptions("params." + p.name + ": `in` disagrees with where the url places {" +
                          p.name + "}");
      }
      if (!p.required) {
        return badOptions("params." + p.name + ": a url placeholder is always required (leave {" +
                          p.name + "} out of the url and set in = \"query\" to make it optional)");
      }
      out.push_back({p.name, Place::Template, true});
      continue;
    }
    if (p.in == HttpParam::In::Path) {
      return badOptions("params." + p.name + ": in = \"path\" but the url has no {" + p.name + "}");
    }
    if (p.in == HttpParam::In::Body && !hasBody(o.method)) {
      return badOptions("params." + p.name + ": a " + o.method + " request has no body");
    }
    const bool body =
        p.in == HttpParam::In::Body || (p.in == HttpParam::In::Auto && hasBody(o.method));
    out.push_back({p.name, body ? Place::Body : Place::Query, p.required});
  }
  for (const auto& ph : t.placeholders()) {
    if (!declared.contains(ph.name)) {
      return badOptions("url: uses {" + ph.name + "} but params." + ph.name + " is not declared");
    }
  }
  return out;
}

// The url's host must be on the allow-list; http only when the list names it explicitly.
Result<void> checkAllowList(const HttpToolOptions& o, const UrlTemplate& t) {
  const std::string host =
      t.host().find(':') != std::string::npos ? "[" + t.host() + "]" : t.host();
  const std::string with_port = host + ":" + std::to_string(t.port());
  const bool default_port = t.port() == (t.tls() ? 443 : 80);
  if (o.allow_hosts.empty()) {
    if (!t.tls()) {
      return badOptions("allow_hosts: an http:// url needs its host listed (\"" + with_port +
                        "\")");
    }
    return {};
  }
  for (const std::string& entry : o.allow_hosts) {
    const std::string e = lower(entry);
    if (e == with_port || (default_port && e == host)) {
      return {};
    }
  }
  return badOptions("allow_hosts: the url's host " + with_port + " is not listed");
}

Result<void> checkHeaders(const HttpToolOptions& o) {
  std::set<std::string, std::less<>> seen;
  for (const auto& [name, value] : o.headers) {
    const std::string l = lower(name);
    if (!seen.insert(l).second) {
      return badOptions("headers." + name + ": set twice (header names ignore case)");
    }
    if (!isToken(name)) {
      return badOptions("headers." + name + ": not a valid header name");
    }
    if (std::find(kReservedHeaders.begin(), kReservedHeaders.end(), l) != kReservedHeaders.end() ||
        l.starts_with("proxy-")) {
      return badOptions("headers." + name + ": set by Bastion, may not be configured");
    }
  }
  return {};
}

json::value inputSchema(const HttpToolOptions& o) {
  json::object properties;
  json::array required;
  for (const HttpParam& p : o.params) {
    properties[p.name] = p.schema;
    if (p.required) {
      required.emplace_back(p.name);
    }
  }
  json::object schema{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) {
    schema["required"] = std::move(required);
  }
  return schema;
}

// Truthful by method: GET reads; the others may change the downstream system unless the
// configuration says this one only reads (a search API called with POST).
void annotate(mcp::ToolBuilder& b, const HttpToolOptions& o) {
  const bool reads = o.method == "GET" || o.read_only;
  b.readOnly(reads).destructive(!reads).idempotent(o.method != "POST" && o.method != "PATCH");
  b.openWorld(true);
}

// An argument as URL text: strings as they are, numbers and booleans as JSON writes them.
Result<std::string> urlValue(std::string_view name, const json::value& v) {
  if (v.is_string()) {
    return std::string(v.get_string());
  }
  if (v.is_number() || v.is_bool()) {
    return json::serialize(v);
  }
  return badArgument("argument " + std::string(name) +
                     " must be a string, number or boolean to go in the URL");
}

class HttpTool {
 public:
  HttpTool(std::string name, HttpToolOptions options, UrlTemplate url, std::vector<Placed> placed,
           std::vector<std::pair<std::string, std::string>> headers, std::string secret_query,
           std::shared_ptr<const guard::Redactor> redactor, std::shared_ptr<net::Fetcher> fetcher)
      : name_(std::move(name)),
        options_(std::move(options)),
        url_(std::move(url)),
        placed_(std::move(placed)),
        headers_(std::move(headers)),
        secret_query_(std::move(secret_query)),
        redactor_(std::move(redactor)),
        fetcher_(std::move(fetcher)) {}

  // `cancelled` is polled while a request waits (the call's cancellation: the client cancelled
  // or went away); a cancelled call stops its exchange and gives its worker thread back.
  Result<mcp::ToolResult> call(const json::object& args, std::function<bool()> cancelled) const {
    auto request = buildRequest(args);
    if (!request) {
      return request.error();
    }
    request.value().cancelled = std::move(cancelled);
    auto response = exchange(std::move(request.value()));
    if (!response) {
      return response.error();
    }
    return toToolResult(std::move(response.value()), ResponseRules{.host = url_.host(),
                                                                   .tool = name_,
                                                                   .binary = options_.binary,
                                                                   .redactor = redactor_.get()});
  }

 private:
  // The first request: URL from the template (values encoded), appended query arguments, the
  // secret query last; the JSON body for methods that have one; the configured headers.
  Result<net::FetchRequest> buildRequest(const json::object& args) const {
    std::string extra_query;
    json::object body;
    for (const Placed& p : placed_) {
      const json::value* v = args.if_contains(p.name);
      if (v == nullptr) {
        if (p.required) {
          return badArgument("argument " + p.name + " is required");
        }
        continue;
      }
      if (p.place == Place::Body) {
        body[p.name] = *v;
      } else if (p.place == Place::Query) {
        auto text = urlValue(p.name, *v);
        if (!text) {
          return text.error();
        }
        extra_query += (extra_query.empty() ? "" : "&") + percentEncode(p.name) + "=" +
                       percentEncode(text.value());
      }
    }
    if (!secret_query_.empty()) {
      extra_query += (extra_query.empty() ? "" : "&") + secret_query_;
    }
    std::optional<Error> bad;
    auto url = url_.expand(
        [&](std::string_view name) -> std::optional<std::string> {
          const json::value* v = args.if_contains(name);
          if (v == nullptr) {
            return std::nullopt;
          }
          auto text = urlValue(name, *v);
          if (!text) {
            bad = text.error();
            return std::nullopt;
          }
          return text.value();
        },
        extra_query);
    if (bad) {
      return *bad;
    }
    if (!url) {
      return badArgument(url.error().message);
    }
    net::FetchRequest req{.url = std::move(url.value()),
                          .method = options_.method,
                          .headers = headers_,
                          .body = {},
                          .timeout = options_.timeout,
                          .max_bytes = options_.max_bytes};
    if (hasBody(options_.method)) {
      req.body = json::serialize(body);
      req.headers.emplace_back("Content-Type", "application/json");
    }
    return req;
  }

  // Sends `req`, following same-origin redirects, all within the configured timeout.
  Result<net::FetchResponse> exchange(net::FetchRequest req) const {
    const auto deadline = SteadyClock::now() + options_.timeout;
    for (int hop = 0;; ++hop) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) {
        return timeout();
      }
      req.timeout = left;
      auto r = fetcher_->fetch(req);
      if (!r) {
        return fetchError(r.error());
      }
      net::FetchResponse& response = r.value();
      if (!isRedirect(response.status)) {
        return std::move(response);
      }
      if (hop >= options_.follow_redirects) {
        return Error(HttpToolError::UpstreamStatus,
                     "HTTP " + std::to_string(response.status) + " from " + url_.host() +
                         ": redirect not followed (follow_redirects = " +
                         std::to_string(options_.follow_redirects) + ")");
      }
      auto next = sameOriginLocation(req.url, response.header("location"));
      if (!next) {
        return next.error();
      }
      req.url = std::move(next.value());
      // 303, and 301/302 after a POST (as browsers do): the next request is a GET without body.
      if (response.status == 303 ||
          ((response.status == 301 || response.status == 302) && req.method == "POST")) {
        req.method = "GET";
        req.body.clear();
        std::erase_if(req.headers, [](const auto& h) { return h.first == "Content-Type"; });
      }
    }
  }

  static bool isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  // The redirect target resolved against the current URL; refused unless it has the template's
  // scheme, host and port (fail closed: the configured credentials belong to that origin only).
  Result<std::string> sameOriginLocation(const std::string& current,
                                         std::string_view location) const {
    const Error refused(HttpToolError::Refused,
                        "a redirect from " + url_.host() + " to another origin was refused");
    auto base = boost::urls::parse_absolute_uri(current);
    auto ref = boost::urls::parse_uri_reference(location);
    if (location.empty() || !base || !ref) {
      return refused;
    }
    boost::urls::url next;
    if (!boost::urls::resolve(base.value(), ref.value(), next)) {
      return refused;
    }
    next.remove_fragment();
    auto target = net::parseFetchUrl(
        next.buffer(),
        net::FetchPolicy{.allow_http = true, .allow_private_addresses = false, .ca_file = ""});
    if (!target || target.value().tls != url_.tls() || target.value().host != url_.host() ||
        target.value().port != url_.port()) {
      return refused;
    }
    return std::string(next.buffer());
  }

  Error timeout() const {
    return Error(HttpToolError::Timeout, "no answer from " + url_.host() + " within " +
                                             std::to_string(options_.timeout.count()) + " ms");
  }

  // The fetcher's failure in the tool's words: only the template's host is named.
  Error fetchError(const Error& e) const {
    switch (static_cast<net::FetchError>(e.code)) {
      case net::FetchError::ForbiddenAddress:
        return Error(HttpToolError::Refused,
                     url_.host() + " resolves to an address this tool may not reach");
      case net::FetchError::BadUrl:
      case net::FetchError::SchemeNotAllowed:
        return Error(HttpToolError::Refused, "the request URL for " + url_.host() + " was refused");
      case net::FetchError::Timeout:
        return timeout();
      case net::FetchError::TooLarge:
        return Error(HttpToolError::TooLarge,
                     "response larger than " + std::to_string(options_.max_bytes) + " bytes");
      case net::FetchError::ProtocolError:
        return Error(HttpToolError::BadResponse, "no valid HTTP response from " + url_.host());
      case net::FetchError::TlsFailed:
        return Error(HttpToolError::Unreachable, "TLS with " + url_.host() + " failed");
      case net::FetchError::Cancelled:
        return Error(mcp::HandlerError::Cancelled, "the request was cancelled");
      case net::FetchError::ResolveFailed:
      case net::FetchError::ConnectFailed:
        break;
    }
    return Error(HttpToolError::Unreachable, "could not reach " + url_.host());
  }

  const std::string name_;
  const HttpToolOptions options_;
  const UrlTemplate url_;
  const std::vector<Placed> placed_;
  const std::vector<std::pair<std::string, std::string>> headers_;  // secrets expanded
  const std::string secret_query_;  // encoded "k=v&..."; secrets expanded
  const std::shared_ptr<const guard::Redactor> redactor_;
  const std::shared_ptr<net::Fetcher> fetcher_;
};

Result<UrlTemplate> checkOptions(const HttpToolOptions& o) {
  if (std::find(kMethods.begin(), kMethods.end(), o.method) == kMethods.end()) {
    return badOptions("method: must be one of GET, POST, PUT, PATCH, DELETE");
  }
  auto t = UrlTemplate::parse(o.url);
  if (!t) {
    return badOptions("url: " + t.error().message);
  }
  if (auto r = checkAllowList(o, t.value()); !r) {
    return r.error();
  }
  if (auto r = checkHeaders(o); !r) {
    return r.error();
  }
  if (o.follow_redirects < 0 || o.follow_redirects > 10) {
    return badOptions("follow_redirects: must be between 0 and 10");
  }
  return t;
}

struct Checked {
  UrlTemplate url;
  std::vector<Placed> placed;
};

Result<Checked> check(const HttpToolOptions& o) {
  auto url = checkOptions(o);
  if (!url) {
    return url.error();
  }
  auto placed = placeParams(o, url.value());
  if (!placed) {
    return placed.error();
  }
  return Checked{std::move(url.value()), std::move(placed.value())};
}

}  // namespace

Result<mcp::ToolSpec> makeHttpTool(const ToolIdentity& identity, const HttpToolOptions& options,
                                   guard::Secrets& secrets, std::shared_ptr<net::Fetcher> fetcher) {
  auto checked = check(options);
  if (!checked) {
    return checked.error();
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : options.headers) {
    auto expanded = secrets.expand(value);
    if (!expanded) {
      return expanded.error();
    }
    // Checked after expansion, without showing the value: it may be a secret.
    if (expanded.value().find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return badOptions("headers." + name + ": the value holds CR, LF or NUL");
    }
    headers.emplace_back(name, std::move(expanded.value()));
  }
  std::string secret_query;
  for (const auto& [name, value] : options.secret_query) {
    auto expanded = secrets.expand(value);
    if (!expanded) {
      return expanded.error();
    }
    secret_query += (secret_query.empty() ? "" : "&") + percentEncode(name) + "=" +
                    percentEncode(expanded.value());
  }
  auto tool = std::make_shared<const HttpTool>(
      identity.name, options, std::move(checked.value().url), std::move(checked.value().placed),
      std::move(headers), std::move(secret_query), secrets.redactor(), std::move(fetcher));
  mcp::ToolBuilder b = builderFor(identity);
  b.input(inputSchema(options));
  annotate(b, options);
  b.waitsOnPeers();  // the downstream API
  b.handler([tool](const json::object& args, mcp::CallContext& ctx) {
    return tool->call(args, [&ctx] { return ctx.cancelled(); });
  });
  return std::move(b).build();
}

Result<void> checkHttpTool(const HttpToolOptions& options) {
  auto checked = check(options);
  if (!checked) {
    return checked.error();
  }
  return {};
}

Result<mcp::ToolSpec> makeHttpTool(const ToolIdentity& identity, const HttpToolOptions& options,
                                   guard::Secrets& secrets) {
  auto url = checkOptions(options);
  if (!url) {
    return url.error();
  }
  // One fetcher per tool, with exactly the allowances this tool's configuration grants.
  auto fetcher =
      net::makeHttpFetcher(net::FetchPolicy{.allow_http = !url.value().tls(),
                                            .allow_private_addresses = options.allow_private,
                                            .ca_file = options.ca_file});
  return makeHttpTool(identity, options, secrets, std::move(fetcher));
}

}  // namespace bastion::tools
