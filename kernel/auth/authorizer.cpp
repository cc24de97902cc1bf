#include "auth/authorizer.hpp"

namespace capstan::auth {

namespace {

// Go's %q for the ASCII text these names are: quotes and backslashes escaped.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Decision AuthorizerChain::authorize(const User& user, const RequestAttributes& attributes) const {
  if (user.in_group(kMastersGroup)) return {Decision::Kind::kAllow, "", ""};
  std::string reasons, errors;
  for (const auto& a : chain_) {
    Decision d = a->authorize(user, attributes);
    if (d.kind != Decision::Kind::kNoOpinion) return d;
    if (!d.reason.empty()) reasons += (reasons.empty() ? "" : "\n") + d.reason;
    if (!d.evaluation_error.empty()) errors += (errors.empty() ? "" : ", ") + d.evaluation_error;
  }
  return {Decision::Kind::kNoOpinion, reasons, errors};
}

RuleSet AuthorizerChain::rules_for(const User& user, const std::string& ns) const {
  RuleSet all;
  for (const auto& a : chain_) {
    RuleSet r = a->rules_for(user, ns);
    for (auto& x : r.resource_rules) all.resource_rules.push_back(std::move(x));
    for (auto& x : r.non_resource_rules) all.non_resource_rules.push_back(std::move(x));
    all.incomplete = all.incomplete || r.incomplete;
    if (!r.evaluation_error.empty())
      all.evaluation_error += (all.evaluation_error.empty() ? "" : ", ") + r.evaluation_error;
  }
  return all;
}

std::string forbidden_reason_text(const User& user, const RequestAttributes& a, const std::string& reason) {
  std::string msg;
  if (!a.resource_request) {
    msg = "User " + quoted(user.name) + " cannot " + a.verb + " path " + quoted(a.path);
  } else {
    std::string res = a.resource + (a.subresource.empty() ? "" : "/" + a.subresource);
    msg = "User " + quoted(user.name) + " cannot " + a.verb + " resource " + quoted(res) + " in API group " + quoted(a.group);
    msg += a.ns.empty() ? " at the cluster scope" : " in the namespace " + quoted(a.ns);
  }
  if (!reason.empty()) msg += ": " + reason;
  return msg;
}

std::string forbidden_message(const User& user, const RequestAttributes& a, const std::string& reason) {
  std::string err = forbidden_reason_text(user, a, reason);
  if (!a.resource_request || a.resource.empty()) return "forbidden: " + err;
  std::string gr = a.resource + (a.group.empty() ? "" : "." + a.group);
  if (a.name.empty()) return gr + " is forbidden: " + err;
  return gr + " " + quoted(a.name) + " is forbidden: " + err;
}

}  // namespace capstan::auth
