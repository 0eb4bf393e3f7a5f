// Trusted proxies and the client address behind them.

#include "oauth/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace bastion::oauth {
namespace {

enum class ProxyError { BadEntry = 1 };

using Address = std::array<unsigned char, 16>;

constexpr std::array<unsigned char, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool isMapped(const Address& a) {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), a.begin());
}

// An IPv4 or IPv6 literal (no brackets, no zone, no port) as 16 bytes, IPv4 mapped.
std::optional<Address> parseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) {
    return std::nullopt;
  }
  const std::string s(text);
  Address a{};
  if (inet_pton(AF_INET6, s.c_str(), a.data()) == 1) {
    return a;
  }
  std::array<unsigned char, 4> v4{};
  if (inet_pton(AF_INET, s.c_str(), v4.data()) == 1) {
    std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), a.begin());
    std::copy(v4.begin(), v4.end(), a.begin() + 12);
    return a;
  }
  return std::nullopt;
}

std::string format(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (isMapped(a)) {
    inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  }
  return buf;
}

bool prefixMatches(const Address& a, const Address& net, unsigned prefix) {
  const unsigned whole = prefix / 8;
  if (!std::equal(net.begin(), net.begin() + whole, a.begin())) {
    return false;
  }
  const unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<unsigned char>(0xffU << (8 - rest));
  return (a[whole] & mask) == (net[whole] & mask);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// One X-Forwarded-For entry: an IP literal, optionally "[v6]" or with a port.
std::optional<Address> parseHop(std::string_view entry) {
  entry = trim(entry);
  if (auto a = parseIp(entry)) {
    return a;
  }
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view rest = entry.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      return std::nullopt;
    }
    return parseIp(entry.substr(1, close - 1));
  }
  const auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    auto a = parseIp(entry.substr(0, colon));
    if (a && isMapped(*a)) {
      return a;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (const std::string& entry : entries) {
    const Error bad(ProxyError::BadEntry,
                    "trusted proxy \"" + entry + "\" is not an IP address or CIDR network");
    const std::string_view text(entry);
    const auto slash = text.find('/');
    auto address = parseIp(text.substr(0, slash));
    if (!address) {
      return bad;
    }
    Network n{*address, 128};
    if (slash != std::string_view::npos) {
      const std::string_view digits = text.substr(slash + 1);
      unsigned prefix = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      const bool v4 =
          isMapped(*address) && text.substr(0, slash).find(':') == std::string_view::npos;
      if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
          prefix > (v4 ? 32U : 128U)) {
        return bad;
      }
      n.prefix = v4 ? prefix + 96 : prefix;
      Address masked{};
      std::copy(address->begin(), address->end(), masked.begin());
      for (unsigned bit = n.prefix; bit < 128; ++bit) {
        masked[bit / 8] = static_cast<unsigned char>(masked[bit / 8] & ~(0x80U >> (bit % 8)));
      }
      if (masked != *address) {
        return Error(ProxyError::BadEntry,
                     "trusted proxy \"" + entry + "\" has host bits set after the prefix");
      }
    }
    out.networks_.push_back(n);
  }
  return out;
}

bool TrustedProxies::contains(std::string_view ip) const {
  const auto a = parseIp(ip);
  if (!a) {
    return false;
  }
  return std::any_of(networks_.begin(), networks_.end(),
                     [&](const Network& n) { return prefixMatches(*a, n.address, n.prefix); });
}

std::string clientAddress(const web::Request& req, const TrustedProxies& trusted) {
  if (trusted.empty() || !trusted.contains(req.remote_address)) {
    return req.remote_address;
  }
  // Every X-Forwarded-For entry in arrival order: several headers are one comma list (RFC 9110).
  std::vector<std::string_view> hops;
  for (const auto& [name, value] : req.headers) {
    if (name != "x-forwarded-for") {
      continue;
    }
    std::string_view rest = value;
    while (true) {
      const auto comma = rest.find(',');
      hops.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(comma + 1);
    }
  }
  std::string answer = req.remote_address;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const auto hop = parseHop(*it);
    if (!hop) {
      break;  // a trusted proxy passed on garbage: stop at the last hop we could believe
    }
    answer = format(*hop);
    if (!trusted.contains(answer)) {
      break;
    }
  }
  return answer;
}

}  // namespace bastion::oauth
