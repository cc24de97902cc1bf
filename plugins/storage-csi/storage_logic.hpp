#pragma once
// The binder's and provisioner's decisions, on plain values so they are tested without a server:
// which existing PersistentVolume a claim binds to (upstream's findBestMatchForClaim), what a
// CreateVolume request for a claim holds (external-provisioner's rules), and the names,
// annotations and event messages upstream uses.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "csi_client.hpp"

namespace capstan::storage {

// Annotations and labels upstream's PV controller, external-provisioner and scheduler write.
inline constexpr const char* kAnnBindCompleted = "pv.kubernetes.io/bind-completed";
inline constexpr const char* kAnnBoundByController = "pv.kubernetes.io/bound-by-controller";
inline constexpr const char* kAnnStorageProvisioner = "volume.kubernetes.io/storage-provisioner";
inline constexpr const char* kAnnBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";
inline constexpr const char* kAnnProvisionedBy = "pv.kubernetes.io/provisioned-by";
inline constexpr const char* kAnnSelectedNode = "volume.kubernetes.io/selected-node";
inline constexpr const char* kAnnDefaultClass = "storageclass.kubernetes.io/is-default-class";
inline constexpr const char* kAnnBetaDefaultClass = "storageclass.beta.kubernetes.io/is-default-class";
// external-provisioner's finalizer on the PVs it provisions: the volume is deleted first.
inline constexpr const char* kProvisionerFinalizer = "external-provisioner.volume.kubernetes.io/finalizer";
// StorageClass parameters external-provisioner keeps for itself (never passed to the driver).
inline constexpr const char* kFsTypeParameter = "csi.storage.k8s.io/fstype";
// external-provisioner's --default-fstype is empty: without the class parameter no fsType is
// sent and the driver chooses (the host-path driver: xfs).
inline constexpr const char* kDefaultFsType = "";

struct ClaimView {
  std::string ns, name, uid;
  std::vector<std::string> access_modes;
  int64_t request_bytes = 0;
  std::string class_name;  // "" = no class (after defaulting)
  std::string volume_mode = "Filesystem";
  std::string volume_name;
};

struct PvView {
  std::string name, class_name, volume_mode = "Filesystem", phase;
  int64_t capacity_bytes = 0;
  std::vector<std::string> access_modes;
  std::string claim_ns, claim_name, claim_uid;  // claimRef
  bool deleting = false;
};

// The smallest PV a claim can bind to (upstream's findBestMatchForClaim): a PV pre-bound to the
// claim wins; others must be unbound, not being deleted, of the same class, the same volume mode,
// offer every access mode the claim asks for, hold at least the request and satisfy `extra` (the
// claim's selector, the selected node's affinity). nullopt: none.
std::optional<size_t> find_best_pv(const ClaimView& claim, const std::vector<PvView>& pvs,
                                   const std::function<bool(const PvView&)>& extra);

// "pvc-<claim uid>", the name external-provisioner gives the PV (and the CreateVolume name).
std::string pv_name_for(const std::string& claim_uid);

// The CSI access mode of a Kubernetes one (external-provisioner's getAccessMode).
csi::AccessMode csi_access_mode(const std::string& mode);

// The CreateVolume request for a claim of a class: name, capacity (required = the request, no
// limit), one mount capability per access mode with the class's fsType, the parameters without
// external-provisioner's own csi.storage.k8s.io/ keys, and the requisite/preferred topology of the
// selected node (its values for the driver's topology keys) when there is one. Sets `error` for a
// parameter external-provisioner refuses.
csi::CreateVolumeRequest create_request(const ClaimView& claim, const std::map<std::string, std::string>& parameters,
                                        const std::vector<std::string>& mount_options,
                                        const std::optional<csi::Topology>& selected_node_topology,
                                        std::string& fs_type, std::string& error);

// Node affinity terms of a provisioned PV from the volume's accessible topology: one
// nodeSelectorTerm per topology, each segment a `key In [value]` requirement.
struct NodeTerm {
  std::vector<std::pair<std::string, std::string>> in;  // key In [value]
};
std::vector<NodeTerm> node_affinity(const std::vector<csi::Topology>& topology);

// ---- expansion (kube-controller-manager's expand controller + external-resizer, with 1.33's
// RecoverVolumeExpansionFailure)

inline constexpr const char* kAnnStorageResizer = "volume.kubernetes.io/storage-resizer";
// PVC condition types and allocatedResourceStatuses values.
inline constexpr const char* kConditionResizing = "Resizing";
inline constexpr const char* kConditionFileSystemResizePending = "FileSystemResizePending";
inline constexpr const char* kConditionControllerResizeError = "ControllerResizeError";
inline constexpr const char* kConditionNodeResizeError = "NodeResizeError";
inline constexpr const char* kControllerResizeInProgress = "ControllerResizeInProgress";
inline constexpr const char* kControllerResizeInfeasible = "ControllerResizeInfeasible";
inline constexpr const char* kNodeResizePending = "NodeResizePending";
inline constexpr const char* kNodeResizeInProgress = "NodeResizeInProgress";
inline constexpr const char* kNodeResizeInfeasible = "NodeResizeInfeasible";
inline constexpr const char* kExternalExpandingMessage = "waiting for an external controller to expand this PVC";
inline constexpr const char* kFileSystemResizePendingMessage =
    "Waiting for user to (re-)start a pod to finish file system resize of volume on node.";

// What the resizer knows of one bound claim and its volume.
struct ResizeState {
  int64_t spec_bytes = 0;    // spec.resources.requests.storage
  int64_t status_bytes = 0;  // status.capacity.storage
  int64_t pv_bytes = 0;      // the PV's spec.capacity.storage
  std::optional<int64_t> allocated_bytes;  // status.allocatedResources.storage
  std::string resize_status;               // status.allocatedResourceStatuses.storage
  bool fs_resize_pending = false;          // a FileSystemResizePending condition
};

// Whether the claim needs the resizer at all (external-resizer's pvcNeedResize): its request is
// above its capacity.
inline bool claim_needs_resize(const ResizeState& s) { return s.spec_bytes > s.status_bytes; }

// external-resizer's expandAndRecover decision: the size to call ControllerExpandVolume with, or
// nullopt to leave the claim as it is (a node expansion pending, nothing to do).
struct ResizeDecision {
  int64_t new_bytes = 0;
  bool update_status = true;  // false: allocatedResources already says new_bytes
};
std::optional<ResizeDecision> resize_decision(const ResizeState& s);

// A PersistentVolumeClaim condition, and upstream's MergeResizeConditionsOfPVC: conditions of other
// types are kept; the resize ones (Resizing, FileSystemResizePending, ControllerResizeError,
// NodeResizeError) become `add`, keeping an existing condition of the same type and status as it
// was (its lastTransitionTime).
struct ClaimCondition {
  std::string type, status, last_probe_time, last_transition_time, reason, message;
};
std::vector<ClaimCondition> merge_resize_conditions(const std::vector<ClaimCondition>& have,
                                                    const std::vector<ClaimCondition>& add);

// Whether a failed ControllerExpandVolume is infeasible (retrying the same size cannot help):
// InvalidArgument, OutOfRange, NotFound.
bool resize_infeasible(int code);

// Upstream's event messages.
std::string external_provisioning_message(const std::string& provisioner);
inline constexpr const char* kWaitForFirstConsumerMessage =
    "waiting for first consumer to be created before binding";
inline constexpr const char* kNoVolumeNoClassMessage =
    "no persistent volumes available for this claim and no storage class is set";

}  // namespace capstan::storage
