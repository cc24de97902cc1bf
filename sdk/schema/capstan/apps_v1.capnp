@0xf111b3606c73f01c;
# apps/v1 kinds. Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::apps::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";
using Core = import "core_v1.capnp";
using CoreStorage = import "core_v1_storage.capnp";

struct ReplicaSetCondition {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of replica set condition.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status of the condition, one of True, False, Unknown.");
  lastTransitionTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("The last time the condition transitioned from one status to another.");
  reason @3 :Text $K8s.proto(4) $K8s.doc("The reason for the condition's last transition.");
  message @4 :Text $K8s.proto(5) $K8s.doc("A human readable message indicating details about the transition.");
}

struct ReplicaSetSpec $K8s.doc("ReplicaSetSpec is the specification of a ReplicaSet.") {
  replicas :group $K8s.proto(1) $K8s.optional
      $K8s.doc("Replicas is the number of desired replicas. Defaults to 1.") {
    union { unset @0 :Void; value @1 :Int32; }
  }
  minReadySeconds @2 :Int32 $K8s.proto(4) $K8s.doc("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.");
  selector @3 :Meta.LabelSelector $K8s.proto(2) $K8s.nullable $K8s.required
      $K8s.doc("Selector is a label query over pods that should match the replica count. Label keys and values that must match in order to be controlled by this replica set. It must match the pod template's labels.");
  template @4 :Core.PodTemplateSpec $K8s.proto(3) $K8s.doc("Template is the object that describes the pod that will be created if insufficient replicas are detected.");
}

struct ReplicaSetStatus $K8s.doc("ReplicaSetStatus represents the current status of a ReplicaSet.") {
  replicas @0 :Int32 $K8s.proto(1) $K8s.doc("Replicas is the most recently observed number of replicas.");
  fullyLabeledReplicas @1 :Int32 $K8s.proto(2) $K8s.doc("The number of pods that have labels matching the labels of the pod template of the replicaset.");
  readyReplicas @2 :Int32 $K8s.proto(4) $K8s.doc("The number of ready replicas for this replica set.");
  availableReplicas @3 :Int32 $K8s.proto(5) $K8s.doc("The number of available replicas (ready for at least minReadySeconds) for this replica set.");
  observedGeneration @4 :Int64 $K8s.proto(3) $K8s.doc("ObservedGeneration reflects the generation of the most recently observed ReplicaSet.");
  conditions @5 :List(ReplicaSetCondition) $K8s.proto(6) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type")
      $K8s.doc("Represents the latest available observations of a replica set's current state.");
}

struct ReplicaSet $K8s.doc("ReplicaSet ensures that a specified number of pod replicas are running at any given time.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :ReplicaSetSpec $K8s.proto(2) $K8s.doc("Spec defines the specification of the desired behavior of the ReplicaSet.");
  status @4 :ReplicaSetStatus $K8s.proto(3) $K8s.doc("Status is the most recently observed status of the ReplicaSet. Read-only.");
}

struct RollingUpdateDeployment $K8s.doc("Spec to control the desired behavior of rolling update.") {
  maxUnavailable @0 :K8s.IntOrString $K8s.proto(1) $K8s.nullable
      $K8s.doc("The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.");
  maxSurge @1 :K8s.IntOrString $K8s.proto(2) $K8s.nullable
      $K8s.doc("The maximum number of pods that can be scheduled above the desired number of pods. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Defaults to 25%.");
}

struct DeploymentStrategy $K8s.doc("DeploymentStrategy describes how to replace existing pods with new ones.") {
  type @0 :Text $K8s.proto(1) $K8s.doc("Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is RollingUpdate.");
  rollingUpdate @1 :RollingUpdateDeployment $K8s.proto(2) $K8s.nullable $K8s.doc("Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.");
}

