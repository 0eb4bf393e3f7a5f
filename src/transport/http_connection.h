#pragma once
// Transport-internal: what every connection coroutine shares with the server, and the one
// coroutine that serves a connection. Included only by http_server.cc and http_connection.cc.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/random.h"
#include "mcp/dispatcher.h"
#include "transport/http_config.h"
#include "transport/http_handler.h"
#include "transport/sse.h"

namespace bastion::transport {

// One live connection as the server sees it, for shutdown. `busy` is written by the connection;
// `close` is set and called only on the connection's strand (`executor`).
struct ConnectionControl {
  boost::asio::any_io_executor executor;
  std::atomic<bool> busy{false};   // a request is being answered (in-flight work)
  std::function<void()> close;     // closes the socket and wakes any wait; strand only
};

// Live connections, for the bound on their number and for graceful shutdown. Thread-safe.
class ConnectionTracker {
 public:
  explicit ConnectionTracker(std::size_t max_connections) : max_(max_connections) {}

  // A slot for a new connection, or null at the bound.
  std::shared_ptr<ConnectionControl> admit(boost::asio::any_io_executor executor);
  void release(const std::shared_ptr<ConnectionControl>& c);
  // Closes idle connections (all of them when `force`), each on its own strand.
  void closeConnections(bool force);
  std::size_t size() const;
  // Called (from release) when the last connection ends after shutdown began.
  void onDrained(std::function<void()> fn);
  void beginShutdown() { stopping_.store(true); }
  bool stopping() const { return stopping_.load(); }

 private:
  const std::size_t max_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;  // guards the members below
  std::unordered_map<ConnectionControl*, std::shared_ptr<ConnectionControl>> live_;
  std::function<void()> on_drained_;
};

struct ServerContext {
  HttpServerOptions options;
  std::shared_ptr<mcp::Dispatcher> dispatcher;
  std::shared_ptr<StreamRegistry> streams;
  std::unique_ptr<HttpHandler> handler;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
  boost::asio::thread_pool* workers = nullptr;  // calls that wait on peers, web routes
  boost::asio::thread_pool* local_workers = nullptr;  // other blocking calls
  RandomSource* rng = nullptr;                      // stream ids
  std::unique_ptr<ConnectionTracker> tracker;
  std::atomic<std::uint64_t> connection_errors{0};  // unexpected exceptions, counted
};

// Serves one accepted connection until it closes (plain or TLS per ctx.tls).
boost::asio::awaitable<void> serveConnection(std::shared_ptr<ServerContext> ctx,
                                             std::shared_ptr<ConnectionControl> control,
                                             boost::asio::ip::tcp::socket socket);

}  // namespace bastion::transport
