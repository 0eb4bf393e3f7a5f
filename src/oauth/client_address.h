#pragma once
// Which address a request came from, for per-IP throttling. Behind a reverse proxy every peer is
// the proxy; the proxy says who its client was in X-Forwarded-For. That header is believed only
// from peers on the trusted-proxy list: anyone else can write anything in it.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/web.h"

namespace bastion::oauth {

// A set of addresses and networks ("10.0.0.0/8", "192.0.2.7", "::1", "fd00::/8"). IPv4 and
// IPv4-mapped IPv6 forms of one address are the same address.
class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts nobody

  // Every entry must be an IP literal or CIDR with a prefix length in range; host bits set in
  // a CIDR ("10.1.2.3/8") are refused as ambiguous. The error names the bad entry.
  [[nodiscard]] static Result<TrustedProxies> parse(const std::vector<std::string>& entries);

  bool contains(std::string_view ip) const;  // false for anything that is not an IP literal
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    std::array<unsigned char, 16> address{};  // IPv4 as IPv4-mapped IPv6
    unsigned prefix = 128;
  };
  std::vector<Network> networks_;
};

// The address to count `req` under. The peer (req.remote_address) unless the peer is a trusted
// proxy; then the rightmost X-Forwarded-For entry (over all such headers, in order) that is not
// itself a trusted proxy. Entries left of it are the client's own claims and never read. If
// every entry is trusted, or the next one is not an IP literal (a proxy that passes garbage),
// the leftmost trusted hop reached is the answer. Entries may carry a port ("192.0.2.1:443",
// "[2001:db8::1]:443"), which is dropped; IPv4-mapped IPv6 is written as IPv4. RFC 7239
// Forwarded is not read.
std::string clientAddress(const web::Request& req, const TrustedProxies& trusted);

}  // namespace bastion::oauth
