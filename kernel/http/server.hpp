// HTTP/1.1 + TLS server (Boost.Beast underneath, hidden behind a pimpl).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/request.hpp"

namespace capstan::http {

struct TlsFiles {
  std::string cert_pem;       // path: server certificate (chain allowed)
  std::string key_pem;        // path: private key
  std::string client_ca_pem;  // path, optional: verify client certificates against this CA if presented
};

class Server {
 public:
  Server(Handler handler, int io_threads);
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Port 0 picks a free port; returns the bound port. Throws std::runtime_error on failure.
  uint16_t listen_https(const std::string& address, uint16_t port, const TlsFiles& tls);
  // Plain HTTP: only loopback addresses are allowed (throws std::invalid_argument otherwise).
  uint16_t listen_http(const std::string& address, uint16_t port);
  void start();  // runs io threads in the background
  void stop();   // closes listeners and connections, joins threads (idempotent)
  void post(std::function<void()> fn);  // run fn on the I/O pool

  // Bound for bytes queued per streaming response / WebSocket (default kDefaultMaxBuffered). Call before start().
  void set_max_buffered(std::size_t bytes);
  // Keep-alive idle timeout (default 120 s). Call before start().
  void set_idle_timeout_seconds(int seconds);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace capstan::http
