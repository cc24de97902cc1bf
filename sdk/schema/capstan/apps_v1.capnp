@0xf111b3606c73f01c;
# apps/v1 kinds. Each root struct starts with apiVersion, kind and metadata.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::apps::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";
using Core = import "core_v1.capnp";

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
