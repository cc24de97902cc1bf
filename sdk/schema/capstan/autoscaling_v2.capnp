@0xc569076376c328ff;
# autoscaling/v2 kinds: HorizontalPodAutoscaler, as k8s.io/api/autoscaling/v2 (release-1.33)
# defines it. Field names are the Kubernetes JSON names, numbers those of its generated.proto.
# Go value fields that JSON always writes and that may be zero (maxReplicas, desiredReplicas) are
# $K8s.optional $K8s.notNullable groups. autoscaling/v1 (what `kubectl autoscale` before 1.33
# writes) is not served yet: see docs/autoscaling.md.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::autoscaling::v2");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";

struct CrossVersionObjectReference $K8s.doc("CrossVersionObjectReference contains enough information to let you identify the referred resource.") {
  kind @0 :Text $K8s.proto(1) $K8s.doc("kind is the kind of the referent; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds");
  name @1 :Text $K8s.proto(2) $K8s.doc("name is the name of the referent; More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names");
  apiVersion @2 :Text $K8s.proto(3) $K8s.doc("apiVersion is the API version of the referent");
}

struct MetricIdentifier $K8s.doc("MetricIdentifier defines the name and optionally selector for a metric") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is the name of the given metric");
  selector @1 :Meta.LabelSelector $K8s.proto(2) $K8s.nullable $K8s.doc("selector is the string-encoded form of a standard kubernetes label selector for the given metric When set, it is passed as an additional parameter to the metrics server for more specific metrics scoping. When unset, just the metricName will be used to gather metrics.");
}

struct MetricTarget $K8s.doc("MetricTarget defines the target value, average value, or average utilization of a specific metric") {
  type @0 :Text $K8s.proto(1) $K8s.doc("type represents whether the metric type is Utilization, Value, or AverageValue");
  value @1 :Text $K8s.proto(2) $K8s.quantity $K8s.nullable $K8s.doc("value is the target value of the metric (as a quantity).");
  averageValue @2 :Text $K8s.proto(3) $K8s.quantity $K8s.nullable $K8s.doc("averageValue is the target value of the average of the metric across all relevant pods (as a quantity)");
  averageUtilization :group $K8s.proto(4) $K8s.optional $K8s.doc("averageUtilization is the target value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods. Currently only valid for Resource metric source type") {
    union { unset @3 :Void; value @4 :Int32; }
  }
}

struct ObjectMetricSource $K8s.doc("ObjectMetricSource indicates how to scale on a metric describing a kubernetes object (for example, hits-per-second on an Ingress object).") {
  describedObject @0 :CrossVersionObjectReference $K8s.proto(1) $K8s.doc("describedObject specifies the descriptions of a object,such as kind,name apiVersion");
  target @1 :MetricTarget $K8s.proto(2) $K8s.doc("target specifies the target value for the given metric");
  metric @2 :MetricIdentifier $K8s.proto(3) $K8s.doc("metric identifies the target metric by name and selector");
}

struct PodsMetricSource $K8s.doc("PodsMetricSource indicates how to scale on a metric describing each pod in the current scale target (for example, transactions-processed-per-second). The values will be averaged together before being compared to the target value.") {
  metric @0 :MetricIdentifier $K8s.proto(1) $K8s.doc("metric identifies the target metric by name and selector");
  target @1 :MetricTarget $K8s.proto(2) $K8s.doc("target specifies the target value for the given metric");
}

struct ResourceMetricSource $K8s.doc("ResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).  The values will be averaged together before being compared to the target.  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.  Only one \"target\" type should be set.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is the name of the resource in question.");
  target @1 :MetricTarget $K8s.proto(2) $K8s.doc("target specifies the target value for the given metric");
}

struct ContainerResourceMetricSource $K8s.doc("ContainerResourceMetricSource indicates how to scale on a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).  The values will be averaged together before being compared to the target.  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.  Only one \"target\" type should be set.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is the name of the resource in question.");
  target @1 :MetricTarget $K8s.proto(2) $K8s.doc("target specifies the target value for the given metric");
  container @2 :Text $K8s.proto(3) $K8s.doc("container is the name of the container in the pods of the scaling target");
}

struct ExternalMetricSource $K8s.doc("ExternalMetricSource indicates how to scale on a metric not associated with any Kubernetes object (for example length of queue in cloud messaging service, or QPS from loadbalancer running outside of cluster).") {
  metric @0 :MetricIdentifier $K8s.proto(1) $K8s.doc("metric identifies the target metric by name and selector");
  target @1 :MetricTarget $K8s.proto(2) $K8s.doc("target specifies the target value for the given metric");
}

