@0x8676c4138e629776;
# storage.k8s.io/v1 kinds: StorageClass, CSIDriver, CSINode and VolumeAttachment, with the field
# names, JSON names and protobuf numbers of k8s.io/api/storage/v1 (release-1.33). Each root struct
# starts with apiVersion, kind and metadata. Go pointers to scalars (*bool, *int64) are
# $K8s.optional groups, so an absent value stays distinct from false or 0.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::storage::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";
using Storage = import "core_v1_storage.capnp";

struct StorageClass $K8s.doc("StorageClass describes the parameters for a class of storage for which PersistentVolumes can be dynamically provisioned. StorageClasses are non-namespaced; the name of the storage class according to etcd is in ObjectMeta.Name.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  provisioner @3 :Text $K8s.proto(2) $K8s.required $K8s.doc("provisioner indicates the type of the provisioner.");
  parameters @4 :List(K8s.StringEntry) $K8s.proto(3) $K8s.map $K8s.doc("parameters holds the parameters for the provisioner that should create volumes of this storage class.");
  reclaimPolicy @5 :Text $K8s.proto(4) $K8s.nullable $K8s.doc("reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.");
  mountOptions @6 :List(Text) $K8s.proto(5) $K8s.listType("atomic") $K8s.doc("mountOptions controls the mountOptions for dynamically provisioned PersistentVolumes of this storage class. e.g. [\"ro\", \"soft\"]. Not validated - mount of the PVs will simply fail if one is invalid.");
  allowVolumeExpansion :group $K8s.proto(6) $K8s.optional $K8s.doc("allowVolumeExpansion shows whether the storage class allow volume expand.") {
    union { unset @7 :Void; value @8 :Bool; }
  }
  volumeBindingMode @9 :Text $K8s.proto(7) $K8s.nullable $K8s.doc("volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used.");
  allowedTopologies @10 :List(Storage.TopologySelectorTerm) $K8s.proto(8) $K8s.listType("atomic") $K8s.doc("allowedTopologies restrict the node topologies where volumes can be dynamically provisioned. Each volume plugin defines its own supported topology specifications. An empty TopologySelectorTerm list means there is no topology restriction.");
}

struct TokenRequest $K8s.doc("TokenRequest contains parameters of a service account token.") {
  audience @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("audience is the intended audience of the token in \"TokenRequestSpec\". It will default to the audiences of kube apiserver.");
  expirationSeconds :group $K8s.proto(2) $K8s.optional $K8s.doc("expirationSeconds is the duration of validity of the token in \"TokenRequestSpec\". It has the same default value of \"ExpirationSeconds\" in \"TokenRequestSpec\".") {
    union { unset @1 :Void; value @2 :Int64; }
  }
}

struct CSIDriverSpec $K8s.doc("CSIDriverSpec is the specification of a CSIDriver.") {
  attachRequired :group $K8s.proto(1) $K8s.optional $K8s.doc("attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that Kubernetes should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting. This field is immutable.") {
    union { unset @0 :Void; value @1 :Bool; }
  }
  podInfoOnMount :group $K8s.proto(2) $K8s.optional $K8s.doc("podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true. Default is false.") {
    union { unset @2 :Void; value @3 :Bool; }
  }
  volumeLifecycleModes @4 :List(Text) $K8s.proto(3) $K8s.listType("set") $K8s.doc("volumeLifecycleModes defines what kind of volumes this CSI volume driver supports (Persistent, Ephemeral). The default if the list is empty is \"Persistent\". This field is immutable.");
  storageCapacity :group $K8s.proto(4) $K8s.optional $K8s.doc("storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true.") {
    union { unset @5 :Void; value @6 :Bool; }
  }
  fsGroupPolicy @7 :Text $K8s.proto(5) $K8s.nullable $K8s.doc("fsGroupPolicy defines if the underlying volume supports changing ownership and permission of the volume before being mounted (ReadWriteOnceWithFSType, File, None). Defaults to ReadWriteOnceWithFSType.");
  tokenRequests @8 :List(TokenRequest) $K8s.proto(6) $K8s.listType("atomic") $K8s.doc("tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication.");
  requiresRepublish :group $K8s.proto(7) $K8s.optional $K8s.doc("requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume. This field defaults to false.") {
    union { unset @9 :Void; value @10 :Bool; }
  }
  seLinuxMount :group $K8s.proto(8) $K8s.optional $K8s.doc("seLinuxMount specifies if the CSI driver supports \"-o context\" mount option. Default is \"false\".") {
    union { unset @11 :Void; value @12 :Bool; }
  }
  nodeAllocatableUpdatePeriodSeconds :group $K8s.proto(9) $K8s.optional $K8s.doc("nodeAllocatableUpdatePeriodSeconds specifies the interval between periodic updates of the CSINode allocatable capacity for this driver. The minimum allowed value for this field is 10 seconds.") {
    union { unset @13 :Void; value @14 :Int64; }
  }
}

