#pragma once
// A tiny HTTP server on 127.0.0.1 for fetcher tests: one thread, one connection at a time,
// optional TLS. The reply function sees the parsed request and returns the raw bytes to send
// (so tests can send malformed or oversized answers); std::nullopt means "say nothing".

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace bastion::net::testing {

using ServerRequest = boost::beast::http::request<boost::beast::http::string_body>;
using Reply = std::function<std::optional<std::string>(const ServerRequest&)>;

// A complete HTTP/1.1 response with Content-Length.
inline std::string httpResponse(int status, std::string_view reason, std::string_view body,
                                std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "Connection: close\r\n\r\n" + std::string(body);
}

class LocalServer {
 public:
  // Plain HTTP when `tls` is null.
  explicit LocalServer(Reply reply, boost::asio::ssl::context* tls = nullptr)
      : reply_(std::move(reply)),
        tls_(tls),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LocalServer() {
    io_.stop();
    thread_.join();
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Targets of the requests seen so far (the test thread reads; the server thread writes).
  std::vector<std::string> targets() const {
    std::lock_guard<std::mutex> lock(mu_);
    return targets_;
  }
  std::size_t accepted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) {
        return;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++accepted_;
      }
      // Blocking I/O on the server thread: the fetcher under test is the only client.
      if (tls_ != nullptr) {
        boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> stream(s, *tls_);
        stream.handshake(boost::asio::ssl::stream_base::server, ec);
        if (!ec) {
          serve(stream);
        }
      } else {
        serve(s);
      }
      held_.push_back(std::move(s));  // a silent reply keeps the connection open until the end
      accept();
    });
  }

  template <class Stream>
  void serve(Stream& stream) {
    boost::beast::flat_buffer buffer;
    ServerRequest req;
    boost::system::error_code ec;
    boost::beast::http::read(stream, buffer, req, ec);
    if (ec) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      targets_.push_back(std::string(req.target()));
    }
    if (auto bytes = reply_(req)) {
      boost::asio::write(stream, boost::asio::buffer(*bytes), ec);
      boost::system::error_code ignored;
      if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
        stream.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
      } else {
        stream.shutdown(ignored);
      }
    }
  }

  Reply reply_;
  boost::asio::ssl::context* tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<boost::asio::ip::tcp::socket> held_;  // server thread only
  mutable std::mutex mu_;
  std::vector<std::string> targets_;  // guarded by mu_
  std::size_t accepted_ = 0;          // guarded by mu_
  std::thread thread_;
};

}  // namespace bastion::net::testing
