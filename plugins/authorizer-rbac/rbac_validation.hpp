#pragma once
// kube-apiserver's validation of the RBAC kinds (pkg/apis/rbac/validation), with its messages:
// rules (verbs required; resource rules need API groups and resources; namespaced Roles cannot
// name non-resource URLs), roleRef (API group, kind, name; immutable on update) and subjects.

#include "capstan/plugin.hpp"

namespace capstan::rbac {

sdk::AdmissionResult validate(const sdk::AdmissionRequest& req);

}  // namespace capstan::rbac
