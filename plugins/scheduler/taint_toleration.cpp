#include "policies.hpp"

namespace capstan::scheduler {

bool tolerates(const std::vector<Toleration>& tolerations, const Taint& taint) {
  return sdk::scheduling::tolerated(tolerations, taint);
}

Status TaintToleration::filter(const PodInfo& pod, const NodeInfo& node) const {
  for (const auto& taint : node.taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (!tolerates(pod.tolerations, taint))
      return Status::unresolvable("node(s) had untolerated taint {" + taint.key + ": " + taint.value + "}");
  }
  return Status::success();
}

}  // namespace capstan::scheduler
