@0xe58ada3eb29c9d14;
# core/v1 PersistentVolume and PersistentVolumeClaim (the "" API group), with the field names,
# JSON names and protobuf numbers of k8s.io/api/core/v1 (release-1.33). Each root struct starts
# with apiVersion, kind and metadata. Of PersistentVolumeSource's many in-tree sources only those
# Capstan can serve are here (hostPath, nfs, local, csi); the others are appended when needed.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::core::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";
using Core = import "core_v1.capnp";

struct TypedLocalObjectReference $K8s.doc("TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.") {
  apiGroup @0 :Text $K8s.proto(1) $K8s.nullable $K8s.doc("APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group. For any other third-party types, APIGroup is required.");
  kind @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Kind is the type of resource being referenced");
  name @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Name is the name of resource being referenced");
}

struct TypedObjectReference $K8s.doc("TypedObjectReference contains enough information to let you locate the typed referenced object") {
  apiGroup @0 :Text $K8s.proto(1) $K8s.nullable $K8s.doc("APIGroup is the group for the resource being referenced. If APIGroup is not specified, the specified Kind must be in the core API group. For any other third-party types, APIGroup is required.");
  kind @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Kind is the type of resource being referenced");
  name @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("Name is the name of resource being referenced");
  namespace @3 :Text $K8s.proto(4) $K8s.nullable $K8s.doc("Namespace is the namespace of resource being referenced.");
}

struct VolumeResourceRequirements $K8s.doc("VolumeResourceRequirements describes the storage resource requirements for a volume.") {
  limits @0 :List(K8s.QuantityEntry) $K8s.proto(1) $K8s.map $K8s.doc("Limits describes the maximum amount of compute resources allowed.");
  requests @1 :List(K8s.QuantityEntry) $K8s.proto(2) $K8s.map $K8s.doc("Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value. Requests cannot exceed Limits.");
}

struct SecretReference $K8s.doc("SecretReference represents a Secret Reference. It has enough information to retrieve secret in any namespace") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is unique within a namespace to reference a secret resource.");
  namespace @1 :Text $K8s.proto(2) $K8s.doc("namespace defines the space within which the secret name must be unique.");
}

struct CSIPersistentVolumeSource $K8s.doc("Represents storage that is managed by an external CSI volume driver") {
  driver @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("driver is the name of the driver to use for this volume. Required.");
  volumeHandle @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("volumeHandle is the unique volume name returned by the CSI volume plugin’s CreateVolume to refer to the volume on all subsequent calls. Required.");
  readOnly @2 :Bool $K8s.proto(3) $K8s.doc("readOnly value to pass to ControllerPublishVolumeRequest. Defaults to false (read/write).");
  fsType @3 :Text $K8s.proto(4) $K8s.doc("fsType to mount. Must be a filesystem type supported by the host operating system. Ex. \"ext4\", \"xfs\", \"ntfs\".");
  volumeAttributes @4 :List(K8s.StringEntry) $K8s.proto(5) $K8s.map $K8s.doc("volumeAttributes of the volume to publish.");
  controllerPublishSecretRef @5 :SecretReference $K8s.proto(6) $K8s.nullable $K8s.doc("controllerPublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI ControllerPublishVolume and ControllerUnpublishVolume calls.");
  nodeStageSecretRef @6 :SecretReference $K8s.proto(7) $K8s.nullable $K8s.doc("nodeStageSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodeStageVolume and NodeStageVolume and NodeUnstageVolume calls.");
  nodePublishSecretRef @7 :SecretReference $K8s.proto(8) $K8s.nullable $K8s.doc("nodePublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodePublishVolume and NodeUnpublishVolume calls.");
  controllerExpandSecretRef @8 :SecretReference $K8s.proto(9) $K8s.nullable $K8s.doc("controllerExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI ControllerExpandVolume call.");
  nodeExpandSecretRef @9 :SecretReference $K8s.proto(10) $K8s.nullable $K8s.doc("nodeExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodeExpandVolume call.");
}

struct LocalVolumeSource $K8s.doc("Local represents directly-attached storage with node affinity") {
  path @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("path of the full path to the volume on the node. It can be either a directory or block device (disk, partition, ...).");
  fsType @1 :Text $K8s.proto(2) $K8s.nullable $K8s.doc("fsType is the filesystem type to mount. It applies only when the Path is a block device.");
}

struct NFSVolumeSource $K8s.doc("Represents an NFS mount that lasts the lifetime of a pod. NFS volumes do not support ownership management or SELinux relabeling.") {
  server @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("server is the hostname or IP address of the NFS server.");
  path @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("path that is exported by the NFS server.");
  readOnly @2 :Bool $K8s.proto(3) $K8s.doc("readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.");
}

