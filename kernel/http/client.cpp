// HttpClient: Beast synchronous client. One io_context per connection keeps connections
// independent, so a blocked stream never holds up a request.
#include "http/client.hpp"

#include "capstan/machinery/process.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <optional>
#include <stdexcept>

namespace capstan::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

ClientConfig ClientConfig::from_url(const std::string& url) {
  ClientConfig c;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    c.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    c.tls = false;
    rest = url.substr(7);
  } else {
    throw std::invalid_argument("server URL must start with https:// or http://: " + url);
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find(']') != std::string::npos && colon < rest.find(']')) {
    c.host = rest;
    c.port = c.tls ? "443" : "80";
  } else {
    c.host = rest.substr(0, colon);
    c.port = rest.substr(colon + 1);
  }
  if (!c.host.empty() && c.host.front() == '[') c.host = c.host.substr(1, c.host.size() - 2);
  if (c.host.empty() || c.port.empty()) throw std::invalid_argument("server URL has no host or port: " + url);
  return c;
}

struct HttpClient::Tls {
  net::ssl::context ctx{net::ssl::context::tls_client};
};

struct HttpClient::Connection {
  net::io_context io;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  int native() { return plain ? plain->socket().native_handle() : beast::get_lowest_layer(*secure).socket().native_handle(); }

  template <class Fn>
  auto with_stream(Fn&& fn) {
    if (plain) return fn(*plain);
    return fn(*secure);
  }
};

class HttpClient::Stream {
 public:
  std::unique_ptr<Connection> conn;
  std::string target;
  std::atomic<bool> cancelled{false};
  std::mutex mutex;  // guards conn's socket against shutdown while it is being replaced
};

HttpClient::HttpClient(ClientConfig config) : config_(std::move(config)) {
  if (config_.tls) {
    tls_ = std::make_unique<Tls>();
    if (!config_.ca_pem.empty()) {
      tls_->ctx.add_certificate_authority(net::buffer(config_.ca_pem));
      tls_->ctx.set_verify_mode(net::ssl::verify_peer);
    } else {
      tls_->ctx.set_verify_mode(net::ssl::verify_none);
    }
    if (!config_.cert_pem.empty()) {
      tls_->ctx.use_certificate_chain(net::buffer(config_.cert_pem));
      tls_->ctx.use_private_key(net::buffer(config_.key_pem), net::ssl::context::pem);
    }
  }
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::connect() {
  auto c = std::make_unique<Connection>();
  tcp::resolver resolver(c->io);
  auto endpoints = resolver.resolve(config_.host, config_.port);
  if (config_.tls) {
    c->secure.emplace(c->io, tls_->ctx);
    // SNI and the certificate's names: the server certificate covers the addresses it listens on.
    SSL_set_tlsext_host_name(c->secure->native_handle(), config_.host.c_str());
    beast::get_lowest_layer(*c->secure).connect(endpoints);
    machinery::set_close_on_exec(beast::get_lowest_layer(*c->secure).socket().native_handle());
    beast::get_lowest_layer(*c->secure).socket().set_option(tcp::no_delay(true));
    c->secure->handshake(net::ssl::stream_base::client);
  } else {
    c->plain.emplace(c->io);
    c->plain->connect(endpoints);
    machinery::set_close_on_exec(c->plain->socket().native_handle());  // Asio opens without SOCK_CLOEXEC
    c->plain->socket().set_option(tcp::no_delay(true));
  }
  return c;
}

ClientResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                   const std::string& content_type) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, config_.host);
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::user_agent, "capstan-agent");
  req.keep_alive(true);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.set(bhttp::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
  }
  // A kept-alive connection may have been closed by the server: one retry on a fresh one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty() && attempt == 0) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    bool reused = conn != nullptr;
    try {
      if (!conn) conn = connect();
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      conn->with_stream([&](auto& s) {
        bhttp::write(s, req);
        bhttp::read(s, conn->buffer, parser);
        return 0;
      });
      auto res = parser.release();
      ClientResponse out;
      out.status = res.result_int();
      out.content_type = std::string(res[bhttp::field::content_type]);
      out.body = std::move(res.body());
      if (res.keep_alive()) {
        std::lock_guard lock(mutex_);
        if (idle_.size() < 16) idle_.push_back(std::move(conn));
      }
      return out;
    } catch (const std::exception& e) {
      if (!reused) throw std::runtime_error("cannot reach " + config_.host + ":" + config_.port + ": " + e.what());
    }
  }
  throw std::runtime_error("cannot reach " + config_.host + ":" + config_.port);
}

std::shared_ptr<HttpClient::Stream> HttpClient::open_stream(const std::string& target) {
  auto s = std::make_shared<Stream>();
  s->target = target;
  return s;
}

int HttpClient::run_stream(Stream& s, const std::function<bool(const std::string&)>& on_line, std::string* error_body) {
  int status = 0;
  std::string pending;
  run_stream_raw(s, [&](int st, const std::string&) { status = st; }, [&](const std::string& data) {
    pending += data;
    if (status != 200) return true;  // keep the error body
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (nl > start && !on_line(pending.substr(start, nl - start))) return false;
    }
    pending.erase(0, start);
    return true;
  });
  if (status != 200 && error_body) *error_body = pending;
  return status;
}

int HttpClient::run_stream_raw(Stream& s, const std::function<void(int, const std::string&)>& on_head,
                               const std::function<bool(const std::string&)>& on_data) {
  std::unique_ptr<Connection> conn;
  try {
    conn = connect();
  } catch (const std::exception&) {
    return 0;
  }
  {
    std::lock_guard lock(s.mutex);
    if (s.cancelled) return 0;
    s.conn = std::move(conn);
  }
  Connection& c = *s.conn;
  int status = 0;
  try {
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, s.target, 11};
    req.set(bhttp::field::host, config_.host);
    req.set(bhttp::field::user_agent, "capstan");
    c.with_stream([&](auto& st) {
      bhttp::write(st, req);
      bhttp::response_parser<bhttp::buffer_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      // The body buffer is in place before the header is read: body bytes that arrive with the
      // header land in it (a buffer_body without one fails the read).
      char chunk[16384];
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      beast::error_code header_ec;
      bhttp::read_header(st, c.buffer, parser, header_ec);
      if (header_ec && header_ec != bhttp::error::need_buffer) throw beast::system_error(header_ec);
      status = parser.get().result_int();
      on_head(status, std::string(parser.get()[bhttp::field::content_type]));
      if (size_t early = sizeof chunk - parser.get().body().size; early && !on_data(std::string(chunk, early)))
        s.cancelled = true;
      while (!parser.is_done() && !s.cancelled) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof chunk;
        beast::error_code ec;
        bhttp::read_some(st, c.buffer, parser, ec);
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) break;
        size_t n = sizeof chunk - parser.get().body().size;
        if (n && !on_data(std::string(chunk, n))) {
          s.cancelled = true;
          break;
        }
      }
      return 0;
    });
  } catch (const std::exception&) {
    // connection closed or cancelled: the caller decides whether to reconnect
  }
  std::lock_guard lock(s.mutex);
  s.conn.reset();
  return status;
}

void HttpClient::cancel(Stream& s) {
  std::lock_guard lock(s.mutex);
  s.cancelled = true;
  // Shutting the socket down wakes the blocked read in run_stream.
  if (s.conn) ::shutdown(s.conn->native(), SHUT_RDWR);
}

}  // namespace capstan::http