struct MetricSpec $K8s.doc("MetricSpec specifies how to scale based on a single metric (only `type` and one other matching field should be set at once).") {
  type @0 :Text $K8s.proto(1) $K8s.doc("type is the type of metric source.  It should be one of \"ContainerResource\", \"External\", \"Object\", \"Pods\" or \"Resource\", each mapping to a matching field in the object.");
  object @1 :ObjectMetricSource $K8s.proto(2) $K8s.nullable $K8s.doc("object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).");
  pods @2 :PodsMetricSource $K8s.proto(3) $K8s.nullable $K8s.doc("pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).  The values will be averaged together before being compared to the target value.");
  resource @3 :ResourceMetricSource $K8s.proto(4) $K8s.nullable $K8s.doc("resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.");
  containerResource @4 :ContainerResourceMetricSource $K8s.proto(7) $K8s.nullable $K8s.doc("containerResource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod of the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.");
  external @5 :ExternalMetricSource $K8s.proto(5) $K8s.nullable $K8s.doc("external refers to a global metric that is not associated with any Kubernetes object. It allows autoscaling based on information coming from components running outside of cluster (for example length of queue in cloud messaging service, or QPS from loadbalancer running outside of cluster).");
}

struct HPAScalingPolicy $K8s.doc("HPAScalingPolicy is a single policy which must hold true for a specified past interval.") {
  type @0 :Text $K8s.proto(1) $K8s.doc("type is used to specify the scaling policy.");
  value @1 :Int32 $K8s.proto(2) $K8s.doc("value contains the amount of change which is permitted by the policy. It must be greater than zero");
  periodSeconds @2 :Int32 $K8s.proto(3) $K8s.doc("periodSeconds specifies the window of time for which the policy should hold true. PeriodSeconds must be greater than zero and less than or equal to 1800 (30 min).");
}

struct HPAScalingRules $K8s.doc("HPAScalingRules configures the scaling behavior for one direction via scaling Policy Rules and a configurable metric tolerance. Scaling Policy Rules are applied after calculating DesiredReplicas from metrics for the HPA. They can limit the scaling velocity by specifying scaling policies. They can prevent flapping by specifying the stabilization window, so that the number of replicas is not set instantly, instead, the safest value from the stabilization window is chosen. The tolerance is applied to the metric values and prevents scaling too eagerly for small metric variations. (Note that setting a tolerance requires enabling the alpha HPAConfigurableTolerance feature gate.)") {
  stabilizationWindowSeconds :group $K8s.proto(3) $K8s.optional $K8s.doc("stabilizationWindowSeconds is the number of seconds for which past recommendations should be considered while scaling up or scaling down. StabilizationWindowSeconds must be greater than or equal to zero and less than or equal to 3600 (one hour). If not set, use the default values: - For scale up: 0 (i.e. no stabilization is done). - For scale down: 300 (i.e. the stabilization window is 300 seconds long).") {
    union { unset @0 :Void; value @1 :Int32; }
  }
  selectPolicy :group $K8s.proto(1) $K8s.optional $K8s.doc("selectPolicy is used to specify which policy should be used. If not set, the default value Max is used.") {
    union { unset @2 :Void; value @3 :Text; }
  }
  policies @4 :List(HPAScalingPolicy) $K8s.proto(2) $K8s.listType("atomic") $K8s.doc("policies is a list of potential scaling polices which can be used during scaling. If not set, use the default values: - For scale up: allow doubling the number of pods, or an absolute change of 4 pods in a 15s window. - For scale down: allow all pods to be removed in a 15s window.");
  tolerance @5 :Text $K8s.proto(4) $K8s.quantity $K8s.nullable $K8s.doc("tolerance is the tolerance on the ratio between the current and desired metric value under which no updates are made to the desired number of replicas (e.g. 0.01 for 1%). Must be greater than or equal to zero. If not set, the default cluster-wide tolerance is applied (by default 10%). For example, if autoscaling is configured with a memory consumption target of 100Mi, and scale-down and scale-up tolerances of 5% and 1% respectively, scaling will be triggered when the actual consumption falls below 95Mi or exceeds 101Mi. This is an alpha field and requires enabling the HPAConfigurableTolerance feature gate.");
}

