// The connection pool of the sql backends: bounded, reuses idle connections, frees the slot
// of a discarded or failed connection, and reports Busy instead of waiting forever.

// GCC 12 -O2 reports false -Wnull-dereference on checked results (r-> after ASSERT_TRUE(r)).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "tools/sql_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace bastion::tools {
namespace {

using namespace std::chrono_literals;

struct FakeConn {
  int id = 0;
};
constexpr int kBusy = 42;

class Pool : public ::testing::Test {
 protected:
  ConnectionPool<FakeConn> pool_{[this]() -> Result<std::unique_ptr<FakeConn>> {
                                   if (fail_next_) {
                                     fail_next_ = false;
                                     return Error(1, "cannot connect");
                                   }
                                   return std::make_unique<FakeConn>(FakeConn{++opened_});
                                 },
                                 2};
  int opened_ = 0;
  bool fail_next_ = false;
};

// At most `size` connections; with none free and a zero timeout the caller gets Busy at once.
TEST_F(Pool, BoundedAndBusyWhenExhausted) {
  auto a = pool_.acquire(0ms, kBusy);
  auto b = pool_.acquire(0ms, kBusy);
  ASSERT_TRUE(a && b);
  auto c = pool_.acquire(0ms, kBusy);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, kBusy);
  EXPECT_EQ(opened_, 2);
}

// A returned connection is reused; a discarded one frees its slot for a new connection.
TEST_F(Pool, ReusesReturnedAndReplacesDiscarded) {
  {
    auto a = pool_.acquire(0ms, kBusy);
    ASSERT_TRUE(a);
  }
  {
    auto again = pool_.acquire(0ms, kBusy);
    ASSERT_TRUE(again);
    EXPECT_EQ((*again.value()).id, 1);
    again.value().discard();
  }
  auto b = pool_.acquire(0ms, kBusy);
  auto c = pool_.acquire(0ms, kBusy);
  ASSERT_TRUE(b && c);
  EXPECT_EQ(opened_, 3);
}

// A failed connect does not leak its slot.
TEST_F(Pool, FailedConnectFreesItsSlot) {
  fail_next_ = true;
  auto failed = pool_.acquire(0ms, kBusy);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "cannot connect");
  auto a = pool_.acquire(0ms, kBusy);
  auto b = pool_.acquire(0ms, kBusy);
  EXPECT_TRUE(a && b);
}

// A connection put in at start is used before any new one is opened.
TEST_F(Pool, ConnectionPutAtStartIsUsedFirst) {
  pool_.put(std::make_unique<FakeConn>(FakeConn{100}));
  auto a = pool_.acquire(0ms, kBusy);
  ASSERT_TRUE(a);
  EXPECT_EQ((*a.value()).id, 100);
  EXPECT_EQ(opened_, 0);
}

}  // namespace
}  // namespace bastion::tools
