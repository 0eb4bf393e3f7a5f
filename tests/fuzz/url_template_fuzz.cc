// Any bytes as an http tool's URL template (first line) and an argument value (the rest): parsing
// never crashes, and an expanded URL always keeps the template's scheme, host and port and the
// template's count of path segments and query pairs, whatever the value holds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/fetch_url.h"
#include "tools/url_template.h"

namespace {

// '/' in the path and '&' in the query of a URL's request target.
std::pair<std::size_t, std::size_t> shape(std::string_view target) {
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q);
  return {static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')),
          static_cast<std::size_t>(std::count(query.begin(), query.end(), '&'))};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bastion;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string_view text = input.substr(0, nl);
  const std::string value(nl == std::string_view::npos ? "" : input.substr(nl + 1));
  auto t = tools::UrlTemplate::parse(text);
  if (!t) {
    return 0;
  }
  const tools::UrlTemplate& tmpl = t.value();
  const net::FetchPolicy policy{
      .allow_http = true, .allow_private_addresses = false, .ca_file = ""};
  auto sample = tmpl.expand([](std::string_view) { return std::string("x"); }, "k=x");
  auto url =
      tmpl.expand([&](std::string_view) { return value; }, "k=" + tools::percentEncode(value));
  if (!sample) {
    __builtin_trap();  // parse() accepted it, so a plain value always expands
  }
  if (!url) {
    return 0;  // a dot-segment or empty segment, refused
  }
  auto a = net::parseFetchUrl(sample.value(), policy);
  auto b = net::parseFetchUrl(url.value(), policy);
  if (!a || !b) {
    __builtin_trap();
  }
  const net::FetchTarget& x = a.value();
  const net::FetchTarget& y = b.value();
  auto sx = shape(x.target);
  auto sy = shape(y.target);
  if (x.host != y.host || x.port != y.port || x.tls != y.tls || y.host != tmpl.host() ||
      y.port != tmpl.port() || sx != sy) {
    __builtin_trap();
  }
  return 0;
}
