// Internal: one HTTP/1.1 connection (templated on the transport). Everything except the Responder's public entry
// points runs on the connection's strand. Instantiated in connection.cpp (plain) and connection_tls.cpp (TLS).
#pragma once

#include <atomic>
#include <deque>
#include <array>
#include <exception>
#include <optional>
#include <type_traits>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "http/detail/core.hpp"
#include "http/detail/wire.hpp"
#include "http/detail/ws_session.hpp"

namespace capstan::http::detail {

template <class Stream>
class Session;

inline std::string sv_string(beast::string_view v) { return std::string(v.data(), v.size()); }

// The handler's Responder for one request. Holds the connection alive until answered.
template <class Stream>
class ResponderImpl final : public Responder, public std::enable_shared_from_this<ResponderImpl<Stream>> {
 public:
  ResponderImpl(std::shared_ptr<Session<Stream>> s, uint64_t seq, std::shared_ptr<const BeastRequest> req)
      : s_(std::move(s)), seq_(seq), req_(std::move(req)) {}

  ~ResponderImpl() override {
    // Dropped without (completely) answering: do it ourselves so the connection does not hang.
    int st = state_.load();
    if (st == kNone) {
      auto wire = error_wire(500, "InternalError", "the handler did not produce a response");
      s_->post_respond(seq_, std::move(wire));
    } else if (st == kStreaming) {
      s_->post_finish(seq_);
    }
  }

  void respond(int status, std::vector<std::pair<std::string, std::string>> headers, std::string body) override {
    int expected = kNone;
    if (!state_.compare_exchange_strong(expected, kDone)) {
      spdlog::warn("http: respond() called twice or after streaming/upgrade; ignored");
      return;
    }
    bool head = req_->method() == bhttp::verb::head;
    std::string wire = serialize_head(status, headers, static_cast<long long>(body.size()), s_->keep_alive_for(req_));
    if (!head) wire += body;
    s_->post_respond(seq_, std::move(wire));
  }

  void begin_stream(int status, std::vector<std::pair<std::string, std::string>> headers) override {
    int expected = kNone;
    if (!state_.compare_exchange_strong(expected, kStreaming)) {
      spdlog::warn("http: begin_stream() after a response was started; ignored");
      return;
    }
    s_->post_begin_stream(seq_, serialize_head(status, headers, -1, s_->keep_alive_for(req_)));
  }

  bool write(std::string chunk) override {
    if (state_.load() != kStreaming || s_->client_gone()) return false;
    if (chunk.empty()) return true;  // an empty chunk would end the stream
    return s_->post_chunk(seq_, encode_chunk(chunk));
  }

  void finish() override {
    int expected = kStreaming;
    if (state_.compare_exchange_strong(expected, kDone)) s_->post_finish(seq_);
  }

  bool closed() const override { return s_->client_gone() || state_.load() == kDone || state_.load() == kUpgraded; }

  void on_close(std::function<void()> cb) override {
    if (!cb) return;
    net::post(s_->executor(), [self = this->shared_from_this(), cb = std::move(cb)]() mutable {
      if (self->fired_) {
        self->invoke(cb);
      } else {
        self->close_cbs_.push_back(std::move(cb));
      }
    });
  }

  std::shared_ptr<WebSocket> upgrade_websocket(std::string subprotocol, WsOnMessage on_message,
                                               WsOnClosed on_closed) override {
    if (!beast::websocket::is_upgrade(*req_)) return nullptr;
    int expected = kNone;
    if (!state_.compare_exchange_strong(expected, kUpgraded)) return nullptr;
    std::weak_ptr<ResponderImpl> weak = this->shared_from_this();
    WsOnClosed closed = [weak, on_closed = std::move(on_closed)]() {
      if (on_closed) on_closed();
      if (auto self = weak.lock()) self->fire_close();
    };
    auto ws = create_websocket<Stream>(s_->core(), s_->executor(), std::move(subprotocol), std::move(on_message),
                                       std::move(closed));
    s_->post_upgrade(seq_, ws, req_);
    return ws;
  }