struct DeploymentSpec $K8s.doc("DeploymentSpec is the specification of the desired behavior of the Deployment.") {
  replicas :group $K8s.proto(1) $K8s.optional
      $K8s.doc("Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.") {
    union { unset @0 :Void; value @1 :Int32; }
  }
  selector @2 :Meta.LabelSelector $K8s.proto(2) $K8s.nullable $K8s.required
      $K8s.doc("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.");
  template @3 :Core.PodTemplateSpec $K8s.proto(3) $K8s.required
      $K8s.doc("Template describes the pods that will be created. The only allowed template.spec.restartPolicy value is \"Always\".");
  strategy @4 :DeploymentStrategy $K8s.proto(4) $K8s.patchStrategy("retainKeys")
      $K8s.doc("The deployment strategy to use to replace existing pods with new ones.");
  minReadySeconds @5 :Int32 $K8s.proto(5) $K8s.doc("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0.");
  revisionHistoryLimit :group $K8s.proto(6) $K8s.optional
      $K8s.doc("The number of old ReplicaSets to retain to allow rollback. Defaults to 10.") {
    union { unset @6 :Void; value @7 :Int32; }
  }
  paused @8 :Bool $K8s.proto(7) $K8s.doc("Indicates that the deployment is paused.");
  progressDeadlineSeconds :group $K8s.proto(9) $K8s.optional
      $K8s.doc("The maximum time in seconds for a deployment to make progress before it is considered to be failed. Defaults to 600s.") {
    union { unset @9 :Void; value @10 :Int32; }
  }
}

struct DeploymentCondition {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of deployment condition.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status of the condition, one of True, False, Unknown.");
  lastUpdateTime @2 :Text $K8s.proto(6) $K8s.time $K8s.doc("The last time this condition was updated.");
  lastTransitionTime @3 :Text $K8s.proto(7) $K8s.time $K8s.doc("Last time the condition transitioned from one status to another.");
  reason @4 :Text $K8s.proto(4) $K8s.doc("The reason for the condition's last transition.");
  message @5 :Text $K8s.proto(5) $K8s.doc("A human readable message indicating details about the transition.");
}

struct DeploymentStatus $K8s.doc("DeploymentStatus is the most recently observed status of the Deployment.") {
  observedGeneration @0 :Int64 $K8s.proto(1) $K8s.doc("The generation observed by the deployment controller.");
  replicas @1 :Int32 $K8s.proto(2) $K8s.doc("Total number of non-terminated pods targeted by this deployment (their labels match the selector).");
  updatedReplicas @2 :Int32 $K8s.proto(3) $K8s.doc("Total number of non-terminated pods targeted by this deployment that have the desired template spec.");
  readyReplicas @3 :Int32 $K8s.proto(7) $K8s.doc("Total number of ready pods targeted by this deployment.");
  availableReplicas @4 :Int32 $K8s.proto(4) $K8s.doc("Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.");
  unavailableReplicas @5 :Int32 $K8s.proto(5) $K8s.doc("Total number of unavailable pods targeted by this deployment.");
  conditions @6 :List(DeploymentCondition) $K8s.proto(6) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type")
      $K8s.doc("Represents the latest available observations of a deployment's current state.");
  collisionCount :group $K8s.proto(8) $K8s.optional
      $K8s.doc("Count of hash collisions for the Deployment, used as a collision avoidance mechanism when it needs to create the name for the newest ReplicaSet.") {
    union { unset @7 :Void; value @8 :Int32; }
  }
}

struct Deployment $K8s.doc("Deployment enables declarative updates for Pods and ReplicaSets.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :DeploymentSpec $K8s.proto(2) $K8s.doc("Specification of the desired behavior of the Deployment.");
  status @4 :DeploymentStatus $K8s.proto(3) $K8s.doc("Most recently observed status of the Deployment.");
}

# ---- DaemonSet and ControllerRevision (k8s.io/api/apps/v1, release-1.33). Go value fields that
# JSON always writes (json:"x" without omitempty) and that are often zero are $K8s.optional
# $K8s.notNullable groups, so `numberMisscheduled: 0` survives as it does upstream.

struct ControllerRevision $K8s.doc("ControllerRevision implements an immutable snapshot of state data. Clients are responsible for serializing and deserializing the objects that contain their internal state. Once a ControllerRevision has been successfully created, it can not be updated. The API Server will fail validation of all requests that attempt to mutate the Data field. ControllerRevisions may, however, be deleted. Note that, due to its use by both the DaemonSet and StatefulSet controllers for update and rollback, this object is beta. However, it may be subject to name and representation changes in future releases, and clients should not depend on its stability. It is primarily for internal use by controllers.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  data @3 :Text $K8s.proto(2) $K8s.rawJson $K8s.doc("Data is the serialized representation of the state.");
  revision :group $K8s.proto(3) $K8s.notNullable $K8s.optional $K8s.doc("Revision indicates the revision of the state represented by Data.") {
    union { unset @4 :Void; value @5 :Int64; }
  }
}

