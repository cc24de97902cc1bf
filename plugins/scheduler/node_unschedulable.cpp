#include "policies.hpp"

namespace capstan::scheduler {

Status NodeUnschedulable::filter(const PodInfo& pod, const NodeInfo& node) const {
  if (!node.unschedulable) return Status::success();
  // A pod that tolerates the unschedulable taint may still go there (as DaemonSet pods do).
  static const Taint kUnschedulableTaint{"node.kubernetes.io/unschedulable", "", "NoSchedule"};
  if (tolerates(pod.tolerations, kUnschedulableTaint)) return Status::success();
  return Status::unresolvable(kErrReasonUnschedulable);
}

}  // namespace capstan::scheduler
