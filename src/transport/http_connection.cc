// GCC 12 at -O2 reports a "potential null pointer dereference" inside Asio's thread_pool executor
// (thread_pool.hpp, copying basic_executor_type) where a route is handed to the worker pool; it
// is Boost's code, as in http_server.cc, and would fail -Werror release builds. Before the
// includes: the warning is attributed to the header's lines.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "transport/http_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <utility>

#include "auth/token_memo.h"

namespace bastion::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// Every Asio/Beast operation reports errors as values: no exceptions as control flow.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Wakes a connection that waits for stream news. waker() may be called from any thread; the
// timer is touched only on the connection's strand. Repeated wakes before the connection runs
// collapse into one post.
class Wakeup : public std::enable_shared_from_this<Wakeup> {
 public:
  explicit Wakeup(asio::any_io_executor ex) : timer_(std::move(ex)) {}

  std::function<void()> waker() {
    return [weak = weak_from_this(), ex = timer_.get_executor()] {
      const auto self = weak.lock();
      if (!self || self->posted_.exchange(true)) {
        return;
      }
      asio::post(ex, [weak] {
        if (const auto s = weak.lock()) {
          s->posted_.store(false);
          s->timer_.cancel();
        }
      });
    };
  }
  // Waits up to `d`; true if woken before.
  asio::awaitable<bool> wait(std::chrono::milliseconds d) {
    timer_.expires_after(d);
    auto [ec] = co_await timer_.async_wait(kNoThrow);
    co_return ec == asio::error::operation_aborted;
  }
  void cancel() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
  std::atomic<bool> posted_{false};
};

// The result of a blocking dispatch, handed from the worker to the connection.
struct CallSlot {
  std::mutex mu;  // guards result
  std::optional<mcp::DispatchResult> result;
};

enum class PumpEnd { Finished, Detached, Overflow, Broken, Stopped };

// The read buffer a connection starts with. Beast reads at most the buffer's capacity at once and
// grows it only when a read cannot make progress, so a buffer that settled below the size of a
// client's requests would take two recv calls for every later request: a request with a bearer
// token (~900 bytes with a 450-byte JWT) cost 10% of throughput that way. 4 KiB holds a request
// with a large token; bigger ones still grow the buffer.
constexpr std::size_t kReadBufferBytes = 4096;

template <class Stream>
class Connection {
 public:
  Connection(ServerContext& ctx, ConnectionControl& control, Stream& stream, std::string remote)
      : ctx_(ctx), control_(control), stream_(stream), remote_(std::move(remote)) {
    buffer_.reserve(kReadBufferBytes);
  }

  asio::awaitable<void> run() {
    bool first = true;
    while (!ctx_.tracker->stopping() && !closed_) {
      control_.busy.store(false);
      if (!co_await serveOne(first)) {
        break;
      }
      first = false;
    }
  }

  void close() {
    closed_ = true;
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
    if (wakeup_) {
      wakeup_->cancel();
    }
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const HttpHandler& handler() const { return *ctx_.handler; }

  // Reads the header: the first byte within the idle (or, on a new connection, header)
  // timeout, then the whole header within the header timeout, so a client trickling bytes
  // (slowloris) is cut off however it paces them.
  asio::awaitable<bool> readHeader(http::request_parser<http::string_body>& parser, bool first) {
    lowest().expires_after(first ? ctx_.options.header_timeout : ctx_.options.idle_timeout);
    bool deadline_set = first;
    while (!parser.is_header_done()) {
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser, kNoThrow);
      if (ec) {
        if (ec == http::error::header_limit) {
          co_await writeRejection(http::status::request_header_fields_too_large);
        }
        co_return false;
      }
      if (!deadline_set && parser.got_some()) {
        lowest().expires_after(ctx_.options.header_timeout);
        deadline_set = true;
      }
    }
    co_return true;
  }

  asio::awaitable<void> writeRejection(http::status status) {
    Response res =
        HttpHandler::errorResponse(status, -32000, http::obsolete_reason(status), 11, false);
    co_await write(res);
    co_await lingeringClose();
  }

