// Test helpers: a running Server on 127.0.0.1 and a raw-socket HTTP client.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "http/server.hpp"

namespace capstan::http::test {

// Polls pred every 5 ms until true or timeout.
bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5));

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
  bool chunked = false;
};

class RawClient {
 public:
  RawClient() = default;
  explicit RawClient(uint16_t port) { connect(port); }
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void connect(uint16_t port);
  bool send(const std::string& data);  // false on error
  // Reads whatever arrives within timeout (appended to the internal buffer); returns bytes read, 0 on EOF/timeout.
  std::size_t fill(std::chrono::milliseconds timeout);
  // Reads until `marker` is in the buffer; returns false on timeout/EOF.
  bool read_until(const std::string& marker, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads one full response (Content-Length or chunked). nullopt on timeout/EOF.
  std::optional<RawResponse> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True if the peer closed the connection (EOF or reset) within timeout.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void close();
  std::string& buffer() { return buf_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool eof_ = false;
  std::string buf_;
};

std::string get_request(const std::string& target, const std::string& extra_headers = "");

// A Server with a swappable handler.
class TestServer {
 public:
  explicit TestServer(int threads = 2, std::function<void(Server&)> configure = nullptr);
  ~TestServer();
  void set_handler(Handler h);
  uint16_t port() const { return port_; }
  Server& server() { return *server_; }

 private:
  std::mutex mu_;
  Handler handler_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

std::string make_temp_dir(const std::string& prefix);

}  // namespace capstan::http::test
