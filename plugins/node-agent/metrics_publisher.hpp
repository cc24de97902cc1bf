#pragma once
// The resource metrics publisher: every `metricsInterval` seconds it samples the runtime's
// container stats (and, for a real node, the machine's /proc/stat and /proc/meminfo), turns two
// samples into CPU rates, and writes metrics.k8s.io/v1beta1 PodMetrics for the node's running
// pods and a NodeMetrics for the node, which `kubectl top` reads. See docs/metrics.md.
//
// The pure parts (rates, quantities, durations, /proc parsing, object building) are free functions
// so unit tests drive them without a runtime or an API.

#include <capnp/message.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "capstan/client.hpp"
#include "capstan/informer.hpp"

namespace capstan::agent::metrics {

// One reading of a cumulative CPU counter.
struct CpuSample {
  int64_t time_ns = 0;   // when it was read (nanoseconds since the epoch)
  uint64_t usage_ns = 0;  // CPU time used so far, in core-nanoseconds
};

// The CPU used between two readings in nanocores (1e9 = one core); nullopt when no time passed,
// the clock went back or the counter was reset (a restarted container).
std::optional<uint64_t> cpu_rate_nanocores(const CpuSample& older, const CpuSample& newer);

// Canonical Kubernetes quantities: CPU from nanocores ("0", "2", "250m", "1500u", "1234567n"),
// memory from bytes ("0", "64Mi", "1234Ki", "1000001").
std::string cpu_quantity(uint64_t nanocores);
std::string memory_quantity(uint64_t bytes);
// A duration as Go's time.Duration prints it (metav1.Duration's JSON), rounded to milliseconds:
// "0s", "500ms", "15s", "1.25s", "1m0.5s".
std::string go_duration(int64_t ns);

// The machine's busy CPU time in nanoseconds from /proc/stat's "cpu" line (user + nice + system
// + irq + softirq + steal; idle and iowait excluded), given the clock ticks per second.
std::optional<uint64_t> parse_proc_stat_busy_ns(std::string_view proc_stat, long ticks_per_second);
// The machine's memory working set from /proc/meminfo: MemTotal - MemAvailable, in bytes.
std::optional<uint64_t> parse_meminfo_working_set(std::string_view meminfo);

using Labels = std::vector<std::pair<std::string, std::string>>;

struct ContainerUsage {
  std::string name;
  uint64_t nanocores = 0;
  uint64_t memory_bytes = 0;
};

struct PodUsage {
  std::string ns, name, uid;
  Labels labels;                          // copied from the pod, so `kubectl top pod -l` selects
  std::vector<ContainerUsage> containers;  // sorted by name
  int64_t time_ns = 0, window_ns = 0;
};

struct NodeUsage {
  std::string name, uid;  // uid empty: no ownerReference
  Labels labels;
  uint64_t nanocores = 0, memory_bytes = 0;
  int64_t time_ns = 0, window_ns = 0;
};

// The objects as they are written (owned by the pod or the node, so the garbage collector removes
// them with it).
void build_pod_metrics(capnp::MessageBuilder& m, const PodUsage& u);
void build_node_metrics(capnp::MessageBuilder& m, const NodeUsage& u);
// What a write would change: the usage and the labels, not the timestamp or the window (a write
// whose values are unchanged is skipped).
std::string signature(const PodUsage& u);
std::string signature(const NodeUsage& u);

// One container's stats as the runtime answered them.
struct ContainerStat {
  std::string id, name, sandbox;
  int64_t time_ns = 0;
  uint64_t cpu_ns = 0, memory_bytes = 0;
};

// Turns successive stats into per-pod usage: remembers each container's previous CPU reading and
// reports, per sandbox, the containers that have a rate. A sandbox is reported only when every one
// of its containers has a rate (as metrics-server drops incomplete pods).
class RateTracker {
 public:
  struct SandboxUsage {
    std::vector<ContainerUsage> containers;  // sorted by name
    int64_t time_ns = 0, window_ns = 0;
  };
  std::map<std::string, SandboxUsage> update(const std::vector<ContainerStat>& stats);

 private:
  std::map<std::string, CpuSample> last_;  // container id -> previous reading
};

struct PublisherOptions {
  int interval_seconds = 15;  // 0 = off
};
// "metricsInterval" from the agent's JSON configuration: default 15 s, 0 (off) for hollow nodes.
PublisherOptions parse_publisher_options(const std::string& config_json, bool hollow);

class MetricsPublisher {
 public:
  // `pods` is the agent's pod informer (already filtered to its node(s)); `nodes` the node names
  // this agent runs; `hollow` says they are simulated, so their usage is the sum of their pods'
  // rather than the machine's.
  MetricsPublisher(const sdk::Host& host, const sdk::Informer& pods, std::vector<std::string> nodes, bool hollow,
                   PublisherOptions options);
  ~MetricsPublisher();
  MetricsPublisher(const MetricsPublisher&) = delete;
  MetricsPublisher& operator=(const MetricsPublisher&) = delete;

  void start();
  void stop();
  // One sampling round (the loop calls it every interval; tests call it directly).
  void tick();

 private:
  void loop();
  std::vector<ContainerStat> container_stats();
  std::map<std::string, std::vector<std::string>> sandbox_pods();  // sandbox id -> {ns, name, uid}
  void write_pod(const PodUsage& u);
  void write_node(const NodeUsage& u);
  void remove_pod(const std::string& key);
  std::optional<NodeUsage> machine_usage(int64_t now_ns);
  bool write(const sdk::Resource& r, const std::string& ns, const std::string& name, capnp::MallocMessageBuilder& m);

  const sdk::Host& host_;
  sdk::Client client_;
  const sdk::Informer& pods_;
  std::vector<std::string> nodes_;
  std::set<std::string> node_set_;
  bool hollow_;
  PublisherOptions options_;
  RateTracker rates_;
  std::optional<CpuSample> machine_last_;
  std::map<std::string, std::string> written_;  // "pod:ns/name" or "node:name" -> signature
  int64_t last_tick_ns_ = 0;
  bool warned_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace capstan::agent::metrics
