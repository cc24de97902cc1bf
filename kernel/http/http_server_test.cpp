#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include <sys/socket.h>

#include "http/server.hpp"
#include "http_test_util.hpp"

using namespace capstan::http;
using namespace capstan::http::test;
using namespace std::chrono_literals;

namespace {

struct Captured {
  std::mutex mu;
  std::optional<Request> req;
  void set(const Request& r) {
    std::lock_guard lk(mu);
    req = r;
  }
};

TEST(HttpServer, GetWithQueryDecoding) {
  TestServer ts;
  Captured cap;
  ts.set_handler([&](Request&& req, std::shared_ptr<Responder> res) {
    cap.set(req);
    res->respond(200, {{"Content-Type", "application/json"}}, R"({"ok":true})");
  });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request(
      "/api/v1/namespaces/a%2Fb/pods%20x?command=ls&command=-l+a&x=%2Fetc%2Fpasswd&flag&empty=&q=a%26b%3Dc",
      "X-Custom-Thing: Yes\r\nAccept: application/json\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"ok":true})");
  EXPECT_EQ(r->headers["content-type"], "application/json");
  EXPECT_EQ(r->headers["content-length"], "11");

  std::lock_guard lk(cap.mu);
  ASSERT_TRUE(cap.req);
  const Request& q = *cap.req;
  EXPECT_EQ(q.method, "GET");
  EXPECT_EQ(q.path, "/api/v1/namespaces/a/b/pods x");
  EXPECT_EQ(q.target.substr(0, 27), "/api/v1/namespaces/a%2Fb/po");
  EXPECT_EQ(q.query_params("command"), (std::vector<std::string>{"ls", "-l a"}));
  ASSERT_NE(q.query_param("x"), nullptr);
  EXPECT_EQ(*q.query_param("x"), "/etc/passwd");
  ASSERT_NE(q.query_param("flag"), nullptr);
  EXPECT_EQ(*q.query_param("flag"), "");
  ASSERT_NE(q.query_param("q"), nullptr);
  EXPECT_EQ(*q.query_param("q"), "a&b=c");
  EXPECT_EQ(q.query_param("missing"), nullptr);
  ASSERT_EQ(q.query.size(), 6u);
  EXPECT_EQ(q.query[0].first, "command");
  EXPECT_EQ(q.query[1].second, "-l a");
  ASSERT_NE(q.header("x-custom-thing"), nullptr);
  EXPECT_EQ(*q.header("x-custom-thing"), "Yes");
  EXPECT_EQ(q.header("X-Custom-Thing"), nullptr);  // lookups use lower-case names
  EXPECT_FALSE(q.tls);
  EXPECT_EQ(q.remote_address.rfind("127.0.0.1:", 0), 0u);
  EXPECT_TRUE(q.client_cert_cn.empty());
}

TEST(HttpServer, PercentDecodeHelpers) {
  EXPECT_EQ(percent_decode("a%2Fb+c", true), "a/b c");
  EXPECT_EQ(percent_decode("a%2Fb+c", false), "a/b+c");
  EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");
  EXPECT_EQ(status_json(404, "NotFound", "pods \"x\" not found"),
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","code":404}
)");
}

TEST(HttpServer, PostBodyEcho) {
  TestServer ts;
  ts.set_handler([&](Request&& req, std::shared_ptr<Responder> res) {
    res->respond(201, {{"Content-Type", "text/plain"}, {"X-Method", req.method}}, req.method + ":" + req.body);
  });
  RawClient c(ts.port());
  std::string body(100000, 'x');
  body += "END";
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->headers["x-method"], "POST");
  EXPECT_EQ(r->body, "POST:" + body);

