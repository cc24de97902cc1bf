#pragma once
// Node placement rules, as k8s.io/component-helpers/scheduling/corev1 states them: whether a pod's
// required node affinity (spec.nodeSelector and requiredDuringSchedulingIgnoredDuringExecution)
// matches a node, and whether its tolerations tolerate a node's taints. The scheduler filters with
// them, the DaemonSet controller decides with them which nodes should run a daemon pod, and taint
// eviction asks which pods may stay on a tainted node: one statement of the rules for all three.
//
// The views are plain C++ (parsed once from the capnp readers), so callers that evaluate many
// node x pod pairs do not re-read annotations or strings.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capstan/core_v1.capnp.h"

namespace capstan::sdk::scheduling {

// A NodeSelectorRequirement (matchExpressions on labels, matchFields on node fields).
struct Requirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt, kInvalid };
  std::string key;
  Op op = Op::kIn;
  std::vector<std::string> values;
};

// One NodeSelectorTerm: its requirements are ANDed; the terms of a selector are ORed.
struct NodeSelectorTerm {
  std::vector<Requirement> match_expressions;  // on node labels
  std::vector<Requirement> match_fields;       // on node fields (only metadata.name exists)
};

struct Toleration {
  std::string key, op /* Exists, Equal or "" (Equal) */, value, effect;
  std::optional<int64_t> toleration_seconds;  // NoExecute only: how long the taint is tolerated
};

struct Taint {
  std::string key, value, effect;
};

using Labels = std::map<std::string, std::string>;

// A term matches when every requirement holds; an empty term matches nothing; a term with an
// invalid requirement (unknown operator, a matchFields key other than metadata.name, Gt/Lt
// without exactly one integer value) matches nothing, as upstream ignores terms it cannot parse.
bool term_matches(const NodeSelectorTerm& term, const Labels& labels, std::string_view node_name);

// nodeaffinity.GetRequiredNodeAffinity(pod): spec.nodeSelector and the required node affinity.
struct RequiredNodeAffinity {
  Labels node_selector;
  bool has_required_terms = false;  // requiredDuringScheduling... set (an empty term list matches nothing)
  std::vector<NodeSelectorTerm> terms;
  bool matches(const Labels& labels, std::string_view node_name) const;
};

// Toleration.ToleratesTaint: effects and keys match when equal or when the toleration's is empty;
// Exists matches any value, Equal (or no operator) the same value.
bool tolerates(const Toleration& toleration, const Taint& taint);
bool tolerated(const std::vector<Toleration>& tolerations, const Taint& taint);
// v1helper.FindMatchingUntoleratedTaint: the first taint passing `filter` that no toleration
// tolerates.
std::optional<Taint> find_untolerated_taint(const std::vector<Taint>& taints, const std::vector<Toleration>& tolerations,
                                            const std::function<bool(const Taint&)>& filter);

// ---- from the stored objects
Requirement::Op requirement_op(std::string_view op);
NodeSelectorTerm term_of(core::v1::NodeSelectorTerm::Reader term);
RequiredNodeAffinity required_node_affinity(core::v1::PodSpec::Reader spec);
std::vector<Toleration> tolerations_of(capnp::List<core::v1::Toleration>::Reader list);
std::vector<Taint> taints_of(capnp::List<core::v1::Taint>::Reader list);

// The taint keys Kubernetes' node controllers and the scheduler use (well_known_taints.go).
inline constexpr const char* kTaintNodeNotReady = "node.kubernetes.io/not-ready";
inline constexpr const char* kTaintNodeUnreachable = "node.kubernetes.io/unreachable";
inline constexpr const char* kTaintNodeUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr const char* kTaintNodeMemoryPressure = "node.kubernetes.io/memory-pressure";
inline constexpr const char* kTaintNodeDiskPressure = "node.kubernetes.io/disk-pressure";
inline constexpr const char* kTaintNodePIDPressure = "node.kubernetes.io/pid-pressure";
inline constexpr const char* kTaintNodeNetworkUnavailable = "node.kubernetes.io/network-unavailable";

}  // namespace capstan::sdk::scheduling
