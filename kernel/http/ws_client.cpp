// WsClient: Beast websocket::stream over a plain TCP stream, synchronous, one reader thread.
#include "http/ws_client.hpp"

#include "capstan/machinery/process.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "http/client.hpp"

namespace capstan::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ws = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

class WsClientImpl final : public WsClient, public std::enable_shared_from_this<WsClientImpl> {
 public:
  WsClientImpl() : stream_(io_) {}
  ~WsClientImpl() override {
    close();
    if (reader_.joinable()) {
      if (reader_.get_id() == std::this_thread::get_id()) reader_.detach();
      else reader_.join();
    }
  }

  void open(const std::string& url, const std::vector<std::string>& subprotocols, std::string& chosen) {
    auto config = ClientConfig::from_url("http" + url.substr(url.find(':')));  // ws://h:p/x -> http://h:p
    std::string target = "/";
    if (auto p = url.find('/', url.find("//") + 2); p != std::string::npos) target = url.substr(p);
    tcp::resolver resolver(io_);
    beast::get_lowest_layer(stream_).connect(resolver.resolve(config.host, config.port));
    machinery::set_close_on_exec(beast::get_lowest_layer(stream_).socket().native_handle());
    std::string offered;
    for (const auto& s : subprotocols) offered += (offered.empty() ? "" : ", ") + s;
    stream_.set_option(ws::stream_base::decorator([offered](ws::request_type& req) {
      if (!offered.empty()) req.set(beast::http::field::sec_websocket_protocol, offered);
      req.set(beast::http::field::user_agent, "capstan");
    }));
    ws::response_type res;
    beast::error_code ec;
    stream_.handshake(res, config.host + ":" + config.port, target, ec);
    if (ec) {
      std::string why = res.body().empty() ? ec.message() : res.body();
      throw std::runtime_error(res.result_int() ? "HTTP " + std::to_string(res.result_int()) + ": " + why : why);
    }
    chosen = std::string(res[beast::http::field::sec_websocket_protocol]);
  }

  void start(OnMessage on_message, OnClosed on_closed) override {
    auto self = shared_from_this();
    reader_ = std::thread([self, on_message = std::move(on_message), on_closed = std::move(on_closed)] {
      beast::flat_buffer buffer;
      for (;;) {
        beast::error_code ec;
        self->stream_.read(buffer, ec);
        if (ec) break;
        auto data = buffer.data();
        on_message(std::string_view(static_cast<const char*>(data.data()), data.size()), self->stream_.got_binary());
        buffer.consume(buffer.size());
      }
      on_closed();
    });
  }

  bool send(std::string_view data, bool binary) override {
    std::lock_guard lock(write_mutex_);
    if (closed_) return false;
    beast::error_code ec;
    stream_.binary(binary);
    stream_.write(net::buffer(data.data(), data.size()), ec);
    return !ec;
  }

  void close() override {
    std::lock_guard lock(write_mutex_);
    if (closed_) return;
    closed_ = true;
    // The socket only, not a close frame: the reader thread may be inside read(), and a Beast
    // stream is not safe for a concurrent close handshake. The peer sees the connection end.
    ::shutdown(beast::get_lowest_layer(stream_).socket().native_handle(), SHUT_RDWR);
  }

 private:
  net::io_context io_;
  ws::stream<beast::tcp_stream> stream_;
  std::mutex write_mutex_;
  bool closed_ = false;
  std::thread reader_;
};

}  // namespace

std::shared_ptr<WsClient> WsClient::connect(const std::string& url, const std::vector<std::string>& subprotocols,
                                            std::string& chosen) {
  auto c = std::make_shared<WsClientImpl>();
  c->open(url, subprotocols, chosen);
  return c;
}

}  // namespace capstan::http
