#include "audit/audit_policy.hpp"

#include <algorithm>
#include <stdexcept>

namespace capstan::audit {

namespace {

using nlohmann::json;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) throw std::runtime_error(std::string(key) + " must be a list of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) throw std::runtime_error(std::string(key) + " must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Level parse_level(const std::string& s) {
  if (s == "None") return Level::kNone;
  if (s == "Metadata") return Level::kMetadata;
  if (s == "Request") return Level::kRequest;
  if (s == "RequestResponse") return Level::kRequestResponse;
  throw std::runtime_error("level: Unsupported value: \"" + s +
                           "\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"");
}

std::vector<Stage> parse_stages(const json& j) {
  std::vector<Stage> out;
  for (const auto& s : strings(j, "omitStages")) {
    if (s == "RequestReceived") out.push_back(Stage::kRequestReceived);
    else if (s == "ResponseStarted") out.push_back(Stage::kResponseStarted);
    else if (s == "ResponseComplete") out.push_back(Stage::kResponseComplete);
    else if (s == "Panic") out.push_back(Stage::kPanic);
    else
      throw std::runtime_error("omitStages: Unsupported value: \"" + s +
                               "\": supported values: \"RequestReceived\", \"ResponseStarted\", \"ResponseComplete\", \"Panic\"");
  }
  return out;
}

// A path pattern: exact, or a prefix when it ends in '*'.
bool url_matches(const std::vector<std::string>& patterns, const std::string& path) {
  for (const auto& p : patterns) {
    if (p == "*" || p == path) return true;
    if (!p.empty() && p.back() == '*' && path.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0) return true;
  }
  return false;
}

bool resource_matches(const std::vector<GroupResources>& rules, const auth::RequestAttributes& a) {
  const std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  for (const auto& gr : rules) {
    if (gr.group != a.group) continue;
    if (gr.resources.empty()) return true;
    if (!gr.resource_names.empty() && !contains(gr.resource_names, a.name)) continue;
    for (const auto& r : gr.resources) {
      if (r == combined || r == "*") return true;
      if (!a.subresource.empty() && r.rfind("*/", 0) == 0 && r.substr(2) == a.subresource) return true;
      if (r.size() > 2 && r.compare(r.size() - 2, 2, "/*") == 0 && r.substr(0, r.size() - 2) == a.resource) return true;
    }
  }
  return false;
}

bool rule_matches(const PolicyRule& r, const auth::User& user, const auth::RequestAttributes& a) {
  if (!r.users.empty() && !contains(r.users, user.name)) return false;
  if (!r.user_groups.empty() &&
      std::none_of(user.groups.begin(), user.groups.end(), [&](const std::string& g) { return contains(r.user_groups, g); }))
    return false;
  if (!r.verbs.empty() && !contains(r.verbs, a.verb)) return false;
  if (!r.namespaces.empty() || !r.resources.empty()) {
    if (!a.resource_request) return false;
    if (!r.namespaces.empty() && !contains(r.namespaces, a.ns)) return false;
    if (!r.resources.empty() && !resource_matches(r.resources, a)) return false;
  }
  if (!r.non_resource_urls.empty()) {
    if (a.resource_request) return false;
    if (!url_matches(r.non_resource_urls, a.path)) return false;
  }
  return true;
}

}  // namespace

const char* level_name(Level l) {
  switch (l) {
    case Level::kNone: return "None";
    case Level::kMetadata: return "Metadata";
    case Level::kRequest: return "Request";
    case Level::kRequestResponse: return "RequestResponse";
  }
  return "None";
}

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kRequestReceived: return "RequestReceived";
    case Stage::kResponseStarted: return "ResponseStarted";
    case Stage::kResponseComplete: return "ResponseComplete";
    case Stage::kPanic: return "Panic";
  }
  return "Panic";
}

bool Decision::omits(Stage s) const { return std::find(omit_stages.begin(), omit_stages.end(), s) != omit_stages.end(); }

Policy Policy::parse(const json& doc) {
  if (!doc.is_object()) throw std::runtime_error("the audit policy is not an object");
  const std::string kind = doc.value("kind", "");
  const std::string api_version = doc.value("apiVersion", "");
  if (kind != "Policy" || (api_version != "audit.k8s.io/v1" && api_version != "audit.k8s.io/v1beta1"))
    throw std::runtime_error("the audit policy must be kind Policy of apiVersion audit.k8s.io/v1, not " +
                             (kind.empty() ? std::string("no kind") : kind + " of " + api_version));
  Policy p;
  p.omit_stages_ = parse_stages(doc);
  p.omit_managed_fields_ = doc.value("omitManagedFields", false);
  auto rules = doc.find("rules");
  if (rules == doc.end() || !rules->is_array() || rules->empty())
    throw std::runtime_error("rules: Required value: the audit policy has no rules");
  for (size_t i = 0; i < rules->size(); ++i) {
    const json& r = (*rules)[i];
    const std::string at = "rules[" + std::to_string(i) + "].";
    try {
      if (!r.is_object() || !r.contains("level") || !r["level"].is_string())
        throw std::runtime_error("level: Required value");
      PolicyRule rule;
      rule.level = parse_level(r["level"].get<std::string>());
      rule.users = strings(r, "users");
      rule.user_groups = strings(r, "userGroups");
      rule.verbs = strings(r, "verbs");
      rule.namespaces = strings(r, "namespaces");
      rule.non_resource_urls = strings(r, "nonResourceURLs");
      rule.omit_stages = parse_stages(r);
      if (auto res = r.find("resources"); res != r.end() && res->is_array()) {
        for (const auto& gr : *res) {
          if (!gr.is_object()) throw std::runtime_error("resources: each entry must be an object");
          rule.resources.push_back({gr.value("group", ""), strings(gr, "resources"), strings(gr, "resourceNames")});
        }
      }
      if (!rule.non_resource_urls.empty() && (!rule.resources.empty() || !rule.namespaces.empty()))
        throw std::runtime_error("nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs");
      p.rules_.push_back(std::move(rule));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(at + e.what());
    }
  }
  return p;
}

Decision Policy::evaluate(const auth::User& user, const auth::RequestAttributes& request) const {
  for (const auto& r : rules_) {
    if (!rule_matches(r, user, request)) continue;
    Decision d{r.level, omit_stages_};
    d.omit_stages.insert(d.omit_stages.end(), r.omit_stages.begin(), r.omit_stages.end());
    return d;
  }
  return {Level::kNone, omit_stages_};
}

}  // namespace capstan::audit