  // After refusing a request whose body was not read: stop sending, then discard what the
  // client is still sending for a short, bounded while, so the kernel does not answer unread
  // data with a reset that would destroy the refusal before the client reads it.
  asio::awaitable<void> lingeringClose() {
    beast::error_code ec;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    lowest().expires_after(std::min(ctx_.options.body_timeout, std::chrono::milliseconds(1000)));
    static constexpr std::size_t kMaxDiscard = std::size_t{16} << 20;
    std::size_t discarded = 0;
    char scratch[16 * 1024];
    while (!ec && discarded < kMaxDiscard) {
      auto [rec, n] = co_await lowest().async_read_some(asio::buffer(scratch), kNoThrow);
      ec = rec;
      discarded += n;
    }
  }

  asio::awaitable<bool> write(Response& res) {
    if (ctx_.tracker->stopping()) {
      res.keep_alive(false);
    }
    lowest().expires_after(ctx_.options.write_timeout);
    auto [ec, n] = co_await http::async_write(stream_, res, kNoThrow);
    co_return !ec && res.keep_alive();
  }

  asio::awaitable<bool> serveOne(bool first) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(ctx_.options.max_header));
    // No body limit while the header is read: preflight answers an oversized Content-Length
    // with 413 after the Host and Origin checks; the limit is armed before the body is read.
    parser.body_limit(boost::none);
    if (!co_await readHeader(parser, first)) {
      co_return false;
    }
    control_.busy.store(true);
    Preflight pre = handler().preflight(parser.get(), remote_, &token_memo_);
    if (auto* rejected = std::get_if<Response>(&pre)) {
      // The body was not read: close instead of draining what may be 100 MB.
      if (!parser.is_done()) {
        rejected->keep_alive(false);
        co_await write(*rejected);
        co_await lingeringClose();
        co_return false;
      }
      co_return co_await write(*rejected);
    }
    const auto* route = std::get_if<RouteAdmitted>(&pre);
    parser.body_limit(route != nullptr ? ctx_.options.route_max_body : ctx_.options.max_body);
    lowest().expires_after(ctx_.options.body_timeout);
    auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kNoThrow);
    if (ec) {
      if (ec == http::error::body_limit) {
        co_await writeRejection(http::status::payload_too_large);
      }
      co_return false;
    }
    lowest().expires_never();
    const Request& req = parser.get();
    if (route != nullptr) {
      co_return co_await serveRoute(req, *route);
    }
    Plan plan = handler().plan(req, std::get<Admitted>(pre));
    if (auto* res = std::get_if<Response>(&plan)) {
      co_return co_await write(*res);
    }
    if (auto* post = std::get_if<PostPlan>(&plan)) {
      if (!post->may_block) {
        // Non-blocking messages are answered inline: no thread hop, no SSE.
        Response res = handler().dispatchJson(req, std::move(*post));
        co_return co_await write(res);
      }
      co_return co_await serveBlocking(req, std::move(*post));
    }
    co_return co_await serveGet(req, std::get<GetPlan>(std::move(plan)));
  }

  // A web route (metadata, authorization server): handled on a worker, since it may block on
  // the store or an outbound fetch; the connection waits without holding its I/O thread.
  asio::awaitable<bool> serveRoute(const Request& req, const RouteAdmitted& route) {
    const HttpHandler* handler = ctx_.handler.get();
    const std::string_view remote = remote_;
    auto [error, res] = co_await asio::co_spawn(
        ctx_.workers->get_executor(),
        [handler, &req, &route, remote]() -> asio::awaitable<Response> {
          co_return handler->handleRoute(req, route, remote);
        },
        kNoThrow);
    if (error) {
      co_return false;  // handleRoute catches what routes throw; anything else ends the connection
    }
    co_return co_await write(res);
  }

  // Resumable streams are named by a CSPRNG token: their ids are what Last-Event-ID presents.
  // Other streams can never be resumed, so a cheap process-wide counter names them.
  std::shared_ptr<SseStream> newStream(bool resumable) {
    static std::atomic<std::uint64_t> counter{0};
    std::string id =
        resumable ? randomToken(*ctx_.rng, 12) : "n" + std::to_string(counter.fetch_add(1) + 1);
    return std::make_shared<SseStream>(std::move(id), resumable, ctx_.options.max_queued_bytes);
  }

  // One wake-up timer per connection, made on its first blocking request.
  Wakeup& wakeup() {
    if (!wakeup_) {
      wakeup_ = std::make_shared<Wakeup>(control_.executor);
    }
    return *wakeup_;
  }

  asio::awaitable<bool> commitSse(const Request& req, const SseStream& stream, bool priming) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/event-stream");
    HttpHandler::addCommonHeaders(res, true);
    res.keep_alive(req.keep_alive() && !ctx_.tracker->stopping());
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    lowest().expires_after(ctx_.options.write_timeout);
    auto [ec, n] = co_await http::async_write_header(stream_, sr, kNoThrow);
    if (ec) {
      co_return false;
    }
    keep_alive_ = res.keep_alive();
    if (priming) {
      co_return co_await writeChunk(formatSsePriming(stream.primingId(), ctx_.options.sse_retry));
    }
    co_return true;
  }

  asio::awaitable<bool> writeChunk(std::string_view text) {
    lowest().expires_after(ctx_.options.write_timeout);
    auto [ec, n] =
        co_await asio::async_write(stream_, http::make_chunk(asio::buffer(text)), kNoThrow);
    co_return !ec;
  }

  asio::awaitable<bool> endSse() {
    lowest().expires_after(ctx_.options.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), kNoThrow);
    co_return !ec && keep_alive_;
  }

  // Writes a stream's events as they come until it finishes, is detached, or breaks.
  // `committed` says whether the SSE header is out; before that, the first news decides:
  // a lone final response becomes a plain JSON answer (returned as Finished, uncommitted).
  asio::awaitable<PumpEnd> pump(SseStream& stream, Wakeup& wakeup, bool& committed,
                                const Request& req, bool priming) {
    auto delay = committed ? ctx_.options.sse_keepalive : ctx_.options.sse_delay;
    for (;;) {
      SseStream::Batch batch = stream.take();
      if (batch.overflow) {
        co_return PumpEnd::Overflow;
      }
      const bool only_final = batch.events.size() == 1 && batch.events.front().final;
      if (!committed && batch.finished && (batch.events.empty() || only_final)) {
        co_return PumpEnd::Finished;
      }
      if (!committed && (!batch.events.empty() || batch.detached)) {
        if (!co_await commitSse(req, stream, priming)) {
          co_return PumpEnd::Broken;
        }
        committed = true;
      }
      if (!batch.events.empty()) {
        std::string text;
        for (const SseEvent& e : batch.events) {
          text += formatSseEvent(stream.eventId(e.seq), e.data);
        }
        if (!co_await writeChunk(text)) {
          co_return PumpEnd::Broken;
        }
      }
      if (batch.finished) {
        co_return PumpEnd::Finished;
      }
      if (batch.detached) {
        co_return PumpEnd::Detached;
      }
      if (closed_) {
        co_return PumpEnd::Stopped;
      }
      if (!co_await wakeup.wait(delay)) {
        // Quiet for a while: open the stream (so the client sees progress and can resume), or
        // send a comment that also finds out whether the client is still there.
        if (!committed) {
          if (!co_await commitSse(req, stream, priming)) {
            co_return PumpEnd::Broken;
          }
          committed = true;
        } else if (!co_await writeChunk(sseKeepAlive())) {
          co_return PumpEnd::Broken;
        }
        delay = ctx_.options.sse_keepalive;
      }
      if (closed_) {
        co_return PumpEnd::Stopped;
      }
    }
  }

  // A message that may block: dispatched on a worker. Its request-related messages and final
  // response come back through an SseStream; the answer is JSON unless news arrives first.
  asio::awaitable<bool> serveBlocking(const Request& req, PostPlan plan) {
    auto stream = newStream(plan.resumable);
    auto session = plan.inbound.session;
    if (plan.resumable) {
      ctx_.streams->add(session, stream);
    }
    if (plan.sse) {
      plan.inbound.out = stream;
    }
    const auto cancelled = plan.inbound.cancelled;
    auto slot = std::make_shared<CallSlot>();
    stream->attach(wakeup().waker());
    asio::thread_pool& pool = plan.waits_on_peers ? *ctx_.workers : *ctx_.local_workers;
    asio::post(
        pool, [dispatcher = ctx_.dispatcher, in = std::move(plan.inbound), stream, slot]() mutable {
          mcp::DispatchResult result = dispatcher->handle(std::move(in));
          std::optional<std::string> text;
          if (result.response) {
            text = boost::json::serialize(*result.response);
          }
          {
            std::lock_guard lock(slot->mu);
            slot->result = std::move(result);
          }
          stream->finish(std::move(text));
        });
    bool committed = false;
    const PumpEnd end = co_await pump(*stream, wakeup(), committed, req, plan.resumable);
    if (end == PumpEnd::Finished && !committed) {
      stream->release(false);
      if (plan.resumable) {
        ctx_.streams->remove(session->id(), stream->id());
      }
      std::lock_guard lock(slot->mu);
      Response res = handler().respond(req, *slot->result);
      co_return co_await write(res);
    }
    const bool ok = end == PumpEnd::Finished || end == PumpEnd::Detached;
    stream->release(!ok);
    if (!ok && plan.cancel_on_disconnect) {
      cancelled->store(true);  // modern era: a closed response stream is the cancellation
    } else if (!ok && closed_ && ctx_.tracker->stopping()) {
      cancelled->store(true);  // forced shutdown: ask the tool to stop
    }
    if (end == PumpEnd::Finished && plan.resumable) {
      ctx_.streams->remove(session->id(), stream->id());
    }
    co_return ok&& co_await endSse();
  }

  // GET: resume a stream after Last-Event-ID, or open the session's standalone stream.
  asio::awaitable<bool> serveGet(const Request& req, GetPlan plan) {
    control_.busy.store(false);  // a listening stream is not in-flight work
    std::shared_ptr<SseStream> stream = plan.resume;
    bool priming = false;
    if (!stream || !stream->attach(wakeup().waker(), plan.resume_after)) {
      stream = newStream(true);
      ctx_.streams->add(plan.session, stream);
      plan.session->setStandaloneStream(stream);
      stream->attach(wakeup().waker());
      priming = true;
    }
    bool committed = false;
    if (!co_await commitSse(req, *stream, priming)) {
      stream->release(false);
      co_return false;
    }
    committed = true;
    const PumpEnd end = co_await pump(*stream, wakeup(), committed, req, false);
    stream->release(false);
    if (end == PumpEnd::Finished) {
      ctx_.streams->remove(plan.session->id(), stream->id());
    }
    const bool ok = end == PumpEnd::Finished || end == PumpEnd::Detached;
    co_return ok&& co_await endSse();
  }

  ServerContext& ctx_;
  ConnectionControl& control_;
  Stream& stream_;
  const std::string remote_;
  beast::flat_buffer buffer_;  // reused across keep-alive requests
  // The last bearer token this connection had verified: its repeats skip the shared token
  // cache. Touched only by preflight in serveOne (one request at a time).
  auth::TokenMemo token_memo_;
  std::shared_ptr<Wakeup> wakeup_;
  bool keep_alive_ = true;
  bool closed_ = false;
};

