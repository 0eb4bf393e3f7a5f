#include "transport/http_server.h"

// GCC 12 at -O2 reports a "potential null pointer dereference" inside Asio's strand
// implementation (strand_executor_service::strand_impl via shared_ptr::get) when strands are
// made here; it is in Boost's code, not ours, and would fail -Werror release builds.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <exception>
#include <thread>
#include <vector>

#include "transport/http_connection.h"
#include "transport/tls.h"

namespace bastion::transport {
namespace {

namespace asio = boost::asio;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

Result<void> validate(const HttpServerOptions& o) {
  if (o.endpoint.empty() || o.endpoint.front() != '/') {
    return Error(HttpServerError::InvalidOptions, "endpoint must start with '/'");
  }
  if (o.max_body == 0 || o.max_header < 1024 || o.max_connections == 0 || o.route_max_body == 0) {
    return Error(HttpServerError::InvalidOptions,
                 "max_body, route_max_body, max_header (>= 1024) and max_connections must be "
                 "positive");
  }
  for (const auto& r : o.routes) {
    if (!r) {
      return Error(HttpServerError::InvalidOptions, "a route group is null");
    }
  }
  return {};
}

}  // namespace

std::shared_ptr<ConnectionControl> ConnectionTracker::admit(asio::any_io_executor executor) {
  std::lock_guard lock(mu_);
  if (live_.size() >= max_ || stopping_.load()) {
    return nullptr;
  }
  auto c = std::make_shared<ConnectionControl>();
  c->executor = std::move(executor);
  live_.emplace(c.get(), c);
  return c;
}

void ConnectionTracker::release(const std::shared_ptr<ConnectionControl>& c) {
  std::function<void()> drained;
  {
    std::lock_guard lock(mu_);
    live_.erase(c.get());
    if (live_.empty() && stopping_.load()) {
      drained = on_drained_;
    }
  }
  if (drained) {
    drained();
  }
}

void ConnectionTracker::closeConnections(bool force) {
  std::lock_guard lock(mu_);
  for (const auto& entry : live_) {
    const std::shared_ptr<ConnectionControl>& c = entry.second;
    asio::post(c->executor, [c, force] {
      if ((force || !c->busy.load()) && c->close) {
        c->close();
      }
    });
  }
}

std::size_t ConnectionTracker::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

void ConnectionTracker::onDrained(std::function<void()> fn) {
  bool now = false;
  {
    std::lock_guard lock(mu_);
    on_drained_ = fn;
    now = live_.empty();
  }
  if (now && fn) {
    fn();
  }
}

struct HttpServer::Impl {
  Impl(HttpServerOptions options, unsigned io_threads, unsigned workers, unsigned local_workers)
      : ioc(1),
        strand(asio::make_strand(ioc)),
        acceptor(strand),
        sweep_timer(strand),
        deadline(strand),
        signals(strand),
        pool(workers),
        local_pool(local_workers),
        io_thread_count(io_threads) {
    // One io_context per I/O thread, each run by exactly one thread: a connection lives on one
    // of them, so its handlers never wake another thread (no futex ping-pong between I/O
    // threads). ioc (index 0) also holds the listener and the server-level objects.
    for (unsigned i = 1; i < io_threads; ++i) {
      extra.push_back(std::make_unique<asio::io_context>(1));
      guards.emplace_back(asio::make_work_guard(*extra.back()));
    }
    ctx = std::make_shared<ServerContext>();
    ctx->options = std::move(options);
  }

  asio::io_context ioc;
  std::vector<std::unique_ptr<asio::io_context>> extra;  // the other I/O threads' contexts
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;  // until stop
  std::size_t next_context = 0;  // strand only: round-robin for new connections
  asio::strand<asio::io_context::executor_type> strand;  // server-level objects below
  asio::ip::tcp::acceptor acceptor;
  asio::steady_timer sweep_timer;
  asio::steady_timer deadline;
  asio::signal_set signals;
  asio::thread_pool pool;        // declared after ioc: joined and destroyed before it
  asio::thread_pool local_pool;  // likewise
  unsigned io_thread_count;
  std::shared_ptr<ServerContext> ctx;
  std::shared_ptr<mcp::SessionStore> sessions;
  std::atomic<bool> stop_requested{false};
  bool shutdown_started = false;  // strand only
  std::uint16_t bound_port = 0;

  Result<void> bind() {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(ctx->options.address, ec);
    if (ec) {
      return Error(HttpServerError::InvalidOptions,
                   "listen address '" + ctx->options.address + "' is not an IP literal");
    }
    const asio::ip::tcp::endpoint endpoint(address, ctx->options.port);
    const std::string where = ctx->options.address + ":" + std::to_string(ctx->options.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return Error(HttpServerError::BindFailed, "cannot listen on " + where + ": " + ec.message());
    }
    bound_port = acceptor.local_endpoint(ec).port();
    return {};
  }

