// URL templates of `http` tools: parsed and checked once at load, expanded on every call.
// The origin is never built from a value: expand() writes the origin fixed at parse time, then
// encoded values into the path and query only.

#include "tools/url_template.h"

#include <algorithm>
#include <set>

#include "net/fetch_url.h"

namespace bastion::tools {
namespace {

constexpr std::size_t kMaxTemplateLength = 4096;
constexpr std::size_t kMaxNameLength = 64;

Error badTemplate(std::string message) {
  return Error(UrlTemplateError::BadTemplate, std::move(message));
}

bool isUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool validName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
         });
}

// Splits `text` into literal parts and `{name}` placeholders; a lone brace is an error.
Result<std::vector<UrlTemplate::Part>> splitParts(std::string_view text) {
  std::vector<UrlTemplate::Part> parts;
  while (!text.empty()) {
    const std::size_t open = text.find_first_of("{}");
    if (open == std::string_view::npos) {
      parts.push_back({false, std::string(text)});
      break;
    }
    if (open > 0) {
      parts.push_back({false, std::string(text.substr(0, open))});
    }
    const std::size_t close = text.find('}', open);
    if (text[open] == '}' || close == std::string_view::npos) {
      return badTemplate("unbalanced '{' or '}' in the url");
    }
    const std::string_view name = text.substr(open + 1, close - open - 1);
    if (!validName(name)) {
      return badTemplate("placeholder {" + std::string(name.substr(0, kMaxNameLength)) +
                         "} must be 1-64 characters of A-Z a-z 0-9 _ -");
    }
    parts.push_back({true, std::string(name)});
    text.remove_prefix(close + 1);
  }
  return parts;
}

// A segment a server would treat as a dot-segment ("." or "..", also spelled with %2E).
bool isDotSegment(std::string_view segment) {
  std::string decoded;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment.substr(i, 3) == "%2E" || segment.substr(i, 3) == "%2e") {
      decoded += '.';
      i += 2;
    } else {
      decoded += segment[i];
    }
  }
  return decoded == "." || decoded == "..";
}

}  // namespace

std::string percentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (isUnreserved(c)) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

Result<UrlTemplate> UrlTemplate::parse(std::string_view text) {
  if (text.size() > kMaxTemplateLength) {
    return badTemplate("the url is longer than 4096 characters");
  }
  if (text.find('#') != std::string_view::npos) {
    return badTemplate("the url may not have a fragment ('#')");
  }
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return badTemplate("the url must be absolute (https://host/path)");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find_first_of("{}") != std::string_view::npos) {
    return badTemplate("placeholders may stand only in the url's path and query values");
  }
  if (authority.find('@') != std::string_view::npos) {
    return badTemplate("the url may not carry userinfo ('@' before the host)");
  }
  rest.remove_prefix(authority.size());
  const std::size_t query_start = rest.find('?');
  std::string_view path = rest.substr(0, query_start);

  UrlTemplate t;
  std::set<std::string, std::less<>> seen;
  auto note = [&](const std::vector<Part>& parts, Position position) -> Result<void> {
    for (const Part& p : parts) {
      if (p.placeholder) {
        if (!seen.insert(p.text).second) {
          return badTemplate("placeholder {" + p.text + "} appears more than once");
        }
        t.placeholders_.push_back({p.text, position});
      }
    }
    return {};
  };
  if (!path.empty()) {
    path.remove_prefix(1);  // the leading '/'
    for (;;) {
      const std::size_t slash = path.find('/');
      auto parts = splitParts(path.substr(0, slash));
      if (!parts) {
        return parts.error();
      }
      if (auto r = note(parts.value(), Position::Path); !r) {
        return r.error();
      }
      t.segments_.push_back(std::move(parts.value()));
      if (slash == std::string_view::npos) {
        break;
      }
      path.remove_prefix(slash + 1);
    }
  }
  if (query_start != std::string_view::npos) {
    t.has_query_ = true;
    std::string_view query = rest.substr(query_start + 1);
    for (;;) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const std::size_t eq = pair.find('=');
      QueryPair q;
      q.key = std::string(pair.substr(0, eq));
      if (q.key.find_first_of("{}") != std::string::npos) {
        return badTemplate("placeholders may stand only in query values, not in names");
      }
      if (eq != std::string_view::npos) {
        q.has_value = true;
        auto parts = splitParts(pair.substr(eq + 1));
        if (!parts) {
          return parts.error();
        }
        if (auto r = note(parts.value(), Position::Query); !r) {
          return r.error();
        }
        q.value = std::move(parts.value());
      }
      t.query_.push_back(std::move(q));
      if (amp == std::string_view::npos) {
        break;
      }
      query.remove_prefix(amp + 1);
    }
  }
  // The literal parts are checked by the fetcher's own URL rules, with every placeholder filled.
  t.origin_ = std::string(text.substr(0, scheme_end + 3)) + std::string(authority);
  auto sample = t.expand([](std::string_view) { return std::string("x"); });
  if (!sample) {
    return badTemplate(sample.error().message);
  }
  auto target = net::parseFetchUrl(
      sample.value(),
      net::FetchPolicy{.allow_http = true, .allow_private_addresses = false, .ca_file = ""});
  if (!target) {
    return badTemplate("the url is not a valid http(s) URL: " + target.error().message);
  }
  const net::FetchTarget& ft = target.value();
  t.tls_ = ft.tls;
  t.host_ = ft.host;
  t.port_ = ft.port;
  t.origin_ = (ft.tls ? "https://" : "http://") + ft.host_header;
  return t;
}

Result<std::string> UrlTemplate::expand(const ValueOf& value, std::string_view extra_query) const {
  std::string url = origin_;
  auto append = [&](const std::vector<Part>& parts) -> Result<void> {
    for (const Part& p : parts) {
      if (!p.placeholder) {
        url += p.text;
        continue;
      }
      auto v = value(p.text);
      if (!v) {
        return Error(UrlTemplateError::MissingValue, "no value for {" + p.text + "}");
      }
      url += percentEncode(*v);
    }
    return {};
  };
  if (segments_.empty()) {
    url += '/';
  }
  for (const auto& segment : segments_) {
    url += '/';
    const std::size_t start = url.size();
    if (auto r = append(segment); !r) {
      return r.error();
    }
    const bool filled =
        std::any_of(segment.begin(), segment.end(), [](const Part& p) { return p.placeholder; });
    const std::string_view written = std::string_view(url).substr(start);
    if (filled && (written.empty() || isDotSegment(written))) {
      return Error(UrlTemplateError::BadValue,
                   "a value may not make a path segment empty, \".\" or \"..\"");
    }
  }
  if (has_query_ || !extra_query.empty()) {
    url += '?';
  }
  bool first = true;
  for (const QueryPair& q : query_) {
    url += first ? "" : "&";
    first = false;
    url += q.key;
    if (q.has_value) {
      url += '=';
      if (auto r = append(q.value); !r) {
        return r.error();
      }
    }
  }
  if (!extra_query.empty()) {
    url += first ? "" : "&";
    url += extra_query;
  }
  return url;
}

}  // namespace bastion::tools
