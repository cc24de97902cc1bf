#pragma once
// kube-apiserver's DefaultTolerationSeconds admission plugin: every pod that does not already
// tolerate the node.kubernetes.io/not-ready and node.kubernetes.io/unreachable NoExecute taints
// gets a toleration for each with a time limit (300 s by default), so the node lifecycle
// controller evicts it that long after its node stopped answering rather than at once.

#include <cstdint>
#include <string>

#include "capstan/core_v1.capnp.h"

namespace capstan::workloads {

struct TolerationDefaults {
  int64_t not_ready_seconds = 300;    // --default-not-ready-toleration-seconds
  int64_t unreachable_seconds = 300;  // --default-unreachable-toleration-seconds

  // The workloads plugin's config keys defaultNotReadyTolerationSeconds and
  // defaultUnreachableTolerationSeconds (integers >= 0); missing or malformed keys keep 300.
  static TolerationDefaults parse(const std::string& config_json);
};

// Adds the missing default tolerations to a pod's spec; true when it changed anything. A
// toleration with the taint's key or an empty key, and effect NoExecute or empty, counts as
// already tolerating (upstream's rule: the pod's own choice is never overridden).
bool add_default_tolerations(core::v1::PodSpec::Builder spec, const TolerationDefaults& defaults);

}  // namespace capstan::workloads
