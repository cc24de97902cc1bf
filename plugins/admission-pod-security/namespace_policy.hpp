#pragma once
// A namespace's Pod Security policy, from its labels as the Pod Security admission reads them:
// pod-security.kubernetes.io/<mode>[-version] for the modes enforce, audit and warn; levels
// privileged, baseline, restricted; versions "latest" or "v1.<minor>". No label: privileged.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capstan/field_errors.hpp"

namespace capstan::pod_security {

enum class Level { kPrivileged, kBaseline, kRestricted };

struct LevelVersion {
  Level level = Level::kPrivileged;
  std::string version = "latest";
  std::string text() const;  // "restricted:latest", as upstream names it in messages
};

struct NamespacePolicy {
  LevelVersion enforce, audit, warn;
};

using Labels = std::vector<std::pair<std::string, std::string>>;

// The policy the labels ask for; a malformed label counts as upstream counts it (restricted,
// latest) — what matters for a namespace that was stored before the labels were checked.
NamespacePolicy policy_of(const Labels& labels);

// Upstream's refusals of malformed labels: `metadata.labels[pod-security.kubernetes.io/enforce]:
// Invalid value: "strict": must be one of privileged, baseline, restricted`.
sdk::field::Causes validate_labels(const Labels& labels);

}  // namespace capstan::pod_security
