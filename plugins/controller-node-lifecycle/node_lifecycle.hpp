#pragma once
// The node lifecycle controller: notices nodes whose agent stopped heartbeating (see README.md),
// marks them Ready=Unknown, taints them unreachable, marks their pods not ready and evicts them,
// recording the Events Kubernetes' node lifecycle and taint eviction controllers record.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/events.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "capstan/core_v1.capnp.h"

namespace capstan::lifecycle {

struct Options {
  // How long a lease may go unrenewed before the node is Ready=Unknown (node-monitor-grace-period).
  std::chrono::milliseconds grace_period{40'000};
  // How often a tainted node's pods are looked at again (pods whose toleration ran out, pods that
  // landed there anyway); a toleration that runs out sooner is acted on at its time.
  std::chrono::milliseconds recheck_period{5'000};

  // Plugin config key: nodeMonitorGracePeriodSeconds (a number, may be fractional). A missing or
  // malformed key keeps the default. How long a pod stays on an unreachable node is the pod's
  // own toleration (the workloads plugin's defaultUnreachableTolerationSeconds, 300 s).
  static Options parse(const std::string& config_json);
};

class NodeLifecycle final : public sdk::Plugin {
 public:
  NodeLifecycle(const sdk::Host& host, Options options = {});
  void start() override;
  void stop() override;

 private:
  bool has_taint(core::v1::Node::Reader node);
  int64_t taint_time(core::v1::Node::Reader node, const std::string& name, int64_t now);
  sdk::Status set_taint(const sdk::ObjectPtr& obj, bool on);
  sdk::Status mark_unknown(const sdk::ObjectPtr& obj);
  void mark_pods_not_ready(const std::string& node);
  void on_node(const sdk::ObjectPtr& obj, sdk::EventKind kind);
  sdk::ReconcileResult reconcile(const std::string& name);

  const sdk::Host& host_;
  const Options options_;
  sdk::Client client_;
  sdk::EventRecorder node_events_;      // "node-controller", as kube-controller-manager
  sdk::EventRecorder eviction_events_;  // "taint-eviction-controller"
  sdk::Informer nodes_, leases_;
  std::unique_ptr<sdk::Controller> controller_;
  int64_t started_ns_ = 0;
  std::mutex mu_;
  std::map<std::string, int64_t> tainted_since_;  // when no taint timeAdded can be read
};

}  // namespace capstan::lifecycle