struct VolumeNodeAffinity $K8s.doc("VolumeNodeAffinity defines constraints that limit what nodes this volume can be accessed from.") {
  required @0 :Core.NodeSelector $K8s.proto(1) $K8s.nullable $K8s.doc("required specifies hard node constraints that must be met.");
}

struct PersistentVolumeSpec $K8s.doc("PersistentVolumeSpec is the specification of a persistent volume.") {
  capacity @0 :List(K8s.QuantityEntry) $K8s.proto(1) $K8s.map $K8s.doc("capacity is the description of the persistent volume's resources and capacity.");
  # PersistentVolumeSource, inline in JSON, its own message (2) on the protobuf wire.
  hostPath @1 :Core.HostPathVolumeSource $K8s.proto(3) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("hostPath represents a directory on the host. Provisioned by a developer or tester. This is useful for single-node development and testing only! On-host storage is not supported in any way and WILL NOT WORK in a multi-node cluster.");
  nfs @2 :NFSVolumeSource $K8s.proto(5) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("nfs represents an NFS mount on the host. Provisioned by an admin.");
  local @3 :LocalVolumeSource $K8s.proto(20) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("local represents directly-attached storage with node affinity");
  csi @4 :CSIPersistentVolumeSource $K8s.proto(22) $K8s.protoEmbedded(2) $K8s.nullable $K8s.doc("csi represents storage that is handled by an external CSI driver.");
  accessModes @5 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("accessModes contains all ways the volume can be mounted (ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod).");
  claimRef @6 :Meta.ObjectReference $K8s.proto(4) $K8s.nullable $K8s.doc("claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC.");
  persistentVolumeReclaimPolicy @7 :Text $K8s.proto(5) $K8s.doc("persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated).");
  storageClassName @8 :Text $K8s.proto(6) $K8s.doc("storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass.");
  mountOptions @9 :List(Text) $K8s.proto(7) $K8s.listType("atomic") $K8s.doc("mountOptions is the list of mount options, e.g. [\"ro\", \"soft\"]. Not validated - mount will simply fail if one is invalid.");
  volumeMode @10 :Text $K8s.proto(8) $K8s.nullable $K8s.doc("volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.");
  nodeAffinity @11 :VolumeNodeAffinity $K8s.proto(9) $K8s.nullable $K8s.doc("nodeAffinity defines constraints that limit what nodes this volume can be accessed from. This field influences the scheduling of pods that use this volume.");
  volumeAttributesClassName @12 :Text $K8s.proto(10) $K8s.nullable $K8s.doc("Name of VolumeAttributesClass to which this persistent volume belongs. Empty value is not allowed. When this field is not set, it indicates that this volume does not belong to any VolumeAttributesClass.");
}

struct PersistentVolumeStatus $K8s.doc("PersistentVolumeStatus is the current status of a persistent volume.") {
  phase @0 :Text $K8s.proto(1) $K8s.doc("phase indicates if a volume is available, bound to a claim, or released by a claim (Pending, Available, Bound, Released, Failed).");
  message @1 :Text $K8s.proto(2) $K8s.doc("message is a human-readable message indicating details about why the volume is in this state.");
  reason @2 :Text $K8s.proto(3) $K8s.doc("reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.");
  lastPhaseTransitionTime @3 :Text $K8s.proto(4) $K8s.time $K8s.nullable $K8s.doc("lastPhaseTransitionTime is the time the phase transitioned from one to another and automatically resets to current time everytime a volume phase transitions.");
}

struct PersistentVolume $K8s.doc("PersistentVolume (PV) is a storage resource provisioned by an administrator. It is analogous to a node.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :PersistentVolumeSpec $K8s.proto(2) $K8s.doc("spec defines a specification of a persistent volume owned by the cluster. Provisioned by an administrator.");
  status @4 :PersistentVolumeStatus $K8s.proto(3) $K8s.doc("status represents the current information/status for the persistent volume. Populated by the system. Read-only.");
}

struct PersistentVolumeClaimSpec $K8s.doc("PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes") {
  accessModes @0 :List(Text) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("accessModes contains the desired access modes the volume should have.");
  selector @1 :Meta.LabelSelector $K8s.proto(4) $K8s.nullable $K8s.doc("selector is a label query over volumes to consider for binding.");
  resources @2 :VolumeResourceRequirements $K8s.proto(2) $K8s.doc("resources represents the minimum resources the volume should have. Users are allowed to specify resource requirements that are lower than previous value but must still be higher than capacity recorded in the status field of the claim.");
  volumeName @3 :Text $K8s.proto(3) $K8s.doc("volumeName is the binding reference to the PersistentVolume backing this claim.");
  storageClassName @4 :Text $K8s.proto(5) $K8s.nullable $K8s.doc("storageClassName is the name of the StorageClass required by the claim. \"\" means no class; an absent field means the default class.");
  volumeMode @5 :Text $K8s.proto(6) $K8s.nullable $K8s.doc("volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.");
  dataSource @6 :TypedLocalObjectReference $K8s.proto(7) $K8s.nullable $K8s.doc("dataSource field can be used to specify either an existing VolumeSnapshot object, an existing PVC (PersistentVolumeClaim) or an existing custom resource that implements data population.");
  dataSourceRef @7 :TypedObjectReference $K8s.proto(8) $K8s.nullable $K8s.doc("dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired.");
  volumeAttributesClassName @8 :Text $K8s.proto(9) $K8s.nullable $K8s.doc("volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.");
}