  // Strand only.
  void fire_close() {
    if (fired_) return;
    fired_ = true;
    auto cbs = std::move(close_cbs_);
    close_cbs_.clear();
    for (auto& cb : cbs) invoke(cb);
  }

  static std::string error_wire(int status, std::string_view reason, std::string_view msg) {
    return error_response(status, reason, msg, true);
  }

 private:
  static void invoke(std::function<void()>& cb) {
    try {
      cb();
    } catch (const std::exception& e) {
      spdlog::error("http: on_close callback threw: {}", e.what());
    } catch (...) {
      spdlog::error("http: on_close callback threw");
    }
  }

  enum { kNone, kStreaming, kDone, kUpgraded };
  std::shared_ptr<Session<Stream>> s_;
  uint64_t seq_;
  std::shared_ptr<const BeastRequest> req_;
  std::atomic<int> state_{kNone};
  // strand only
  bool fired_ = false;
  std::vector<std::function<void()>> close_cbs_;
};

template <class Stream>
class Session final : public Closable, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, TcpStream>;

  template <class... Args>
  Session(std::shared_ptr<Core> core, std::shared_ptr<void> keep, tcp::socket&& socket, Args&&... args)
      : core_(std::move(core)),
        keep_(std::move(keep)),
        ex_(socket.get_executor()),
        stream_(std::move(socket), std::forward<Args>(args)...),
        timer_(ex_) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~Session() override {
    if (reg_id_) core_->remove(reg_id_);
  }

  void start() {
    reg_id_ = core_->add(this->weak_from_this());
    net::post(ex_, [self = this->shared_from_this()] { self->on_start(); });
  }

  // ---- thread-safe entry points used by ResponderImpl ----
  const net::any_io_executor& executor() const { return ex_; }
  const std::shared_ptr<Core>& core() const { return core_; }
  bool client_gone() const { return gone_.load(std::memory_order_relaxed) || core_->stopped.load(); }
  bool keep_alive_for(const std::shared_ptr<const BeastRequest>& req) const {
    return req->keep_alive() && !core_->stopped.load();
  }

  void post_respond(uint64_t seq, std::string wire) {
    if (core_->stopped.load()) return;
    net::post(ex_, [self = this->shared_from_this(), seq, wire = std::move(wire)]() mutable {
      if (seq != self->seq_ || self->closed_ || !self->in_flight_) return;
      self->enqueue(std::move(wire), true);
    });
  }
  void post_begin_stream(uint64_t seq, std::string head) {
    if (core_->stopped.load()) return;
    net::post(ex_, [self = this->shared_from_this(), seq, head = std::move(head)]() mutable {
      if (seq != self->seq_ || self->closed_ || !self->in_flight_) return;
      if (self->peer_eof_) {  // nobody to stream to
        self->close_now();
        return;
      }
      self->streaming_ = true;
      self->enqueue(std::move(head), false);
    });
  }
  bool post_chunk(uint64_t seq, std::string wire) {
    if (core_->stopped.load()) return false;
    std::size_t n = wire.size();
    std::size_t before = queued_.fetch_add(n);
    if (before + n > core_->max_buffered) {
      queued_.fetch_sub(n);
      spdlog::warn("http: client {} too slow ({} bytes queued); closing", remote_, before);
      gone_.store(true);
      net::post(ex_, [self = this->shared_from_this()] { self->close_now(); });
      return false;
    }
    net::post(ex_, [self = this->shared_from_this(), seq, wire = std::move(wire)]() mutable {
      std::size_t n = wire.size();
      if (seq != self->seq_ || self->closed_ || !self->streaming_) {
        self->queued_.fetch_sub(n);
        return;
      }
      self->enqueue(std::move(wire), false, /*counted=*/true);
    });
    return true;
  }
  void post_finish(uint64_t seq) {
    if (core_->stopped.load()) return;
    net::post(ex_, [self = this->shared_from_this(), seq] {
      if (seq != self->seq_ || self->closed_ || !self->streaming_) return;
      self->streaming_ = false;
      self->enqueue(std::string(kLastChunk), true);
    });
  }
  void post_upgrade(uint64_t seq, std::shared_ptr<WebSocket> ws, std::shared_ptr<const BeastRequest> req) {
    net::post(ex_, [self = this->shared_from_this(), seq, ws = std::move(ws), req = std::move(req)]() {
      self->do_upgrade(seq, ws, *req);
    });
  }

