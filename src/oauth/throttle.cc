#include "oauth/throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

namespace bastion::oauth {

bool WindowCounter::tryAcquire(const std::string& key, unsigned limit, std::chrono::seconds window,
                               TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      std::erase_if(entries_, [&](const auto& e) { return now - e.second.start >= window; });
      if (entries_.size() >= max_keys_) {
        return false;
      }
    }
    it = entries_.emplace(key, Entry{now, 0}).first;
  }
  Entry& e = it->second;
  if (now - e.start >= window) {
    e = Entry{now, 0};
  }
  if (e.count >= limit) {
    return false;
  }
  ++e.count;
  return true;
}

void WindowCounter::release(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end() && it->second.count > 0) {
    --it->second.count;
  }
}

std::chrono::seconds WindowCounter::retryAfter(const std::string& key, unsigned limit,
                                               std::chrono::seconds window, TimePoint now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return entries_.size() >= max_keys_ ? window : std::chrono::seconds(0);
  }
  const Entry& e = it->second;
  if (now - e.start >= window || e.count < limit) {
    return std::chrono::seconds(0);
  }
  const auto left = std::chrono::ceil<std::chrono::seconds>(e.start + window - now);
  return std::max(left, std::chrono::seconds(1));
}

std::string addressKey(std::string_view ip) {
  const std::string text(ip);
  std::array<unsigned char, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) {
    return "ip:" + text;  // IPv4, or not an address at all
  }
  constexpr std::array<unsigned char, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), v6.begin())) {
    return "ip:" + std::to_string(v6[12]) + "." + std::to_string(v6[13]) + "." +
           std::to_string(v6[14]) + "." + std::to_string(v6[15]);
  }
  std::string key = "ip6:";
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 8; ++i) {
    key.push_back(kHex[v6[i] >> 4]);
    key.push_back(kHex[v6[i] & 15]);
  }
  return key + "::/64";
}

}  // namespace bastion::oauth
