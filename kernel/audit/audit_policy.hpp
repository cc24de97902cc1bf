#pragma once
// The audit policy (audit.k8s.io/v1 Policy, kube-apiserver's --audit-policy-file): an ordered
// list of rules; the first rule that matches a request sets its level (None, Metadata, Request,
// RequestResponse) and the stages left out. No matching rule: None. Matching is upstream's
// (k8s.io/apiserver/pkg/audit/policy/checker.go): users, userGroups, verbs; namespaces and
// resources only for resource requests, nonResourceURLs only for the others.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/request_attributes.hpp"
#include "auth/user.hpp"

namespace capstan::audit {

enum class Level { kNone, kMetadata, kRequest, kRequestResponse };
const char* level_name(Level l);

// RequestReceived, ResponseStarted, ResponseComplete, Panic.
enum class Stage { kRequestReceived, kResponseStarted, kResponseComplete, kPanic };
const char* stage_name(Stage s);

struct GroupResources {
  std::string group;
  std::vector<std::string> resources, resource_names;
};

struct PolicyRule {
  Level level = Level::kNone;
  std::vector<std::string> users, user_groups, verbs, namespaces, non_resource_urls;
  std::vector<GroupResources> resources;
  std::vector<Stage> omit_stages;
};

struct Decision {
  Level level = Level::kNone;
  std::vector<Stage> omit_stages;
  bool omits(Stage s) const;
};

class Policy {
 public:
  // Reads a Policy document (YAML or JSON). Throws std::runtime_error naming the problem: not a
  // Policy, an unknown level or stage.
  static Policy parse(const nlohmann::json& document);

  Decision evaluate(const auth::User& user, const auth::RequestAttributes& request) const;
  bool omit_managed_fields() const { return omit_managed_fields_; }

 private:
  std::vector<PolicyRule> rules_;
  std::vector<Stage> omit_stages_;
  bool omit_managed_fields_ = false;
};

}  // namespace capstan::audit
