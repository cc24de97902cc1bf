// Internal: WebSocket session (templated on the transport), instantiated in websocket.cpp / websocket_tls.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/detail/core.hpp"

namespace capstan::http::detail {

using WsOnMessage = std::function<void(std::string_view, bool)>;
using WsOnClosed = std::function<void()>;

// Creates the session object (not yet running). Thread-safe.
template <class Stream>
std::shared_ptr<WebSocket> create_websocket(std::shared_ptr<Core> core, net::any_io_executor ex,
                                            std::string subprotocol, WsOnMessage on_message, WsOnClosed on_closed);
// Must run on the connection's strand: takes over the stream and answers the handshake.
template <class Stream>
void start_websocket(const std::shared_ptr<WebSocket>& ws, Stream&& stream, const BeastRequest& req);
// Must run on the strand: the connection died before the upgrade could happen.
template <class Stream>
void abort_websocket(const std::shared_ptr<WebSocket>& ws);

}  // namespace capstan::http::detail
