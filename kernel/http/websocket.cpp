// WebSocket sessions over plain TCP.
#include "http/detail/ws_session_impl.hpp"

namespace capstan::http::detail {
CAPSTAN_HTTP_INSTANTIATE_WS(TcpStream)
}  // namespace capstan::http::detail
