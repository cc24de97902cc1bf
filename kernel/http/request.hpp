// Plain request/response types of the Capstan HTTP server. No Beast/Asio/OpenSSL here on purpose:
// this header is included from many translation units.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace capstan::http {

// Requests with a body larger than this are answered 413 without reading the rest.
inline constexpr std::size_t kMaxRequestBody = 3u * 1024u * 1024u;
// Maximum size of the request line plus headers.
inline constexpr std::size_t kMaxRequestHeader = 64u * 1024u;
// Default bound for bytes queued on a streaming response / WebSocket before the connection is dropped.
inline constexpr std::size_t kDefaultMaxBuffered = 16u * 1024u * 1024u;

struct Request {
  std::string method;                                       // "GET", "POST", ...
  std::string target;                                       // raw target incl. query
  std::string path;                                         // percent-decoded path, no query
  std::vector<std::pair<std::string, std::string>> query;   // decoded, in order, repeats kept
  std::vector<std::pair<std::string, std::string>> headers; // names lower-cased, in order, repeats kept
  std::string body;
  std::string remote_address;
  bool tls = false;
  std::string client_cert_cn;  // CN of a verified client certificate, empty if none
  std::vector<std::string> client_cert_orgs;
  // Who sent it, once the auth gate has authenticated the request (kernel/auth/gate.hpp).
  struct User {
    std::string name, uid;
    std::vector<std::string> groups;
    std::vector<std::pair<std::string, std::vector<std::string>>> extra;
  } user;

  const std::string* header(std::string_view lower_name) const;
  const std::string* query_param(std::string_view name) const;  // first
  std::vector<std::string> query_params(std::string_view name) const;
};

class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // Queues a message; returns false if the socket is closed (or too much is queued, which closes it).
  virtual bool send(std::string data, bool binary = true) = 0;
  // Sends a close frame after queued messages.
  virtual void close() = 0;
};

// The handler's way to answer. Thread-safe: may be called from any thread, any time.
// Exactly one of respond() or begin_stream()/upgrade_websocket() per request. Dropping the last reference without
// answering sends a 500 (or finishes a started stream).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void respond(int status, std::vector<std::pair<std::string, std::string>> headers, std::string body) = 0;
  // Chunked streaming response. write() queues a chunk and flushes it promptly; returns false when the client is gone
  // or more than the buffer bound is queued (the connection is then closed). finish() sends the final zero chunk.
  virtual void begin_stream(int status, std::vector<std::pair<std::string, std::string>> headers) = 0;
  virtual bool write(std::string chunk) = 0;
  virtual void finish() = 0;
  virtual bool closed() const = 0;
  // Called once, from an I/O thread, when the client goes away or the response/stream ends. If that already happened
  // the callback is invoked soon (from an I/O thread).
  virtual void on_close(std::function<void()> cb) = 0;
  // RFC 6455 upgrade. Returns nullptr if the request is not a valid upgrade (the caller should then respond()).
  // on_message/on_closed run on the connection's I/O strand; `data` is only valid during the call.
  virtual std::shared_ptr<WebSocket> upgrade_websocket(
      std::string subprotocol, std::function<void(std::string_view data, bool binary)> on_message,
      std::function<void()> on_closed) = 0;
};

using Handler = std::function<void(Request&& req, std::shared_ptr<Responder> res)>;

// Helpers shared by the server and its users.
std::string percent_decode(std::string_view s, bool plus_as_space);
// Kubernetes metav1.Status failure body, e.g. status_json(413, "RequestEntityTooLarge", "...").
std::string status_json(int code, std::string_view reason, std::string_view message);

}  // namespace capstan::http
