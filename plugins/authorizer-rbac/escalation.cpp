#include "escalation.hpp"

#include <algorithm>

namespace capstan::rbac {

namespace {

bool has(const std::vector<std::string>& l, const std::string& v) { return std::find(l.begin(), l.end(), v) != l.end(); }

std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Go's %q of a []string: ["a" "b"].
std::string go_list(const std::vector<std::string>& l) {
  std::string out = "[";
  for (size_t i = 0; i < l.size(); ++i) out += (i ? " " : "") + go_quote(l[i]);
  return out + "]";
}

bool resource_covered(const std::vector<std::string>& owner, const std::string& resource) {
  if (has(owner, "*") || has(owner, resource)) return true;
  auto slash = resource.find('/');
  if (slash == std::string::npos) return false;
  for (const auto& o : owner) {
    if (o == resource.substr(0, slash) + "/*") return true;             // pods/* covers pods/log
    if (o == "*" + resource.substr(slash)) return true;                 // */scale covers deployments/scale
  }
  return false;
}

bool url_covered(const std::vector<std::string>& owner, const std::string& url) {
  for (const auto& o : owner) {
    if (o == "*" || o == url) return true;
    if (!o.empty() && o.back() == '*' && url.compare(0, o.size() - 1, o, 0, o.size() - 1) == 0) return true;
  }
  return false;
}

bool covers(const PolicyRule& owner, const PolicyRule& atom) {
  if (!has(owner.verbs, "*") && !has(owner.verbs, atom.verbs[0])) return false;
  if (!atom.non_resource_urls.empty()) return url_covered(owner.non_resource_urls, atom.non_resource_urls[0]);
  if (!has(owner.api_groups, "*") && !has(owner.api_groups, atom.api_groups[0])) return false;
  if (!resource_covered(owner.resources, atom.resources[0])) return false;
  if (owner.resource_names.empty()) return true;
  return !atom.resource_names.empty() && has(owner.resource_names, atom.resource_names[0]);
}

std::vector<PolicyRule> breakdown(const PolicyRule& r) {
  std::vector<PolicyRule> out;
  for (const auto& url : r.non_resource_urls)
    for (const auto& v : r.verbs) out.push_back({{v}, {}, {}, {}, {url}});
  for (const auto& g : r.api_groups)
    for (const auto& res : r.resources)
      for (const auto& v : r.verbs) {
        if (r.resource_names.empty()) out.push_back({{v}, {g}, {res}, {}, {}});
        else
          for (const auto& n : r.resource_names) out.push_back({{v}, {g}, {res}, {n}, {}});
      }
  return out;
}

}  // namespace

std::vector<PolicyRule> missing_rights(const std::vector<PolicyRule>& owner, const std::vector<PolicyRule>& requested) {
  std::vector<PolicyRule> missing;
  for (const auto& r : requested) {
    for (const auto& atom : breakdown(r)) {
      bool covered = std::any_of(owner.begin(), owner.end(), [&](const PolicyRule& o) { return covers(o, atom); });
      if (covered) continue;
      // Compact: one rule per group and resource without names, its verbs in order.
      bool merged = false;
      if (atom.resource_names.empty() && atom.non_resource_urls.empty()) {
        for (auto& m : missing) {
          if (m.resource_names.empty() && m.non_resource_urls.empty() && m.api_groups == atom.api_groups &&
              m.resources == atom.resources) {
            if (!has(m.verbs, atom.verbs[0])) m.verbs.push_back(atom.verbs[0]);
            merged = true;
            break;
          }
        }
      }
      if (!merged) missing.push_back(atom);
    }
  }
  std::sort(missing.begin(), missing.end(),
            [](const PolicyRule& a, const PolicyRule& b) { return compact_string(a) < compact_string(b); });
  return missing;
}

std::string compact_string(const PolicyRule& r) {
  std::vector<std::string> parts;
  if (!r.api_groups.empty()) parts.push_back("APIGroups:" + go_list(r.api_groups));
  if (!r.resources.empty()) parts.push_back("Resources:" + go_list(r.resources));
  if (!r.non_resource_urls.empty()) parts.push_back("NonResourceURLs:" + go_list(r.non_resource_urls));
  if (!r.resource_names.empty()) parts.push_back("ResourceNames:" + go_list(r.resource_names));
  if (!r.verbs.empty()) parts.push_back("Verbs:" + go_list(r.verbs));
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + "}";
}

std::string escalation_message(const std::string& group_resource, const std::string& name, const std::string& user,
                               const std::vector<std::string>& groups, const std::vector<PolicyRule>& missing) {
  std::string msg = group_resource + " " + go_quote(name) + " is forbidden: user " + go_quote(user) + " (groups=" +
                    go_list(groups) + ") is attempting to grant RBAC permissions not currently held:";
  for (const auto& m : missing) msg += "\n" + compact_string(m);
  return msg;
}

}  // namespace capstan::rbac
