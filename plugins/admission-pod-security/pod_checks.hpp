#pragma once
// The Pod Security Standards' checks (k8s.io/pod-security-admission/policy, the latest version
// of each): which a pod fails at a level, each with upstream's reason and detail, so that the
// refusal reads as kube-apiserver's — `violates PodSecurity "restricted:latest":
// allowPrivilegeEscalation != false (container "c" must set
// securityContext.allowPrivilegeEscalation=false), ...`.

#include <string>
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/meta.capnp.h"
#include "namespace_policy.hpp"

namespace capstan::pod_security {

struct Violation {
  std::string check;   // the check's ID ("runAsNonRoot"), which orders the violations
  std::string reason;  // "runAsNonRoot != true"
  std::string detail;  // "pod or container \"c\" must set securityContext.runAsNonRoot=true"
};

// The checks `level` applies (a restricted check replaces the baseline check it overlaps),
// failed by the pod, ordered by check ID as upstream reports them. Privileged: none.
std::vector<Violation> evaluate(Level level, meta::ObjectMeta::Reader metadata, core::v1::PodSpec::Reader spec);

// "reason (detail), reason (detail)", upstream's aggregate of the violations.
std::string describe(const std::vector<Violation>& violations);

}  // namespace capstan::pod_security
