#include "audit/memory_sink.h"

namespace bastion::audit {

void MemorySink::record(boost::json::object event) {
  std::lock_guard lock(mu_);
  events_.push_back(std::move(event));
}

std::vector<boost::json::object> MemorySink::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::size_t MemorySink::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

void MemorySink::clear() {
  std::lock_guard lock(mu_);
  events_.clear();
}

}  // namespace bastion::audit
