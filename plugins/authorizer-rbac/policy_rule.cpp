#include "policy_rule.hpp"

#include <algorithm>
#include <string_view>

namespace capstan::rbac {

namespace {

std::vector<std::string> texts(capnp::List<capnp::Text>::Reader l) {
  std::vector<std::string> out;
  for (auto t : l) out.emplace_back(t.cStr(), t.size());
  return out;
}

bool has(const std::vector<std::string>& l, const std::string& v) { return std::find(l.begin(), l.end(), v) != l.end(); }

bool verb_matches(const PolicyRule& r, const std::string& verb) { return has(r.verbs, "*") || has(r.verbs, verb); }

bool group_matches(const PolicyRule& r, const std::string& group) { return has(r.api_groups, "*") || has(r.api_groups, group); }

// Without building strings: this runs for every rule of every binding of the requester.
bool resource_matches(const PolicyRule& r, const std::string& resource, const std::string& subresource) {
  for (const auto& rr : r.resources) {
    if (rr == "*") return true;
    if (subresource.empty()) {
      if (rr == resource) return true;
      continue;
    }
    // "pods/log" exactly; "*/scale" covers the scale subresource of every resource; "pods/*"
    // every subresource of pods.
    const size_t slash = rr.find('/');
    if (slash == std::string::npos) continue;
    const std::string_view head(rr.data(), slash), tail(rr.data() + slash + 1, rr.size() - slash - 1);
    if ((head == resource || head == "*") && tail == subresource) return true;
    if (head == resource && tail == "*") return true;
  }
  return false;
}

bool name_matches(const PolicyRule& r, const std::string& name) {
  if (r.resource_names.empty()) return true;
  return !name.empty() && has(r.resource_names, name);
}

bool url_matches(const PolicyRule& r, const std::string& path) {
  for (const auto& u : r.non_resource_urls) {
    if (u == "*" || u == path) return true;
    if (!u.empty() && u.back() == '*' && path.compare(0, u.size() - 1, u, 0, u.size() - 1) == 0) return true;
  }
  return false;
}

}  // namespace

PolicyRule rule_of(capstan::rbac::v1::PolicyRule::Reader r) {
  return {texts(r.getVerbs()), texts(r.getApiGroups()), texts(r.getResources()), texts(r.getResourceNames()),
          texts(r.getNonResourceURLs())};
}

std::vector<PolicyRule> rules_of(capnp::List<capstan::rbac::v1::PolicyRule>::Reader l) {
  std::vector<PolicyRule> out;
  for (auto r : l) out.push_back(rule_of(r));
  return out;
}

bool rule_allows(const PolicyRule& rule, const sdk::AuthorizationAttributes& a) {
  if (a.resource_request)
    return verb_matches(rule, a.verb) && group_matches(rule, a.group) && resource_matches(rule, a.resource, a.subresource) &&
           name_matches(rule, a.name);
  return verb_matches(rule, a.verb) && url_matches(rule, a.path);
}

}  // namespace capstan::rbac
