// Model → nginx.conf: the location forms of Kubernetes path matching, the regex mode, quoting,
// the line → object map, and `nginx -t` on the rendered text (Debian's nginx, when installed).
#include "nginx_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "certificates.hpp"
#include "capstan/machinery/process.hpp"

namespace capstan::ingress {
namespace {

namespace fs = std::filesystem;

Route route(PathMatch::Type type, std::string value, std::string upstream, std::string name = "web") {
  Route r;
  r.path = {type, std::move(value)};
  r.action.type = Action::Type::kProxy;
  r.action.backends = {{std::move(upstream), 1, 0}};
  r.source = {"Ingress", "default", std::move(name)};
  r.created = "2026-01-01T00:00:00Z";
  return r;
}

class RenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ingress-nginx-test-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "logs");
    fs::create_directories(dir_ / "tmp");
    auto pem = make_fallback_certificate();
    write_file_atomically((dir_ / "fallback.crt").string(), pem.certificate);
    write_file_atomically((dir_ / "fallback.key").string(), pem.key);
    model_.default_certificate = (dir_ / "fallback.crt").string();
    model_.default_key = (dir_ / "fallback.key").string();
    model_.listen_addresses = {"127.0.0.1"};
    model_.status_port = 18999;
    model_.ports[8080] = Port{8080, false, false, {}};
    model_.ports[8443] = Port{8443, true, true, {}};
    model_.upstreams["up-a"] = Upstream{"up-a", {"10.96.0.1:80", "10.96.0.1:80"}, ""};
    model_.upstreams["up-b"] = Upstream{"up-b", {"10.96.0.2:80", "10.96.0.2:80"}, ""};
    opts_.dir = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `nginx -t` on the text; skipped without nginx.
  void expect_nginx_accepts(const Rendered& r) {
    if (access("/usr/sbin/nginx", X_OK) != 0) GTEST_SKIP() << "nginx is not installed";
    const std::string path = (dir_ / "nginx.conf").string();
    write_file_atomically(path, r.text);
    machinery::RunOptions options;
    options.timeout = std::chrono::seconds(30);
    options.merge_stderr = true;
    auto res = machinery::run({"/usr/sbin/nginx", "-t", "-q", "-p", dir_.string() + "/", "-e",
                               (dir_ / "logs/error.log").string(), "-c", path},
                              options);
    EXPECT_EQ(res.exit_code, 0) << res.output() << "\n" << r.text;
  }

  Server& server(int port, const std::string& host) {
    Server& s = model_.ports[port].servers[host];
    s.hostname = host;
    return s;
  }

  fs::path dir_;
  Model model_;
  RenderOptions opts_;
};

TEST_F(RenderTest, PrefixAndExactLocations) {
  auto& s = server(8080, "a.com");
  s.routes = {route(PathMatch::Type::kPrefix, "/foo", "up-a"), route(PathMatch::Type::kExact, "/foo", "up-b"),
              route(PathMatch::Type::kPrefix, "/", "up-b"), route(PathMatch::Type::kPrefix, "/foo/bar", "up-a")};
  auto r = render(model_, opts_);
  EXPECT_NE(r.text.find("location \"/foo/\" {"), std::string::npos);
  EXPECT_NE(r.text.find("location = \"/foo\" {"), std::string::npos);
  EXPECT_NE(r.text.find("location \"/foo/bar/\" {"), std::string::npos);
  EXPECT_NE(r.text.find("location = \"/foo/bar\" {"), std::string::npos);
  EXPECT_NE(r.text.find("location \"/\" {"), std::string::npos);
  // `= /foo` serves the Exact route (up-b), which beats the Prefix on a tie.
  const auto exact = r.text.find("location = \"/foo\" {");
  const auto next = r.text.find("}", exact);
  EXPECT_NE(r.text.substr(exact, next - exact).find("proxy_pass http://up-b;"), std::string::npos);
  // Unknown hosts: a catch-all 404 server on each port.
  EXPECT_NE(r.text.find("listen 127.0.0.1:8080 default_server;"), std::string::npos);
  EXPECT_NE(r.text.find("listen 127.0.0.1:8443 ssl http2 default_server;"), std::string::npos);
  expect_nginx_accepts(r);
}

TEST_F(RenderTest, RegexModeKeepsElementWisePrefixes) {
  auto& s = server(8080, "a.com");
  Route rw = route(PathMatch::Type::kRegexCaseInsensitive, "/something(/|$)(.*)", "up-a", "rw");
  rw.action.rewrite_target = "/$2";
  rw.action.rewrite_regex = "/something(/|$)(.*)";
  s.routes = {rw, route(PathMatch::Type::kPrefix, "/ba", "up-b", "plain"), route(PathMatch::Type::kExact, "/x", "up-b", "plain")};
  auto r = render(model_, opts_);
  EXPECT_NE(r.text.find("location ~* \"^/something(/|$)(.*)\" {"), std::string::npos);
  EXPECT_NE(r.text.find("rewrite \"(?i)/something(/|$)(.*)\" \"/$2\" break;"), std::string::npos);
  EXPECT_NE(r.text.find("location ~ \"^/ba(/|$)\" {"), std::string::npos);  // never /banana
  EXPECT_NE(r.text.find("location = \"/x\" {"), std::string::npos);
  // Longest regex first.
  EXPECT_LT(r.text.find("^/something"), r.text.find("^/ba(/|$)"));
  expect_nginx_accepts(r);
}

