#include "transport/stdio.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>

namespace bastion::transport {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

// Every bounded wait in this file: long enough never to fire on a loaded machine, short
// enough that a deadlock fails the test instead of hanging it.
constexpr auto kBound = 10s;

// Echoes each request's method back as its result. "block" requests may block and wait until
// a "release" notification arrives (which must be processed while they wait); "wait_cancel"
// waits until the transport flags the client gone.
class FakeDispatcher final : public mcp::Dispatcher {
 public:
  mcp::DispatchResult handle(mcp::Inbound in) override {
    const bj::object& m = in.message.as_object();
    std::string method(m.at("method").as_string());
    if (method == "release") {
      std::lock_guard lock(mu_);
      released_ = true;
      cv_.notify_all();
      return {};
    }
    if (method == "block") {
      std::unique_lock lock(mu_);
      if (!cv_.wait_for(lock, kBound, [this] { return released_; })) {
        method = "block-timed-out";
      }
    }
    if (method == "wait_cancel") {
      auto deadline = std::chrono::steady_clock::now() + kBound;
      while (!in.cancelled->load() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
      }
      seen_cancel_ = in.cancelled->load();
    }
    EXPECT_EQ(in.transport, mcp::TransportKind::Stdio);
    EXPECT_EQ(in.principal.sub, "stdio-user");
    EXPECT_TRUE(in.session);
    if (!m.contains("id")) {
      return {};
    }
    return {.response = bj::object{{"jsonrpc", "2.0"}, {"id", m.at("id")}, {"result", method}},
            .http_status = 200,
            .created_session = nullptr,
            .insufficient_scope = {}};
  }
  bool mayBlock(const bj::value& message) const override {
    auto method = message.as_object().at("method").as_string();
    return method == "block" || method == "wait_cancel";
  }
  std::atomic<bool> seen_cancel_{false};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

// A StdioServer on two pipes, run on its own thread.
class StdioHarness {
 public:
  explicit StdioHarness(StdioOptions options = {})
      : dispatcher_(std::make_shared<FakeDispatcher>()) {
    int in[2];
    int out[2];
    EXPECT_EQ(pipe2(in, O_CLOEXEC), 0);
    EXPECT_EQ(pipe2(out, O_CLOEXEC), 0);
    to_server_ = in[1];
    server_in_ = in[0];
    server_out_ = out[1];
    from_server_ = out[0];
    server_ = StdioServer::create(
        dispatcher_,
        auth::Principal{.iss = "local", .sub = "stdio-user", .client_id = "", .scopes = {}},
        options, server_in_, server_out_);
    exit_ = std::async(std::launch::async, [this] { return server_->run(); });
  }
  ~StdioHarness() {
    closeInput();
    if (exit_.valid()) {
      exit_.wait();
    }
    server_.reset();
    for (int fd : {server_in_, server_out_, from_server_}) {
      close(fd);
    }
  }

  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(to_server_, bytes.data(), bytes.size());
      ASSERT_GT(n, 0);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void closeInput() {
    if (to_server_ >= 0) {
      close(to_server_);
      to_server_ = -1;
    }
  }

  // The next output line, parsed; fails the test if none arrives within the bound.
  bj::value readMessage() {
    std::string line = readLine();
    boost::system::error_code ec;
    bj::value v = bj::parse(line, ec);
    EXPECT_FALSE(ec) << "not JSON on the output: " << line;
    return v;
  }

