// Internal: WebSocket session implementation; included only by websocket.cpp / websocket_tls.cpp.
#pragma once

#include <atomic>
#include <deque>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "http/detail/core.hpp"
#include "http/detail/ws_session.hpp"

namespace capstan::http::detail {

namespace websocket = boost::beast::websocket;

template <class Stream>
class WsSession final : public WebSocket, public Closable, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(std::shared_ptr<Core> core, net::any_io_executor ex, std::string subprotocol, WsOnMessage on_message,
            WsOnClosed on_closed)
      : core_(std::move(core)),
        ex_(std::move(ex)),
        subprotocol_(std::move(subprotocol)),
        on_message_(std::move(on_message)),
        on_closed_(std::move(on_closed)) {}

  ~WsSession() override {
    if (reg_id_) core_->remove(reg_id_);
  }

  bool send(std::string data, bool binary) override {
    if (closed_flag_.load() || core_->stopped.load()) return false;
    std::size_t n = data.size();
    std::size_t before = queued_.fetch_add(n);
    if (before + n > core_->max_buffered) {
      queued_.fetch_sub(n);
      spdlog::warn("http: websocket peer too slow ({} bytes queued); closing", before);
      closed_flag_.store(true);
      net::post(ex_, [self = this->shared_from_this()] { self->shutdown_socket(); });
      return false;
    }
    net::post(ex_, [self = this->shared_from_this(), data = std::move(data), binary]() mutable {
      if (self->closed_ || self->close_requested_) {
        self->queued_.fetch_sub(data.size());
        return;
      }
      self->out_.emplace_back(std::move(data), binary);
      if (self->accepted_ && !self->writing_) self->do_write();
    });
    return true;
  }

  void close() override {
    net::post(ex_, [self = this->shared_from_this()] {
      if (self->closed_ || self->close_requested_) return;
      self->close_requested_ = true;
      if (self->accepted_ && !self->writing_) self->do_close();
    });
  }

  void close_from_server() override {
    closed_flag_.store(true);
    net::post(ex_, [self = this->shared_from_this()] { self->shutdown_socket(); });
  }

  // strand
  void start(Stream&& stream, const BeastRequest& req) {
    ws_.emplace(std::move(stream));
    reg_id_ = core_->add(this->weak_from_this());
    if (core_->stopped.load()) {
      finish_closed();
      shutdown_socket();
      return;
    }
    beast::get_lowest_layer(*ws_).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_->set_option(t);
    ws_->read_message_max(64u << 20);
    ws_->set_option(websocket::stream_base::decorator([sp = subprotocol_](websocket::response_type& res) {
      res.set(bhttp::field::server, "capstan");
      if (!sp.empty()) res.set(bhttp::field::sec_websocket_protocol, sp);
    }));
    ws_->async_accept(req, [self = this->shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  // strand: never started
  void abort() { finish_closed(); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      spdlog::debug("http: websocket handshake failed: {}", ec.message());
      finish_closed();
      shutdown_socket();
      return;
    }
    accepted_ = true;
    do_read();
    if (!out_.empty())
      do_write();
    else if (close_requested_)
      do_close();
  }

  void do_read() {
    ws_->async_read(buf_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec != websocket::error::closed) spdlog::debug("http: websocket read: {}", ec.message());
      finish_closed();
      shutdown_socket();
      return;
    }
    if (on_message_ && !closed_) {
      auto data = buf_.cdata();
      try {
        on_message_(std::string_view(static_cast<const char*>(data.data()), data.size()), ws_->got_binary());
      } catch (const std::exception& e) {
        spdlog::error("http: websocket on_message threw: {}", e.what());
      } catch (...) {
        spdlog::error("http: websocket on_message threw");
      }
    }
    buf_.consume(buf_.size());
    if (!closed_) do_read();
  }

  void do_write() {
    if (out_.empty() || closed_) return;
    writing_ = true;
    ws_->binary(out_.front().second);
    ws_->async_write(net::buffer(out_.front().first),
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (!out_.empty()) {
      queued_.fetch_sub(out_.front().first.size());
      out_.pop_front();
    }
    if (ec) {
      finish_closed();
      shutdown_socket();
      return;
    }
    if (closed_) return;
    if (!out_.empty())
      do_write();
    else if (close_requested_)
      do_close();
  }

  void do_close() {
    if (closing_ || closed_) return;
    closing_ = true;
    writing_ = true;
    ws_->async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code ec) {
      self->writing_ = false;
      if (ec) {
        self->finish_closed();
        self->shutdown_socket();
      }
      // otherwise the pending read sees the peer's close frame and finishes
    });
  }

  void shutdown_socket() {
    if (!ws_) return;
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(*ws_).socket();
    if (sock.is_open()) {
      sock.shutdown(tcp::socket::shutdown_both, ec);
      sock.close(ec);
    }
  }

  void finish_closed() {
    if (closed_) return;
    closed_ = true;
    closed_flag_.store(true);
    if (reg_id_) {
      core_->remove(reg_id_);
      reg_id_ = 0;
    }
    auto cb = std::move(on_closed_);
    on_closed_ = nullptr;
    on_message_ = nullptr;  // break cycles with the owner's state
    if (cb) {
      try {
        cb();
      } catch (const std::exception& e) {
        spdlog::error("http: websocket on_closed threw: {}", e.what());
      } catch (...) {
        spdlog::error("http: websocket on_closed threw");
      }
    }
  }

  std::shared_ptr<Core> core_;
  net::any_io_executor ex_;
  std::string subprotocol_;
  WsOnMessage on_message_;
  WsOnClosed on_closed_;
  std::optional<websocket::stream<Stream>> ws_;
  beast::flat_buffer buf_;
  std::deque<std::pair<std::string, bool>> out_;
  std::atomic<bool> closed_flag_{false};
  std::atomic<std::size_t> queued_{0};
  uint64_t reg_id_ = 0;
  bool accepted_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

template <class Stream>
std::shared_ptr<WebSocket> create_websocket(std::shared_ptr<Core> core, net::any_io_executor ex,
                                            std::string subprotocol, WsOnMessage on_message, WsOnClosed on_closed) {
  return std::make_shared<WsSession<Stream>>(std::move(core), std::move(ex), std::move(subprotocol),
                                             std::move(on_message), std::move(on_closed));
}

template <class Stream>
void start_websocket(const std::shared_ptr<WebSocket>& ws, Stream&& stream, const BeastRequest& req) {
  static_cast<WsSession<Stream>*>(ws.get())->start(std::move(stream), req);
}

template <class Stream>
void abort_websocket(const std::shared_ptr<WebSocket>& ws) {
  static_cast<WsSession<Stream>*>(ws.get())->abort();
}

#define CAPSTAN_HTTP_INSTANTIATE_WS(S)                                                                          \
  template class WsSession<S>;                                                                                \
  template std::shared_ptr<WebSocket> create_websocket<S>(std::shared_ptr<Core>, net::any_io_executor,        \
                                                          std::string, WsOnMessage, WsOnClosed);              \
  template void start_websocket<S>(const std::shared_ptr<WebSocket>&, S&&, const BeastRequest&);              \
  template void abort_websocket<S>(const std::shared_ptr<WebSocket>&);

}  // namespace capstan::http::detail