struct PersistentVolumeClaimCondition $K8s.doc("PersistentVolumeClaimCondition contains details about state of pvc") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of the condition (Resizing, FileSystemResizePending, ...).");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status of the condition, one of True, False, Unknown.");
  lastProbeTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("lastProbeTime is the time we probed the condition.");
  lastTransitionTime @3 :Text $K8s.proto(4) $K8s.time $K8s.doc("lastTransitionTime is the time the condition transitioned from one status to another.");
  reason @4 :Text $K8s.proto(5) $K8s.doc("reason is a unique, this should be a short, machine understandable string that gives the reason for condition's last transition.");
  message @5 :Text $K8s.proto(6) $K8s.doc("message is the human-readable message indicating details about last transition.");
}

struct ModifyVolumeStatus $K8s.doc("ModifyVolumeStatus represents the status object of ControllerModifyVolume operation") {
  targetVolumeAttributesClassName @0 :Text $K8s.proto(1) $K8s.doc("targetVolumeAttributesClassName is the name of the VolumeAttributesClass the PVC currently being reconciled");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("status is the status of the ControllerModifyVolume operation (Pending, InProgress, Infeasible).");
}

struct PersistentVolumeClaimStatus $K8s.doc("PersistentVolumeClaimStatus is the current status of a persistent volume claim.") {
  phase @0 :Text $K8s.proto(1) $K8s.doc("phase represents the current phase of PersistentVolumeClaim (Pending, Bound, Lost).");
  accessModes @1 :List(Text) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("accessModes contains the actual access modes the volume backing the PVC has.");
  capacity @2 :List(K8s.QuantityEntry) $K8s.proto(3) $K8s.map $K8s.doc("capacity represents the actual resources of the underlying volume.");
  conditions @3 :List(PersistentVolumeClaimCondition) $K8s.proto(4) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type")
      $K8s.doc("conditions is the current Condition of persistent volume claim. If underlying persistent volume is being resized then the Condition will be set to 'Resizing'.");
  allocatedResources @4 :List(K8s.QuantityEntry) $K8s.proto(5) $K8s.map $K8s.doc("allocatedResources tracks the resources allocated to a PVC including its capacity.");
  allocatedResourceStatuses @5 :List(K8s.StringEntry) $K8s.proto(7) $K8s.map $K8s.doc("allocatedResourceStatuses stores status of resource being resized for the given PVC (ControllerResizeInProgress, ControllerResizeInfeasible, NodeResizePending, NodeResizeInProgress, NodeResizeInfeasible).");
  currentVolumeAttributesClassName @6 :Text $K8s.proto(8) $K8s.nullable $K8s.doc("currentVolumeAttributesClassName is the current name of the VolumeAttributesClass the PVC is using.");
  modifyVolumeStatus @7 :ModifyVolumeStatus $K8s.proto(9) $K8s.nullable $K8s.doc("ModifyVolumeStatus represents the status object of ControllerModifyVolume operation. When this is unset, there is no ModifyVolume operation being attempted.");
}

struct PersistentVolumeClaim $K8s.doc("PersistentVolumeClaim is a user's request for and claim to a persistent volume") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :PersistentVolumeClaimSpec $K8s.proto(2) $K8s.doc("spec defines the desired characteristics of a volume requested by a pod author.");
  status @4 :PersistentVolumeClaimStatus $K8s.proto(3) $K8s.doc("status represents the current information/status of a persistent volume claim. Read-only.");
}

struct TopologySelectorLabelRequirement $K8s.doc("A topology selector requirement is a selector that matches given label.") {
  key @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("The label key that the selector applies to.");
  values @1 :List(Text) $K8s.proto(2) $K8s.required $K8s.listType("atomic") $K8s.doc("An array of string values. One value must match the label to be selected. Each entry in Values is ORed.");
}

struct TopologySelectorTerm $K8s.doc("A topology selector term represents the result of label queries. A null or empty topology selector term matches no objects. The requirements of them are ANDed.") {
  matchLabelExpressions @0 :List(TopologySelectorLabelRequirement) $K8s.proto(1) $K8s.listType("atomic") $K8s.doc("A list of topology selector requirements by labels.");
}
