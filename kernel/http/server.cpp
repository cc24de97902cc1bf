// Server: listeners, I/O threads, TLS contexts.
#include "http/server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include "capstan/machinery/process.hpp"
#include "http/detail/core.hpp"

namespace capstan::http {

using namespace detail;

namespace detail {

void peer_identity(ssl_st* ssl, std::string& cn, std::vector<std::string>& orgs) {
  cn.clear();
  orgs.clear();
  if (!ssl) return;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return;
  X509_NAME* subject = X509_get_subject_name(cert);
  if (!subject) return;
  auto entry_text = [&](int idx) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, idx);
    ASN1_STRING* data = e ? X509_NAME_ENTRY_get_data(e) : nullptr;
    if (!data) return std::string();
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) return std::string();
    std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return out;
  };
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx >= 0) cn = entry_text(idx);
  for (idx = -1; (idx = X509_NAME_get_index_by_NID(subject, NID_organizationName, idx)) >= 0;)
    orgs.push_back(entry_text(idx));
}

}  // namespace detail

namespace {

// Accept any presented client certificate at the TLS layer; identity is taken only if verification succeeded
// (SSL_get_verify_result), so bearer-token clients and clients with foreign certificates still get an HTTP answer.
int accept_any_verify(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) { return 1; }

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* sel = nullptr;
  if (SSL_select_next_proto(&sel, outlen, kHttp11, sizeof kHttp11, in, inlen) == OPENSSL_NPN_NEGOTIATED) {
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::shared_ptr<net::ssl::context> make_tls_context(const TlsFiles& tls) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                   net::ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  try {
    ctx->use_certificate_chain_file(tls.cert_pem);
    ctx->use_private_key_file(tls.key_pem, net::ssl::context::pem);
  } catch (const std::exception& e) {
    throw std::runtime_error("http: cannot load TLS certificate/key (" + tls.cert_pem + ", " + tls.key_pem +
                             "): " + e.what());
  }
  if (SSL_CTX_check_private_key(native) != 1) throw std::runtime_error("http: TLS key does not match certificate");
  static const unsigned char kSidCtx[] = "capstan";
  SSL_CTX_set_session_id_context(native, kSidCtx, sizeof kSidCtx - 1);
  if (!tls.client_ca_pem.empty()) {
    if (SSL_CTX_load_verify_locations(native, tls.client_ca_pem.c_str(), nullptr) != 1)
      throw std::runtime_error("http: cannot load client CA " + tls.client_ca_pem);
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_pem.c_str()))
      SSL_CTX_set_client_CA_list(native, names);
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_any_verify);
    SSL_CTX_set_verify_depth(native, 8);
  } else {
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
  }
  SSL_CTX_set_alpn_select_cb(native, select_alpn, nullptr);
  return ctx;
}

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::shared_ptr<Core> core, std::shared_ptr<net::ssl::context> tls)
      : core_(std::move(core)),
        tls_(std::move(tls)),
        strand_(net::make_strand(core_->ioc)),
        acceptor_(strand_),
        retry_(strand_) {
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  ~Listener() {
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
  }

  uint16_t open(const std::string& address, uint16_t port) {
    beast::error_code ec;
    auto addr = net::ip::make_address(address, ec);
    if (ec) throw std::invalid_argument("http: bad listen address '" + address + "'");
    tcp::endpoint ep(addr, port);
    // Close-on-exec from the start (Asio's open() has no SOCK_CLOEXEC): a child that inherited the
    // listening socket would keep the port bound after this process dies.
    const int fd = machinery::open_socket_cloexec(ep.protocol().family(), SOCK_STREAM);
    if (fd < 0) ec.assign(errno, boost::system::system_category());
    else acceptor_.assign(ep.protocol(), fd, ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && addr.is_v6()) acceptor_.set_option(net::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("http: cannot listen on " + address + ":" + std::to_string(port) + ": " +
                                     ec.message());
    uint16_t bound = acceptor_.local_endpoint().port();
    spdlog::info("http: listening on {}:{} ({})", address, bound, tls_ ? "https" : "http");
    return bound;
  }

  void run() {
    net::post(strand_, [self = shared_from_this()] { self->do_accept(); });
  }

  void close() {
    net::post(strand_, [self = shared_from_this()] {
      self->closed_ = true;
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->retry_.cancel();
    });
  }

 private:
  void do_accept() {
    if (closed_) return;
    acceptor_.async_accept(net::make_strand(core_->ioc),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (closed_ || core_->stopped.load()) return;
    if (ec) {
      if (ec == net::error::operation_aborted) return;
      const bool no_descriptors = ec == net::error::no_descriptors || ec.value() == ENFILE;
      if (no_descriptors && shed_connections()) {
        do_accept();
        return;
      }
      warn_accept_failed(ec.message());
      // Back off a little instead of spinning.
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e) self->do_accept();
      });
      return;
    }
    machinery::set_close_on_exec(socket.native_handle());  // Asio accepts without SOCK_CLOEXEC
    try {
      if (tls_)
        start_tls_session(core_, tls_, std::move(socket));
      else
        start_plain_session(core_, std::move(socket));
    } catch (const std::exception& e) {
      spdlog::error("http: cannot start session: {}", e.what());
    }
    do_accept();
  }

  // Out of descriptors (EMFILE/ENFILE): the waiting connections would sit in the listen backlog,
  // their clients hanging until they time out. Instead the descriptor kept in reserve is given
  // up for a moment to accept each waiting connection and reset it at once (SO_LINGER 0), so
  // clients are refused ("connection reset by peer") while the process is at its limit, and
  // served again as soon as descriptors are free. Returns false when nothing could be done (the
  // reserve was lost to another thread): the caller backs off.
  bool shed_connections() {
    if (reserve_fd_ < 0) reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (reserve_fd_ < 0) return false;
    ::close(reserve_fd_);
    reserve_fd_ = -1;
    const int listener = acceptor_.native_handle();
    int refused = 0;
    for (;;) {
      pollfd p{listener, POLLIN, 0};
      if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) break;
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) break;
      linger reset{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      ::close(fd);
      ++refused;
    }
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    refused_ += refused;
    warn_accept_failed("too many open files");
    return refused > 0 && reserve_fd_ >= 0;
  }

  // One warning per 5 s at most: under descriptor exhaustion every connection attempt fails.
  void warn_accept_failed(const std::string& why) {
    const auto now = std::chrono::steady_clock::now();
    ++failures_;
    if (now - last_warning_ < std::chrono::seconds(5)) return;
    last_warning_ = now;
    spdlog::warn("http: accept failed: {} ({} failures, {} connections refused since the last warning)", why,
                 failures_, refused_);
    failures_ = 0;
    refused_ = 0;
  }

  std::shared_ptr<Core> core_;
  std::shared_ptr<net::ssl::context> tls_;
  net::strand<net::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  bool closed_ = false;
  int reserve_fd_ = -1;  // /dev/null, held to be given up when accept runs out of descriptors
  std::chrono::steady_clock::time_point last_warning_{};
  uint64_t failures_ = 0, refused_ = 0;
};

}  // namespace

