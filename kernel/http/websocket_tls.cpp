// WebSocket sessions over TLS.
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "http/detail/ws_session_impl.hpp"

namespace capstan::http::detail {
CAPSTAN_HTTP_INSTANTIATE_WS(TlsStream)
}  // namespace capstan::http::detail
