#pragma once
// The claim checks of kube-scheduler's VolumeBinding PreFilter (release-1.33): a pod that names a
// PersistentVolumeClaim waits while the claim is missing, being deleted, or unbound with an
// Immediate binding mode (its class is Immediate, unknown, or it names none); an unbound claim of
// a WaitForFirstConsumer class does not hold the pod back (its volume follows the pod's node).
// Plain C++: the views are filled from the informers by the scheduler.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace capstan::scheduler {

struct ClaimView {
  bool deleting = false;
  bool bound = false;        // spec.volumeName set and pv.kubernetes.io/bind-completed present
  std::string class_name;    // the beta annotation, else spec.storageClassName ("" when none)
};

// The binding mode of a class: "Immediate", "WaitForFirstConsumer", or nullopt when the class
// does not exist.
using ClassModeLookup = std::function<std::optional<std::string>(const std::string& class_name)>;
using ClaimLookup = std::function<std::optional<ClaimView>(const std::string& claim_name)>;

// "" when the pod may be scheduled; otherwise the PreFilter's reason, e.g.
// `pod has unbound immediate PersistentVolumeClaims` or `persistentvolumeclaim "data" not found`.
std::string check_pod_claims(const std::vector<std::string>& claims, const ClaimLookup& claim, const ClassModeLookup& mode);

}  // namespace capstan::scheduler