  // chunked request body
  ASSERT_TRUE(c.send("PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "PUT:hello world");
}

void expect_server_alive(uint16_t port) {
  RawClient c2(port);
  ASSERT_TRUE(c2.send(get_request("/alive")));
  auto r = c2.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, BodyTooLargeGets413) {
  TestServer ts;
  std::atomic<int> calls{0};
  ts.set_handler([&](Request&& req, std::shared_ptr<Responder> res) {
    if (req.path != "/alive") ++calls;
    res->respond(200, {}, "ok");
  });
  RawClient c(ts.port());
  const std::size_t size = 4u << 20;
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n"));
  std::thread writer([&] {
    std::string chunk(64 * 1024, 'y');
    for (std::size_t sent = 0; sent < size; sent += chunk.size())
      if (!c.send(chunk)) break;  // the server may close before we are done
  });
  auto r = c.read_response(10s);
  writer.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body,
            R"J({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the request body is too large (limit 3145728 bytes)","reason":"RequestEntityTooLarge","code":413}
)J");
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_TRUE(c.wait_closed(10s));
  EXPECT_EQ(calls.load(), 0);
  expect_server_alive(ts.port());
}

TEST(HttpServer, ChunkedBodyTooLargeGets413) {
  TestServer ts;
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) { res->respond(200, {}, "ok"); });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::thread writer([&] {
    std::string data(64 * 1024, 'z');
    char hdr[32];
    std::snprintf(hdr, sizeof hdr, "%zx\r\n", data.size());
    std::string chunk = std::string(hdr) + data + "\r\n";
    for (int i = 0; i < 64; ++i)
      if (!c.send(chunk)) break;
  });
  auto r = c.read_response(10s);
  writer.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("RequestEntityTooLarge"), std::string::npos);
  expect_server_alive(ts.port());
}

TEST(HttpServer, KeepAliveTwoRequestsOneConnection) {
  TestServer ts;
  std::mutex mu;
  std::vector<std::string> remotes;
  ts.set_handler([&](Request&& req, std::shared_ptr<Responder> res) {
    {
      std::lock_guard lk(mu);
      remotes.push_back(req.remote_address);
    }
    res->respond(200, {}, "path=" + req.path);
  });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/one")));
  auto r1 = c.read_response();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body, "path=/one");
  EXPECT_EQ(r1->headers.count("connection"), 0u);
  ASSERT_TRUE(c.send(get_request("/two")));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "path=/two");
  {
    std::lock_guard lk(mu);
    ASSERT_EQ(remotes.size(), 2u);
    EXPECT_EQ(remotes[0], remotes[1]);  // same TCP connection
  }

  // Connection: close is honoured
  ASSERT_TRUE(c.send(get_request("/three", "Connection: close\r\n")));
  auto r3 = c.read_response();
  ASSERT_TRUE(r3) << c.buffer();
  EXPECT_EQ(r3->headers["connection"], "close");
  EXPECT_TRUE(c.wait_closed());
}

TEST(HttpServer, MalformedRequestGets400AndClose) {
  TestServer ts;
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) { res->respond(200, {}, "ok"); });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send("THIS IS NOT HTTP\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("\"reason\":\"BadRequest\""), std::string::npos);
  EXPECT_TRUE(c.wait_closed());
  expect_server_alive(ts.port());
}

