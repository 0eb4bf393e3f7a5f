// Any bytes as X-Forwarded-For headers (one per line) from a trusted or untrusted peer, and as a
// trusted-proxy list: never a crash or sanitizer report; the answer is the peer or an IP literal,
// and from an untrusted peer always the peer.
#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "oauth/client_address.h"

namespace {

bool isIp(const std::string& s) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET, s.c_str(), buf.data()) == 1 ||
         inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto trusted =
      bastion::oauth::TrustedProxies::parse({"10.0.0.0/8", "2001:db8::/32", "192.0.2.1"}).value();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  for (std::size_t at = 0; at <= text.size();) {
    const auto nl = text.find('\n', at);
    const auto end = nl == std::string_view::npos ? text.size() : nl;
    lines.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  (void)bastion::oauth::TrustedProxies::parse(lines);
  for (const char* peer : {"10.1.2.3", "203.0.113.5"}) {
    bastion::web::Request req;
    req.remote_address = peer;
    for (const auto& line : lines) {
      req.headers.emplace_back("x-forwarded-for", line);
    }
    const std::string who = bastion::oauth::clientAddress(req, trusted);
    if (who != peer && (!isIp(who) || std::string(peer) == "203.0.113.5")) {
      std::abort();
    }
  }
  return 0;
}
