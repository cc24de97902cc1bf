// Plain-HTTP connections (loopback only; enforced by Server::listen_http).
#include "http/detail/session_impl.hpp"

namespace capstan::http::detail {

template class Session<TcpStream>;
template class ResponderImpl<TcpStream>;

void start_plain_session(std::shared_ptr<Core> core, tcp::socket socket) {
  auto s = std::make_shared<Session<TcpStream>>(std::move(core), nullptr, std::move(socket));
  s->start();
}

}  // namespace capstan::http::detail