struct HorizontalPodAutoscalerBehavior $K8s.doc("HorizontalPodAutoscalerBehavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively).") {
  scaleUp @0 :HPAScalingRules $K8s.proto(1) $K8s.nullable $K8s.doc("scaleUp is scaling policy for scaling Up. If not set, the default value is the higher of: * increase no more than 4 pods per 60 seconds * double the number of pods per 60 seconds No stabilization is used.");
  scaleDown @1 :HPAScalingRules $K8s.proto(2) $K8s.nullable $K8s.doc("scaleDown is scaling policy for scaling Down. If not set, the default value is to allow to scale down to minReplicas pods, with a 300 second stabilization window (i.e., the highest recommendation for the last 300sec is used).");
}

struct HorizontalPodAutoscalerSpec $K8s.doc("HorizontalPodAutoscalerSpec describes the desired functionality of the HorizontalPodAutoscaler.") {
  scaleTargetRef @0 :CrossVersionObjectReference $K8s.proto(1) $K8s.doc("scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.");
  minReplicas :group $K8s.proto(2) $K8s.optional $K8s.doc("minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.") {
    union { unset @1 :Void; value @2 :Int32; }
  }
  maxReplicas :group $K8s.proto(3) $K8s.notNullable $K8s.optional $K8s.doc("maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.") {
    union { unset @3 :Void; value @4 :Int32; }
  }
  metrics @5 :List(MetricSpec) $K8s.proto(4) $K8s.listType("atomic") $K8s.doc("metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.");
  behavior @6 :HorizontalPodAutoscalerBehavior $K8s.proto(5) $K8s.nullable $K8s.doc("behavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively). If not set, the default HPAScalingRules for scale up and scale down are used.");
}

struct MetricValueStatus $K8s.doc("MetricValueStatus holds the current value for a metric") {
  value @0 :Text $K8s.proto(1) $K8s.quantity $K8s.nullable $K8s.doc("value is the current value of the metric (as a quantity).");
  averageValue @1 :Text $K8s.proto(2) $K8s.quantity $K8s.nullable $K8s.doc("averageValue is the current value of the average of the metric across all relevant pods (as a quantity)");
  averageUtilization :group $K8s.proto(3) $K8s.optional $K8s.doc("currentAverageUtilization is the current value of the average of the resource metric across all relevant pods, represented as a percentage of the requested value of the resource for the pods.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
}

struct ObjectMetricStatus $K8s.doc("ObjectMetricStatus indicates the current value of a metric describing a kubernetes object (for example, hits-per-second on an Ingress object).") {
  metric @0 :MetricIdentifier $K8s.proto(1) $K8s.doc("metric identifies the target metric by name and selector");
  current @1 :MetricValueStatus $K8s.proto(2) $K8s.doc("current contains the current value for the given metric");
  describedObject @2 :CrossVersionObjectReference $K8s.proto(3) $K8s.doc("DescribedObject specifies the descriptions of a object,such as kind,name apiVersion");
}

struct PodsMetricStatus $K8s.doc("PodsMetricStatus indicates the current value of a metric describing each pod in the current scale target (for example, transactions-processed-per-second).") {
  metric @0 :MetricIdentifier $K8s.proto(1) $K8s.doc("metric identifies the target metric by name and selector");
  current @1 :MetricValueStatus $K8s.proto(2) $K8s.doc("current contains the current value for the given metric");
}

struct ResourceMetricStatus $K8s.doc("ResourceMetricStatus indicates the current value of a resource metric known to Kubernetes, as specified in requests and limits, describing each pod in the current scale target (e.g. CPU or memory).  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is the name of the resource in question.");
  current @1 :MetricValueStatus $K8s.proto(2) $K8s.doc("current contains the current value for the given metric");
}

struct ContainerResourceMetricStatus $K8s.doc("ContainerResourceMetricStatus indicates the current value of a resource metric known to Kubernetes, as specified in requests and limits, describing a single container in each pod in the current scale target (e.g. CPU or memory).  Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.") {
  name @0 :Text $K8s.proto(1) $K8s.doc("name is the name of the resource in question.");
  current @1 :MetricValueStatus $K8s.proto(2) $K8s.doc("current contains the current value for the given metric");
  container @2 :Text $K8s.proto(3) $K8s.doc("container is the name of the container in the pods of the scaling target");
}

