#pragma once
// A WebSocket client connection (plain ws://), used to relay connect subresources (pods/exec,
// pods/attach) from the API server to the node agent. Beast stays in ws_client.cpp. A reader
// thread delivers messages; send() may be called from any thread.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace capstan::http {

class WsClient {
 public:
  using OnMessage = std::function<void(std::string_view data, bool binary)>;
  using OnClosed = std::function<void()>;

  // Connects and completes the handshake offering `subprotocols`; throws std::runtime_error with
  // the server's answer when the upgrade is refused. `chosen` gets the agreed subprotocol.
  static std::shared_ptr<WsClient> connect(const std::string& url, const std::vector<std::string>& subprotocols,
                                           std::string& chosen);
  virtual ~WsClient() = default;
  // Starts the reader thread.
  virtual void start(OnMessage on_message, OnClosed on_closed) = 0;
  virtual bool send(std::string_view data, bool binary) = 0;
  virtual void close() = 0;
};

}  // namespace capstan::http