struct CSIDriver $K8s.doc("CSIDriver captures information about a Container Storage Interface (CSI) volume driver deployed on the cluster. CSIDriver objects are non-namespaced; the name is the name of the CSI driver.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :CSIDriverSpec $K8s.proto(2) $K8s.required $K8s.doc("spec represents the specification of the CSI Driver.");
}

struct VolumeNodeResources $K8s.doc("VolumeNodeResources is a set of resource limits for scheduling of volumes.") {
  count :group $K8s.proto(1) $K8s.optional $K8s.doc("count indicates the maximum number of unique volumes managed by the CSI driver that can be used on a node. If this field is not specified, then the supported number of volumes on this node is unbounded.") {
    union { unset @0 :Void; value @1 :Int32; }
  }
}

struct CSINodeDriver $K8s.doc("CSINodeDriver holds information about the specification of one CSI driver installed on a node") {
  name @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("name represents the name of the CSI driver that this object refers to. This MUST be the same name returned by the CSI GetPluginName() call for that driver.");
  nodeID @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("nodeID of the node from the driver point of view (NodeGetInfo's node_id).");
  topologyKeys @2 :List(Text) $K8s.proto(3) $K8s.listType("atomic") $K8s.doc("topologyKeys is the list of keys supported by the driver.");
  allocatable @3 :VolumeNodeResources $K8s.proto(4) $K8s.nullable $K8s.doc("allocatable represents the volume resources of a node that are available for scheduling.");
}

struct CSINodeSpec $K8s.doc("CSINodeSpec holds information about the specification of all CSI drivers installed on a node") {
  drivers @0 :List(CSINodeDriver) $K8s.proto(1) $K8s.required $K8s.patchMergeKey("name") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("name")
      $K8s.doc("drivers is a list of information of all CSI Drivers existing on a node. If all drivers in the list are uninstalled, this can become empty.");
}

struct CSINode $K8s.doc("CSINode holds information about all CSI drivers installed on a node. CSINode has the same name as a node; it has an OwnerReference that points to the corresponding node object.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :CSINodeSpec $K8s.proto(2) $K8s.required $K8s.doc("spec is the specification of CSINode");
}

struct VolumeAttachmentSource $K8s.doc("VolumeAttachmentSource represents a volume that should be attached. Exactly one member can be set.") {
  persistentVolumeName @0 :Text $K8s.proto(1) $K8s.nullable $K8s.doc("persistentVolumeName represents the name of the persistent volume to attach.");
  inlineVolumeSpec @1 :Storage.PersistentVolumeSpec $K8s.proto(2) $K8s.nullable $K8s.doc("inlineVolumeSpec contains all the information necessary to attach a persistent volume defined by a pod's inline VolumeSource.");
}

struct VolumeAttachmentSpec $K8s.doc("VolumeAttachmentSpec is the specification of a VolumeAttachment request.") {
  attacher @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName().");
  source @1 :VolumeAttachmentSource $K8s.proto(2) $K8s.required $K8s.doc("source represents the volume that should be attached.");
  nodeName @2 :Text $K8s.proto(3) $K8s.required $K8s.doc("nodeName represents the node that the volume should be attached to.");
}

struct VolumeError $K8s.doc("VolumeError captures an error encountered during a volume operation.") {
  time @0 :Text $K8s.proto(1) $K8s.time $K8s.doc("time represents the time the error was encountered.");
  message @1 :Text $K8s.proto(2) $K8s.doc("message represents the error encountered during Attach or Detach operation.");
  errorCode :group $K8s.proto(3) $K8s.optional $K8s.doc("errorCode is a numeric gRPC code representing the error encountered during Attach or Detach operations.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
}

struct VolumeAttachmentStatus $K8s.doc("VolumeAttachmentStatus is the status of a VolumeAttachment request.") {
  attached :group $K8s.proto(1) $K8s.notNullable $K8s.optional $K8s.doc("attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher.") {
    union { unset @0 :Void; value @1 :Bool; }
  }
  attachmentMetadata @2 :List(K8s.StringEntry) $K8s.proto(2) $K8s.map $K8s.doc("attachmentMetadata is populated with any information returned by the attach operation, upon successful attach, that must be passed into subsequent WaitForAttach or Mount calls.");
  attachError @3 :VolumeError $K8s.proto(3) $K8s.nullable $K8s.doc("attachError represents the last error encountered during attach operation, if any.");
  detachError @4 :VolumeError $K8s.proto(4) $K8s.nullable $K8s.doc("detachError represents the last error encountered during detach operation, if any.");
}

struct VolumeAttachment $K8s.doc("VolumeAttachment captures the intent to attach or detach the specified volume to/from the specified node. VolumeAttachment objects are non-namespaced.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :VolumeAttachmentSpec $K8s.proto(2) $K8s.required $K8s.doc("spec represents specification of the desired attach/detach volume behavior. Populated by the Kubernetes system.");
  status @4 :VolumeAttachmentStatus $K8s.proto(3) $K8s.doc("status represents status of the VolumeAttachment request. Populated by the entity completing the attach or detach operation, i.e. the external-attacher.");
}
