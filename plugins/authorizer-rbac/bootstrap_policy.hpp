#pragma once
// The roles and bindings every cluster starts with, as kube-apiserver's bootstrap policy
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin for system:masters; the
// user-facing admin, edit and view, aggregated from the system:aggregate-to-* roles (and from any
// role a user labels rbac.authorization.k8s.io/aggregate-to-<role>: "true"); discovery, basic-user
// (access reviews) and public-info-viewer. Each carries the label kubernetes.io/bootstrapping:
// rbac-defaults and the annotation rbac.authorization.kubernetes.io/autoupdate: "true"; at every
// start the missing ones are created and those still marked autoupdate are reconciled.

#include <map>
#include <string>
#include <vector>

#include "policy_rule.hpp"

namespace capstan::rbac {

struct BootstrapRole {
  std::string name;
  std::map<std::string, std::string> labels;  // beyond the bootstrapping label
  std::vector<PolicyRule> rules;
  std::vector<std::string> aggregate_from;  // aggregationRule: one matchLabels selector per label key, value "true"
};

struct BootstrapBinding {
  std::string name, role;
  std::vector<std::pair<std::string, std::string>> subjects;  // (kind, name)
};

const std::vector<BootstrapRole>& bootstrap_cluster_roles();
const std::vector<BootstrapBinding>& bootstrap_cluster_role_bindings();

}  // namespace capstan::rbac
