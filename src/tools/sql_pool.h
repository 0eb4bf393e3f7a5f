#pragma once
// Internal to the sql tools: a small pool of database connections. A connection is used by one
// call at a time; a call that finds none free waits up to a timeout (Busy after it). A
// connection the backend no longer trusts (lost, or left inside a transaction) is dropped
// instead of returned, and a new one is opened on the next demand.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/error.h"

namespace bastion::tools {

template <class Conn>
class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Conn>>()>;

  ConnectionPool(Factory factory, std::size_t size)
      : factory_(std::move(factory)), size_(size == 0 ? 1 : size) {}

  // A borrowed connection; returned to the pool on destruction unless discard() was called.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {
      other.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) {
        pool_->release(std::move(conn_));
      }
    }
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_.get(); }
    void discard() { conn_.reset(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  // Adds a connection opened by the caller (at start, to fail early).
  void put(std::unique_ptr<Conn> conn) {
    std::lock_guard lock(mu_);
    ++open_;
    idle_.push_back(std::move(conn));
  }

  [[nodiscard]] Result<Lease> acquire(std::chrono::milliseconds timeout, int busy_code) {
    std::unique_lock lock(mu_);
    bool ready = cv_.wait_for(lock, timeout, [this] { return !idle_.empty() || open_ < size_; });
    if (!ready) {
      return Error(busy_code, "every database connection is busy; try again");
    }
    if (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    auto conn = factory_();
    if (!conn) {
      release(nullptr);
      return conn.error();
    }
    return Lease(this, std::move(conn).value());
  }

 private:
  void release(std::unique_ptr<Conn> conn) {
    {
      std::lock_guard lock(mu_);
      if (conn) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
  }

  Factory factory_;
  const std::size_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;  // GUARDED_BY(mu_)
  std::size_t open_ = 0;                     // GUARDED_BY(mu_): idle + leased + connecting
};

}  // namespace bastion::tools
