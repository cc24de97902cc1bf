// HTTPS with certificates from pki::ensure, verified by a Beast SSL client.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "app/pki.hpp"
#include "http/server.hpp"
#include "http_test_util.hpp"

using namespace capstan::http;
namespace pki = capstan::pki;
using namespace capstan::http::test;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("capstan-pki-");
    bundle_ = pki::ensure(dir_, {"api.capstan.test"}, {"10.96.0.1"});
    server_ = std::make_unique<Server>(
        [](Request&& req, std::shared_ptr<Responder> res) {
          std::string orgs;
          for (auto& o : req.client_cert_orgs) orgs += o + ";";
          res->respond(200, {{"Content-Type", "text/plain"}},
                       "tls=" + std::string(req.tls ? "1" : "0") + " cn=" + req.client_cert_cn + " orgs=" + orgs +
                           " path=" + req.path);
        },
        2);
    port_ = server_->listen_https("127.0.0.1", 0, TlsFiles{bundle_.server_cert, bundle_.server_key, bundle_.ca_cert});
    server_->start();
  }
  void TearDown() override {
    server_->stop();
    std::filesystem::remove_all(dir_);
  }

  // Returns the response body; throws on TLS/HTTP failure.
  std::string https_get(const std::string& ca_file, const std::string& cert, const std::string& key,
                        const std::string& host = "localhost") {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(ssl::verify_peer);
    if (!cert.empty()) {
      ctx.use_certificate_file(cert, ssl::context::pem);
      ctx.use_private_key_file(key, ssl::context::pem);
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(ssl::host_name_verification(host));
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    stream.handshake(ssl::stream_base::client);
    bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/who%20am%20i", 11);
    req.set(bhttp::field::host, host);
    bhttp::write(stream, req);
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buf, res);
    EXPECT_EQ(res.result_int(), 200);
    // second request on the same TLS connection
    bhttp::write(stream, req);
    bhttp::response<bhttp::string_body> res2;
    bhttp::read(stream, buf, res2);
    EXPECT_EQ(res2.body(), res.body());
    beast::error_code ec;
    stream.shutdown(ec);
    return res.body();
  }

  std::string dir_;
  pki::Bundle bundle_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(HttpsTest, ClientCertificateIdentityIsExposed) {
  std::string body = https_get(bundle_.ca_cert, bundle_.admin_cert, bundle_.admin_key);
  EXPECT_EQ(body, "tls=1 cn=capstan-admin orgs=system:masters; path=/who am i");
}

TEST_F(HttpsTest, NoClientCertificateStillServed) {
  std::string body = https_get(bundle_.ca_cert, "", "");
  EXPECT_EQ(body, "tls=1 cn= orgs= path=/who am i");
}

TEST_F(HttpsTest, ServerCertCoversRequestedNames) {
  EXPECT_NO_THROW(https_get(bundle_.ca_cert, "", "", "api.capstan.test"));
  EXPECT_NO_THROW(https_get(bundle_.ca_cert, "", "", "localhost"));
  EXPECT_THROW(https_get(bundle_.ca_cert, "", "", "evil.example.com"), boost::system::system_error);
}

TEST_F(HttpsTest, WrongCaIsRejectedByClient) {
  std::string other = make_temp_dir("capstan-pki-other-");
  auto ob = pki::ensure(other, {}, {});
  EXPECT_THROW(https_get(ob.ca_cert, "", "", "localhost"), boost::system::system_error);
  // a client certificate from a foreign CA gives no identity (but the request is served)
  std::string body = https_get(bundle_.ca_cert, ob.admin_cert, ob.admin_key);
  EXPECT_EQ(body, "tls=1 cn= orgs= path=/who am i");
  std::filesystem::remove_all(other);
}

TEST_F(HttpsTest, Tls11IsRefused) {
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  ctx.set_verify_mode(ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  beast::error_code ec;
  stream.handshake(ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
}

TEST_F(HttpsTest, PlainHttpToTlsPortFails) {
  RawClient c(port_);
  ASSERT_TRUE(c.send(get_request("/")));
  std::string got;
  c.wait_closed(std::chrono::seconds(5));
  EXPECT_EQ(c.buffer().find("HTTP/1.1 200"), std::string::npos);
}

TEST(Pki, EnsureIsIdempotentAndRegeneratesForNewNames) {
  std::string dir = make_temp_dir("capstan-pki-idem-");
  auto b = pki::ensure(dir, {"node1"}, {"192.168.1.10"});
  for (auto* p : {&b.ca_key, &b.server_key, &b.admin_key}) {
    struct stat st {};
    ASSERT_EQ(::stat(p->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << *p;
  }
  std::string ca = slurp(b.ca_cert), srv = slurp(b.server_cert), adm = slurp(b.admin_cert);
  EXPECT_NE(ca.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(slurp(b.server_key).find("PRIVATE KEY"), std::string::npos);

  auto b2 = pki::ensure(dir, {"node1"}, {"192.168.1.10"});
  EXPECT_EQ(slurp(b2.ca_cert), ca);
  EXPECT_EQ(slurp(b2.server_cert), srv);
  EXPECT_EQ(slurp(b2.admin_cert), adm);

  // subset of names: still covered
  pki::ensure(dir, {}, {});
  EXPECT_EQ(slurp(b.server_cert), srv);

  // new SAN: server cert reissued, CA and admin kept
  pki::ensure(dir, {"node1", "node2.example"}, {"192.168.1.10"});
  EXPECT_EQ(slurp(b.ca_cert), ca);
  EXPECT_NE(slurp(b.server_cert), srv);
  EXPECT_EQ(slurp(b.admin_cert), adm);
  std::string srv2 = slurp(b.server_cert);
  pki::ensure(dir, {"node1"}, {"192.168.1.11"});
  EXPECT_NE(slurp(b.server_cert), srv2);

  EXPECT_THROW(pki::ensure(dir, {}, {"not-an-ip"}), std::invalid_argument);
  std::filesystem::remove_all(dir);
}

class KubeconfigTest : public HttpsTest {};

TEST_F(KubeconfigTest, KubectlAcceptsKubeconfig) {
  std::string path = dir_ + "/kube/config";
  pki::write_kubeconfig(path, "https://127.0.0.1:" + std::to_string(port_), bundle_);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string yaml = slurp(path);
  EXPECT_NE(yaml.find("current-context: capstan"), std::string::npos);
  EXPECT_NE(yaml.find("client-certificate-data: "), std::string::npos);

  if (::access("/usr/bin/kubectl", X_OK) != 0) GTEST_SKIP() << "kubectl not installed";
  std::string out = dir_ + "/out.txt";
  std::string cmd = "/usr/bin/kubectl config view --kubeconfig " + path +
                    " -o 'jsonpath={.current-context} {.clusters[0].cluster.server} {.users[0].name}' > " + out +
                    " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(out);
  EXPECT_EQ(slurp(out), "capstan https://127.0.0.1:" + std::to_string(port_) + " admin");

  // Real Go TLS client: verifies our chain and presents the embedded admin certificate.
  cmd = "/usr/bin/kubectl --kubeconfig " + path + " --request-timeout=10s get --raw /healthz > " + out + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(out);
  EXPECT_EQ(slurp(out), "tls=1 cn=capstan-admin orgs=system:masters; path=/healthz");
}

}  // namespace
