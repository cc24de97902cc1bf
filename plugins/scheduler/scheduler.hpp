#pragma once
// The default-scheduler plugin: informers on pods and nodes feed the cache and the scheduling
// queue; one loop pops pending pods and runs the framework; binder threads write the outcome
// (binding, PodScheduled condition, Event) so the loop never waits on the store.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "algorithm.hpp"
#include "cache.hpp"
#include "capstan/client.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/events.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "capstan/core_v1.capnp.h"
#include "framework.hpp"
#include "parallelizer.hpp"
#include "scheduling_queue.hpp"

namespace capstan::scheduler {

inline constexpr const char* kSchedulerName = "default-scheduler";

class Scheduler final : public sdk::Plugin {
 public:
  Scheduler(const sdk::Host& host, const std::string& config);
  ~Scheduler() override;
  void start() override;
  void stop() override;

 private:
  void on_pod(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  void on_node(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  // "" or why the pod's claims keep it from being scheduled (volume_claims.hpp).
  std::string claims_block(core::v1::Pod::Reader pod) const;
  void run();
  void schedule_one(const std::string& key);
  void bind(const sdk::ObjectPtr& pod, const std::string& node, const std::vector<std::string>& delayed_claims);
  // volume_topology.cpp: the pod's claims for VolumeBinding, and the chosen node recorded on the
  // claims that wait for their first consumer (false when that failed).
  void fill_volumes(core::v1::Pod::Reader pod, PodInfo& info) const;
  bool select_node_for_claims(const sdk::ObjectPtr& pod, const std::vector<std::string>& claims, const std::string& node);
  void record_failure(const sdk::ObjectPtr& pod, const std::string& message);
  // False when the pod already carries that condition (nothing written).
  bool set_condition(const sdk::ObjectPtr& pod, bool scheduled, const std::string& reason, const std::string& message);
  void emit_event(const sdk::ObjectPtr& pod, const char* type, const char* reason, const std::string& message);
  // Binder work: bindings first, reports (conditions, events) when no binding waits, so the
  // store's write capacity goes to placing pods and the reports trail behind, as Kubernetes' event
  // broadcaster does.
  void submit(std::function<void()> task, bool binding);
  void binder();

  const sdk::Host& host_;
  sdk::Client client_;
  // Synchronous: events are written on the binder threads, behind the bindings.
  sdk::EventRecorder recorder_;
  SchedulerConfig config_;
  Framework framework_;
  Parallelizer parallelizer_;
  GenericScheduler algorithm_;
  SchedulerCache cache_;
  SchedulingQueue queue_;
  sdk::Informer pods_;
  sdk::Informer nodes_;
  // VolumeBinding's claim checks (volume_claims.hpp) read these.
  sdk::Informer claims_;
  sdk::Informer classes_;

  std::atomic<bool> stopping_{false};
  std::thread loop_;
  std::mutex tasks_mu_;
  std::condition_variable tasks_cv_;
  std::deque<std::function<void()>> tasks_;    // bindings
  std::deque<std::function<void()>> reports_;  // conditions and events
  bool tasks_stop_ = false;
  std::vector<std::thread> binders_;
  // Progress counters, logged every few seconds while busy.
  std::atomic<uint64_t> attempts_{0}, bound_{0}, failed_{0};
};

}  // namespace capstan::scheduler
