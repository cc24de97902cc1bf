#include "agent_server.hpp"

#include <utility>  // Boost 1.74 Asio uses std::exchange without including it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "agent_logic.hpp"
#include "capstan/machinery/process.hpp"
#include "capstan/machinery/time.hpp"
#include "cri_log.hpp"
#include "probes.hpp"

namespace capstan::agent {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

constexpr unsigned char kStdin = 0, kStdout = 1, kStderr = 2, kError = 3, kClose = 255;

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(url_decode(std::string_view(path).substr(pos, slash - pos)));
    pos = slash + 1;
  }
  return parts;
}

bool flag(const std::string& query, const char* key) {
  auto v = query_values(query, key);
  return !v.empty() && (v.back() == "1" || v.back() == "true" || v.back() == "True");
}

}  // namespace

struct AgentServer::Impl {
  NodeServices& services;
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::mutex mu;
  std::condition_variable cv;
  std::set<int> sockets;  // native handles of live sessions, shut down on stop
  int sessions = 0;
  std::atomic<bool> stopping{false};

  explicit Impl(NodeServices& s) : services(s) {}

  void accept_next() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec || stopping) return;
      machinery::set_close_on_exec(socket.native_handle());  // Asio accepts without SOCK_CLOEXEC
      {
        std::lock_guard lock(mu);
        ++sessions;
        sockets.insert(socket.native_handle());
      }
      std::thread([this, s = std::move(socket)]() mutable {
        const int fd = s.native_handle();
        try {
          session(std::move(s));
        } catch (const std::exception&) {
          // The peer went away or sent garbage: nothing to report.
        }
        std::lock_guard lock(mu);
        sockets.erase(fd);
        --sessions;
        cv.notify_all();
      }).detach();
      accept_next();
    });
  }

  template <typename Body>
  static void reply(tcp::socket& s, const http::request<Body>& req, http::status status, const std::string& body,
                    const char* type = "text/plain") {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::content_type, type);
    res.keep_alive(false);
    res.body() = body;
    res.prepare_payload();
    http::write(s, res);
  }

  void session(tcp::socket socket) {
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    parser.header_limit(64 * 1024);
    http::read(socket, buffer, parser);
    auto req = parser.release();
    const std::string target(req.target());
    const auto q = target.find('?');
    const std::string path = target.substr(0, q), query = q == std::string::npos ? "" : target.substr(q + 1);
    auto parts = split_path(path);
    if (req.method() != http::verb::get) return reply(socket, req, http::status::method_not_allowed, "GET only\n");
    if (path == "/healthz") return reply(socket, req, http::status::ok, "ok");
    if (parts.size() != 4 || (parts[0] != "containerLogs" && parts[0] != "exec" && parts[0] != "attach"))
      return reply(socket, req, http::status::not_found, "404 page not found\n");
    const bool previous = parts[0] == "containerLogs" && flag(query, "previous");
    int code = 404;
    std::string error;
    auto where = services.locate(parts[1], parts[2], parts[3], previous, code, error);
    if (!where) return reply(socket, req, static_cast<http::status>(code), error + "\n");
    if (parts[0] == "containerLogs") return logs(socket, req, *where, query);
    if (!websocket::is_upgrade(req))
      return reply(socket, req, http::status::bad_request, "Upgrade request required (WebSocket)\n");
    stream(std::move(socket), req, parts[0] == "attach", *where, query);
  }

  // ---- logs

  void logs(tcp::socket& socket, const http::request<http::string_body>& req, const ContainerLocation& where,
            const std::string& query) {
    LogOptions o = parse_log_options(query, machinery::now_ns());
    if (!o.error.empty()) return reply(socket, req, http::status::bad_request, o.error + "\n");
    std::ifstream in(where.log_file, std::ios::binary);
    std::vector<std::string> lines;
    std::string line, pending;
    std::streamoff consumed = 0;
    while (std::getline(in, line)) {
      if (in.eof()) {  // a last line without newline is still being written
        pending = line;
        break;
      }
      consumed += static_cast<std::streamoff>(line.size() + 1);
      lines.push_back(line);
    }
    std::string body = render_log_lines(lines, o);
    int64_t budget = o.limit_bytes;
    if (budget >= 0 && static_cast<int64_t>(body.size()) > budget) body.resize(static_cast<size_t>(budget));
    if (budget >= 0) budget -= static_cast<int64_t>(body.size());
    if (!o.follow) return reply(socket, req, http::status::ok, body);

    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
                       "Cache-Control: no-cache, private\r\n\r\n";
    net::write(socket, net::buffer(head));
    auto chunk = [&](const std::string& data) {
      if (data.empty()) return;
      char size[24];
      std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      net::write(socket, std::vector<net::const_buffer>{net::buffer(size, std::strlen(size)), net::buffer(data),
                                                        net::buffer("\r\n", 2)});
    };
    chunk(body);
    // Follow: read what the runtime appends, until the container stops and nothing is left.
    std::string partial;
    int idle_after_stop = 0;
    while (!stopping && budget != 0) {
      std::ifstream f(where.log_file, std::ios::binary);
      f.seekg(consumed);
      std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      std::string out;
      size_t start = 0;
      for (size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1) {
        if (auto entry = parse_cri_log_line(std::string_view(data).substr(start, nl - start))) {
          if (entry->time_ns >= o.since_ns) out += render_log_entry(*entry, o);
        }
      }
      consumed += static_cast<std::streamoff>(start);
      if (budget >= 0 && static_cast<int64_t>(out.size()) > budget) out.resize(static_cast<size_t>(budget));
      if (budget >= 0) budget -= static_cast<int64_t>(out.size());
      chunk(out);
      if (out.empty()) {
        if (!services.running(where.container_id)) {
          if (++idle_after_stop >= 2) break;  // one more read after the stop catches the last lines
        }
        // Is the client still there? A zero-timeout poll that reads EOF means it went away.
        socket.non_blocking(true);
        char probe;
        beast::error_code ec;
        socket.receive(net::buffer(&probe, 1), tcp::socket::message_peek, ec);
        socket.non_blocking(false);
        if (ec && ec != net::error::would_block) break;
        if (!ec) {
          // Data from the client on a GET stream: ignore it.
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    net::write(socket, net::buffer("0\r\n\r\n", 5));
  }

  // ---- exec / attach

  void stream(tcp::socket socket, const http::request<http::string_body>& req, bool attach,
              const ContainerLocation& where, const std::string& query) {
    std::string offered(req[http::field::sec_websocket_protocol]);
    std::string protocol;
    for (const char* p : {"v5.channel.k8s.io", "v4.channel.k8s.io"})
      if (offered.find(p) != std::string::npos) {
        protocol = p;
        break;
      }
    if (protocol.empty())
      return reply(socket, req, http::status::bad_request,
                   "none of the offered subprotocols is supported (v5.channel.k8s.io, v4.channel.k8s.io)\n");
    const std::vector<std::string> cmd = query_values(query, "command");
    const bool tty = flag(query, "tty"), in = flag(query, "stdin"), out = flag(query, "stdout"),
               err = flag(query, "stderr");
    if (!attach && cmd.empty()) return reply(socket, req, http::status::bad_request, "you must specify at least 1 command\n");
    std::string error;
    const std::string url = services.stream_url(attach, where.container_id, cmd, tty, in, out, err, error);

    websocket::stream<tcp::socket> ws(std::move(socket));
    ws.set_option(websocket::stream_base::decorator(
        [protocol](websocket::response_type& res) { res.set(http::field::sec_websocket_protocol, protocol); }));
    ws.accept(req);
    ws.binary(true);
    auto send = [&](unsigned char channel, const std::string& data) {
      std::string frame(1, static_cast<char>(channel));
      frame += data;
      ws.write(net::buffer(frame));
    };
    if (url.empty()) {
      send(kError, error);
      ws.close(websocket::close_code::normal);
      return;
    }
    if (url.rfind("sim://", 0) == 0) {
      // No stream server: attach shows nothing; exec runs the command to completion.
      if (attach) {
        send(kError, exec_status_json(0, {}));
      } else {
        auto r = services.exec_sync(where.container_id, cmd, 60);
        if (!r.error.empty()) {
          send(kError, r.error);
        } else {
          if (out && !r.out.empty()) send(kStdout, r.out);
          if (err && !r.err.empty()) send(tty ? kStdout : kStderr, r.err);
          send(kError, exec_status_json(r.exit_code, cmd));
        }
      }
      beast::error_code ec;
      ws.close(websocket::close_code::normal, ec);
      return;
    }
    relay(ws, url);
  }

  // Relays frames between the client and the runtime's streaming server (v4.channel.k8s.io).
  void relay(websocket::stream<tcp::socket>& down, const std::string& url) {
    // http://host:port/path
    std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
    const std::string hostport = rest.substr(0, rest.find('/'));
    const std::string target = rest.find('/') == std::string::npos ? "/" : rest.substr(rest.find('/'));
    const std::string host = hostport.substr(0, hostport.rfind(':'));
    const std::string port = hostport.rfind(':') == std::string::npos ? "80" : hostport.substr(hostport.rfind(':') + 1);
    auto fail = [&](const std::string& message) {
      std::string frame(1, static_cast<char>(kError));
      frame += message;
      beast::error_code ec;
      down.write(net::buffer(frame), ec);
      down.close(websocket::close_code::normal, ec);
    };
    if (!destination_is_local(host)) return fail("the runtime's stream URL is not on this node: " + url);
    websocket::stream<tcp::socket> up(down.get_executor());
    try {
      tcp::resolver resolver(down.get_executor());
      net::connect(up.next_layer(), resolver.resolve(host, port));
      up.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& r) { r.set(http::field::sec_websocket_protocol, "v4.channel.k8s.io"); }));
      up.handshake(hostport, target);
      up.binary(true);
    } catch (const std::exception& e) {
      return fail(std::string("cannot reach the runtime's stream server: ") + e.what());
    }
    std::thread from_client([&] {
      beast::flat_buffer b;
      beast::error_code ec;
      while (!stopping) {
        down.read(b, ec);
        if (ec) break;
        auto data = beast::buffers_to_string(b.data());
        b.consume(b.size());
        if (!data.empty() && static_cast<unsigned char>(data[0]) == kClose) continue;  // v4 has no close channel
        up.write(net::buffer(data), ec);
        if (ec) break;
      }
      beast::error_code ignored;
      up.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    });
    beast::flat_buffer b;
    beast::error_code ec;
    while (!stopping) {
      up.read(b, ec);
      if (ec) break;
      down.write(net::buffer(b.data()), ec);
      b.consume(b.size());
      if (ec) break;
    }
    beast::error_code ignored;
    down.close(websocket::close_code::normal, ignored);
    down.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    from_client.join();
  }
};

