// Exec through the agent's endpoint when the runtime answers a real streaming URL (as containerd
// does): a WebSocket stream server on loopback stands in for the runtime's, and a WebSocket
// client stands in for the API server. Frames must pass both ways and the Status must arrive.
#include <utility>  // Boost 1.74 Asio uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "capstan/testing/fake_host.hpp"
#include "node_agent.hpp"
#include "sim_runtime.hpp"

using namespace capstan;
using namespace capstan::agent;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using sdk::testing::FakeHost;
using sdk::testing::json;

namespace {

runtime_sim::SimRuntime* g_sim = nullptr;
int g_stream_port = 0;
std::string g_subprotocol_seen;

// The simulated runtime, except that exec answers the stand-in stream server's URL.
capstan_status invoke(void*, const char*, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  std::string out;
  auto words = kj::heapArray<capnp::word>((request.size + 7) / 8);
  std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
  std::memcpy(words.begin(), request.data, request.size);
  capnp::FlatArrayMessageReader reader(words);
  if (reader.getRoot<runtime::v1::RuntimeRequest>().which() == runtime::v1::RuntimeRequest::EXEC) {
    capnp::MallocMessageBuilder m;
    m.initRoot<runtime::v1::RuntimeResponse>().getResult().setUrl("http://127.0.0.1:" + std::to_string(g_stream_port) +
                                                                  "/exec/token");
    out = sdk::serialize(m);
  } else {
    out = g_sim->handle(std::string(reinterpret_cast<const char*>(request.data), request.size));
  }
  response->data = static_cast<uint8_t*>(std::malloc(out.size() ? out.size() : 1));
  std::memcpy(response->data, out.data(), out.size());
  response->size = out.size();
  response->release = [](uint8_t* d, size_t) { std::free(d); };
  return CAPSTAN_OK;
}

std::string frame(unsigned char channel, const std::string& data) { return std::string(1, static_cast<char>(channel)) + data; }

}  // namespace

TEST(StreamRelay, FramesPassBothWays) {
  // The runtime's stream server: greets on stdout, echoes stdin on stdout, then ends with a Status.
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  g_stream_port = acceptor.local_endpoint().port();
  std::thread server([&] {
    tcp::socket s(io);
    acceptor.accept(s);
    websocket::stream<tcp::socket> ws(std::move(s));
    ws.set_option(websocket::stream_base::decorator([](websocket::response_type& r) {
      r.set(beast::http::field::sec_websocket_protocol, "v4.channel.k8s.io");
    }));
    beast::http::request<beast::http::string_body> req;
    beast::flat_buffer b;
    beast::http::read(ws.next_layer(), b, req);
    g_subprotocol_seen = std::string(req[beast::http::field::sec_websocket_protocol]);
    ws.accept(req);
    ws.binary(true);
    ws.write(net::buffer(frame(1, "ready\n")));
    beast::flat_buffer in;
    ws.read(in);
    std::string got = beast::buffers_to_string(in.data());
    ws.write(net::buffer(frame(1, "echo:" + got.substr(1))));
    ws.write(net::buffer(frame(3, R"({"metadata":{},"status":"Success"})")));
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
  });

  runtime_sim::SimRuntime sim;
  g_sim = &sim;
  FakeHost fake;
  capstan_host_api api = *fake.api();
  api.invoke = &invoke;
  sdk::Host host(&api);
  char tmpl[] = "/tmp/capstan-agent-test-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  {
    NodeAgent agent(host, json({{"nodeName", "n"}, {"nodeIP", "127.0.0.1"}, {"dataDir", dir}, {"port", 0}}).dump());
    agent.start();
    fake.put({"", "v1", "pods"}, {{"apiVersion", "v1"},
                                  {"kind", "Pod"},
                                  {"metadata", {{"name", "p"}, {"namespace", "default"}}},
                                  {"spec", {{"nodeName", "n"}, {"containers", {{{"name", "c"}, {"image", "x:1"}}}}}}});
    ASSERT_TRUE(FakeHost::eventually([&] {
      auto p = fake.get({"", "v1", "pods"}, "default", "p");
      return p && p->value(json::json_pointer("/status/phase"), std::string()) == "Running";
    }));
    auto node = fake.get({"", "v1", "nodes"}, "", "n");
    const int port = node->value(json::json_pointer("/status/daemonEndpoints/kubeletEndpoint/Port"), 0);

    // The API server's side: v5 offered first, as kubectl does.
    net::io_context cio;
    websocket::stream<tcp::socket> ws(cio);
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& r) {
      r.set(beast::http::field::sec_websocket_protocol, "v5.channel.k8s.io, v4.channel.k8s.io");
    }));
    websocket::response_type res;
    ws.handshake(res, "127.0.0.1", "/exec/default/p/c?command=sh&stdin=1&stdout=1");
    EXPECT_EQ(res[beast::http::field::sec_websocket_protocol], "v5.channel.k8s.io");
    ws.binary(true);
    beast::flat_buffer b;
    ws.read(b);
    EXPECT_EQ(beast::buffers_to_string(b.data()), frame(1, "ready\n"));
    b.consume(b.size());
    ws.write(net::buffer(frame(0, "hello")));
    ws.read(b);
    EXPECT_EQ(beast::buffers_to_string(b.data()), frame(1, "echo:hello"));
    b.consume(b.size());
    ws.read(b);
    EXPECT_EQ(beast::buffers_to_string(b.data()), frame(3, R"({"metadata":{},"status":"Success"})"));
    b.consume(b.size());
    beast::error_code ec;
    ws.read(b, ec);
    EXPECT_TRUE(ec == websocket::error::closed || ec) << ec.message();
    server.join();
    EXPECT_EQ(g_subprotocol_seen, "v4.channel.k8s.io");
    agent.stop();
  }
  std::filesystem::remove_all(dir);
  g_sim = nullptr;
}
