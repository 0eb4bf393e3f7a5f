// URL checks before any lookup. Strict on purpose: every URL here may come from an attacker
// (a token's `iss`, a client_id that is a URL), and odd forms are where parsers disagree.

#include "net/fetch_url.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace bastion::net {
namespace {

namespace urls = boost::urls;

constexpr std::size_t kMaxUrlLength = 8 * 1024;

Error badUrl(std::string message) { return Error(FetchError::BadUrl, std::move(message)); }

// Letters, digits, '-', '_' and '.' only: no percent-encoding (one host, one spelling) and
// nothing that could mean something else in a Host header or to the resolver.
bool isPlainHostName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// Fills host, host_is_ip and the host part of host_header.
Result<void> takeHost(const urls::url_view& u, FetchTarget& t) {
  switch (u.host_type()) {
    case urls::host_type::ipv4:
      t.host = u.host_ipv4_address().to_string();
      t.host_is_ip = true;
      t.host_header = t.host;
      return {};
    case urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_is_ip = true;
      t.host_header = "[" + t.host + "]";
      return {};
    case urls::host_type::name:
      if (!isPlainHostName(u.encoded_host_name())) {
        return badUrl("the URL's host is not a plain DNS name");
      }
      t.host = lower(u.encoded_host_name());
      t.host_header = t.host;
      return {};
    default:  // none (empty host) or IPvFuture
      return badUrl("the URL has no usable host");
  }
}

Result<void> takePort(const urls::url_view& u, FetchTarget& t) {
  const std::uint16_t default_port = t.tls ? 443 : 80;
  if (!u.has_port() || u.port().empty()) {
    t.port = default_port;
    return {};
  }
  // port_number() is 0 when the digits do not fit in 16 bits; port 0 is refused as well.
  if (u.port_number() == 0) {
    return badUrl("the URL's port is out of range");
  }
  t.port = u.port_number();
  if (t.port != default_port) {
    t.host_header += ":" + std::to_string(t.port);
  }
  return {};
}

}  // namespace

Result<FetchTarget> parseFetchUrl(std::string_view url, const FetchPolicy& policy) {
  if (url.size() > kMaxUrlLength) {
    return badUrl("the URL is too long");
  }
  auto parsed = urls::parse_absolute_uri(urls::string_view(url.data(), url.size()));
  if (!parsed) {
    return badUrl("not an absolute URL");
  }
  const urls::url_view& u = *parsed;
  if (u.has_userinfo()) {
    return badUrl("the URL carries userinfo");
  }
  if (u.has_fragment()) {
    return badUrl("the URL carries a fragment");
  }
  FetchTarget t;
  if (u.scheme_id() == urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() == urls::scheme::http) {
    if (!policy.allow_http) {
      return Error(FetchError::SchemeNotAllowed, "https is required");
    }
    t.tls = false;
  } else {
    return badUrl("not an http(s) URL");
  }
  if (auto r = takeHost(u, t); !r) {
    return r.error();
  }
  if (auto r = takePort(u, t); !r) {
    return r.error();
  }
  t.target = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
  if (t.target.front() != '/') {
    return badUrl("the URL's path is not absolute");
  }
  if (u.has_query()) {
    t.target += "?" + std::string(u.encoded_query());
  }
  return t;
}

}  // namespace bastion::net
