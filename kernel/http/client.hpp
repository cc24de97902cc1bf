#pragma once
// A small synchronous HTTP/1.1 client (plain or TLS with client certificates) for processes that
// talk to an API server: `capstan agent` serves its plugins' host calls with it. Beast stays in
// client.cpp. Thread-safe: each request borrows a kept-alive connection from a pool (or opens
// one); streams get a connection of their own, which cancel() shuts down from any thread.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace capstan::http {

struct ClientConfig {
  std::string host;      // address or name to connect to
  std::string port;      // service port
  bool tls = true;
  std::string ca_pem;    // trusted CA (PEM); empty with tls = verify nothing
  std::string cert_pem;  // client certificate (PEM), optional
  std::string key_pem;   // its key
  int timeout_ms = 30000;  // per request (not for streams)

  // Parses "https://host:port" or "http://host:port"; throws std::invalid_argument.
  static ClientConfig from_url(const std::string& url);
};

struct ClientResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

class HttpClient {
 public:
  explicit HttpClient(ClientConfig config);
  ~HttpClient();

  // Throws std::runtime_error when the server cannot be reached.
  ClientResponse request(const std::string& method, const std::string& target, const std::string& body = "",
                         const std::string& content_type = "application/json");

  // One long-lived streaming GET (a watch). on_line is called for every line of the body; the
  // call returns when the body ends, on_line returns false, or cancel() is called. Returns the
  // HTTP status (0 if the connection failed); `error_body` gets the body of a non-200 answer.
  class Stream;
  std::shared_ptr<Stream> open_stream(const std::string& target);
  int run_stream(Stream& s, const std::function<bool(const std::string& line)>& on_line, std::string* error_body);
  void cancel(Stream& s);
  // The same stream, raw: on_head gets the status and content type once, on_data every piece of
  // the body as it arrives (return false to stop). Returns the status (0: no connection).
  int run_stream_raw(Stream& s, const std::function<void(int status, const std::string& content_type)>& on_head,
                     const std::function<bool(const std::string& data)>& on_data);

  const ClientConfig& config() const { return config_; }

 private:
  struct Connection;
  std::unique_ptr<Connection> connect();

  ClientConfig config_;
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace capstan::http
