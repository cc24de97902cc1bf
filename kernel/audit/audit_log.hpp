#pragma once
// The audit log (kube-apiserver's --audit-log-path with --audit-policy-file): one audit.k8s.io/v1
// Event per stage of each audited request, as a JSON line. Off unless both are given (upstream
// audits nothing without a policy). The gate hands every authenticated request here; the
// returned responder records the response's stages and answers with an Audit-Id header.

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "audit/audit_policy.hpp"
#include "auth/gate.hpp"
#include "auth/request_attributes.hpp"
#include "auth/user.hpp"
#include "http/request.hpp"

namespace capstan::audit {

class AuditedRequest;

class AuditLog final : public auth::RequestObserver {
 public:
  // Opens (appends to) `log_path` ("-": standard output) with the policy read from `policy_path`.
  // Throws std::runtime_error with the reason when either cannot be used.
  AuditLog(const std::string& log_path, const std::string& policy_path);
  ~AuditLog() override;

  // The gate's hook: starts auditing and wraps the responder, or returns `res` when the policy
  // says None.
  std::shared_ptr<http::Responder> observe(const http::Request& req, const auth::User* user,
                                           const auth::User* impersonated, std::shared_ptr<http::Responder> res) override;

  // Starts auditing a request (its RequestReceived event, unless omitted). `user` is who
  // authenticated (nullptr: nobody — the 401s). Returns nullptr when the policy says None.
  std::shared_ptr<AuditedRequest> begin(const http::Request& req, const auth::User* user,
                                        const auth::User* impersonated = nullptr);

  // Writes one event line; thread-safe.
  void write(const std::string& line);

  // Turns a body that is not JSON (a protobuf object of the request's resource) into JSON for
  // requestObject/responseObject, "" when it cannot; set by whoever knows the kinds.
  using BodyDecoder = std::function<std::string(const auth::RequestAttributes& request, const std::string& body)>;
  void set_body_decoder(BodyDecoder decoder) { decoder_ = std::move(decoder); }
  // The body as JSON text, or "" (see BodyDecoder).
  std::string json_of(const auth::RequestAttributes& request, const std::string& body) const;

 private:
  Policy policy_;
  BodyDecoder decoder_;
  std::mutex mutex_;
  FILE* out_ = nullptr;
  bool owned_ = false;
};

// One audited request: its stages are written as the response goes out.
class AuditedRequest : public std::enable_shared_from_this<AuditedRequest> {
 public:
  AuditedRequest(AuditLog& log, Decision decision, const http::Request& req, const auth::User* user,
                 auth::RequestAttributes attributes);
  // The request now runs as someone else (impersonation).
  void impersonating(const auth::User& as) { impersonated_ = as; }
  // The responder to answer through: records ResponseStarted (streams, upgrades) and
  // ResponseComplete, and adds the Audit-Id header.
  std::shared_ptr<http::Responder> wrap(std::shared_ptr<http::Responder> inner);

  void record(Stage stage, int code, const std::string* response_body);
  const std::string& id() const { return id_; }
  Level level() const { return decision_.level; }

 private:
  AuditLog& log_;
  Decision decision_;
  std::string id_, request_uri_, user_agent_, source_ip_, request_json_, received_at_;
  std::optional<auth::User> user_, impersonated_;
  auth::RequestAttributes attributes_;
};

}  // namespace capstan::audit
