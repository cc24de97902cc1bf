#pragma once
// Pure decision logic of the Job controller (no I/O), as kube-controller-manager 1.33's job
// controller computes it (pkg/controller/job: job_controller.go, indexed_job_utils.go,
// backoff_utils.go, pod_failure_policy.go, success_policy.go): which pods count as active,
// failed or terminating; completion indexes and their compressed interval form; the exponential
// back-off between failed pods; pod failure and success policies; which pods to remove first;
// and condition bookkeeping. Times are milliseconds since the Unix epoch.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace capstan::job {

inline constexpr const char* kTrackingFinalizer = "batch.kubernetes.io/job-tracking";
inline constexpr const char* kCompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";
inline constexpr const char* kIndexFailureCountAnnotation = "batch.kubernetes.io/job-index-failure-count";
inline constexpr const char* kIndexIgnoredFailureCountAnnotation = "batch.kubernetes.io/job-index-ignored-failure-count";
inline constexpr const char* kCompletionIndexEnv = "JOB_COMPLETION_INDEX";
inline constexpr const char* kJobControllerName = "kubernetes.io/job-controller";
inline constexpr int kUnknownIndex = -1;

// DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff.
inline constexpr int64_t kPodFailureBackoffMs = 10'000;
inline constexpr int64_t kMaxPodFailureBackoffMs = 10 * 60'000;
// syncJobBatchPeriod, MaxUncountedPods, MaxPodCreateDeletePerSync.
inline constexpr int64_t kSyncBatchPeriodMs = 1'000;
inline constexpr size_t kMaxUncountedPods = 500;
inline constexpr int kMaxPodCreateDeletePerSync = 500;

struct ContainerState {
  std::string name;
  bool terminated = false;
  int32_t exit_code = 0;
  int64_t finished_ms = 0;  // 0 = zero time (not set)
  int32_t restarts = 0;
};

struct PodCondition {
  std::string type, status;
  int64_t last_transition_ms = 0;
};

// What the controller needs to know about one pod.
struct PodView {
  std::string name, uid;
  std::string phase;
  bool deleting = false;
  int64_t deletion_ms = 0;
  int64_t deletion_grace_seconds = 0;
  int64_t created_ms = 0;
  bool has_finalizer = false;
  int completion_index = kUnknownIndex;  // annotation batch.kubernetes.io/job-completion-index
  int32_t index_failure_count = 0;       // annotation ...job-index-failure-count
  int32_t index_ignored_failure_count = 0;
  std::string node_name;
  std::vector<ContainerState> containers, init_containers;
  std::vector<PodCondition> conditions;

  bool ready() const;
  int64_t ready_since_ms() const;
  int32_t max_container_restarts() const;
  int32_t total_restarts() const;  // init + regular
};

// Parses the completion index annotation as Go's strconv.Atoi (negative or malformed: unknown).
int parse_completion_index(const std::string& value);
// parseInt32 of the failure-count annotations: 0 when malformed, negative or above MaxInt32.
int32_t parse_failure_count(const std::string& value);

// controller.FilterActivePods: not finished, not being deleted.
bool is_active(const PodView& p);
// controller.FilterTerminatingPods: being deleted, not finished.
bool is_terminating(const PodView& p);
// isPodFailed: phase Failed, or (unless only failed pods are replaced) deleted before succeeding.
bool is_pod_failed(const PodView& p, bool only_replace_failed);
// getFinishedTime: the last container's finishedAt, else the Ready=False transition, else the
// deletion time minus its grace period, else the creation time.
int64_t finished_time_ms(const PodView& p);

// controller.ActivePods ordering: the pods to remove first come first (unassigned, pending, not
// ready, ready for less time, more restarts, newer).
bool remove_before(const PodView& a, const PodView& b);

// Ordered, non-overlapping intervals of completion indexes.
class OrderedIntervals {
 public:
  struct Interval {
    int first, last;
    bool operator==(const Interval&) const = default;
  };
  OrderedIntervals() = default;
  explicit OrderedIntervals(std::vector<Interval> v) : v_(std::move(v)) {}
  // parseIndexesFromString: "1,3-5,7", dropping indexes >= completions; malformed parts are skipped.
  static OrderedIntervals parse(const std::string& s, int completions);
  // The same set with `indexes` (sorted, ascending) added.
  OrderedIntervals with_ordered_indexes(const std::vector<int>& indexes) const;
  OrderedIntervals merge(const OrderedIntervals& other) const;
  int total() const;
  bool has(int ix) const;
  // "1,3-5,7": two consecutive numbers are written "3,4", three or more "3-5".
  std::string to_string() const;
  const std::vector<Interval>& intervals() const { return v_; }
  bool empty() const { return v_.empty(); }
  bool operator==(const OrderedIntervals&) const = default;

 private:
  std::vector<Interval> v_;
};

