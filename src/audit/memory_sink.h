#pragma once
// An AuditSink that keeps events in memory, for tests of the code that records them. No chain,
// no file: events() returns exactly what record() was given, in call order.

#include <boost/json/object.hpp>
#include <mutex>
#include <vector>

#include "audit/audit_log.h"

namespace bastion::audit {

class MemorySink final : public AuditSink {
 public:
  void record(boost::json::object event) override;  // thread-safe
  std::vector<boost::json::object> events() const;  // a copy
  std::size_t size() const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::vector<boost::json::object> events_;  // guarded by mu_
};

}  // namespace bastion::audit
