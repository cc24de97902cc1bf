// HTTPS connections.
#include <boost/beast/ssl.hpp>

#include "http/detail/session_impl.hpp"

namespace capstan::http::detail {

template class Session<TlsStream>;
template class ResponderImpl<TlsStream>;

void start_tls_session(std::shared_ptr<Core> core, std::shared_ptr<net::ssl::context> ctx, tcp::socket socket) {
  net::ssl::context& c = *ctx;
  auto s = std::make_shared<Session<TlsStream>>(std::move(core), std::shared_ptr<void>(std::move(ctx)),
                                                std::move(socket), c);
  s->start();
}

}  // namespace capstan::http::detail
