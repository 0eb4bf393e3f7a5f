// Which addresses an outbound fetch may reach. IPv4 is a deny-list of the IANA special-purpose
// ranges; IPv6 is an allow-list (global unicast 2000::/3 only) with the special-purpose blocks
// inside it refused, because anything outside 2000::/3 is local, reserved or multicast and a
// short allow-list cannot miss a range the way a long deny-list can.

#include "net/address_policy.h"

#include <arpa/inet.h>

#include <string>

#include "net/fetcher.h"

namespace bastion::net {
namespace {

struct V4Block {
  std::uint32_t base;
  int prefix;
};

// RFC 6890 and the IANA IPv4 Special-Purpose Address Registry, plus multicast and 240/4.
constexpr V4Block kForbiddenV4[] = {
    {0x00000000, 8},   // 0.0.0.0/8 "this network" (0.0.0.0 reaches the local host on Linux)
    {0x0A000000, 8},   // 10/8 private (RFC 1918)
    {0x64400000, 10},  // 100.64/10 carrier-grade NAT (RFC 6598)
    {0x7F000000, 8},   // 127/8 loopback
    {0xA9FE0000, 16},  // 169.254/16 link-local, incl. 169.254.169.254 cloud metadata
    {0xAC100000, 12},  // 172.16/12 private
    {0xC0000000, 24},  // 192.0.0/24 IETF protocol assignments
    {0xC0000200, 24},  // 192.0.2/24 TEST-NET-1
    {0xC0586300, 24},  // 192.88.99/24 6to4 relay anycast (deprecated)
    {0xC0A80000, 16},  // 192.168/16 private
    {0xC6120000, 15},  // 198.18/15 benchmarking
    {0xC6336400, 24},  // 198.51.100/24 TEST-NET-2
    {0xCB007100, 24},  // 203.0.113/24 TEST-NET-3
    {0xE0000000, 4},   // 224/4 multicast
    {0xF0000000, 4},   // 240/4 reserved, incl. 255.255.255.255 broadcast
};

std::uint32_t toHostOrder(const std::array<std::uint8_t, 4>& b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

std::array<std::uint8_t, 4> v4At(const std::array<std::uint8_t, 16>& b, std::size_t at) {
  return {b[at], b[at + 1], b[at + 2], b[at + 3]};
}

bool allZero(const std::array<std::uint8_t, 16>& b, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    if (b[i] != 0) {
      return false;
    }
  }
  return true;
}

// ::ffff:a.b.c.d — the kernel connects a v6 socket to this as plain IPv4.
bool isV4Mapped(const std::array<std::uint8_t, 16>& b) {
  return allZero(b, 0, 10) && b[10] == 0xff && b[11] == 0xff;
}

// 64:ff9b::a.b.c.d — the well-known NAT64 prefix (RFC 6052): a translator forwards to a.b.c.d.
bool isNat64(const std::array<std::uint8_t, 16>& b) {
  return b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && allZero(b, 4, 12);
}

// Special-purpose blocks inside 2000::/3 that no metadata or key server lives in.
bool isSpecialGlobalV6(const std::array<std::uint8_t, 16>& b) {
  const bool ietf_2001 = b[0] == 0x20 && b[1] == 0x01 && b[2] <= 0x01;  // 2001::/23 (Teredo,...)
  const bool doc_2001 = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8;  // db8::/32
  const bool doc_3fff = b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0;            // 3fff::/20
  return ietf_2001 || doc_2001 || doc_3fff;
}

}  // namespace

bool isPublicV4(const std::array<std::uint8_t, 4>& bytes) {
  const std::uint32_t a = toHostOrder(bytes);
  for (const auto& block : kForbiddenV4) {
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - block.prefix);
    if ((a & mask) == block.base) {
      return false;
    }
  }
  return true;
}

bool isPublicV6(const std::array<std::uint8_t, 16>& bytes) {
  if (isV4Mapped(bytes) || isNat64(bytes)) {
    return isPublicV4(v4At(bytes, 12));
  }
  if (bytes[0] == 0x20 && bytes[1] == 0x02) {  // 6to4 2002:a.b.c.d::/48 tunnels to a.b.c.d
    return isPublicV4(v4At(bytes, 2));
  }
  // Global unicast only: ::, ::1, IPv4-compatible, ULA fc00::/7, link-local fe80::/10,
  // site-local, multicast ff00::/8 and the unassigned space all fall outside 2000::/3.
  if ((bytes[0] & 0xe0) != 0x20) {
    return false;
  }
  return !isSpecialGlobalV6(bytes);
}

bool isLinkLocalV4(const std::array<std::uint8_t, 4>& bytes) {
  return bytes[0] == 169 && bytes[1] == 254;
}

bool isLinkLocalV6(const std::array<std::uint8_t, 16>& bytes) {
  if (isV4Mapped(bytes) || isNat64(bytes)) {
    return isLinkLocalV4(v4At(bytes, 12));
  }
  if (bytes[0] == 0x20 && bytes[1] == 0x02) {
    return isLinkLocalV4(v4At(bytes, 2));
  }
  return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

bool isPublicAddress(std::string_view ip) {
  // inet_pton is strict: no octal or short IPv4 forms, no zone ids ("fe80::1%eth0" is refused).
  if (ip.find('\0') != std::string_view::npos) {
    return false;  // "8.8.8.8\0junk" must not pass as 8.8.8.8
  }
  const std::string text(ip);
  std::array<std::uint8_t, 4> v4{};
  if (::inet_pton(AF_INET, text.c_str(), v4.data()) == 1) {
    return isPublicV4(v4);
  }
  std::array<std::uint8_t, 16> v6{};
  if (::inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) {
    return isPublicV6(v6);
  }
  return false;
}

}  // namespace bastion::net
