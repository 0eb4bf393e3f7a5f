// The real Fetcher: Beast HTTP/1.1 over Asio, OpenSSL 3 for https. One request per connection
// ("Connection: close"), no redirects, no cookies, no proxy.
//
// Threading: one io_context and one thread per fetcher, rather than a context per call. The
// deadline must cover name resolution, and Asio resolves on a private thread that the
// io_context's destructor joins: with a per-call context a caller would wait for a slow resolver
// to give up, whatever the deadline said. With a long-lived context a call that times out
// returns on time and the stray lookup ends in the background. The price is that one fetcher's
// lookups queue behind each other on that resolver thread, so callers whose traffic an attacker
// can influence (Client ID Metadata Documents) should not share a fetcher with the introspection
// or JWKS path. Calls are rare (discovery, key refresh, metadata documents, cache misses).

// GCC 12 at -O2 reports "potential null pointer dereference" inside Asio's io_context executor
// comparison and Beast's header move constructor as instantiated here; it is Boost's code, not
// ours, and would fail -Werror release builds (transport/http_server.cc does the same).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <thread>

#include "net/address_policy.h"
#include "net/fetch_url.h"
#include "net/fetcher.h"
#include "net/http_exchange.h"

namespace bastion::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
using Request = detail::HttpRequest;
using Answer = asio::awaitable<Result<FetchResponse>>;

// How long fetch() waits past the deadline for the exchange to report. Only reached if the
// exchange failed to notice its own deadline; the caller is released regardless.
constexpr auto kGrace = std::chrono::milliseconds(250);
// How often a waiting fetch() looks at FetchRequest::cancelled: a cancelled call gives its
// thread back within this long, instead of when the deadline passes.
constexpr auto kCancelPoll = std::chrono::milliseconds(10);

Error fail(FetchError code, std::string message) { return Error(code, std::move(message)); }

bool isPublicEndpoint(const tcp::endpoint& ep) {
  const auto a = ep.address();
  return a.is_v4() ? isPublicV4(a.to_v4().to_bytes()) : isPublicV6(a.to_v6().to_bytes());
}

bool isLinkLocalEndpoint(const tcp::endpoint& ep) {
  const auto a = ep.address();
  return a.is_v4() ? isLinkLocalV4(a.to_v4().to_bytes()) : isLinkLocalV6(a.to_v6().to_bytes());
}

// Which non-public addresses a fetcher may connect to (from its FetchPolicy).
struct AddressAllowance {
  bool private_addresses = false;
  bool link_local = false;

  bool permits(const tcp::endpoint& ep) const {
    if (isPublicEndpoint(ep)) {
      return true;
    }
    return private_addresses && (link_local || !isLinkLocalEndpoint(ep));
  }
};

// One request's resolver, socket and deadline. Shared by the exchange coroutine and the deadline
// timer's handler, so the handler never touches a finished coroutine's frame. Both run on the
// fetcher's single I/O thread: no lock.
struct Exchange {
  explicit Exchange(const asio::any_io_executor& ex) : resolver(ex), socket(ex), timer(ex) {}
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  bool timed_out = false;
};

// Stops whatever step is in flight: that step fails, and the exchange reports.
void stopExchange(Exchange& x) {
  x.resolver.cancel();
  error_code ignored;
  x.socket.close(ignored);
}

// At the deadline, stops the exchange; its step then fails with Timeout.
void armDeadline(const std::shared_ptr<Exchange>& x, SteadyClock::time_point deadline) {
  x->timer.expires_at(deadline);
  x->timer.async_wait([x](const error_code& ec) {
    if (ec) {
      return;  // cancelled: the exchange finished first
    }
    x->timed_out = true;
    stopExchange(*x);
  });
}

enum class Waited { Answered, TimedOut, Cancelled };

// Waits for the exchange's answer until `until`, looking at `cancelled` (if any) every
// kCancelPoll.
Waited awaitAnswer(std::future<Result<FetchResponse>>& answer, SteadyClock::time_point until,
                   const std::function<bool()>& cancelled) {
  for (;;) {
    if (cancelled && cancelled()) {
      return Waited::Cancelled;
    }
    const auto next = cancelled ? std::min(until, SteadyClock::now() + kCancelPoll) : until;
    if (answer.wait_until(next) == std::future_status::ready) {
      return Waited::Answered;
    }
    if (SteadyClock::now() >= until) {
      return Waited::TimedOut;
    }
  }
}

Error stepError(const Exchange& x, FetchError code, std::string message) {
  return detail::stepError(x.timed_out, code, std::move(message));
}

auto withEc(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// Resolves once, checks every address, then connects only to those same addresses: a second
// lookup (which a rebinding DNS server could answer differently) never happens.
asio::awaitable<Result<void>> connectChecked(Exchange& x, const FetchTarget& t,
                                             AddressAllowance allowed) {
  error_code ec;
  auto flags = tcp::resolver::numeric_service;
  if (t.host_is_ip) {
    flags |= tcp::resolver::numeric_host;
  }
  auto results =
      co_await x.resolver.async_resolve(t.host, std::to_string(t.port), flags, withEc(ec));
  if (ec || results.empty()) {
    co_return stepError(x, FetchError::ResolveFailed, "could not resolve " + t.host);
  }
  // Every address, not just the first: the connect below may try any of them.
  for (const auto& entry : results) {
    if (!allowed.permits(entry.endpoint())) {
      co_return fail(FetchError::ForbiddenAddress,
                     t.host + " resolves to an address that may not be fetched");
    }
  }
  co_await asio::async_connect(x.socket, results, withEc(ec));
  if (ec) {
    co_return stepError(x, FetchError::ConnectFailed, "could not connect to " + t.host);
  }
  co_return Result<void>{};
}

// SNI for names only (RFC 6066 forbids IP literals there); the certificate must name the URL's
// host: DNS name without partial wildcards, or the IP address for a literal.
bool expectPeer(SSL* ssl, const FetchTarget& t) {
  if (t.host_is_ip) {
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str()) == 1;
  }
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // SSL_set_tlsext_host_name is a macro with an old-style cast; this is its expansion.
  return SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(t.host.c_str())) == 1 &&
         SSL_set1_host(ssl, t.host.c_str()) == 1;
}