struct ExternalMetricStatus $K8s.doc("ExternalMetricStatus indicates the current value of a global metric not associated with any Kubernetes object.") {
  metric @0 :MetricIdentifier $K8s.proto(1) $K8s.doc("metric identifies the target metric by name and selector");
  current @1 :MetricValueStatus $K8s.proto(2) $K8s.doc("current contains the current value for the given metric");
}

struct MetricStatus $K8s.doc("MetricStatus describes the last-read state of a single metric.") {
  type @0 :Text $K8s.proto(1) $K8s.doc("type is the type of metric source.  It will be one of \"ContainerResource\", \"External\", \"Object\", \"Pods\" or \"Resource\", each corresponds to a matching field in the object.");
  object @1 :ObjectMetricStatus $K8s.proto(2) $K8s.nullable $K8s.doc("object refers to a metric describing a single kubernetes object (for example, hits-per-second on an Ingress object).");
  pods @2 :PodsMetricStatus $K8s.proto(3) $K8s.nullable $K8s.doc("pods refers to a metric describing each pod in the current scale target (for example, transactions-processed-per-second).  The values will be averaged together before being compared to the target value.");
  resource @3 :ResourceMetricStatus $K8s.proto(4) $K8s.nullable $K8s.doc("resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing each pod in the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.");
  containerResource @4 :ContainerResourceMetricStatus $K8s.proto(7) $K8s.nullable $K8s.doc("container resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod in the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the \"pods\" source.");
  external @5 :ExternalMetricStatus $K8s.proto(5) $K8s.nullable $K8s.doc("external refers to a global metric that is not associated with any Kubernetes object. It allows autoscaling based on information coming from components running outside of cluster (for example length of queue in cloud messaging service, or QPS from loadbalancer running outside of cluster).");
}

struct HorizontalPodAutoscalerCondition $K8s.doc("HorizontalPodAutoscalerCondition describes the state of a HorizontalPodAutoscaler at a certain point.") {
  type @0 :Text $K8s.proto(1) $K8s.doc("type describes the current condition");
  status @1 :Text $K8s.proto(2) $K8s.doc("status is the status of the condition (True, False, Unknown)");
  lastTransitionTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("lastTransitionTime is the last time the condition transitioned from one status to another");
  reason @3 :Text $K8s.proto(4) $K8s.doc("reason is the reason for the condition's last transition.");
  message @4 :Text $K8s.proto(5) $K8s.doc("message is a human-readable explanation containing details about the transition");
}

struct HorizontalPodAutoscalerStatus $K8s.doc("HorizontalPodAutoscalerStatus describes the current status of a horizontal pod autoscaler.") {
  observedGeneration :group $K8s.proto(1) $K8s.optional $K8s.doc("observedGeneration is the most recent generation observed by this autoscaler.") {
    union { unset @0 :Void; value @1 :Int64; }
  }
  lastScaleTime @2 :Text $K8s.proto(2) $K8s.time $K8s.nullable $K8s.doc("lastScaleTime is the last time the HorizontalPodAutoscaler scaled the number of pods, used by the autoscaler to control how often the number of pods is changed.");
  currentReplicas @3 :Int32 $K8s.proto(3) $K8s.doc("currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.");
  desiredReplicas :group $K8s.proto(4) $K8s.notNullable $K8s.optional $K8s.doc("desiredReplicas is the desired number of replicas of pods managed by this autoscaler, as last calculated by the autoscaler.") {
    union { unset @4 :Void; value @5 :Int32; }
  }
  currentMetrics @6 :List(MetricStatus) $K8s.proto(5) $K8s.listType("atomic") $K8s.doc("currentMetrics is the last read state of the metrics used by this autoscaler.");
  conditions @7 :List(HorizontalPodAutoscalerCondition) $K8s.proto(6) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge") $K8s.listType("map") $K8s.listMapKeys("type") $K8s.doc("conditions is the set of conditions required for this autoscaler to scale its target, and indicates whether or not those conditions are met.");
}

struct HorizontalPodAutoscaler $K8s.doc("HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which automatically manages the replica count of any resource implementing the scale subresource based on the metrics specified.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :HorizontalPodAutoscalerSpec $K8s.proto(2) $K8s.doc("spec is the specification for the behaviour of the autoscaler. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status.");
  status @4 :HorizontalPodAutoscalerStatus $K8s.proto(3) $K8s.doc("status is the current information about the autoscaler.");
}