TEST(HttpServer, HugeHeadersRejected) {
  TestServer ts;
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) { res->respond(200, {}, "ok"); });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/h", "X-Big: " + std::string(70 * 1024, 'h') + "\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.wait_closed());
  // just under the limit works
  RawClient c2(ts.port());
  ASSERT_TRUE(c2.send(get_request("/h", "X-Big: " + std::string(60 * 1024, 'h') + "\r\n")));
  r = c2.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, ChunkedStreamWritesArriveImmediately) {
  TestServer ts;
  std::mutex mu;
  std::shared_ptr<Responder> stream;
  ts.set_handler([&](Request&& req, std::shared_ptr<Responder> res) {
    if (req.path == "/watch") {
      res->begin_stream(200, {{"Content-Type", "application/json"}});
      std::lock_guard lk(mu);
      stream = res;
    } else {
      res->respond(200, {}, "after");
    }
  });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/watch?watch=1")));
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lk(mu);
    return stream != nullptr;
  }));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  EXPECT_NE(c.buffer().find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_EQ(c.buffer().find("Content-Length"), std::string::npos);

  // Each write reaches the client before the next one is produced.
  const char* events[] = {R"({"type":"ADDED"})" "\n", R"({"type":"MODIFIED"})" "\n", R"({"type":"DELETED"})" "\n"};
  for (const char* ev : events) {
    EXPECT_TRUE(stream->write(ev));
    EXPECT_TRUE(c.read_until(ev, 2s)) << "chunk not delivered promptly: " << ev;
  }
  EXPECT_FALSE(stream->closed());
  stream->finish();
  ASSERT_TRUE(c.read_until("\r\n0\r\n\r\n", 2s));
  std::string raw = c.buffer();
  // verify framing: hex size lines
  EXPECT_NE(raw.find("11\r\n{\"type\":\"ADDED\"}\n\r\n"), std::string::npos) << raw;
  EXPECT_FALSE(stream->write("late"));
  c.buffer().clear();

  // keep-alive continues after the stream
  ASSERT_TRUE(c.send(get_request("/next")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "after");
}

TEST(HttpServer, OnCloseFiresWhenClientDisconnectsMidStream) {
  TestServer ts;
  std::mutex mu;
  std::shared_ptr<Responder> stream;
  std::atomic<int> closed_calls{0};
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) {
    res->on_close([&] { ++closed_calls; });
    res->begin_stream(200, {{"Content-Type", "application/json"}});
    std::lock_guard lk(mu);
    stream = res;
  });
  {
    RawClient c(ts.port());
    ASSERT_TRUE(c.send(get_request("/watch")));
    ASSERT_TRUE(wait_for([&] {
      std::lock_guard lk(mu);
      return stream != nullptr;
    }));
    EXPECT_TRUE(stream->write("first\n"));
    ASSERT_TRUE(c.read_until("first\n"));
    EXPECT_EQ(closed_calls.load(), 0);
  }  // client disconnects
  ASSERT_TRUE(wait_for([&] { return closed_calls.load() == 1; }));
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(stream->write("after close\n"));
  // on_close registered after the fact still runs (once)
  std::atomic<bool> late{false};
  stream->on_close([&] { late = true; });
  EXPECT_TRUE(wait_for([&] { return late.load(); }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(closed_calls.load(), 1);
}

TEST(HttpServer, SlowClientStreamIsBounded) {
  TestServer ts(2, [](Server& s) { s.set_max_buffered(256 * 1024); });
  std::mutex mu;
  std::shared_ptr<Responder> stream;
  std::atomic<bool> closed{false};
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) {
    res->on_close([&] { closed = true; });
    res->begin_stream(200, {});
    std::lock_guard lk(mu);
    stream = res;
  });
  RawClient c(ts.port());
  int rcvbuf = 4096;
  ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  ASSERT_TRUE(c.send(get_request("/watch")));
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lk(mu);
    return stream != nullptr;
  }));
  std::string chunk(16 * 1024, 'e');
  bool refused = false;
  for (int i = 0; i < 20000 && !refused; ++i) {  // up to ~320 MiB if unbounded
    if (!stream->write(chunk)) refused = true;
    if (i % 8 == 0) std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(wait_for([&] { return closed.load(); }));
  EXPECT_TRUE(stream->closed());
}

TEST(HttpServer, HandlerExceptionBecomes500) {
  TestServer ts;
  ts.set_handler([&](Request&& req, std::shared_ptr<Responder> res) {
    if (req.path == "/boom") throw std::runtime_error("kaboom");
    res->respond(200, {}, "ok");
  });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/boom")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("\"reason\":\"InternalError\""), std::string::npos);
  EXPECT_NE(r->body.find("kaboom"), std::string::npos);
  ASSERT_TRUE(c.send(get_request("/fine")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpServer, DeferredResponseFromAnotherThread) {
  TestServer ts;
  std::mutex mu;
  std::vector<std::thread> threads;
  ts.set_handler([&](Request&& req, std::shared_ptr<Responder> res) {
    std::lock_guard lk(mu);
    threads.emplace_back([res, path = req.path] {
      std::this_thread::sleep_for(100ms);
      res->respond(200, {}, "late " + path);
    });
  });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/slow")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "late /slow");
  ASSERT_TRUE(c.send(get_request("/slow2")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "late /slow2");
  std::lock_guard lk(mu);
  for (auto& t : threads) t.join();
}

TEST(HttpServer, ServerPostRunsOnIoPool) {
  TestServer ts;
  std::atomic<bool> ran{false};
  ts.server().post([&] { ran = true; });
  EXPECT_TRUE(wait_for([&] { return ran.load(); }));
}

TEST(HttpServer, DroppedResponderAnswers500) {
  TestServer ts;
  ts.set_handler([&](Request&&, std::shared_ptr<Responder>) {});
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/nothing")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
}

TEST(HttpServer, IdleKeepAliveTimeout) {
  TestServer ts(2, [](Server& s) { s.set_idle_timeout_seconds(1); });
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) { res->respond(200, {}, "ok"); });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/x")));
  ASSERT_TRUE(c.read_response());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.wait_closed(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 800ms);
}

