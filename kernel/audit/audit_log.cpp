#include "audit/audit_log.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/yaml_json.hpp"
#include "capstan/machinery/object_rules.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::audit {

namespace {

using ordered = nlohmann::ordered_json;

std::string now_micro() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  return machinery::format_rfc3339_micro(ns.count());
}

ordered user_json(const auth::User& u) {
  ordered j = ordered::object();
  if (!u.name.empty()) j["username"] = u.name;
  if (!u.uid.empty()) j["uid"] = u.uid;
  if (!u.groups.empty()) j["groups"] = u.groups;
  if (!u.extra.empty()) {
    ordered extra = ordered::object();
    for (const auto& [k, v] : u.extra) extra[k] = v;
    j["extra"] = std::move(extra);
  }
  return j;
}

// The response's Status as upstream records it: {metadata:{}, code} for a success; the failure
// Status (status, message, reason, code) when the body is one.
ordered response_status(int code, const std::string* body) {
  ordered s = {{"metadata", ordered::object()}};
  if (code >= 300 && body) {
    auto j = nlohmann::json::parse(*body, nullptr, false);
    if (j.is_object() && j.value("kind", "") == "Status") {
      for (const char* k : {"status", "message", "reason"})
        if (j.contains(k)) s[k] = j[k];
      if (j.contains("details")) s["details"] = j["details"];
    }
  }
  s["code"] = code;
  return s;
}

// "127.0.0.1:5555" → "127.0.0.1", "[::1]:5555" → "::1".
std::string host_of(const std::string& address) {
  if (!address.empty() && address[0] == '[') {
    auto end = address.find(']');
    return end == std::string::npos ? address : address.substr(1, end - 1);
  }
  auto colon = address.find(':');
  if (colon != std::string::npos && address.find(':', colon + 1) == std::string::npos) return address.substr(0, colon);
  return address;
}

bool json_body(const std::string& body) { return !body.empty() && nlohmann::json::accept(body); }

// Responds through the inner responder and records the stages.
class AuditingResponder final : public http::Responder {
 public:
  AuditingResponder(std::shared_ptr<AuditedRequest> request, std::shared_ptr<http::Responder> inner)
      : request_(std::move(request)), inner_(std::move(inner)) {}
  ~AuditingResponder() override {
    // Nobody answered: the inner responder sends a 500 (or ends its stream).
    if (!done_.exchange(true)) request_->record(Stage::kResponseComplete, streaming_ ? stream_code_ : 500, nullptr);
  }

  void respond(int status, std::vector<std::pair<std::string, std::string>> headers, std::string body) override {
    headers.emplace_back("Audit-Id", request_->id());
    if (!done_.exchange(true))
      request_->record(Stage::kResponseComplete, status, request_->level() >= Level::kRequestResponse || status >= 300 ? &body : nullptr);
    inner_->respond(status, std::move(headers), std::move(body));
  }
  void begin_stream(int status, std::vector<std::pair<std::string, std::string>> headers) override {
    headers.emplace_back("Audit-Id", request_->id());
    streaming_ = true;
    stream_code_ = status;
    request_->record(Stage::kResponseStarted, status, nullptr);
    inner_->begin_stream(status, std::move(headers));
  }
  bool write(std::string chunk) override { return inner_->write(std::move(chunk)); }
  void finish() override {
    inner_->finish();
    if (!done_.exchange(true)) request_->record(Stage::kResponseComplete, stream_code_, nullptr);
  }
  bool closed() const override { return inner_->closed(); }
  void on_close(std::function<void()> cb) override { inner_->on_close(std::move(cb)); }
  std::shared_ptr<http::WebSocket> upgrade_websocket(std::string subprotocol,
                                                     std::function<void(std::string_view, bool)> on_message,
                                                     std::function<void()> on_closed) override {
    auto request = request_;
    auto done = std::make_shared<std::atomic<bool>>(false);
    auto ws = inner_->upgrade_websocket(std::move(subprotocol), std::move(on_message),
                                        [request, on_closed = std::move(on_closed)] {
                                          request->record(Stage::kResponseComplete, 101, nullptr);
                                          if (on_closed) on_closed();
                                        });
    if (ws) {
      done_ = true;  // the close callback records the completion
      request_->record(Stage::kResponseStarted, 101, nullptr);
    }
    return ws;
  }

 private:
  std::shared_ptr<AuditedRequest> request_;
  std::shared_ptr<http::Responder> inner_;
  std::atomic<bool> done_{false};
  bool streaming_ = false;
  int stream_code_ = 200;
};

}  // namespace