struct RollingUpdateDaemonSet $K8s.doc("Spec to control the desired behavior of daemon set rolling update.") {
  maxUnavailable @0 :K8s.IntOrString $K8s.proto(1) $K8s.nullable $K8s.doc("The maximum number of DaemonSet pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of total number of DaemonSet pods at the start of the update (ex: 10%). Absolute number is calculated from percentage by rounding up. This cannot be 0 if MaxSurge is 0 Default value is 1. Example: when this is set to 30%, at most 30% of the total number of nodes that should be running the daemon pod (i.e. status.desiredNumberScheduled) can have their pods stopped for an update at any given time. The update starts by stopping at most 30% of those DaemonSet pods and then brings up new DaemonSet pods in their place. Once the new pods are available, it then proceeds onto other DaemonSet pods, thus ensuring that at least 70% of original number of DaemonSet pods are available at all times during the update.");
  maxSurge @1 :K8s.IntOrString $K8s.proto(2) $K8s.nullable $K8s.doc("The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). This can not be 0 if MaxUnavailable is 0. Absolute number is calculated from percentage by rounding up to a minimum of 1. Default value is 0. Example: when this is set to 30%, at most 30% of the total number of nodes that should be running the daemon pod (i.e. status.desiredNumberScheduled) can have their a new pod created before the old pod is marked as deleted. The update starts by launching new pods on 30% of nodes. Once an updated pod is available (Ready for at least minReadySeconds) the old DaemonSet pod on that node is marked deleted. If the old pod becomes unavailable for any reason (Ready transitions to false, is evicted, or is drained) an updated pod is immediatedly created on that node without considering surge limits. Allowing surge implies the possibility that the resources consumed by the daemonset on any given node can double if the readiness check fails, and so resource intensive daemonsets should take into account that they may cause evictions during disruption.");
}

struct DaemonSetUpdateStrategy $K8s.doc("DaemonSetUpdateStrategy is a struct used to control the update strategy for a DaemonSet.") {
  type @0 :Text $K8s.proto(1) $K8s.doc("Type of daemon set update. Can be \"RollingUpdate\" or \"OnDelete\". Default is RollingUpdate.");
  rollingUpdate @1 :RollingUpdateDaemonSet $K8s.proto(2) $K8s.nullable $K8s.doc("Rolling update config params. Present only if type = \"RollingUpdate\".");
}

struct DaemonSetSpec $K8s.doc("DaemonSetSpec is the specification of a daemon set.") {
  selector @0 :Meta.LabelSelector $K8s.proto(1) $K8s.nullable $K8s.doc("A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors");
  template @1 :Core.PodTemplateSpec $K8s.proto(2) $K8s.doc("An object that describes the pod that will be created. The DaemonSet will create exactly one copy of this pod on every node that matches the template's node selector (or on every node if no node selector is specified). The only allowed template.spec.restartPolicy value is \"Always\". More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#pod-template");
  updateStrategy @2 :DaemonSetUpdateStrategy $K8s.proto(3) $K8s.doc("An update strategy to replace existing DaemonSet pods with new pods.");
  minReadySeconds @3 :Int32 $K8s.proto(4) $K8s.doc("The minimum number of seconds for which a newly created DaemonSet pod should be ready without any of its container crashing, for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready).");
  revisionHistoryLimit :group $K8s.proto(6) $K8s.optional $K8s.doc("The number of old history to retain to allow rollback. This is a pointer to distinguish between explicit zero and not specified. Defaults to 10.") {
    union { unset @4 :Void; value @5 :Int32; }
  }
}

