#pragma once
// Time is injected: token checks, rate limits, code and session expiry take a Clock, so tests
// move time instead of sleeping.

#include <chrono>

namespace bastion {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

// The wall clock (system_clock). Thread-safe.
const Clock& systemClock();

// A clock tests set and advance by hand. Not thread-safe against concurrent set().
class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point t = time_point{std::chrono::seconds(1'800'000'000)}) : t_(t) {}
  time_point now() const override { return t_; }
  void set(time_point t) { t_ = t; }
  void advance(std::chrono::system_clock::duration d) { t_ += d; }

 private:
  time_point t_;
};

}  // namespace bastion
