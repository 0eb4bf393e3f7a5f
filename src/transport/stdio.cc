#include "transport/stdio.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/fd_io.h"

namespace bastion::transport {
namespace {

// stdout as an Outbound: one message per line, whole lines under one mutex so concurrent
// workers never interleave. After the first failed write every send reports the client gone.
class LineWriter final : public mcp::Outbound {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}

  bool send(const boost::json::value& message) override {
    std::string line = boost::json::serialize(message);
    // Invariant, not input validation: JSON serialization escapes control characters, so a
    // raw newline here would mean a broken serializer and a corrupted protocol stream.
    if (std::memchr(line.data(), '\n', line.size()) != nullptr) {
      std::abort();
    }
    line.push_back('\n');
    std::lock_guard lock(mu_);
    if (failed_) {
      return false;
    }
    failed_ = !writeAll(fd_, line);
    return !failed_;
  }

  bool failed() const {
    std::lock_guard lock(mu_);
    return failed_;
  }

 private:
  const int fd_;
  mutable std::mutex mu_;
  bool failed_ = false;  // guarded by mu_
};

// A fixed set of threads running queued jobs; bounded queue; idle() for draining.
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { loop(); });
    }
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) {
      t.join();
    }
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False when the queue is full; the job is then not run.
  bool submit(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= max_queued_) {
        return false;
      }
      queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
  }

  // Waits until no job is queued or running, or `deadline` passes; returns whether idle.
  bool waitIdle(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return idle_.wait_until(lock, deadline, [this] { return queue_.empty() && running_ == 0; });
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping and nothing left
      }
      std::function<void()> job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
      lock.unlock();
      job();
      lock.lock();
      --running_;
      if (queue_.empty() && running_ == 0) {
        idle_.notify_all();
      }
    }
  }

  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  std::size_t running_ = 0;                  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

boost::json::value errorResponse(boost::json::value id, int code, std::string message) {
  return boost::json::object{
      {"jsonrpc", "2.0"},
      {"id", std::move(id)},
      {"error", boost::json::object{{"code", code}, {"message", std::move(message)}}}};
}

class StdioServerImpl final : public StdioServer {
 public:
  StdioServerImpl(std::shared_ptr<mcp::Dispatcher> dispatcher, auth::Principal principal,
                  StdioOptions options, int in_fd, int out_fd)
      : dispatcher_(std::move(dispatcher)),
        principal_(std::move(principal)),
        options_(options),
        in_fd_(in_fd),
        out_(std::make_shared<LineWriter>(out_fd)),
        session_(std::make_shared<mcp::Session>("stdio", principal_)),
        client_gone_(std::make_shared<std::atomic<bool>>(false)),
        pool_(options.workers == 0 ? 1 : options.workers, options.max_queued) {
    // Unsolicited notifications (logging, list changes) go to the same stdout.
    session_->setStandaloneStream(out_);
  }

  StdioExit run() override {
    bool read_ok = readLoop();
    if (out_->failed()) {
      client_gone_->store(true);  // nobody reads the answers: running tools may stop now
    }
    auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
    if (pool_.waitIdle(deadline)) {
      return read_ok ? StdioExit::Drained : StdioExit::ReadError;
    }
    // Still running after the grace period: ask handlers to stop; the destructor joins.
    client_gone_->store(true);
    return StdioExit::Abandoned;
  }

 private:
  // Reads until EOF (true) or a read error (false), framing lines as they complete.
  bool readLoop() {
    std::string pending;
    std::vector<char> chunk(64 * 1024);
    bool discarding = false;  // inside a line already rejected as too long
    for (;;) {
      pollBeforeSleep();
      ssize_t n = ::read(in_fd_, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        return false;
      }
      if (n == 0) {
        if (!discarding && !pending.empty()) {
          handleLine(pending);  // a last message without its newline
        }
        return true;
      }
      std::string_view data(chunk.data(), static_cast<std::size_t>(n));
      while (!data.empty()) {
        std::size_t nl = data.find('\n');
        std::string_view piece = data.substr(0, nl);
        if (!discarding) {
          pending.append(piece);
          if (pending.size() > options_.max_line) {
            rejectOversized();
            pending.clear();
            discarding = true;
          }
        }
        if (nl == std::string_view::npos) {
          break;
        }
        if (!discarding) {
          handleLine(pending);
        }
        pending.clear();
        discarding = false;
        data.remove_prefix(nl + 1);
      }
      if (out_->failed()) {
        return true;  // nobody reads our answers any more: treat as end of input
      }
    }
  }

  // Returns once the input is readable (or hung up) or the polling budget is spent; the read
  // that follows then either finds data at once or sleeps.
  void pollBeforeSleep() const {
    if (options_.poll_before_sleep.count() <= 0) {
      return;
    }
    const auto until = std::chrono::steady_clock::now() + options_.poll_before_sleep;
    pollfd p{.fd = in_fd_, .events = POLLIN, .revents = 0};
    while (::poll(&p, 1, 0) == 0 && std::chrono::steady_clock::now() < until) {
    }
  }

  void rejectOversized() {
    out_->send(errorResponse(
        nullptr, -32600,
        "Invalid Request: message exceeds " + std::to_string(options_.max_line) + " bytes"));
  }

  void handleLine(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      return;  // blank lines carry no message
    }
    auto parsed = mcp::parseMessage(line, options_.max_depth);
    if (!parsed) {
      out_->send(parsed.error());
      return;
    }
    mcp::Inbound in{.message = std::move(*parsed),
                    .transport = mcp::TransportKind::Stdio,
                    .principal = principal_,
                    .session = session_,
                    .out = out_,
                    .cancelled = client_gone_,
                    .http = {}};
    if (!dispatcher_->mayBlock(in.message)) {
      dispatch(std::move(in));
      return;
    }
    boost::json::value id = idOf(in.message);
    auto job = [this, in = std::move(in)]() mutable { dispatch(std::move(in)); };
    if (!pool_.submit(std::move(job))) {
      out_->send(errorResponse(std::move(id), -32603, "Internal error: server busy"));
    }
  }

  void dispatch(mcp::Inbound in) {
    mcp::DispatchResult result = dispatcher_->handle(std::move(in));
    if (result.response) {
      out_->send(*result.response);
    }
  }

  static boost::json::value idOf(const boost::json::value& message) {
    const auto* object = message.if_object();
    const auto* id = object ? object->if_contains("id") : nullptr;
    return id ? *id : boost::json::value(nullptr);
  }

  const std::shared_ptr<mcp::Dispatcher> dispatcher_;
  const auth::Principal principal_;
  const StdioOptions options_;
  const int in_fd_;
  const std::shared_ptr<LineWriter> out_;
  const std::shared_ptr<mcp::Session> session_;
  const std::shared_ptr<std::atomic<bool>> client_gone_;
  WorkerPool pool_;  // last: destroyed (joined) first, while everything it uses is alive
};

}  // namespace

std::unique_ptr<StdioServer> StdioServer::create(std::shared_ptr<mcp::Dispatcher> dispatcher,
                                                 auth::Principal principal, StdioOptions options,
                                                 int in_fd, int out_fd) {
  return std::make_unique<StdioServerImpl>(std::move(dispatcher), std::move(principal), options,
                                           in_fd, out_fd);
}

}  // namespace bastion::transport
