#pragma once
// The SSRF guard's address classification on raw bytes, shared by isPublicAddress (IP literals)
// and the fetcher (resolved endpoints). Internal to the net layer; tests use isPublicAddress.

#include <array>
#include <cstdint>

namespace bastion::net {

// True if the IPv4 address (network byte order, a.b.c.d = bytes[0..3]) is public unicast.
bool isPublicV4(const std::array<std::uint8_t, 4>& bytes);
// True if the IPv6 address is public unicast; addresses embedding an IPv4 address (mapped,
// NAT64, 6to4) are public only if the embedded address is.
bool isPublicV6(const std::array<std::uint8_t, 16>& bytes);
// True if the address is link-local (169.254/16, fe80::/10), also when embedded in an IPv6 form
// (mapped, NAT64, 6to4): where cloud metadata services answer (169.254.169.254, fd00:ec2::254
// aside). The fetcher refuses these even when private addresses are allowed, unless the policy
// allows link-local as well.
bool isLinkLocalV4(const std::array<std::uint8_t, 4>& bytes);
bool isLinkLocalV6(const std::array<std::uint8_t, 16>& bytes);

}  // namespace bastion::net
