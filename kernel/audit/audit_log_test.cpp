#include "audit/audit_log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace capstan::audit {
namespace {

using nlohmann::json;

// Records what the gate's responder was asked to send.
struct Recorder : http::Responder {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  void respond(int s, std::vector<std::pair<std::string, std::string>> h, std::string) override {
    status = s;
    headers = std::move(h);
  }
  void begin_stream(int s, std::vector<std::pair<std::string, std::string>> h) override {
    status = s;
    headers = std::move(h);
  }
  bool write(std::string) override { return true; }
  void finish() override {}
  bool closed() const override { return false; }
  void on_close(std::function<void()>) override {}
  std::shared_ptr<http::WebSocket> upgrade_websocket(std::string, std::function<void(std::string_view, bool)>,
                                                     std::function<void()>) override {
    return nullptr;
  }
};

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("capstan-audit-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "policy.yaml") << "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
                                           "- level: None\n  nonResourceURLs: [/healthz]\n"
                                           "- level: RequestResponse\n  resources: [{group: \"\", resources: [configmaps]}]\n"
                                           "- level: Metadata\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<json> events() const {
    std::vector<json> out;
    std::ifstream in(dir_ / "audit.log");
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }
  std::filesystem::path dir_;
};

http::Request request(const std::string& method, const std::string& target, std::string body = "") {
  http::Request r;
  r.method = method;
  r.target = target;
  r.path = target.substr(0, target.find('?'));
  if (target.find("watch=true") != std::string::npos) r.query = {{"watch", "true"}};
  r.body = std::move(body);
  r.remote_address = "127.0.0.1:40000";
  r.headers = {{"user-agent", "kubectl/v1.33.0"}};
  return r;
}

TEST_F(AuditLogTest, MetadataEventsForEachStage) {
  AuditLog log((dir_ / "audit.log").string(), (dir_ / "policy.yaml").string());
  auth::User alice{"alice", "", {"system:authenticated"}, {}};
  auto inner = std::make_shared<Recorder>();
  {
    auto res = log.observe(request("GET", "/api/v1/namespaces/team/pods?limit=500"), &alice, nullptr, inner);
    res->respond(200, {}, R"({"kind":"PodList"})");
  }
  auto e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0]["stage"], "RequestReceived");
  EXPECT_EQ(e[1]["stage"], "ResponseComplete");
  EXPECT_EQ(e[1]["kind"], "Event");
  EXPECT_EQ(e[1]["apiVersion"], "audit.k8s.io/v1");
  EXPECT_EQ(e[1]["level"], "Metadata");
  EXPECT_EQ(e[1]["verb"], "list");
  EXPECT_EQ(e[1]["requestURI"], "/api/v1/namespaces/team/pods?limit=500");
  EXPECT_EQ(e[1]["user"], json::parse(R"({"username":"alice","groups":["system:authenticated"]})"));
  EXPECT_EQ(e[1]["sourceIPs"], json::parse(R"(["127.0.0.1"])"));
  EXPECT_EQ(e[1]["userAgent"], "kubectl/v1.33.0");
  EXPECT_EQ(e[1]["objectRef"], json::parse(R"({"resource":"pods","namespace":"team","apiVersion":"v1"})"));
  EXPECT_EQ(e[1]["responseStatus"], json::parse(R"({"metadata":{},"code":200})"));
  EXPECT_FALSE(e[1].contains("responseObject"));
  EXPECT_EQ(e[0]["auditID"], e[1]["auditID"]);
  // The client learns the id (Audit-Id), as from kube-apiserver.
  bool has_id = false;
  for (const auto& [k, v] : inner->headers) has_id |= (k == "Audit-Id" && v == e[1]["auditID"]);
  EXPECT_TRUE(has_id);
}

TEST_F(AuditLogTest, RequestResponseCarriesBothObjectsAndFailures) {
  AuditLog log((dir_ / "audit.log").string(), (dir_ / "policy.yaml").string());
  auth::User admin{"admin", "", {"system:masters"}, {}};
  auth::User alice{"alice", "", {"system:authenticated"}, {}};
  {
    auto res = log.observe(request("POST", "/api/v1/namespaces/team/configmaps", R"({"metadata":{"name":"c"}})"), &admin,
                           &alice, std::make_shared<Recorder>());
    res->respond(409, {}, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"exists","reason":"AlreadyExists","code":409})");
  }
  auto e = events();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1]["level"], "RequestResponse");
  EXPECT_EQ(e[1]["verb"], "create");
  EXPECT_EQ(e[1]["impersonatedUser"]["username"], "alice");
  EXPECT_EQ(e[1]["requestObject"]["metadata"]["name"], "c");
  EXPECT_EQ(e[1]["responseObject"]["reason"], "AlreadyExists");
  EXPECT_EQ(e[1]["responseStatus"],
            json::parse(R"({"metadata":{},"status":"Failure","message":"exists","reason":"AlreadyExists","code":409})"));
}

TEST_F(AuditLogTest, NoneIsNotLoggedAndStreamsRecordTheirStart) {
  AuditLog log((dir_ / "audit.log").string(), (dir_ / "policy.yaml").string());
  auto inner = std::make_shared<Recorder>();
  EXPECT_EQ(log.observe(request("GET", "/healthz"), nullptr, nullptr, inner), inner);  // None: not wrapped
  auth::User alice{"alice", "", {"system:authenticated"}, {}};
  {
    auto res = log.observe(request("GET", "/api/v1/pods?watch=true"), &alice, nullptr, inner);
    res->begin_stream(200, {});
    res->finish();
  }
  auto e = events();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0]["verb"], "watch");
  EXPECT_EQ(e[1]["stage"], "ResponseStarted");
  EXPECT_EQ(e[2]["stage"], "ResponseComplete");
}

TEST_F(AuditLogTest, UnreadablePolicyIsAnError) {
  EXPECT_THROW(AuditLog((dir_ / "audit.log").string(), (dir_ / "missing.yaml").string()), std::runtime_error);
}

}  // namespace
}  // namespace capstan::audit