struct DaemonSetCondition $K8s.doc("DaemonSetCondition describes the state of a DaemonSet at a certain point.") {
  type @0 :Text $K8s.proto(1) $K8s.doc("Type of DaemonSet condition.");
  status @1 :Text $K8s.proto(2) $K8s.doc("Status of the condition, one of True, False, Unknown.");
  lastTransitionTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("Last time the condition transitioned from one status to another.");
  reason @3 :Text $K8s.proto(4) $K8s.doc("The reason for the condition's last transition.");
  message @4 :Text $K8s.proto(5) $K8s.doc("A human readable message indicating details about the transition.");
}

struct DaemonSetStatus $K8s.doc("DaemonSetStatus represents the current status of a daemon set.") {
  currentNumberScheduled :group $K8s.proto(1) $K8s.notNullable $K8s.optional $K8s.doc("The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/") {
    union { unset @0 :Void; value @1 :Int32; }
  }
  numberMisscheduled :group $K8s.proto(2) $K8s.notNullable $K8s.optional $K8s.doc("The number of nodes that are running the daemon pod, but are not supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/") {
    union { unset @2 :Void; value @3 :Int32; }
  }
  desiredNumberScheduled :group $K8s.proto(3) $K8s.notNullable $K8s.optional $K8s.doc("The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/") {
    union { unset @4 :Void; value @5 :Int32; }
  }
  numberReady :group $K8s.proto(4) $K8s.notNullable $K8s.optional $K8s.doc("numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.") {
    union { unset @6 :Void; value @7 :Int32; }
  }
  observedGeneration @8 :Int64 $K8s.proto(5) $K8s.doc("The most recent generation observed by the daemon set controller.");
  updatedNumberScheduled @9 :Int32 $K8s.proto(6) $K8s.doc("The total number of nodes that are running updated daemon pod");
  numberAvailable @10 :Int32 $K8s.proto(7) $K8s.doc("The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)");
  numberUnavailable @11 :Int32 $K8s.proto(8) $K8s.doc("The number of nodes that should be running the daemon pod and have none of the daemon pod running and available (ready for at least spec.minReadySeconds)");
  collisionCount :group $K8s.proto(9) $K8s.optional $K8s.doc("Count of hash collisions for the DaemonSet. The DaemonSet controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ControllerRevision.") {
    union { unset @12 :Void; value @13 :Int32; }
  }
  conditions @14 :List(DaemonSetCondition) $K8s.proto(10) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge") $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("Represents the latest available observations of a DaemonSet's current state.");
}

