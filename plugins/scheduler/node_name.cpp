#include "policies.hpp"

namespace capstan::scheduler {

Status NodeName::filter(const PodInfo& pod, const NodeInfo& node) const {
  if (pod.node_name.empty() || pod.node_name == node.name) return Status::success();
  return Status::unresolvable(kErrReasonNodeName);
}

}  // namespace capstan::scheduler
