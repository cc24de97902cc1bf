#include "capstan/access_wire.hpp"

namespace capstan::sdk::detail {

namespace {

std::vector<std::string> texts(capnp::List<capnp::Text>::Reader l) {
  std::vector<std::string> out;
  out.reserve(l.size());
  for (auto t : l) out.emplace_back(t);
  return out;
}

template <typename Init>
void set_texts(const std::vector<std::string>& values, Init init) {
  auto l = init(static_cast<unsigned>(values.size()));
  for (unsigned i = 0; i < values.size(); ++i) l.set(i, values[i]);
}

}  // namespace

void write_user(const UserInfo& user, capstan::host::UserInfo::Builder out) {
  out.setUsername(user.name);
  out.setUid(user.uid);
  set_texts(user.groups, [&](unsigned n) { return out.initGroups(n); });
  auto extra = out.initExtra(static_cast<unsigned>(user.extra.size()));
  for (unsigned i = 0; i < user.extra.size(); ++i) {
    extra[i].setKey(user.extra[i].first);
    set_texts(user.extra[i].second, [&](unsigned n) { return extra[i].initValues(n); });
  }
}

UserInfo read_user(capstan::host::UserInfo::Reader in) {
  UserInfo u{in.getUsername(), in.getUid(), texts(in.getGroups()), {}};
  for (auto e : in.getExtra()) u.extra.emplace_back(e.getKey(), texts(e.getValues()));
  return u;
}

void write_attributes(const AuthorizationAttributes& a, capstan::host::AuthorizationRequest::Builder out) {
  write_user(a.user, out.initUser());
  out.setVerb(a.verb);
  out.setResourceRequest(a.resource_request);
  out.setGroup(a.group);
  out.setVersion(a.version);
  out.setResource(a.resource);
  out.setSubresource(a.subresource);
  out.setNamespace(a.ns);
  out.setName(a.name);
  out.setPath(a.path);
}

AuthorizationAttributes read_attributes(capstan::host::AuthorizationRequest::Reader in) {
  AuthorizationAttributes a;
  a.user = read_user(in.getUser());
  a.verb = in.getVerb();
  a.resource_request = in.getResourceRequest();
  a.group = in.getGroup();
  a.version = in.getVersion();
  a.resource = in.getResource();
  a.subresource = in.getSubresource();
  a.ns = in.getNamespace();
  a.name = in.getName();
  a.path = in.getPath();
  return a;
}

void write_decision(const AuthorizationDecision& d, capstan::host::AuthorizationResponse::Builder out) {
  using D = capstan::host::AuthorizationResponse::Decision;
  out.setDecision(d.decision == AuthorizationDecision::Kind::kAllow  ? D::ALLOW
                  : d.decision == AuthorizationDecision::Kind::kDeny ? D::DENY
                                                                     : D::NO_OPINION);
  out.setReason(d.reason);
  out.setEvaluationError(d.evaluation_error);
}

AuthorizationDecision read_decision(capstan::host::AuthorizationResponse::Reader in) {
  using D = capstan::host::AuthorizationResponse::Decision;
  AuthorizationDecision d;
  d.decision = in.getDecision() == D::ALLOW  ? AuthorizationDecision::Kind::kAllow
               : in.getDecision() == D::DENY ? AuthorizationDecision::Kind::kDeny
                                             : AuthorizationDecision::Kind::kNoOpinion;
  d.reason = in.getReason();
  d.evaluation_error = in.getEvaluationError();
  return d;
}

void write_rules(const AccessRules& rules, capstan::host::AuthorizationResponse::Builder out) {
  write_rule_lists(rules, out);
  out.setIncomplete(rules.incomplete);
  out.setEvaluationError(rules.evaluation_error);
}

AccessRules read_rules(capstan::host::AuthorizationResponse::Reader in) {
  AccessRules rules;
  for (auto r : in.getResourceRules())
    rules.resource_rules.push_back(
        {texts(r.getVerbs()), texts(r.getApiGroups()), texts(r.getResources()), texts(r.getResourceNames())});
  for (auto r : in.getNonResourceRules())
    rules.non_resource_rules.push_back({texts(r.getVerbs()), texts(r.getNonResourceURLs())});
  rules.incomplete = in.getIncomplete();
  rules.evaluation_error = in.getEvaluationError();
  return rules;
}

}  // namespace capstan::sdk::detail