  asio::awaitable<void> acceptLoop() {
    for (;;) {
      asio::io_context& home = pickContext();
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(home), kNoThrow);
      if (ec) {
        if (!acceptor.is_open()) {
          co_return;
        }
        // e.g. EMFILE: keep serving the connections we have, retry shortly instead of spinning.
        asio::steady_timer backoff(strand, std::chrono::milliseconds(50));
        co_await backoff.async_wait(kNoThrow);
        continue;
      }
      auto control = ctx->tracker->admit(socket.get_executor());
      if (!control) {
        boost::system::error_code ignored;
        socket.close(ignored);  // over the connection bound (or shutting down)
        continue;
      }
      auto exec = socket.get_executor();
      asio::co_spawn(exec, serveConnection(ctx, control, std::move(socket)),
                     [ctx = ctx](std::exception_ptr e) {
                       if (e) {
                         ctx->connection_errors.fetch_add(1);  // the connection ends, server lives
                       }
                     });
    }
  }

  asio::io_context& pickContext() {
    const std::size_t i = next_context++ % (extra.size() + 1);
    return i == 0 ? ioc : *extra[i - 1];
  }

  asio::awaitable<void> sweepLoop() {
    for (;;) {
      sweep_timer.expires_after(ctx->options.session_sweep);
      auto [ec] = co_await sweep_timer.async_wait(kNoThrow);
      if (ec || shutdown_started) {
        co_return;
      }
      sessions->expireIdle(std::chrono::steady_clock::now());
      ctx->streams->sweep();
    }
  }

  // On the strand. Stops accepting, closes idle connections, and arms the deadline after which
  // in-flight ones are closed too. run() returns once the io_context has no work left.
  void beginShutdown() {
    if (shutdown_started) {
      return;
    }
    shutdown_started = true;
    ctx->tracker->beginShutdown();
    for (auto& g : guards) {
      g.reset();  // each context ends once its connections have
    }
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    sweep_timer.cancel();
    ctx->tracker->closeConnections(false);
    deadline.expires_after(ctx->options.shutdown_timeout);
    deadline.async_wait([this](boost::system::error_code ec) {
      if (!ec) {
        ctx->tracker->closeConnections(true);
      }
    });
    ctx->tracker->onDrained([this] { asio::post(strand, [this] { deadline.cancel(); }); });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::create(HttpServerOptions options,
                                                       std::shared_ptr<mcp::Dispatcher> dispatcher,
                                                       std::shared_ptr<mcp::SessionStore> sessions,
                                                       std::shared_ptr<auth::Authenticator> auth) {
  if (auto ok = validate(options); !ok) {
    return ok.error();
  }
  if (!dispatcher || !sessions || !auth) {
    return Error(HttpServerError::InvalidOptions, "dispatcher, sessions and authenticator needed");
  }
  const unsigned io = options.io_threads ? options.io_threads : cores();
  const unsigned workers = options.workers ? options.workers : 4 * cores();
  const unsigned local_workers =
      options.local_workers ? options.local_workers : std::max(2u, cores());
  auto impl = std::make_unique<Impl>(std::move(options), io, workers, local_workers);
  ServerContext& ctx = *impl->ctx;
  if (ctx.options.tls) {
    auto tls = makeServerTlsContext(*ctx.options.tls);
    if (!tls) {
      return tls.error();
    }
    ctx.tls = std::move(*tls);
  }
  if (auto bound = impl->bind(); !bound) {
    return bound.error();
  }
  const bool tls = ctx.tls != nullptr;
  HandlerOptions ho;
  ho.endpoint = ctx.options.endpoint;
  ho.allowed_hosts = ctx.options.allowed_hosts.empty() ? loopbackHosts(impl->bound_port)
                                                       : ctx.options.allowed_hosts;
  ho.allowed_origins = ctx.options.allowed_origins.empty() ? loopbackOrigins(impl->bound_port, tls)
                                                           : ctx.options.allowed_origins;
  ho.tls = tls;
  ho.max_body = ctx.options.max_body;
  ho.routes = ctx.options.routes;
  ho.route_max_body = ctx.options.route_max_body;
  ctx.dispatcher = dispatcher;
  ctx.streams = std::make_shared<StreamRegistry>();
  ctx.handler = std::make_unique<HttpHandler>(std::move(ho), std::move(dispatcher), sessions,
                                              std::move(auth), ctx.streams);
  ctx.workers = &impl->pool;
  ctx.local_workers = &impl->local_pool;
  ctx.rng = &systemRandom();
  ctx.tracker = std::make_unique<ConnectionTracker>(ctx.options.max_connections);
  impl->sessions = std::move(sessions);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::run() {
  Impl& m = *impl_;
  asio::co_spawn(m.strand, m.acceptLoop(), asio::detached);
  asio::co_spawn(m.strand, m.sweepLoop(), asio::detached);
  if (m.ctx->options.handle_signals) {
    m.signals.add(SIGINT);
    m.signals.add(SIGTERM);
    m.signals.async_wait([this](boost::system::error_code ec, int) {
      if (!ec) {
        stop();
      }
    });
  }
  if (m.stop_requested.load()) {
    stop();
  }
  std::vector<std::thread> threads;
  for (auto& extra : m.extra) {
    threads.emplace_back([ioc = extra.get()] { ioc->run(); });
  }
  m.ioc.run();
  for (auto& t : threads) {
    t.join();
  }
  // Every connection is gone; calls still running on workers finish into streams nobody reads.
  m.pool.join();
  m.local_pool.join();
}

void HttpServer::stop() {
  impl_->stop_requested.store(true);
  asio::post(impl_->strand, [m = impl_.get()] { m->beginShutdown(); });
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

}  // namespace bastion::transport
