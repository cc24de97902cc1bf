#include "policies.hpp"

namespace capstan::scheduler {

bool tolerates(const std::vector<Toleration>& tolerations, const Taint& taint) {
  for (const auto& t : tolerations) {
    if (!t.effect.empty() && t.effect != taint.effect) continue;
    if (!t.key.empty() && t.key != taint.key) continue;
    if (t.op == "Exists") return true;  // an empty key with Exists tolerates everything
    if ((t.op.empty() || t.op == "Equal") && !t.key.empty() && t.value == taint.value) return true;
  }
  return false;
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