// firstPendingIndexes: the `count` lowest indexes below `completions` not in `taken` (succeeded,
// active, failed, and terminating ones when only failed pods are replaced).
std::vector<int> first_pending_indexes(const OrderedIntervals& taken, int count, int completions);

// "<job>-<index>-", the job name shortened so the whole prefix stays within 58 characters.
std::string pod_generate_name_with_index(const std::string& job_name, int index);

// ---- pod failure policy (KEP-3329)

struct OnExitCodes {
  std::optional<std::string> container_name;
  std::string op;  // In | NotIn
  std::vector<int32_t> values;
};
struct PodConditionPattern {
  std::string type, status;
};
struct PodFailurePolicyRule {
  std::string action;  // FailJob | FailIndex | Ignore | Count
  std::optional<OnExitCodes> on_exit_codes;
  std::vector<PodConditionPattern> on_pod_conditions;
};
struct PolicyMatch {
  std::optional<std::string> fail_job_message;  // set when a FailJob rule matched
  bool count_failed = true;                     // false when an Ignore rule matched
  std::optional<std::string> action;            // the matched rule's action
};
// matchPodFailurePolicy for a failed pod; an absent policy counts the failure.
PolicyMatch match_pod_failure_policy(const std::vector<PodFailurePolicyRule>* rules, const PodView& pod,
                                     const std::string& ns);

// ---- success policy (KEP-3998)

struct SuccessPolicyRule {
  std::optional<std::string> succeeded_indexes;
  std::optional<int32_t> succeeded_count;
};
// matchSuccessPolicy: ("Matched rules at index N", true) for the first rule the succeeded indexes
// satisfy.
std::optional<std::string> match_success_policy(const std::vector<SuccessPolicyRule>& rules, int completions,
                                                const OrderedIntervals& succeeded);

// ---- back-off between failed pods

struct BackoffRecord {
  int32_t failures_after_last_success = 0;
  std::optional<int64_t> last_failure_ms;
};
// newBackoffRecord: failures since the last success, from the pods newly finished in this sync.
BackoffRecord next_backoff_record(BackoffRecord old, const std::vector<const PodView*>& new_succeeded,
                                  const std::vector<const PodView*>& new_failed);
// getRemainingTimeForFailuresCount: 10 s doubling per consecutive failure up to 10 min, minus
// the time since the last failure; 0 when pods may be created now.
int64_t backoff_remaining_ms(int64_t now_ms, int32_t failures, std::optional<int64_t> last_failure_ms,
                             int64_t base_ms = kPodFailureBackoffMs, int64_t max_ms = kMaxPodFailureBackoffMs);

// The back-off records of all Jobs, by key (backoffStore). Thread-safe.
class BackoffStore {
 public:
  BackoffRecord get(const std::string& key) const;
  void update(const std::string& key, const BackoffRecord& r);
  void remove(const std::string& key);

 private:
  mutable std::mutex mu_;
  std::map<std::string, BackoffRecord> records_;
};

// uidTrackingExpectations: pod UIDs whose tracking-finalizer removal a Job's sync issued and its
// pod informer has not observed yet. Thread-safe.
class FinalizerExpectations {
 public:
  std::set<std::string> expected(const std::string& key) const;
  void expect_removed(const std::string& key, const std::vector<std::string>& uids);
  void observed(const std::string& key, const std::string& uid);
  void forget(const std::string& key);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::set<std::string>> uids_;
};

// ---- conditions

struct JobCondition {
  std::string type, status;
  int64_t last_probe_ms = 0, last_transition_ms = 0;
  std::string reason, message;
  bool operator==(const JobCondition&) const = default;
};
JobCondition* find_condition(std::vector<JobCondition>& list, const std::string& type);
const JobCondition* find_condition(const std::vector<JobCondition>& list, const std::string& type);
bool condition_true(const std::vector<JobCondition>& list, const std::string& type);
// ensureJobConditionStatus: updates or appends (never appends a False one); true when changed.
bool ensure_condition(std::vector<JobCondition>& list, const std::string& type, const std::string& status,
                      const std::string& reason, const std::string& message, int64_t now_ms);
JobCondition new_condition(const std::string& type, const std::string& status, const std::string& reason,
                           const std::string& message, int64_t now_ms);

// pastBackoffLimitOnFailure: with restartPolicy OnFailure, the restarts of running or pending pods
// (init containers included) reach backoffLimit (exceed it when the limit is 0).
bool past_backoff_limit_on_failure(const std::vector<const PodView*>& pods, const std::string& restart_policy,
                                   int32_t backoff_limit);

// Which active pods to remove: for Indexed Jobs every pod without a valid index, with an index
// >= completions, or duplicating another pod's index (keeping the best), then the `at_least`
// first in remove_before order.
std::vector<const PodView*> active_pods_for_removal(bool indexed, int completions, std::vector<const PodView*> active,
                                                    int at_least);

}  // namespace capstan::job