struct Server::Impl {
  std::shared_ptr<Core> core;
  int nthreads;
  std::mutex mu;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  bool started = false;
  bool stopped = false;

  Impl(Handler h, int n) : core(std::make_shared<Core>(std::move(h), n)), nthreads(n > 0 ? n : 1) {
    work.emplace(core->ioc.get_executor());
  }

  uint16_t add_listener(const std::string& address, uint16_t port, std::shared_ptr<net::ssl::context> tls) {
    std::lock_guard lk(mu);
    if (stopped) throw std::logic_error("http: server stopped");
    auto l = std::make_shared<Listener>(core, std::move(tls));
    uint16_t bound = l->open(address, port);
    l->run();
    listeners.push_back(std::move(l));
    return bound;
  }
};

Server::Server(Handler handler, int io_threads) : impl_(std::make_shared<Impl>(std::move(handler), io_threads)) {}

Server::~Server() { stop(); }

uint16_t Server::listen_https(const std::string& address, uint16_t port, const TlsFiles& tls) {
  return impl_->add_listener(address, port, make_tls_context(tls));
}

uint16_t Server::listen_http(const std::string& address, uint16_t port) {
  beast::error_code ec;
  auto addr = net::ip::make_address(address, ec);
  if (ec) throw std::invalid_argument("http: bad listen address '" + address + "'");
  if (!addr.is_loopback())
    throw std::invalid_argument("http: refusing plain HTTP on non-loopback address " + address +
                                " (use listen_https)");
  return impl_->add_listener(address, port, nullptr);
}

void Server::start() {
  std::lock_guard lk(impl_->mu);
  if (impl_->started || impl_->stopped) return;
  impl_->started = true;
  for (int i = 0; i < impl_->nthreads; ++i) {
    impl_->threads.emplace_back([core = impl_->core] {
      for (;;) {
        try {
          core->ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: exception escaped to the I/O loop: {}", e.what());
        } catch (...) {
          spdlog::error("http: unknown exception escaped to the I/O loop");
        }
      }
    });
  }
}

void Server::stop() {
  std::unique_lock lk(impl_->mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  auto& core = *impl_->core;
  core.stopped.store(true);
  for (auto& l : impl_->listeners) l->close();
  for (auto& c : core.snapshot()) c->close_from_server();
  impl_->work.reset();
  if (impl_->threads.empty()) {
    core.ioc.restart();
    core.ioc.run_for(std::chrono::seconds(2));
  } else {
    // Let the closes run; anything still pending after a grace period is abandoned.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!core.ioc.stopped() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    core.ioc.stop();
    for (auto& t : impl_->threads) t.join();
    impl_->threads.clear();
  }
  impl_->listeners.clear();
}

void Server::post(std::function<void()> fn) {
  if (impl_->core->stopped.load()) return;
  net::post(impl_->core->ioc, [fn = std::move(fn)] {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("http: posted task threw: {}", e.what());
    } catch (...) {
      spdlog::error("http: posted task threw");
    }
  });
}

void Server::set_max_buffered(std::size_t bytes) { impl_->core->max_buffered = bytes ? bytes : kDefaultMaxBuffered; }

void Server::set_idle_timeout_seconds(int seconds) {
  impl_->core->idle_timeout = std::chrono::seconds(seconds > 0 ? seconds : 120);
}

}  // namespace capstan::http