TEST_F(RenderTest, ConditionsWeightsRedirectsAndRewrites) {
  auto& s = server(8080, "");
  Route canary = route(PathMatch::Type::kPrefix, "/api", "up-b", "r");
  canary.conditions = {{Condition::Type::kHeaderExact, "X-Canary", "yes"}, {Condition::Type::kMethod, "", "GET"}};
  canary.action.request_headers.set = {{"X-Routed", "canary $1"}};
  canary.action.request_headers.add = {{"X-List", "b"}};
  canary.action.response_headers.remove = {"Server"};
  canary.action.rewrite = {PathChange::Type::kPrefix, "/v2"};
  Route weighted = route(PathMatch::Type::kPrefix, "/api", "up-a", "r");
  weighted.rule_index = 1;
  weighted.action.backends = {{"up-a", 90, 0}, {"up-b", 10, 0}, {"", 5, 500}};
  Route redirect = route(PathMatch::Type::kExact, "/old", "", "r");
  redirect.action.type = Action::Type::kRedirect;
  redirect.action.redirect.path = {PathChange::Type::kFull, "/new"};
  redirect.action.redirect.status = 301;
  Route regex = route(PathMatch::Type::kRegex, "/v[0-9]+/.*", "up-a", "r");
  s.routes = {canary, weighted, redirect, regex};
  auto r = render(model_, opts_);
  EXPECT_NE(r.text.find("map $http_x_canary $capstan_c"), std::string::npos);
  EXPECT_NE(r.text.find("map $request_method $capstan_c"), std::string::npos);
  EXPECT_NE(r.text.find("split_clients \"${request_id}\""), std::string::npos);
  EXPECT_NE(r.text.find("location ^~ /__capstan_route__/r"), std::string::npos);
  EXPECT_NE(r.text.find("\"canary ${capstan_dollar}1\""), std::string::npos);  // a literal '$'
  EXPECT_NE(r.text.find("set $capstan_path \"/new\";"), std::string::npos);
  EXPECT_NE(r.text.find("return 301 \"http://$host:8080$capstan_path$is_args$args\";"), std::string::npos);
  EXPECT_NE(r.text.find("location ~ \"^(?:/v[0-9]+/.*)$\""), std::string::npos);
  expect_nginx_accepts(r);
}

TEST_F(RenderTest, AnnotationsTlsAndAffinity) {
  model_.upstreams["sticky"] = Upstream{"sticky", {"10.244.0.5:8080", "10.244.0.6:8080"}, "INGRESSCOOKIE"};
  auto& s = server(8443, "*.a.com");
  s.certificate = model_.default_certificate;
  s.key = model_.default_key;
  Route r1 = route(PathMatch::Type::kPrefix, "/", "sticky");
  r1.action.affinity_cookie = "INGRESSCOOKIE";
  r1.action.client_max_body_size = "8m";
  r1.action.read_timeout = 3;
  r1.action.allow_sources = {"10.0.0.0/8", "127.0.0.1"};
  r1.action.protocol = "HTTPS";
  s.routes = {r1};
  auto& plain = server(8080, "*.a.com");
  Route r2 = r1;
  r2.action.ssl_redirect = true;
  plain.routes = {r2};
  opts_.https_redirect_port = 8443;
  auto r = render(model_, opts_);
  EXPECT_NE(r.text.find("server_name \"~^[^.]+\\\\.a\\\\.com$\";"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("hash $capstan_affinity_"), std::string::npos);
  EXPECT_NE(r.text.find("add_header Set-Cookie $capstan_setcookie_"), std::string::npos);
  EXPECT_NE(r.text.find("client_max_body_size 8m;"), std::string::npos);
  EXPECT_NE(r.text.find("proxy_read_timeout 3s;"), std::string::npos);
  EXPECT_NE(r.text.find("allow 10.0.0.0/8;"), std::string::npos);
  EXPECT_NE(r.text.find("deny all;"), std::string::npos);
  EXPECT_NE(r.text.find("proxy_pass https://sticky;"), std::string::npos);
  EXPECT_NE(r.text.find("return 308 https://$host:8443$request_uri;"), std::string::npos);
  expect_nginx_accepts(r);
}

TEST_F(RenderTest, HashAndSources) {
  auto& s = server(8080, "a.com");
  s.routes = {route(PathMatch::Type::kPrefix, "/a", "up-a", "first"), route(PathMatch::Type::kPrefix, "/b", "up-b", "second")};
  auto r1 = render(model_, opts_);
  auto r2 = render(model_, opts_);
  EXPECT_EQ(r1.hash, r2.hash);
  EXPECT_EQ(r1.text, r2.text);
  EXPECT_NE(r1.text.find("return 200 \"" + r1.hash + "\""), std::string::npos);
  // The lines of a location trace back to its Ingress.
  int line = 1, found = 0;
  std::istringstream in(r1.text);
  for (std::string l; std::getline(in, l); ++line)
    if (l.find("location \"/b/\"") != std::string::npos) found = line;
  ASSERT_GT(found, 0);
  ASSERT_NE(r1.source_of_line(found + 1), nullptr);
  EXPECT_EQ(r1.source_of_line(found + 1)->name, "second");
  EXPECT_EQ(r1.source_of_line(3), nullptr);
  s.routes.pop_back();
  EXPECT_NE(render(model_, opts_).hash, r1.hash);
}

TEST(Quoting, ValuesCannotBreakOut) {
  EXPECT_EQ(quote_value("a\"b;c}$x"), "\"a\\\"b;c}${capstan_dollar}x\"");
  EXPECT_EQ(quote_regex("^/a\\.b\"$"), "\"^/a\\\\.b\\\"$\"");
  EXPECT_EQ(regex_escape("/a.b(c)"), "/a\\.b\\(c\\)");
}

}  // namespace
}  // namespace capstan::ingress