  void close_from_server() override {
    gone_.store(true);
    net::post(ex_, [self = this->shared_from_this()] { self->close_now(); });
  }

 private:
  struct Item {
    std::string data;
    bool end_of_response;
  };

  // ---- connection setup ----
  void on_start() {
    if (core_->stopped.load()) {
      close_now();
      return;
    }
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true));
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      do_read();
    }
  }

  void on_handshake(beast::error_code ec) {
    beast::get_lowest_layer(stream_).expires_never();
    if (ec) {
      spdlog::debug("http: TLS handshake with {} failed: {}", remote_, ec.message());
      close_now();
      return;
    }
    if constexpr (kTls) peer_identity(stream_.native_handle(), cert_cn_, cert_orgs_);
    do_read();
  }

  // ---- reading ----
  void do_read() {
    if (closed_ || closing_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kMaxRequestHeader));
    parser_->body_limit(kMaxRequestBody);
    reading_ = true;
    if (!in_flight_) arm_timer(core_->idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               self->on_header(ec);
                             });
  }

  static bool is_parse_error(const beast::error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
  }

  void on_header(beast::error_code ec) {
    reading_ = false;
    if (closed_) return;
    if (closing_) {  // draining after a final response: anything more is discarded
      close_now();
      return;
    }
    if (ec) {
      if (ec == bhttp::error::end_of_stream) {
        peer_eof();
      } else if (ec == bhttp::error::body_limit) {  // Content-Length above the limit
        fail_request(413, "RequestEntityTooLarge",
                     "the request body is too large (limit " + std::to_string(kMaxRequestBody) + " bytes)");
      } else if (ec == bhttp::error::header_limit) {
        fail_request(431, "RequestHeaderFieldsTooLarge", "the request headers are too large");
      } else if (ec == bhttp::error::partial_message || !is_parse_error(ec)) {
        close_now();
      } else {
        fail_request(400, "BadRequest", "malformed HTTP request: " + ec.message());
      }
      return;
    }
    auto len = parser_->content_length();
    if (len && *len > kMaxRequestBody) {
      fail_request(413, "RequestEntityTooLarge",
                   "the request body is too large (limit " + std::to_string(kMaxRequestBody) + " bytes)");
      return;
    }
    if (in_flight_) {  // pipelined: wait for the current response
      header_parked_ = true;
      return;
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) {
      dispatch();
      return;
    }
    auto& h = parser_->get();
    if (auto it = h.find(bhttp::field::expect); it != h.end() && beast::iequals(it->value(), "100-continue"))
      enqueue("HTTP/1.1 100 Continue\r\n\r\n", false);
    reading_ = true;
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    reading_ = false;
    if (closed_) return;
    if (ec) {
      if (ec == bhttp::error::body_limit)
        fail_request(413, "RequestEntityTooLarge",
                     "the request body is too large (limit " + std::to_string(kMaxRequestBody) + " bytes)");
      else if (is_parse_error(ec) && ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream)
        fail_request(400, "BadRequest", "malformed HTTP request: " + ec.message());
      else
        close_now();
      return;
    }
    dispatch();
  }

  void dispatch() {
    disarm_timer();
    BeastRequest msg = parser_->release();
    parser_.reset();

    Request req;
    req.method = sv_string(msg.method_string());
    req.target = sv_string(msg.target());
    parse_target(req.target, req.path, req.query);
    req.headers.reserve(16);
    for (const auto& f : msg) {
      std::string name = sv_string(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), sv_string(f.value()));
    }
    req.body = std::move(msg.body());
    msg.body().clear();
    req.remote_address = remote_;
    req.tls = kTls;
    req.client_cert_cn = cert_cn_;
    req.client_cert_orgs = cert_orgs_;

    bool upgrade = beast::websocket::is_upgrade(msg);
    keep_alive_ = msg.keep_alive();
    in_flight_ = true;
    streaming_ = false;
    ++seq_;
    auto hdr = std::make_shared<const BeastRequest>(std::move(msg));
    auto res = std::make_shared<ResponderImpl<Stream>>(this->shared_from_this(), seq_, hdr);
    current_ = res;

    // Keep a read pending (next request / disconnect detection) except for upgrades, whose stream is handed over.
    if (!upgrade) do_read();

    try {
      core_->handler(std::move(req), res);
    } catch (const std::exception& e) {
      spdlog::error("http: handler threw for {} {}: {}", sv_string(hdr->method_string()), sv_string(hdr->target()),
                    e.what());
      res->respond(500, {{"Content-Type", "application/json"}},
                   status_json(500, "InternalError", std::string("internal error: ") + e.what()));
    } catch (...) {
      spdlog::error("http: handler threw a non-exception for {} {}", sv_string(hdr->method_string()),
                    sv_string(hdr->target()));
      res->respond(500, {{"Content-Type", "application/json"}},
                   status_json(500, "InternalError", "internal error"));
    }
  }

  // Client closed its side while idle or while a request is in flight.
  void peer_eof() {
    peer_eof_ = true;
    gone_.store(true);
    if (in_flight_ && !streaming_) {
      // A plain response may still come; let it through, then close. Tell producers the client left.
      if (auto r = current_.lock()) r->fire_close();
      return;
    }
    close_now();
  }

  // ---- writing ----
  void enqueue(std::string data, bool end_of_response, bool counted = false) {
    if (closed_) return;
    if (!counted) queued_.fetch_add(data.size());
    queue_.push_back(Item{std::move(data), end_of_response});
    if (!writing_) do_write();
  }

  void do_write() {
    if (queue_.empty() || closed_) return;
    write_bufs_.clear();
    std::size_t total = 0;
    for (std::size_t i = 0; i < queue_.size() && i < 64 && total < (1u << 20); ++i) {
      write_bufs_.emplace_back(queue_[i].data.data(), queue_[i].data.size());
      total += queue_[i].data.size();
    }
    writing_ = true;
    net::async_write(stream_, write_bufs_,
                     [self = this->shared_from_this(), count = write_bufs_.size()](beast::error_code ec,
                                                                                   std::size_t) {
                       self->on_write(ec, count);
                     });
  }

  void on_write(beast::error_code ec, std::size_t count) {
    writing_ = false;
    if (ec) {
      if (!closed_) spdlog::debug("http: write to {} failed: {}", remote_, ec.message());
      close_now();
      queue_.clear();
      return;
    }
    int completed = 0;
    for (std::size_t i = 0; i < count && !queue_.empty(); ++i) {
      queued_.fetch_sub(queue_.front().data.size());
      if (queue_.front().end_of_response) ++completed;
      queue_.pop_front();
    }
    if (closed_) {
      queue_.clear();
      return;
    }
    for (int i = 0; i < completed; ++i) response_complete();
    if (closed_) return;
    if (!queue_.empty()) {
      do_write();
    } else if (close_after_write_) {
      linger_close();
    }
  }

  void response_complete() {
    if (close_after_write_) return;  // an error response; connection ends
    in_flight_ = false;
    streaming_ = false;
    if (auto r = current_.lock()) r->fire_close();
    current_.reset();
    if (pending_error_) {
      std::string wire = std::move(*pending_error_);
      pending_error_.reset();
      close_after_write_ = true;
      enqueue(std::move(wire), false);
      return;
    }
    if (!keep_alive_ || peer_eof_ || core_->stopped.load()) {
      close_after_write_ = true;
      if (queue_.empty() && !writing_) linger_close();
      return;
    }
    if (header_parked_) {
      header_parked_ = false;
      read_body();
      return;
    }
    if (!reading_)
      do_read();
    else
      arm_timer(core_->idle_timeout);
  }

  // Answer with an error and close (without reading the rest of the request).
  void fail_request(int status, std::string_view reason, const std::string& message) {
    spdlog::debug("http: {} from {}: {}", status, remote_, message);
    std::string wire = error_response(status, reason, message, false);
    if (in_flight_) {
      if (!pending_error_) pending_error_ = std::move(wire);
      return;
    }
    close_after_write_ = true;
    enqueue(std::move(wire), false);
  }

  // Half-close, then discard whatever the client still sends for a moment so it can read our final response
  // (closing with unread data would reset the connection and lose it).
  void linger_close() {
    if (closed_ || closing_) return;
    closing_ = true;
    in_flight_ = false;
    if (auto r = current_.lock()) r->fire_close();
    current_.reset();
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      close_now();
      return;
    }
    arm_timer(std::chrono::seconds(3));
    if (!reading_) drain();
  }

  void drain() {
    if (!drain_buf_) drain_buf_ = std::make_unique<std::array<char, 65536>>();
    reading_ = true;
    beast::get_lowest_layer(stream_).socket().async_read_some(
        net::buffer(*drain_buf_), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          self->reading_ = false;
          if (self->closed_) return;
          self->drained_ += n;
          if (ec || self->drained_ > (64u << 20))
            self->close_now();
          else
            self->drain();
        });
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    gone_.store(true);
    disarm_timer();
    if (auto r = current_.lock()) r->fire_close();
    current_.reset();
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(stream_).socket();
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
    if (reg_id_) {
      core_->remove(reg_id_);
      reg_id_ = 0;
    }
    if (!writing_) queue_.clear();
  }

  // ---- timer (idle keep-alive / linger deadline) ----
  void arm_timer(std::chrono::steady_clock::duration d) {
    uint64_t gen = ++timer_gen_;
    timer_.expires_after(d);
    timer_.async_wait([self = this->shared_from_this(), gen](beast::error_code ec) {
      if (ec || gen != self->timer_gen_ || self->closed_) return;
      spdlog::debug("http: closing {} ({})", self->remote_, self->closing_ ? "linger done" : "idle");
      self->close_now();
    });
  }
  void disarm_timer() {
    ++timer_gen_;
    timer_.cancel();
  }

  // ---- WebSocket hand-over ----
  void do_upgrade(uint64_t seq, const std::shared_ptr<WebSocket>& ws, const BeastRequest& req) {
    if (seq != seq_ || closed_ || closing_ || !in_flight_ || writing_ || !queue_.empty() || reading_) {
      abort_websocket<Stream>(ws);
      if (!closed_ && seq == seq_) close_now();
      return;
    }
    disarm_timer();
    in_flight_ = false;
    closed_ = true;  // this object no longer owns the socket
    current_.reset();
    if (reg_id_) {
      core_->remove(reg_id_);
      reg_id_ = 0;
    }
    start_websocket<Stream>(ws, std::move(stream_), req);
  }

  std::shared_ptr<Core> core_;
  std::shared_ptr<void> keep_;  // e.g. the TLS context; must outlive stream_
  net::any_io_executor ex_;
  Stream stream_;
  net::steady_timer timer_;
  uint64_t reg_id_ = 0;
  std::string remote_;
  std::string cert_cn_;
  std::vector<std::string> cert_orgs_;

  std::atomic<bool> gone_{false};
  std::atomic<std::size_t> queued_{0};

  // strand only
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::deque<Item> queue_;
  std::vector<net::const_buffer> write_bufs_;
  std::weak_ptr<ResponderImpl<Stream>> current_;
  std::optional<std::string> pending_error_;
  std::unique_ptr<std::array<char, 65536>> drain_buf_;
  std::size_t drained_ = 0;
  uint64_t seq_ = 0;
  uint64_t timer_gen_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool in_flight_ = false;
  bool streaming_ = false;
  bool header_parked_ = false;
  bool keep_alive_ = true;
  bool peer_eof_ = false;
  bool close_after_write_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace capstan::http::detail
