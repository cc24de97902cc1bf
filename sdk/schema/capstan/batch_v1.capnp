@0xafb4da63d4d27070;
# batch/v1 kinds: Job and CronJob, as k8s.io/api/batch/v1 defines them. Each root struct starts
# with apiVersion, kind and metadata; field names are the Kubernetes JSON names.
# Evolution rules: append fields with new ordinals; never renumber, retype or reuse one.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("capstan::batch::v1");
using K8s = import "k8s.capnp";
using Meta = import "meta.capnp";
using Core = import "core_v1.capnp";

struct PodFailurePolicyOnExitCodesRequirement $K8s.doc("PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a failed pod based on its container exit codes. In particular, it lookups the .state.terminated.exitCode for each app container and init container status, represented by the .status.containerStatuses and .status.initContainerStatuses fields in the Pod status, respectively. Containers completed with success (exit code 0) are excluded from the requirement check.") {
  containerName :group $K8s.proto(1) $K8s.optional
      $K8s.doc("Restricts the check for exit codes to the container with the specified name. When null, the rule applies to all containers. When specified, it should match one the container or initContainer names in the pod template.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  operator @2 :Text $K8s.proto(2) $K8s.required
      $K8s.doc("Represents the relationship between the container exit code(s) and the specified values. Containers completed with success (exit code 0) are excluded from the requirement check. Possible values are: In (the requirement is satisfied if at least one container exit code is in the set of specified values) and NotIn (if at least one container exit code is not in the set of specified values). Additional values are considered to be added in the future. Clients should react to an unknown operator by assuming the requirement is not satisfied.");
  values @3 :List(Int32) $K8s.proto(3) $K8s.required $K8s.listType("set")
      $K8s.doc("Specifies the set of values. Each returned container exit code (might be multiple in case of multiple containers) is checked against this set of values with respect to the operator. The list of values must be ordered and must not contain duplicates. Value '0' cannot be used for the In operator. At least one element is required. At most 255 elements are allowed.");
}

struct PodFailurePolicyOnPodConditionsPattern $K8s.doc("PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual pod condition type.") {
  type @0 :Text $K8s.proto(1) $K8s.required
      $K8s.doc("Specifies the required Pod condition type. To match a pod condition it is required that specified type equals the pod condition type.");
  status @1 :Text $K8s.proto(2)
      $K8s.doc("Specifies the required Pod condition status. To match a pod condition it is required that the specified status equals the pod condition status. Defaults to True.");
}

struct PodFailurePolicyRule $K8s.doc("PodFailurePolicyRule describes how a pod failure is handled when the requirements are met. One of onExitCodes and onPodConditions, but not both, can be used in each rule.") {
  action @0 :Text $K8s.proto(1) $K8s.required
      $K8s.doc("Specifies the action taken on a pod failure when the requirements are satisfied. Possible values are: FailJob (the pod's job is marked as Failed and all running pods are terminated), FailIndex (the pod's index is marked as Failed and will not be restarted), Ignore (the counter towards the .backoffLimit is not incremented and a replacement pod is created) and Count (the pod is handled in the default way: the counter towards the .backoffLimit is incremented). Additional values are considered to be added in the future. Clients should react to an unknown action by skipping the rule.");
  onExitCodes @1 :PodFailurePolicyOnExitCodesRequirement $K8s.proto(2) $K8s.nullable
      $K8s.doc("Represents the requirement on the container exit codes.");
  onPodConditions @2 :List(PodFailurePolicyOnPodConditionsPattern) $K8s.proto(3) $K8s.listType("atomic")
      $K8s.doc("Represents the requirement on the pod conditions. The requirement is represented as a list of pod condition patterns. The requirement is satisfied if at least one pattern matches an actual pod condition. At most 20 elements are allowed.");
}

struct PodFailurePolicy $K8s.doc("PodFailurePolicy describes how failed pods influence the backoffLimit.") {
  rules @0 :List(PodFailurePolicyRule) $K8s.proto(1) $K8s.required $K8s.listType("atomic")
      $K8s.doc("A list of pod failure policy rules. The rules are evaluated in order. Once a rule matches a Pod failure, the remaining of the rules are ignored. When no rule matches the Pod failure, the default handling applies - the counter of pod failures is incremented and it is checked against the backoffLimit. At most 20 elements are allowed.");
}

struct SuccessPolicyRule $K8s.doc("SuccessPolicyRule describes rule for declaring a Job as succeeded. Each rule must have at least one of the \"succeededIndexes\" or \"succeededCount\" specified.") {
  succeededIndexes :group $K8s.proto(1) $K8s.optional
      $K8s.doc("succeededIndexes specifies the set of indexes which need to be contained in the actual set of the succeeded indexes for the Job. The list of indexes must be within 0 to \".spec.completions-1\" and must not contain duplicates. At least one element is required. The indexes are represented as intervals separated by commas. The intervals can be a decimal integer or a pair of decimal integers separated by a hyphen. The number are listed in represented by the first and last element of the series, separated by a hyphen. For example, if the completed indexes are 1, 3, 4, 5 and 7, they are represented as \"1,3-5,7\". When this field is null, this field doesn't default to any value and is never evaluated at any time.") {
    union { unset @0 :Void; value @1 :Text; }
  }
  succeededCount :group $K8s.proto(2) $K8s.optional
      $K8s.doc("succeededCount specifies the minimal required size of the actual set of the succeeded indexes for the Job. When succeededCount is used along with succeededIndexes, the check is constrained only to the set of indexes specified by succeededIndexes. For example, given that succeededIndexes is \"1-4\", succeededCount is \"3\", and completed indexes are \"1\", \"3\", and \"5\", the Job isn't declared as succeeded because only \"1\" and \"3\" indexes are considered in that rules. When this field is null, this doesn't default to any value and is never evaluated at any time. When specified it needs to be a positive integer.") {
    union { unset @2 :Void; value @3 :Int32; }
  }
}

struct SuccessPolicy $K8s.doc("SuccessPolicy describes when a Job can be declared as succeeded based on the success of some indexes.") {
  rules @0 :List(SuccessPolicyRule) $K8s.proto(1) $K8s.required $K8s.listType("atomic")
      $K8s.doc("rules represents the list of alternative rules for the declaring the Jobs as successful before `.status.succeeded >= .spec.completions`. Once any of the rules are met, the \"SucceededCriteriaMet\" condition is added, and the lingering pods are removed. The terminal state for such a Job has the \"Complete\" condition. Additionally, these rules are evaluated in order; Once the Job meets one of the rules, other rules are ignored. At most 20 elements are allowed.");
}

struct JobSpec $K8s.doc("JobSpec describes how the job execution will look like.") {
  parallelism :group $K8s.proto(1) $K8s.optional
      $K8s.doc("Specifies the maximum desired number of pods the job should run at any given time. The actual number of pods running in steady state will be less than this number when ((.spec.completions - .status.successful) < .spec.parallelism), i.e. when the work left to do is less than max parallelism. More info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-completion/") {
    union { unset @0 :Void; value @1 :Int32; }
  }
  completions :group $K8s.proto(2) $K8s.optional
      $K8s.doc("Specifies the desired number of successfully finished pods the job should be run with.  Setting to null means that the success of any pod signals the success of all pods, and allows parallelism to have any positive value.  Setting to 1 means that parallelism is limited to 1 and the success of that pod signals the success of the job. More info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-completion/") {
    union { unset @2 :Void; value @3 :Int32; }
  }
  activeDeadlineSeconds :group $K8s.proto(3) $K8s.optional
      $K8s.doc("Specifies the duration in seconds relative to the startTime that the job may be continuously active before the system tries to terminate it; value must be positive integer. If a Job is suspended (at creation or through an update), this timer will effectively be stopped and reset when the Job is resumed again.") {
    union { unset @4 :Void; value @5 :Int64; }
  }
  podFailurePolicy @6 :PodFailurePolicy $K8s.proto(11) $K8s.nullable
      $K8s.doc("Specifies the policy of handling failed pods. In particular, it allows to specify the set of actions and conditions which need to be satisfied to take the associated action. If empty, the default behaviour applies - the counter of failed pods, represented by the jobs's .status.failed field, is incremented and it is checked against the backoffLimit. This field cannot be used in combination with restartPolicy=OnFailure.");
  successPolicy @7 :SuccessPolicy $K8s.proto(16) $K8s.nullable
      $K8s.doc("successPolicy specifies the policy when the Job can be declared as succeeded. If empty, the default behavior applies - the Job is declared as succeeded only when the number of succeeded pods equals to the completions. When the field is specified, it must be immutable and works only for the Indexed Jobs. Once the Job meets the SuccessPolicy, the lingering pods are terminated.");
  backoffLimit :group $K8s.proto(7) $K8s.optional
      $K8s.doc("Specifies the number of retries before marking this job failed. Defaults to 6, unless backoffLimitPerIndex (only Indexed Job) is specified. When backoffLimitPerIndex is specified, backoffLimit defaults to 2147483647.") {
    union { unset @8 :Void; value @9 :Int32; }
  }
  backoffLimitPerIndex :group $K8s.proto(12) $K8s.optional
      $K8s.doc("Specifies the limit for the number of retries within an index before marking this index as failed. When enabled the number of failures per index is kept in the pod's batch.kubernetes.io/job-index-failure-count annotation. It can only be set when Job's completionMode=Indexed, and the Pod's restart policy is Never. The field is immutable.") {
    union { unset @10 :Void; value @11 :Int32; }
  }
  maxFailedIndexes :group $K8s.proto(13) $K8s.optional
      $K8s.doc("Specifies the maximal number of failed indexes before marking the Job as failed, when backoffLimitPerIndex is set. Once the number of failed indexes exceeds this number the entire Job is marked as Failed and its execution is terminated. When left as null the job continues execution of all of its indexes and is marked with the `Complete` Job condition. It can only be specified when backoffLimitPerIndex is set. It can be null or up to completions. It is required and must be less than or equal to 10^4 when is completions greater than 10^5.") {
    union { unset @12 :Void; value @13 :Int32; }
  }
  selector @14 :Meta.LabelSelector $K8s.proto(4) $K8s.nullable
      $K8s.doc("A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors");
  manualSelector :group $K8s.proto(5) $K8s.optional
      $K8s.doc("manualSelector controls generation of pod labels and pod selectors. Leave `manualSelector` unset unless you are certain what you are doing. When false or unset, the system pick labels unique to this job and appends those labels to the pod template.  When true, the user is responsible for picking unique labels and specifying the selector.  Failure to pick a unique label may cause this and other jobs to not function correctly.  However, You may see `manualSelector=true` in jobs that were created with the old `extensions/v1beta1` API. More info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-completion/#specifying-your-own-pod-selector") {
    union { unset @15 :Void; value @16 :Bool; }
  }
  template @17 :Core.PodTemplateSpec $K8s.proto(6) $K8s.required
      $K8s.doc("Describes the pod that will be created when executing a job. The only allowed template.spec.restartPolicy values are \"Never\" or \"OnFailure\". More info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-completion/");
  ttlSecondsAfterFinished :group $K8s.proto(8) $K8s.optional
      $K8s.doc("ttlSecondsAfterFinished limits the lifetime of a Job that has finished execution (either Complete or Failed). If this field is set, ttlSecondsAfterFinished after the Job finishes, it is eligible to be automatically deleted. When the Job is being deleted, its lifecycle guarantees (e.g. finalizers) will be honored. If this field is unset, the Job won't be automatically deleted. If this field is set to zero, the Job becomes eligible to be deleted immediately after it finishes.") {
    union { unset @18 :Void; value @19 :Int32; }
  }
  completionMode :group $K8s.proto(9) $K8s.optional
      $K8s.doc("completionMode specifies how Pod completions are tracked. It can be `NonIndexed` (default) or `Indexed`. `NonIndexed` means that the Job is considered complete when there have been .spec.completions successfully completed Pods. Each Pod completion is homologous to each other. `Indexed` means that the Pods of a Job get an associated completion index from 0 to (.spec.completions - 1), available in the annotation batch.kubernetes.io/job-completion-index. The Job is considered complete when there is one successfully completed Pod for each index. When value is `Indexed`, .spec.completions must be specified and `.spec.parallelism` must be less than or equal to 10^5. In addition, The Pod name takes the form `$(job-name)-$(index)-$(random-string)`, the Pod hostname takes the form `$(job-name)-$(index)`. More completion modes can be added in the future. If the Job controller observes a mode that it doesn't recognize, which is possible during upgrades due to version skew, the controller skips updates for the Job.") {
    union { unset @20 :Void; value @21 :Text; }
  }
  suspend :group $K8s.proto(10) $K8s.optional
      $K8s.doc("suspend specifies whether the Job controller should create Pods or not. If a Job is created with suspend set to true, no Pods are created by the Job controller. If a Job is suspended after creation (i.e. the flag goes from false to true), the Job controller will delete all active Pods associated with this Job. Users must design their workload to gracefully handle this. Suspending a Job will reset the StartTime field of the Job, effectively resetting the ActiveDeadlineSeconds timer too. Defaults to false.") {
    union { unset @22 :Void; value @23 :Bool; }
  }
  podReplacementPolicy :group $K8s.proto(14) $K8s.optional
      $K8s.doc("podReplacementPolicy specifies when to create replacement Pods. Possible values are: TerminatingOrFailed means that we recreate pods when they are terminating (has a metadata.deletionTimestamp) or failed; Failed means to wait until a previously created Pod is fully terminated (has phase Failed or Succeeded) before creating a replacement Pod. When using podFailurePolicy, Failed is the the only allowed value. TerminatingOrFailed and Failed are allowed values when podFailurePolicy is not in use.") {
    union { unset @24 :Void; value @25 :Text; }
  }
  managedBy :group $K8s.proto(15) $K8s.optional
      $K8s.doc("ManagedBy field indicates the controller that manages a Job. The k8s Job controller reconciles jobs which don't have this field at all or the field value is the reserved string `kubernetes.io/job-controller`, but skips reconciling Jobs with a custom value for this field. The value must be a valid domain-prefixed path (e.g. acme.io/foo) - all characters before the first \"/\" must be a valid subdomain as defined by RFC 1123. All characters trailing the first \"/\" must be valid HTTP Path characters as defined by RFC 3986. The value cannot exceed 63 characters. This field is immutable.") {
    union { unset @26 :Void; value @27 :Text; }
  }
}

struct JobCondition $K8s.doc("JobCondition describes current state of a job.") {
  type @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("Type of job condition, Complete or Failed.");
  status @1 :Text $K8s.proto(2) $K8s.required $K8s.doc("Status of the condition, one of True, False, Unknown.");
  lastProbeTime @2 :Text $K8s.proto(3) $K8s.time $K8s.doc("Last time the condition was checked.");
  lastTransitionTime @3 :Text $K8s.proto(4) $K8s.time $K8s.doc("Last time the condition transit from one status to another.");
  reason @4 :Text $K8s.proto(5) $K8s.doc("(brief) reason for the condition's last transition.");
  message @5 :Text $K8s.proto(6) $K8s.doc("Human readable message indicating details about last transition.");
}

struct UncountedTerminatedPods $K8s.doc("UncountedTerminatedPods holds UIDs of Pods that have terminated but haven't been accounted in Job status counters.") {
  succeeded @0 :List(Text) $K8s.proto(1) $K8s.listType("set") $K8s.doc("succeeded holds UIDs of succeeded Pods.");
  failed @1 :List(Text) $K8s.proto(2) $K8s.listType("set") $K8s.doc("failed holds UIDs of failed Pods.");
}

struct JobStatus $K8s.doc("JobStatus represents the current state of a Job.") {
  conditions @0 :List(JobCondition) $K8s.proto(1) $K8s.patchMergeKey("type") $K8s.patchStrategy("merge") $K8s.listType("atomic")
      $K8s.doc("The latest available observations of an object's current state. When a Job fails, one of the conditions will have type \"Failed\" and status true. When a Job is suspended, one of the conditions will have type \"Suspended\" and status true; when the Job is resumed, the status of this condition will become false. When a Job is completed, one of the conditions will have type \"Complete\" and status true. A job is considered finished when it is in a terminal condition, either \"Complete\" or \"Failed\". A Job cannot have both the \"Complete\" and \"Failed\" conditions. Additionally, it cannot be in the \"Complete\" and \"FailureTarget\" conditions. The \"Complete\", \"Failed\" and \"FailureTarget\" conditions cannot be disabled. More info: https://kubernetes.io/docs/concepts/workloads/controllers/jobs-run-to-completion/");
  startTime @1 :Text $K8s.proto(2) $K8s.time $K8s.nullable
      $K8s.doc("Represents time when the job controller started processing a job. When a Job is created in the suspended state, this field is not set until the first time it is resumed. This field is reset every time a Job is resumed from suspension. It is represented in RFC3339 form and is in UTC. Once set, the field can only be removed when the job is suspended. The field cannot be modified while the job is unsuspended or finished.");
  completionTime @2 :Text $K8s.proto(3) $K8s.time $K8s.nullable
      $K8s.doc("Represents time when the job was completed. It is not guaranteed to be set in happens-before order across separate operations. It is represented in RFC3339 form and is in UTC. The completion time is set when the job finishes successfully, and only then. The value cannot be updated or removed. The value indicates the same or later point in time as the startTime field.");
  active @3 :Int32 $K8s.proto(4) $K8s.doc("The number of pending and running pods which are not terminating (without a deletionTimestamp). The value is zero for finished jobs.");
  succeeded @4 :Int32 $K8s.proto(5) $K8s.doc("The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.");
  failed @5 :Int32 $K8s.proto(6) $K8s.doc("The number of pods which reached phase Failed. The value increases monotonically.");
  terminating :group $K8s.proto(11) $K8s.optional
      $K8s.doc("The number of pods which are terminating (in phase Pending or Running and have a deletionTimestamp).") {
    union { unset @6 :Void; value @7 :Int32; }
  }
  completedIndexes @8 :Text $K8s.proto(7)
      $K8s.doc("completedIndexes holds the completed indexes when .spec.completionMode = \"Indexed\" in a text format. The indexes are represented as decimal integers separated by commas. The numbers are listed in increasing order. Three or more consecutive numbers are compressed and represented by the first and last element of the series, separated by a hyphen. For example, if the completed indexes are 1, 3, 4, 5 and 7, they are represented as \"1,3-5,7\".");
  failedIndexes :group $K8s.proto(10) $K8s.optional
      $K8s.doc("FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set. The indexes are represented in the text format analogous as for the `completedIndexes` field, ie. they are kept as decimal integers separated by commas. The numbers are listed in increasing order. Three or more consecutive numbers are compressed and represented by the first and last element of the series, separated by a hyphen. For example, if the failed indexes are 1, 3, 4, 5 and 7, they are represented as \"1,3-5,7\". The set of failed indexes cannot overlap with the set of completed indexes.") {
    union { unset @9 :Void; value @10 :Text; }
  }
  uncountedTerminatedPods @11 :UncountedTerminatedPods $K8s.proto(8) $K8s.nullable
      $K8s.doc("uncountedTerminatedPods holds the UIDs of Pods that have terminated but the job controller hasn't yet accounted for in the status counters. The job controller creates pods with a finalizer. When a pod terminates (succeeded or failed), the controller does three steps to account for it in the job status: (1) Add the pod UID to the arrays in this field. (2) Remove the pod finalizer. (3) Remove the pod UID from the arrays while increasing the corresponding counter. Old jobs might not be tracked using this field, in which case the field remains null. The structure is empty for finished jobs.");
  ready :group $K8s.proto(9) $K8s.optional $K8s.doc("The number of active pods which have a Ready condition and are not terminating (without a deletionTimestamp).") {
    union { unset @12 :Void; value @13 :Int32; }
  }
}

struct Job $K8s.doc("Job represents the configuration of a single job.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :JobSpec $K8s.proto(2)
      $K8s.doc("Specification of the desired behavior of a job. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
  status @4 :JobStatus $K8s.proto(3)
      $K8s.doc("Current status of a job. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
}

struct JobTemplateSpec $K8s.doc("JobTemplateSpec describes the data a Job should have when created from a template") {
  metadata @0 :Meta.ObjectMeta $K8s.proto(1)
      $K8s.doc("Standard object's metadata of the jobs created from this template. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");
  spec @1 :JobSpec $K8s.proto(2)
      $K8s.doc("Specification of the desired behavior of the job. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
}

struct CronJobSpec $K8s.doc("CronJobSpec describes how the job execution will look like and when it will actually run.") {
  schedule @0 :Text $K8s.proto(1) $K8s.required $K8s.doc("The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.");
  timeZone :group $K8s.proto(8) $K8s.optional
      $K8s.doc("The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones") {
    union { unset @1 :Void; value @2 :Text; }
  }
  startingDeadlineSeconds :group $K8s.proto(2) $K8s.optional
      $K8s.doc("Optional deadline in seconds for starting the job if it misses scheduled time for any reason.  Missed jobs executions will be counted as failed ones.") {
    union { unset @3 :Void; value @4 :Int64; }
  }
  concurrencyPolicy @5 :Text $K8s.proto(3)
      $K8s.doc("Specifies how to treat concurrent executions of a Job. Valid values are: \"Allow\" (default): allows CronJobs to run concurrently; \"Forbid\": forbids concurrent runs, skipping next run if previous run hasn't finished yet; \"Replace\": cancels currently running job and replaces it with a new one");
  suspend :group $K8s.proto(4) $K8s.optional
      $K8s.doc("This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.") {
    union { unset @6 :Void; value @7 :Bool; }
  }
  jobTemplate @8 :JobTemplateSpec $K8s.proto(5) $K8s.required
      $K8s.doc("Specifies the job that will be created when executing a CronJob.");
  successfulJobsHistoryLimit :group $K8s.proto(6) $K8s.optional
      $K8s.doc("The number of successful finished jobs to retain. Value must be non-negative integer. Defaults to 3.") {
    union { unset @9 :Void; value @10 :Int32; }
  }
  failedJobsHistoryLimit :group $K8s.proto(7) $K8s.optional
      $K8s.doc("The number of failed finished jobs to retain. Value must be non-negative integer. Defaults to 1.") {
    union { unset @11 :Void; value @12 :Int32; }
  }
}

struct CronJobStatus $K8s.doc("CronJobStatus represents the current state of a cron job.") {
  active @0 :List(Meta.ObjectReference) $K8s.proto(1) $K8s.listType("atomic")
      $K8s.doc("A list of pointers to currently running jobs.");
  lastScheduleTime @1 :Text $K8s.proto(4) $K8s.time $K8s.nullable $K8s.doc("Information when was the last time the job was successfully scheduled.");
  lastSuccessfulTime @2 :Text $K8s.proto(5) $K8s.time $K8s.nullable $K8s.doc("Information when was the last time the job successfully completed.");
}

struct CronJob $K8s.doc("CronJob represents the configuration of a single cron job.") {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta $K8s.proto(1);
  spec @3 :CronJobSpec $K8s.proto(2)
      $K8s.doc("Specification of the desired behavior of a cron job, including the schedule. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
  status @4 :CronJobStatus $K8s.proto(3)
      $K8s.doc("Current status of a cron job. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status");
}