AgentServer::AgentServer(NodeServices& services, const std::string& address, int port)
    : impl_(std::make_unique<Impl>(services)) {
  beast::error_code ec;
  const auto addr = net::ip::make_address(address, ec);
  if (ec) throw std::runtime_error("invalid bind address " + address);
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  // Close-on-exec from the start (Asio's open() has no SOCK_CLOEXEC), see machinery/process.hpp.
  const int fd = machinery::open_socket_cloexec(ep.protocol().family(), SOCK_STREAM);
  if (fd < 0) ec.assign(errno, boost::system::system_category());
  else impl_->acceptor.assign(ep.protocol(), fd, ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(64, ec);
  if (ec) throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
}

AgentServer::~AgentServer() { stop(); }

int AgentServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void AgentServer::start() {
  impl_->accept_next();
  impl_->accept_thread = std::thread([this] { impl_->io.run(); });
}

void AgentServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  impl_->io.stop();
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  beast::error_code ec;
  impl_->acceptor.close(ec);
  std::unique_lock lock(impl_->mu);
  for (int fd : impl_->sockets) ::shutdown(fd, SHUT_RDWR);
  impl_->cv.wait_for(lock, std::chrono::seconds(10), [this] { return impl_->sessions == 0; });
}

}  // namespace capstan::agent
