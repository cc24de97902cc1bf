#include "http_test_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace capstan::http::test {

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

RawClient::~RawClient() { close(); }

void RawClient::connect(uint16_t port) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) throw std::runtime_error("connect");
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  eof_ = false;
  buf_.clear();
}

bool RawClient::send(const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

std::size_t RawClient::fill(std::chrono::milliseconds timeout) {
  if (fd_ < 0 || eof_) return 0;
  pollfd p{fd_, POLLIN, 0};
  int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (r <= 0) return 0;
  char tmp[65536];
  ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    eof_ = true;
    return 0;
  }
  buf_.append(tmp, static_cast<std::size_t>(n));
  return static_cast<std::size_t>(n);
}

bool RawClient::read_until(const std::string& marker, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.find(marker) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || eof_) return false;
    fill(left);
  }
  return true;
}

std::optional<RawResponse> RawClient::read_response(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  if (!read_until("\r\n\r\n", timeout)) return std::nullopt;
  RawResponse r;
  auto hend = buf_.find("\r\n\r\n");
  std::string head = buf_.substr(0, hend);
  buf_.erase(0, hend + 4);
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return std::nullopt;
  r.status = std::atoi(status_line.substr(9, 3).c_str());
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    pos = e + 2;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
  }
  if (r.headers.count("transfer-encoding")) {
    r.chunked = true;
    for (;;) {
      if (!read_until("\r\n", left())) return std::nullopt;
      auto le = buf_.find("\r\n");
      std::size_t size = std::stoul(buf_.substr(0, le), nullptr, 16);
      while (buf_.size() < le + 2 + size + 2) {
        if (left().count() <= 0 || eof_) return std::nullopt;
        fill(left());
      }
      r.body += buf_.substr(le + 2, size);
      buf_.erase(0, le + 2 + size + 2);
      if (size == 0) break;
    }
  } else {
    std::size_t len = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buf_.size() < len) {
      if (left().count() <= 0 || eof_) return std::nullopt;
      fill(left());
    }
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
  }
  return r;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    fill(left);
  }
  return true;
}

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string get_request(const std::string& target, const std::string& extra_headers) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra_headers + "\r\n";
}

TestServer::TestServer(int threads, std::function<void(Server&)> configure) {
  if (std::getenv("CAPSTAN_HTTP_DEBUG")) spdlog::set_level(spdlog::level::debug);
  server_ = std::make_unique<Server>(
      [this](Request&& req, std::shared_ptr<Responder> res) {
        Handler h;
        {
          std::lock_guard lk(mu_);
          h = handler_;
        }
        if (h)
          h(std::move(req), std::move(res));
        else
          res->respond(404, {}, "no handler");
      },
      threads);
  if (configure) configure(*server_);
  port_ = server_->listen_http("127.0.0.1", 0);
  server_->start();
}

TestServer::~TestServer() { server_->stop(); }

void TestServer::set_handler(Handler h) {
  std::lock_guard lk(mu_);
  handler_ = std::move(h);
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
  return tmpl;
}

}  // namespace capstan::http::test