AuditLog::AuditLog(const std::string& log_path, const std::string& policy_path) {
  std::ifstream in(policy_path);
  if (!in) throw std::runtime_error("cannot read the audit policy file " + policy_path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    policy_ = Policy::parse(api::decode_yaml(text.str()));
  } catch (const std::exception& e) {
    throw std::runtime_error("audit policy " + policy_path + ": " + e.what());
  }
  if (log_path == "-") {
    out_ = stdout;
  } else {
    out_ = std::fopen(log_path.c_str(), "ae");  // append, close-on-exec
    if (!out_) throw std::runtime_error("cannot open the audit log " + log_path);
    owned_ = true;
  }
}

AuditLog::~AuditLog() {
  if (owned_ && out_) std::fclose(out_);
}

std::string AuditLog::json_of(const auth::RequestAttributes& request, const std::string& body) const {
  if (json_body(body)) return body;
  if (!decoder_) return {};
  std::string j = decoder_(request, body);
  return json_body(j) ? j : std::string();
}

void AuditLog::write(const std::string& line) {
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

std::shared_ptr<http::Responder> AuditLog::observe(const http::Request& req, const auth::User* user,
                                                  const auth::User* impersonated, std::shared_ptr<http::Responder> res) {
  auto audited = begin(req, user, impersonated);
  return audited ? audited->wrap(std::move(res)) : res;
}

std::shared_ptr<AuditedRequest> AuditLog::begin(const http::Request& req, const auth::User* user,
                                                const auth::User* impersonated) {
  auth::RequestAttributes attributes = auth::request_attributes(req);
  Decision d = policy_.evaluate(user ? *user : auth::User{}, attributes);
  if (d.level == Level::kNone) return nullptr;
  auto r = std::make_shared<AuditedRequest>(*this, std::move(d), req, user, std::move(attributes));
  if (impersonated) r->impersonating(*impersonated);
  r->record(Stage::kRequestReceived, 0, nullptr);
  return r;
}

AuditedRequest::AuditedRequest(AuditLog& log, Decision decision, const http::Request& req, const auth::User* user,
                               auth::RequestAttributes attributes)
    : log_(log), decision_(std::move(decision)), id_(machinery::new_uid()), received_at_(now_micro()),
      attributes_(std::move(attributes)) {
  request_uri_ = req.target.empty() ? req.path : req.target;
  if (const std::string* ua = req.header("user-agent")) user_agent_ = *ua;
  source_ip_ = host_of(req.remote_address);
  if (decision_.level >= Level::kRequest && !req.body.empty()) request_json_ = log_.json_of(attributes_, req.body);
  if (user) user_ = *user;
}

std::shared_ptr<http::Responder> AuditedRequest::wrap(std::shared_ptr<http::Responder> inner) {
  return std::make_shared<AuditingResponder>(shared_from_this(), std::move(inner));
}

void AuditedRequest::record(Stage stage, int code, const std::string* response_body) {
  if (decision_.omits(stage)) return;
  // audit.k8s.io/v1 Event, its fields in the Go type's order.
  ordered e = {{"kind", "Event"},       {"apiVersion", "audit.k8s.io/v1"}, {"level", level_name(decision_.level)},
               {"auditID", id_},        {"stage", stage_name(stage)},       {"requestURI", request_uri_},
               {"verb", attributes_.verb}};
  e["user"] = user_ ? user_json(*user_) : ordered::object();
  if (impersonated_) e["impersonatedUser"] = user_json(*impersonated_);
  if (!source_ip_.empty()) e["sourceIPs"] = ordered::array({source_ip_});
  if (!user_agent_.empty()) e["userAgent"] = user_agent_;
  if (attributes_.resource_request && !attributes_.resource.empty()) {
    ordered ref = {{"resource", attributes_.resource}};
    if (!attributes_.ns.empty()) ref["namespace"] = attributes_.ns;
    if (!attributes_.name.empty()) ref["name"] = attributes_.name;
    if (!attributes_.group.empty()) ref["apiGroup"] = attributes_.group;
    if (!attributes_.version.empty()) ref["apiVersion"] = attributes_.version;
    if (!attributes_.subresource.empty()) ref["subresource"] = attributes_.subresource;
    e["objectRef"] = std::move(ref);
  }
  if (stage != Stage::kRequestReceived) e["responseStatus"] = response_status(code, response_body);
  if (!request_json_.empty()) e["requestObject"] = ordered::parse(request_json_);
  if (stage == Stage::kResponseComplete && decision_.level == Level::kRequestResponse && response_body &&
      !response_body->empty())
    if (std::string j = log_.json_of(attributes_, *response_body); !j.empty()) e["responseObject"] = ordered::parse(j);
  e["requestReceivedTimestamp"] = received_at_;
  e["stageTimestamp"] = stage == Stage::kRequestReceived ? received_at_ : now_micro();
  log_.write(e.dump());
}

}  // namespace capstan::audit