  std::string readLine() {
    auto deadline = std::chrono::steady_clock::now() + kBound;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{from_server_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        ADD_FAILURE() << "no output line within the bound";
        return {};
      }
      char chunk[65536];
      ssize_t n = ::read(from_server_, chunk, sizeof chunk);
      if (n <= 0) {
        ADD_FAILURE() << "output closed";
        return {};
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  StdioExit waitExit() {
    EXPECT_EQ(exit_.wait_for(kBound), std::future_status::ready);
    return exit_.get();
  }

  std::shared_ptr<FakeDispatcher> dispatcher_;

 private:
  int to_server_ = -1, server_in_ = -1, server_out_ = -1, from_server_ = -1;
  std::unique_ptr<StdioServer> server_;
  std::future<StdioExit> exit_;
  std::string buffer_;
};

bj::value errorCode(const bj::value& response) {
  return response.as_object().at("error").as_object().at("code");
}

// Messages split across writes and several messages in one write are framed by newlines.
TEST(StdioTransport, FramesNewlineDelimitedMessages) {
  StdioHarness h;
  h.write(R"({"jsonrpc":"2.0","id":1,"method":"a"})"
          "\n"
          R"({"jsonrpc":"2.0","id":2,)");
  h.write(R"("method":"b"})"
          "\r\n\n   \n");
  EXPECT_EQ(bj::serialize(h.readMessage()), R"({"jsonrpc":"2.0","id":1,"result":"a"})");
  EXPECT_EQ(bj::serialize(h.readMessage()), R"({"jsonrpc":"2.0","id":2,"result":"b"})");
  h.closeInput();
  EXPECT_EQ(h.waitExit(), StdioExit::Drained);
}

// Malformed JSON and invalid UTF-8 get a -32700 answer and the transport keeps serving.
TEST(StdioTransport, MalformedInputIsAnsweredAndServingContinues) {
  StdioHarness h;
  h.write("{not json\n");
  EXPECT_EQ(errorCode(h.readMessage()), -32700);
  h.write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}\n");
  EXPECT_EQ(errorCode(h.readMessage()), -32700);
  h.write(R"({"jsonrpc":"2.0","id":3,"method":"after"})"
          "\n");
  EXPECT_EQ(h.readMessage().as_object().at("result"), "after");
}

// A 10,000-deep nesting is refused by the depth bound, not by a stack overflow.
TEST(StdioTransport, DeepNestingIsRefused) {
  StdioHarness h;
  h.write(std::string(10000, '[') + std::string(10000, ']') + "\n");
  bj::value r = h.readMessage();
  EXPECT_TRUE(r.as_object().contains("error"));
  h.write(R"({"jsonrpc":"2.0","id":4,"method":"after"})"
          "\n");
  EXPECT_EQ(h.readMessage().as_object().at("result"), "after");
}

// A line past max_line is answered once with -32600 (id null), skipped, and serving goes on.
TEST(StdioTransport, OversizedLineIsRejectedAndSkipped) {
  StdioOptions options;
  options.max_line = 1024;
  StdioHarness h(options);
  h.write(std::string(5000, 'x'));
  h.write(std::string(5000, 'y') + "\n");
  bj::value r = h.readMessage();
  EXPECT_EQ(errorCode(r), -32600);
  EXPECT_TRUE(r.as_object().at("id").is_null());
  h.write(R"({"jsonrpc":"2.0","id":5,"method":"after"})"
          "\n");
  EXPECT_EQ(h.readMessage().as_object().at("result"), "after");
}

// While a blocking request waits, later messages (here the one that releases it) are still
// read and processed: a client's answer to sampling/elicitation cannot deadlock a tool.
TEST(StdioTransport, BlockingRequestDoesNotStopTheReader) {
  StdioHarness h;
  h.write(R"({"jsonrpc":"2.0","id":1,"method":"block"})"
          "\n");
  h.write(R"({"jsonrpc":"2.0","id":2,"method":"quick"})"
          "\n");
  EXPECT_EQ(h.readMessage().as_object().at("id"), 2);
  h.write(R"({"jsonrpc":"2.0","method":"release"})"
          "\n");
  bj::value r = h.readMessage();
  EXPECT_EQ(r.as_object().at("id"), 1);
  EXPECT_EQ(r.as_object().at("result"), "block");
}

// At end of input, a request still running is finished and answered before run() returns.
TEST(StdioTransport, EofDrainsInFlightRequests) {
  StdioHarness h;
  h.write(R"({"jsonrpc":"2.0","id":1,"method":"block"})"
          "\n"
          R"({"jsonrpc":"2.0","method":"release"})");
  h.closeInput();  // the last message has no newline: still processed
  EXPECT_EQ(h.readMessage().as_object().at("result"), "block");
  EXPECT_EQ(h.waitExit(), StdioExit::Drained);
}

// Past the drain timeout, running requests are told the client is gone.
TEST(StdioTransport, DrainTimeoutCancelsRunningRequests) {
  StdioOptions options;
  options.drain_timeout = 1ms;
  StdioHarness h(options);
  h.write(R"({"jsonrpc":"2.0","id":1,"method":"wait_cancel"})"
          "\n");
  h.closeInput();
  EXPECT_EQ(h.waitExit(), StdioExit::Abandoned);
  EXPECT_EQ(h.readMessage().as_object().at("id"), 1);
  EXPECT_TRUE(h.dispatcher_->seen_cancel_.load());
}

// A flood of blocking requests past the queue bound is refused with "server busy".
TEST(StdioTransport, QueueBoundRefusesExcess) {
  StdioOptions options;
  options.workers = 1;
  options.max_queued = 1;
  StdioHarness h(options);
  h.write(R"({"jsonrpc":"2.0","id":1,"method":"block"})"
          "\n");
  // Worker busy with id 1 or the queue holding it; at least one of 2..4 must be refused.
  h.write(R"({"jsonrpc":"2.0","id":2,"method":"block"})"
          "\n"
          R"({"jsonrpc":"2.0","id":3,"method":"block"})"
          "\n"
          R"({"jsonrpc":"2.0","id":4,"method":"block"})"
          "\n");
  bj::value r = h.readMessage();
  EXPECT_EQ(errorCode(r), -32603);
  EXPECT_EQ(r.as_object().at("error").as_object().at("message"), "Internal error: server busy");
  h.write(R"({"jsonrpc":"2.0","method":"release"})"
          "\n");
}

}  // namespace
}  // namespace bastion::transport
