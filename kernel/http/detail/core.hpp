// Internal: shared state of a Server and the Beast/Asio types used by its translation units. Heavy; never include
// from public headers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/request.hpp"

struct ssl_st;

namespace capstan::http::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using BeastRequest = bhttp::request<bhttp::string_body>;

// Something the server can shut down on stop(). close_from_server() is thread-safe (posts to its strand).
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void close_from_server() = 0;
};

struct Core {
  net::io_context ioc;
  Handler handler;
  std::atomic<bool> stopped{false};
  std::size_t max_buffered = kDefaultMaxBuffered;
  std::chrono::seconds idle_timeout{120};

  explicit Core(Handler h, int threads) : ioc(threads > 0 ? threads : 1), handler(std::move(h)) {}

  uint64_t add(std::weak_ptr<Closable> c) {
    std::lock_guard lk(mu_);
    uint64_t id = ++next_id_;
    conns_.emplace(id, std::move(c));
    return id;
  }
  void remove(uint64_t id) {
    std::lock_guard lk(mu_);
    conns_.erase(id);
  }
  std::vector<std::shared_ptr<Closable>> snapshot() {
    std::lock_guard lk(mu_);
    std::vector<std::shared_ptr<Closable>> out;
    for (auto& [id, w] : conns_)
      if (auto s = w.lock()) out.push_back(std::move(s));
    return out;
  }
  std::size_t connection_count() {
    std::lock_guard lk(mu_);
    return conns_.size();
  }

 private:
  std::mutex mu_;
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, std::weak_ptr<Closable>> conns_;
};

// connection.cpp / connection_tls.cpp
void start_plain_session(std::shared_ptr<Core> core, tcp::socket socket);
void start_tls_session(std::shared_ptr<Core> core, std::shared_ptr<net::ssl::context> ctx, tcp::socket socket);

// server.cpp: identity of a verified client certificate (empty if none or not verified).
void peer_identity(ssl_st* ssl, std::string& cn, std::vector<std::string>& orgs);

}  // namespace capstan::http::detail