TEST(HttpServer, StreamsHaveNoIdleTimeout) {
  TestServer ts(2, [](Server& s) { s.set_idle_timeout_seconds(1); });
  std::mutex mu;
  std::shared_ptr<Responder> stream;
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) {
    res->begin_stream(200, {});
    std::lock_guard lk(mu);
    stream = res;
  });
  RawClient c(ts.port());
  ASSERT_TRUE(c.send(get_request("/watch")));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  std::this_thread::sleep_for(1800ms);
  std::lock_guard lk(mu);
  ASSERT_TRUE(stream);
  EXPECT_TRUE(stream->write("still here"));
  EXPECT_TRUE(c.read_until("still here", 2s));
}

TEST(HttpServer, ManyConcurrentStreams) {
  TestServer ts;
  std::mutex mu;
  std::vector<std::shared_ptr<Responder>> streams;
  ts.set_handler([&](Request&&, std::shared_ptr<Responder> res) {
    res->begin_stream(200, {});
    std::lock_guard lk(mu);
    streams.push_back(res);
  });
  const int n = 200;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<RawClient>(ts.port()));
    ASSERT_TRUE(clients.back()->send(get_request("/watch")));
  }
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lk(mu);
    return streams.size() == static_cast<std::size_t>(n);
  }));
  {
    std::lock_guard lk(mu);
    for (auto& s : streams) EXPECT_TRUE(s->write("event\n"));
  }
  for (auto& c : clients) EXPECT_TRUE(c->read_until("event\n"));
}

TEST(HttpServer, PlainHttpRefusedOnNonLoopback) {
  Server s([](Request&&, std::shared_ptr<Responder> res) { res->respond(200, {}, ""); }, 1);
  EXPECT_THROW(s.listen_http("0.0.0.0", 0), std::invalid_argument);
  EXPECT_THROW(s.listen_http("10.11.12.13", 0), std::invalid_argument);
  EXPECT_THROW(s.listen_http("::", 0), std::invalid_argument);
  EXPECT_THROW(s.listen_http("not-an-ip", 0), std::invalid_argument);
  EXPECT_GT(s.listen_http("127.0.0.1", 0), 0);
}

TEST(HttpServer, StopWithOpenConnectionsAndLiveResponders) {
  std::shared_ptr<Responder> keep;
  std::mutex mu;
  auto s = std::make_unique<Server>(
      [&](Request&&, std::shared_ptr<Responder> res) {
        res->begin_stream(200, {});
        std::lock_guard lk(mu);
        keep = res;
      },
      2);
  uint16_t port = s->listen_http("127.0.0.1", 0);
  s->start();
  RawClient c(port);
  ASSERT_TRUE(c.send(get_request("/watch")));
  ASSERT_TRUE(wait_for([&] {
    std::lock_guard lk(mu);
    return keep != nullptr;
  }));
  RawClient idle(port);
  auto t0 = std::chrono::steady_clock::now();
  s->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(c.wait_closed(2s));
  EXPECT_TRUE(idle.wait_closed(2s));
  s.reset();
  // producers may still hold the responder after the server is gone
  EXPECT_FALSE(keep->write("x"));
  EXPECT_TRUE(keep->closed());
  keep->finish();
  keep.reset();
}

}  // namespace
