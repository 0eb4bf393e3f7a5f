#pragma once
// One HTTP/1.1 request and response over an already connected stream: the part of the fetcher
// that does not care whether the stream is a socket, TLS or Beast's in-memory test stream (where
// tests make its n-th operation fail). Internal to the net layer; includes Beast, so it is
// included only by http_fetcher.cc and its tests.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <string>

#include "core/error.h"
#include "net/fetch_url.h"
#include "net/fetcher.h"

namespace bastion::net::detail {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

constexpr std::size_t kHeaderLimit = 16 * 1024;

// The request line and headers for `req` sent to `t`: Host from the URL, "Connection: close",
// Content-Length from the body. ProtocolError for a method that is not a token, a header name
// that is not a token, CR/LF/NUL in a value, or a framing header the caller must not set (Host,
// Content-Length, Transfer-Encoding, Connection, Upgrade, TE, Trailer).
[[nodiscard]] Result<HttpRequest> buildRequest(const FetchTarget& t, const FetchRequest& req);

// A parsed response as the Fetcher returns it (header names lower-cased).
FetchResponse toResponse(boost::beast::http::response<boost::beast::http::string_body>&& msg);

// A failed step's error; once the deadline has passed every failure is a Timeout.
inline Error stepError(bool timed_out, FetchError code, std::string message) {
  return timed_out ? Error(FetchError::Timeout, "deadline passed: " + message)
                   : Error(code, std::move(message));
}

// Writes `msg` and reads one response whose body is at most `max_bytes` (TooLarge beyond).
// Write failure: ConnectFailed; malformed, truncated or oversized-header answer: ProtocolError;
// either becomes Timeout if `timed_out` is set by then (the deadline timer closed the stream).
template <class Stream>
boost::asio::awaitable<Result<FetchResponse>> roundTrip(Stream& stream, HttpRequest& msg,
                                                        std::size_t max_bytes,
                                                        const std::string& host,
                                                        const bool& timed_out) {
  namespace http = boost::beast::http;
  boost::system::error_code ec;
  auto with_ec = boost::asio::redirect_error(boost::asio::use_awaitable, ec);
  co_await http::async_write(stream, msg, with_ec);
  if (ec) {
    co_return stepError(timed_out, FetchError::ConnectFailed,
                        "could not send the request to " + host);
  }
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(msg.method() == http::verb::head);  // a HEAD answer has no body to wait for
  parser.header_limit(kHeaderLimit);
  parser.body_limit(max_bytes);
  co_await http::async_read(stream, buffer, parser, with_ec);
  if (ec == http::error::body_limit) {
    co_return Error(FetchError::TooLarge, "the response from " + host + " is too large");
  }
  if (ec) {
    co_return stepError(timed_out, FetchError::ProtocolError,
                        "no valid HTTP response from " + host);
  }
  co_return toResponse(parser.release());
}

}  // namespace bastion::net::detail
