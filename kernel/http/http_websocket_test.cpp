// WebSocket upgrade: subprotocol echo, binary round trip, ping/pong, close in both directions, and over TLS.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "app/pki.hpp"
#include "http/server.hpp"
#include "http_test_util.hpp"

using namespace capstan::http;
namespace pki = capstan::pki;
using namespace capstan::http::test;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct EchoState {
  std::atomic<int> closed{0};
  std::atomic<int> messages{0};
  std::mutex mu;
  std::shared_ptr<WebSocket> ws;
};

Handler echo_handler(EchoState& st) {
  return [&st](Request&& req, std::shared_ptr<Responder> res) {
    auto holder = std::make_shared<std::weak_ptr<WebSocket>>();
    auto ws = res->upgrade_websocket(
        "v4.channel.k8s.io",
        [&st, holder](std::string_view data, bool binary) {
          ++st.messages;
          if (auto w = holder->lock()) {
            if (data == "close-please")
              w->close();
            else
              w->send(std::string(data), binary);
          }
        },
        [&st] { ++st.closed; });
    if (!ws) {
      res->respond(400, {}, "not an upgrade: " + req.path);
      return;
    }
    *holder = ws;
    std::lock_guard lk(st.mu);
    st.ws = ws;
  };
}

template <class WsStream>
void exercise(WsStream& ws, EchoState& st) {
  websocket::response_type hres;
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& r) {
    r.set(beast::http::field::sec_websocket_protocol, "v4.channel.k8s.io, channel.k8s.io");
  }));
  ws.handshake(hres, "localhost", "/api/v1/namespaces/default/pods/p/exec?command=sh&stdin=true");
  EXPECT_EQ(hres.result_int(), 101);
  EXPECT_EQ(std::string(hres[beast::http::field::sec_websocket_protocol]), "v4.channel.k8s.io");

  std::atomic<int> pongs{0};
  ws.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong && std::string(payload) == "hb") ++pongs;
  });
  ws.ping("hb");

  std::string payload("\x00hello\xff\x01", 8);
  ws.binary(true);
  ws.write(net::buffer(payload));
  beast::flat_buffer buf;
  ws.read(buf);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(beast::buffers_to_string(buf.data()), payload);
  EXPECT_EQ(pongs.load(), 1);  // the pong arrived before the echo
  buf.clear();

  ws.text(true);
  ws.write(net::buffer(std::string("text msg")));
  ws.read(buf);
  EXPECT_TRUE(ws.got_text());
  EXPECT_EQ(beast::buffers_to_string(buf.data()), "text msg");
  buf.clear();

  // server-initiated message from another thread
  {
    std::lock_guard lk(st.mu);
    ASSERT_TRUE(st.ws);
    EXPECT_TRUE(st.ws->send("\x01pushed"));
  }
  ws.read(buf);
  EXPECT_EQ(beast::buffers_to_string(buf.data()), "\x01pushed");
  buf.clear();
}

TEST(WebSocket, UpgradeSubprotocolRoundTripPingPongClientClose) {
  TestServer ts;
  EchoState st;
  ts.set_handler(echo_handler(st));
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), ts.port()));
  exercise(ws, st);
  EXPECT_EQ(st.messages.load(), 2);
  ws.close(websocket::close_code::normal);
  EXPECT_TRUE(wait_for([&] { return st.closed.load() == 1; }));
  std::lock_guard lk(st.mu);
  EXPECT_FALSE(st.ws->send("after close"));
}

TEST(WebSocket, ServerInitiatedClose) {
  TestServer ts;
  EchoState st;
  ts.set_handler(echo_handler(st));
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), ts.port()));
  ws.handshake("localhost", "/ws");
  ws.write(net::buffer(std::string("close-please")));
  beast::flat_buffer buf;
  beast::error_code ec;
  ws.read(buf, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_TRUE(wait_for([&] { return st.closed.load() == 1; }));
}

TEST(WebSocket, NonUpgradeRequestGetsNullptr) {
  TestServer ts;
  EchoState st;
  ts.set_handler(echo_handler(st));
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/plain")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "not an upgrade: /plain");
}

TEST(WebSocket, AbruptClientDisconnectFiresOnClosed) {
  TestServer ts;
  EchoState st;
  ts.set_handler(echo_handler(st));
  {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), ts.port()));
    ws.handshake("localhost", "/ws");
  }  // socket closed without a close frame
  EXPECT_TRUE(wait_for([&] { return st.closed.load() == 1; }));
}

TEST(WebSocket, OverTls) {
  std::string dir = make_temp_dir("capstan-ws-pki-");
  auto b = pki::ensure(dir, {}, {});
  EchoState st;
  Server server(echo_handler(st), 2);
  uint16_t port = server.listen_https("127.0.0.1", 0, TlsFiles{b.server_cert, b.server_key, b.ca_cert});
  server.start();
  {
    net::io_context ioc;
    net::ssl::context ctx(net::ssl::context::tls_client);
    ctx.load_verify_file(b.ca_cert);
    ctx.set_verify_mode(net::ssl::verify_peer);
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
    beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws.next_layer().handshake(net::ssl::stream_base::client);
    exercise(ws, st);
    ws.close(websocket::close_code::normal);
  }
  EXPECT_TRUE(wait_for([&] { return st.closed.load() == 1; }));
  server.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
