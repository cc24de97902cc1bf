#pragma once
// The HorizontalPodAutoscaler controller (autoscaling/v2): every 15 s per HPA it reads the scale
// target (Deployment or ReplicaSet), its pods and their PodMetrics (metrics.k8s.io, written by the
// node agents), computes the desired replicas for each Resource / ContainerResource metric as
// kube-controller-manager does (hpa_logic.hpp), stabilizes and limits it, writes the target's
// scale subresource, and keeps status (currentReplicas, desiredReplicas, currentMetrics,
// lastScaleTime, conditions AbleToScale / ScalingActive / ScalingLimited) and Events
// (SuccessfulRescale, FailedGetScale, FailedGetResourceMetric, FailedComputeMetricsReplicas,
// FailedRescale) as upstream.

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "capstan/autoscaling_v2.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/events.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "hpa_logic.hpp"

namespace capstan::hpa {

inline constexpr const char* kComponent = "horizontal-pod-autoscaler";

class HpaController final : public sdk::Plugin {
 public:
  struct Options {
    std::chrono::milliseconds sync_period{15000};  // --horizontal-pod-autoscaler-sync-period
  };
  explicit HpaController(const sdk::Host& host) : HpaController(host, Options()) {}
  HpaController(const sdk::Host& host, Options options);
  void start() override;
  void stop() override;

 private:
  sdk::ReconcileResult reconcile(const std::string& key);

  const sdk::Host& host_;
  const Options options_;
  sdk::Client client_;
  sdk::EventRecorder recorder_;
  sdk::Informer hpas_;
  sdk::Informer pods_;
  sdk::Informer metrics_;
  std::mutex mu_;  // the per-HPA memories below
  std::map<std::string, std::vector<Recommendation>> recommendations_;
  std::map<std::string, std::deque<ScaleEvent>> scale_ups_, scale_downs_;
  std::map<std::string, int64_t> generations_;  // last metadata.generation seen per HPA
  std::unique_ptr<sdk::Controller> controller_;
};

}  // namespace capstan::hpa