Answer overTls(Exchange& x, ssl::context& ctx, const FetchTarget& t, Request& msg,
               std::size_t max_bytes) {
  ssl::stream<tcp::socket&> tls(x.socket, ctx);
  if (!expectPeer(tls.native_handle(), t)) {
    co_return fail(FetchError::TlsFailed, "could not set up TLS for " + t.host);
  }
  error_code ec;
  co_await tls.async_handshake(ssl::stream_base::client, withEc(ec));
  if (ec) {
    co_return stepError(x, FetchError::TlsFailed, "TLS with " + t.host + " failed");
  }
  // No close_notify exchange afterwards: the body is complete (length or chunked framing; an
  // unclean end of a close-delimited body is a read error above), so the socket just closes.
  co_return co_await detail::roundTrip(tls, msg, max_bytes, t.host, x.timed_out);
}

Answer runExchange(std::shared_ptr<Exchange> x, FetchTarget t, Request msg, std::size_t max_bytes,
                   AddressAllowance allowed, ssl::context& ctx, SteadyClock::time_point deadline) {
  armDeadline(x, deadline);
  Result<FetchResponse> out = fail(FetchError::ConnectFailed, "not connected");
  if (auto connected = co_await connectChecked(*x, t, allowed); !connected) {
    out = connected.error();
  } else if (t.tls) {
    out = co_await overTls(*x, ctx, t, msg, max_bytes);
  } else {
    out = co_await detail::roundTrip(x->socket, msg, max_bytes, t.host, x->timed_out);
  }
  x->timer.cancel();
  error_code ignored;
  x->socket.close(ignored);
  co_return out;
}

// Certificate chain and host name verified, TLS 1.2 at least, no compression or renegotiation.
// Returns why the context is unusable, or an empty string.
std::string configureTls(ssl::context& ctx, const FetchPolicy& policy) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return "TLS 1.2 could not be required";
  }
  error_code ec;
  ctx.set_verify_mode(ssl::verify_peer, ec);
  if (!ec) {
    if (policy.ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(policy.ca_file, ec);
    }
  }
  return ec ? "the trust store could not be loaded" : "";
}

class HttpFetcher final : public Fetcher {
 public:
  explicit HttpFetcher(FetchPolicy policy)
      : policy_(std::move(policy)),
        tls_ctx_(ssl::context::tls_client),
        tls_setup_error_(configureTls(tls_ctx_, policy_)),
        work_(asio::make_work_guard(io_)),
        thread_([this] { io_.run(); }) {}

  ~HttpFetcher() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  Result<FetchResponse> fetch(const FetchRequest& req) override {
    auto target = parseFetchUrl(req.url, policy_);
    if (!target) {
      return target.error();
    }
    // Fail closed: without a trust store no certificate can be checked.
    if (target->tls && !tls_setup_error_.empty()) {
      return fail(FetchError::TlsFailed, tls_setup_error_);
    }
    auto msg = detail::buildRequest(*target, req);
    if (!msg) {
      return msg.error();
    }
    if (req.cancelled && req.cancelled()) {
      return cancelledError();
    }
    const std::string host = target->host;
    const auto deadline = SteadyClock::now() + req.timeout;
    auto done = std::make_shared<std::promise<Result<FetchResponse>>>();
    auto answer = done->get_future();
    // Made here, used only on the I/O thread from co_spawn on: a cancellation below reaches it
    // through a post to that thread.
    auto exchange = std::make_shared<Exchange>(io_.get_executor());
    asio::co_spawn(
        io_,
        runExchange(exchange, std::move(*target), std::move(*msg), req.max_bytes,
                    AddressAllowance{policy_.allow_private_addresses, policy_.allow_link_local},
                    tls_ctx_, deadline),
        [done](std::exception_ptr e, Result<FetchResponse> r) {
          // Exceptions here are allocation failures or library bugs, not answers.
          done->set_value(e ? fail(FetchError::ProtocolError, "the fetch failed") : std::move(r));
        });
    switch (awaitAnswer(answer, deadline + kGrace, req.cancelled)) {
      case Waited::Answered:
        return answer.get();
      case Waited::Cancelled:
        // The exchange's late report goes to `done`, which it shares; nobody waits for it.
        asio::post(io_, [exchange] { stopExchange(*exchange); });
        return cancelledError();
      case Waited::TimedOut:
        break;
    }
    return fail(FetchError::Timeout, "no answer from " + host + " in time");
  }

 private:
  static Error cancelledError() { return fail(FetchError::Cancelled, "the request was cancelled"); }

  const FetchPolicy policy_;
  // Configured in the constructor, then only read (by the I/O thread). Declared before io_ so
  // that it outlives any TLS stream io_'s destructor still has to destroy.
  ssl::context tls_ctx_;
  const std::string tls_setup_error_;  // non-empty: every https fetch fails
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;  // runs io_: every Exchange lives on this thread
};

}  // namespace

std::shared_ptr<Fetcher> makeHttpFetcher(FetchPolicy policy) {
  return std::make_shared<HttpFetcher>(std::move(policy));
}

}  // namespace bastion::net
