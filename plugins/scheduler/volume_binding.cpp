#include "policies.hpp"

namespace capstan::scheduler {

Status VolumeBinding::filter(const PodInfo& pod, const NodeInfo& node) const {
  if (!pod.volume_error.empty()) return Status::unresolvable(pod.volume_error);
  for (const auto& terms : pod.volume_affinity) {
    bool any = false;
    for (const auto& t : terms)
      if (sdk::scheduling::term_matches(t, node.labels, node.name)) {
        any = true;
        break;
      }
    if (!any) return Status::unresolvable(kErrReasonVolumeNodeConflict);
  }
  return Status::success();
}

}  // namespace capstan::scheduler
