#pragma once
// An API failure as Kubernetes reports it: an HTTP code, a machine-readable reason and a
// message, with the offending fields in details.causes. Thrown inside the API layer and turned
// into a `Status` body at the edge.

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace capstan::api {

struct Cause {
  std::string field, reason, message;
};

struct ApiError : std::runtime_error {
  int code;
  std::string reason;
  std::string name, group, kind;  // details
  std::vector<Cause> causes;

  ApiError(int code, std::string reason, std::string message)
      : std::runtime_error(std::move(message)), code(code), reason(std::move(reason)) {}

  ApiError& with_details(std::string n, std::string g, std::string k) {
    name = std::move(n);
    group = std::move(g);
    kind = std::move(k);
    return *this;
  }

  nlohmann::json to_status() const;
  // The Status body as kube-apiserver writes it: fields in metav1.Status's declaration order
  // (kind, apiVersion, metadata, status, message, reason, details, code), Go's escaping, and the
  // newline Go's JSON encoder ends every document with.
  std::string to_status_text() const;
};

// Common constructors, with the messages kubectl users know.
ApiError bad_request(std::string message);
ApiError not_found(const std::string& group_resource, const std::string& name);
ApiError already_exists(const std::string& group_resource, const std::string& name);
ApiError conflict(const std::string& group_resource, const std::string& name, const std::string& why);
// `<Kind> "<name>" is invalid: <field>: <message>, ...`
ApiError invalid(const std::string& kind, const std::string& group, const std::string& name, std::vector<Cause> causes);
ApiError method_not_allowed(const std::string& message);

nlohmann::json success_status();
// `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}` and a newline.
std::string success_status_text();

}  // namespace capstan::api