struct DaemonSet $K8s.doc("DaemonSet represents the configuration of a daemon set.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :DaemonSetSpec $K8s.proto(2) $K8s.doc("The desired behavior of this daemon set. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
  status @4 :DaemonSetStatus $K8s.proto(3) $K8s.doc("The current status of this daemon set. This data may be out of date by some window of time. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
}


# ---- StatefulSet (k8s.io/api/apps/v1, release-1.33). status.replicas and availableReplicas are
# written even when zero (json without omitempty), hence $K8s.notNullable $K8s.optional groups.

struct RollingUpdateStatefulSetStrategy $K8s.doc("RollingUpdateStatefulSetStrategy is used to communicate parameter for RollingUpdateStatefulSetStrategyType.") {
  partition :group $K8s.proto(1) $K8s.optional $K8s.doc("Partition indicates the ordinal at which the StatefulSet should be partitioned for updates. During a rolling update, all pods from ordinal Replicas-1 to Partition are updated. All pods from ordinal Partition-1 to 0 remain untouched. Default value is 0.") {
    union { unset @0 :Void; value @1 :Int32; }
  }
  maxUnavailable @2 :K8s.IntOrString $K8s.proto(2) $K8s.nullable $K8s.doc("The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding up. This can not be 0. Defaults to 1. This field is alpha-level and is only honored by servers that enable the MaxUnavailableStatefulSet feature.");
}

struct StatefulSetUpdateStrategy $K8s.doc("StatefulSetUpdateStrategy indicates the strategy that the StatefulSet controller will use to perform updates. It includes any additional parameters necessary to perform the update for the indicated strategy.") {
  type @0 :Text $K8s.proto(1) $K8s.doc("Type indicates the type of the StatefulSetUpdateStrategy (RollingUpdate, OnDelete). Default is RollingUpdate.");
  rollingUpdate @1 :RollingUpdateStatefulSetStrategy $K8s.proto(2) $K8s.nullable $K8s.doc("RollingUpdate is used to communicate parameters when Type is RollingUpdateStatefulSetStrategyType.");
}

struct StatefulSetPersistentVolumeClaimRetentionPolicy $K8s.doc("StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs created from the StatefulSet VolumeClaimTemplates.") {
  whenDeleted @0 :Text $K8s.proto(1) $K8s.doc("WhenDeleted specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is deleted. The default policy of `Retain` causes PVCs to not be affected by StatefulSet deletion. The `Delete` policy causes those PVCs to be deleted.");
  whenScaled @1 :Text $K8s.proto(2) $K8s.doc("WhenScaled specifies what happens to PVCs created from StatefulSet VolumeClaimTemplates when the StatefulSet is scaled down. The default policy of `Retain` causes PVCs to not be affected by a scaledown. The `Delete` policy causes the associated PVCs for any excess pods above the replica count to be deleted.");
}

struct StatefulSetOrdinals $K8s.doc("StatefulSetOrdinals describes the policy used for replica ordinal assignment in this StatefulSet.") {
  start @0 :Int32 $K8s.proto(1) $K8s.doc("start is the number representing the first replica's index. It may be used to number replicas from an alternate index (eg: 1-indexed) over the default 0-indexed names. If set, replica indices will be in the range [.spec.ordinals.start, .spec.ordinals.start + .spec.replicas). If unset, defaults to 0.");
}

struct StatefulSetSpec $K8s.doc("A StatefulSetSpec is the specification of a StatefulSet.") {
  replicas :group $K8s.proto(1) $K8s.optional $K8s.doc("replicas is the desired number of replicas of the given Template. These are replicas in the sense that they are instantiations of the same Template, but individual replicas also have a consistent identity. If unspecified, defaults to 1.") {
    union { unset @0 :Void; value @1 :Int32; }
  }
  selector @2 :Meta.LabelSelector $K8s.proto(2) $K8s.nullable $K8s.required $K8s.doc("selector is a label query over pods that should match the replica count. It must match the pod template's labels.");
  template @3 :Core.PodTemplateSpec $K8s.proto(3) $K8s.required $K8s.doc("template is the object that describes the pod that will be created if insufficient replicas are detected. Each pod stamped out by the StatefulSet will fulfill this Template, but have a unique identity from the rest of the StatefulSet. Each pod will be named with the format <statefulsetname>-<podindex>. The only allowed template.spec.restartPolicy value is \"Always\".");
  volumeClaimTemplates @4 :List(CoreStorage.PersistentVolumeClaim) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("volumeClaimTemplates is a list of claims that pods are allowed to reference. The StatefulSet controller is responsible for mapping network identities to claims in a way that maintains the identity of a pod. Every claim in this list must have at least one matching (by name) volumeMount in one container in the template. A claim in this list takes precedence over any volumes in the template, with the same name.");
  serviceName @5 :Text $K8s.proto(5) $K8s.doc("serviceName is the name of the service that governs this StatefulSet. This service must exist before the StatefulSet, and is responsible for the network identity of the set. Pods get DNS/hostnames that follow the pattern: pod-specific-string.serviceName.default.svc.cluster.local where \"pod-specific-string\" is managed by the StatefulSet controller.");
  podManagementPolicy @6 :Text $K8s.proto(6) $K8s.doc("podManagementPolicy controls how pods are created during initial scale up, when replacing pods on nodes, or when scaling down. The default policy is `OrderedReady`, where pods are created in increasing order (pod-0, then pod-1, etc) and the controller will wait until each pod is ready before continuing. When scaling down, the pods are removed in the opposite order. The alternative policy is `Parallel` which will create pods in parallel to match the desired scale without waiting, and on scale down will delete all pods at once.");
  updateStrategy @7 :StatefulSetUpdateStrategy $K8s.proto(7) $K8s.doc("updateStrategy indicates the StatefulSetUpdateStrategy that will be employed to update Pods in the StatefulSet when a revision is made to Template.");
  revisionHistoryLimit :group $K8s.proto(8) $K8s.optional $K8s.doc("revisionHistoryLimit is the maximum number of revisions that will be maintained in the StatefulSet's revision history. The revision history consists of all revisions not represented by a currently applied StatefulSetSpec version. The default value is 10.") {
    union { unset @8 :Void; value @9 :Int32; }
  }
  minReadySeconds @10 :Int32 $K8s.proto(9) $K8s.doc("Minimum number of seconds for which a newly created pod should be ready without any of its container crashing for it to be considered available. Defaults to 0 (pod will be considered available as soon as it is ready)");
  persistentVolumeClaimRetentionPolicy @11 :StatefulSetPersistentVolumeClaimRetentionPolicy $K8s.proto(10) $K8s.nullable $K8s.doc("persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates. By default, all persistent volume claims are created as needed and retained until manually deleted.");
  ordinals @12 :StatefulSetOrdinals $K8s.proto(11) $K8s.nullable $K8s.doc("ordinals controls the numbering of replica indices in a StatefulSet. The default ordinals behavior assigns a \"0\" index to the first replica and increments the index by one for each additional replica requested.");
}

struct StatefulSetCondition $K8s.doc("StatefulSetCondition describes the state of a statefulset at a certain point.") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of statefulset condition.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status of the condition, one of True, False, Unknown.");
  lastTransitionTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("Last time the condition transitioned from one status to another.");
  reason @3 :Text $K8s.proto(4) $K8s.doc("The reason for the condition's last transition.");
  message @4 :Text $K8s.proto(5) $K8s.doc("A human readable message indicating details about the transition.");
}

