#include "oauth/throttle.h"

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

}  // namespace bastion::oauth
