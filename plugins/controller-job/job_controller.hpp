#pragma once
// The Job controller, as kube-controller-manager 1.33's (pkg/controller/job/job_controller.go):
// keeps up to `parallelism` pods running until `completions` succeed (or, for Indexed Jobs, one
// pod per completion index succeeds), with pod-failure back-off, backoffLimit and
// backoffLimitPerIndex, activeDeadlineSeconds, suspension, pod failure and success policies, and
// the finalizer-based tracking of finished pods (batch.kubernetes.io/job-tracking and
// status.uncountedTerminatedPods), so no pod is counted twice or lost when it is deleted. The
// terminal conditions go through the interim ones (SuccessCriteriaMet, FailureTarget) as upstream.
// Orphan pods keeping the tracking finalizer are released by a second queue.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "capstan/batch_v1.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/events.hpp"
#include "capstan/expectations.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "job_logic.hpp"
#include "ttl_after_finished.hpp"

namespace capstan::job {

inline constexpr const char* kComponent = "job-controller";

struct JobControllerOptions {
  // The clock (milliseconds since the epoch): tests move time instead of sleeping.
  std::function<int64_t()> now_ms;
  int workers = 4;
  // Synchronous event writes (tests read them right after a sync).
  bool synchronous_events = false;
  // syncJobBatchPeriod: pod events for one Job within this window cost one sync.
  int64_t batch_period_ms = kSyncBatchPeriodMs;
};

class JobController final : public sdk::Plugin {
 public:
  explicit JobController(const sdk::Host& host, JobControllerOptions options = {});
  ~JobController() override;
  void start() override;
  void stop() override;

  // Syncs a Job now (tests; and the controller itself after a delay).
  void enqueue(const std::string& key) { controller_->enqueue(key); }

 private:
  struct SyncContext;
  int64_t now() const { return options_.now_ms(); }
  void on_job(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  void on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  void delete_pod_event(const sdk::ObjectPtr& obj, bool final_delete);
  void enqueue_batched(const std::string& key);
  void enqueue_orphans_of(const sdk::ObjectPtr& job);
  sdk::ObjectPtr resolve_controller(const sdk::ObjectPtr& pod) const;

  sdk::ReconcileResult sync(const std::string& key);
  sdk::ReconcileResult sync_orphan_pod(const std::string& key);
  std::vector<sdk::ObjectPtr> claim_pods(const sdk::ObjectPtr& job_obj, bool& conflict);
  int32_t manage_job(SyncContext& ctx, std::string& error);
  std::pair<int32_t, int32_t> delete_pods(SyncContext& ctx, const std::vector<const PodView*>& pods,
                                          bool remove_finalizers, std::string& error);
  bool track_status_and_remove_finalizers(SyncContext& ctx, bool needs_flush, std::string& error);
  std::vector<bool> remove_tracking_finalizers(const std::string& key, const std::vector<const PodView*>& pods,
                                               std::string& error);
  bool write_status(SyncContext& ctx, std::string& error);
  bool create_pod(SyncContext& ctx, int index, std::string& error);

  const sdk::Host& host_;
  JobControllerOptions options_;
  sdk::Client client_;
  sdk::EventRecorder recorder_;
  sdk::Informer jobs_;
  sdk::Informer pods_;
  sdk::Expectations expectations_;
  FinalizerExpectations finalizer_expectations_;
  BackoffStore backoff_;
  std::unique_ptr<sdk::Controller> controller_;
  std::unique_ptr<sdk::Controller> orphans_;
  std::unique_ptr<TtlAfterFinishedController> ttl_;

  // What the handlers last saw, to tell what changed (the SDK's handlers get the new object only).
  std::mutex seen_mu_;
  std::unordered_map<std::string, std::string> pod_owner_;       // pod uid -> owning Job key
  std::unordered_map<std::string, int64_t> job_generation_;      // job key -> generation
  std::unordered_map<std::string, int64_t> job_deadline_;        // job key -> activeDeadlineSeconds
};

}  // namespace capstan::job