template <class Stream>
asio::awaitable<void> serveStream(ServerContext& ctx, ConnectionControl& control, Stream& stream,
                                  std::string remote) {
  Connection<Stream> conn(ctx, control, stream, std::move(remote));
  control.close = [&conn] { conn.close(); };
  co_await conn.run();
  control.close = nullptr;
}

}  // namespace

asio::awaitable<void> serveConnection(std::shared_ptr<ServerContext> ctx,
                                      std::shared_ptr<ConnectionControl> control,
                                      asio::ip::tcp::socket socket) {
  beast::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  const auto endpoint = socket.remote_endpoint(ec);
  std::string remote = ec ? std::string() : endpoint.address().to_string();
  if (!ctx->tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await serveStream(*ctx, *control, stream, std::move(remote));
  } else {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ctx->tls);
    control->close = [&stream] {
      beast::error_code ignored;
      beast::get_lowest_layer(stream).socket().close(ignored);
    };
    beast::get_lowest_layer(stream).expires_after(ctx->options.header_timeout);
    auto [hs] = co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (!hs) {
      co_await serveStream(*ctx, *control, stream, std::move(remote));
    }
    control->close = nullptr;  // `stream` dies with this block; a queued close must not use it
  }
  ctx->tracker->release(control);
}

}  // namespace bastion::transport