struct StatefulSetStatus $K8s.doc("StatefulSetStatus represents the current state of a StatefulSet.") {
  observedGeneration @0 :Int64 $K8s.proto(1) $K8s.doc("observedGeneration is the most recent generation observed for this StatefulSet. It corresponds to the StatefulSet's generation, which is updated on mutation by the API Server.");
  replicas :group $K8s.proto(2) $K8s.notNullable $K8s.optional $K8s.doc("replicas is the number of Pods created by the StatefulSet controller.") {
    union { unset @1 :Void; value @2 :Int32; }
  }
  readyReplicas @3 :Int32 $K8s.proto(3) $K8s.doc("readyReplicas is the number of pods created for this StatefulSet with a Ready Condition.");
  currentReplicas @4 :Int32 $K8s.proto(4) $K8s.doc("currentReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by currentRevision.");
  updatedReplicas @5 :Int32 $K8s.proto(5) $K8s.doc("updatedReplicas is the number of Pods created by the StatefulSet controller from the StatefulSet version indicated by updateRevision.");
  currentRevision @6 :Text $K8s.proto(6) $K8s.doc("currentRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).");
  updateRevision @7 :Text $K8s.proto(7) $K8s.doc("updateRevision, if not empty, indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)");
  collisionCount :group $K8s.proto(9) $K8s.optional $K8s.doc("collisionCount is the count of hash collisions for the StatefulSet. The StatefulSet controller uses this field as a collision avoidance mechanism when it needs to create the name for the newest ControllerRevision.") {
    union { unset @8 :Void; value @9 :Int32; }
  }
  conditions @10 :List(StatefulSetCondition) $K8s.proto(10) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge")
      $K8s.listType("map") $K8s.listMapKeys("type")
      $K8s.doc("Represents the latest available observations of a statefulset's current state.");
  availableReplicas :group $K8s.proto(11) $K8s.notNullable $K8s.optional $K8s.doc("Total number of available pods (ready for at least minReadySeconds) targeted by this statefulset.") {
    union { unset @11 :Void; value @12 :Int32; }
  }
}

struct StatefulSet $K8s.doc("StatefulSet represents a set of pods with consistent identities. Identities are defined as network (a single stable DNS and hostname) and storage (as many VolumeClaims as requested). The StatefulSet guarantees that a given network identity will always map to the same storage identity.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :StatefulSetSpec $K8s.proto(2) $K8s.doc("Spec defines the desired identities of pods in this set.");
  status @4 :StatefulSetStatus $K8s.proto(3) $K8s.doc("Status is the current status of Pods in this StatefulSet. This data may be out of date by some window of time.");
}
