#pragma once
// Pure decision logic of the HorizontalPodAutoscaler controller (no I/O), after
// kube-controller-manager's pkg/controller/podautoscaler: the replica calculator for resource
// metrics (pods without metrics, not yet ready or not running handled as upstream; 10 % tolerance),
// the stabilization windows, the scale-up limit of HPAs without behavior, and the rate policies of
// `behavior`.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace capstan::hpa {

inline constexpr double kTolerance = 0.1;
inline constexpr int64_t kCpuInitializationPeriod = 300;      // seconds
inline constexpr int64_t kDelayOfInitialReadinessStatus = 30;  // seconds
inline constexpr int64_t kDownscaleStabilizationWindow = 300;  // seconds, HPAs without behavior

// One pod of the scale target, for one resource.
struct PodView {
  std::string name;
  std::string phase;
  bool deleting = false;
  bool has_ready_condition = false;
  bool ready_false = false;         // Ready condition status False
  int64_t ready_transition = 0;     // its lastTransitionTime, seconds
  int64_t start_time = 0;           // status.startTime, seconds (0 = unset)
  std::optional<int64_t> request;   // sum of the containers' requests (milli-units); nullopt: one lacks it
  std::string missing_request_container;
};

struct PodMetric {
  int64_t value = 0;  // milli-units (millicores, or bytes x 1000)
  int64_t timestamp = 0;
  int64_t window = 0;  // seconds
};

struct Target {
  std::optional<int32_t> utilization;      // averageUtilization (percent of request)
  std::optional<int64_t> average_value;    // averageValue, milli-units
};

struct Calculation {
  int32_t replicas = 0;
  std::optional<int32_t> utilization;  // current average utilization (Utilization targets)
  int64_t raw_average = 0;             // current average value, milli-units
  std::string error;                   // non-empty: no recommendation
};

// ReplicaCalculator.GetResourceReplicas / GetRawResourceReplicas.
Calculation resource_replicas(int32_t current_replicas, const Target& target, const std::string& resource,
                              const std::vector<PodView>& pods, const std::map<std::string, PodMetric>& metrics,
                              int64_t now);

// ---- normalization
struct Rule {  // HPAScalingRules, defaults applied
  int32_t stabilization_window = 0;
  std::string select_policy = "Max";
  struct Policy {
    std::string type;  // Pods | Percent
    int32_t value = 0;
    int32_t period = 0;
  };
  std::vector<Policy> policies;
};

struct Limited {
  int32_t replicas = 0;
  std::string reason, message;  // the ScalingLimited condition's
};

// convertDesiredReplicasWithRules (no behavior): at most max(2 x current, 4), within [min, max].
Limited limit_without_behavior(int32_t current, int32_t desired, int32_t min, int32_t max);

struct ScaleEvent {
  int64_t at = 0;
  int32_t change = 0;  // replicas added (scale-up list) or removed (scale-down list)
};

// convertDesiredReplicasWithBehaviorRate.
Limited limit_with_behavior(int32_t current, int32_t desired, int32_t min, int32_t max, const Rule& up,
                            const Rule& down, const std::deque<ScaleEvent>& ups, const std::deque<ScaleEvent>& downs,
                            int64_t now);

// Per-HPA memory of recent recommendations (the controller keeps one per HPA key).
struct Recommendation {
  int32_t replicas = 0;
  int64_t at = 0;
};
struct Stabilized {
  int32_t replicas = 0;
  std::string reason, message;  // the AbleToScale condition's when it differs from the input
};
// stabilizeRecommendation (no behavior): the highest recommendation of the last 5 minutes.
int32_t stabilize(std::vector<Recommendation>& history, int32_t desired, int64_t now);
// stabilizeRecommendationWithBehaviors.
Stabilized stabilize_with_behavior(std::vector<Recommendation>& history, int32_t current, int32_t desired,
                                   const Rule& up, const Rule& down, int64_t now);

}  // namespace capstan::hpa
