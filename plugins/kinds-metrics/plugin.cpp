// capstan.kind.v1/metrics: the resource metrics API (metrics.k8s.io/v1beta1 PodMetrics and
// NodeMetrics) that `kubectl top` reads. The objects are stored like any other kind; each node
// agent writes those of its node (plugins/node-agent/metrics_publisher.*, docs/metrics.md).
#include "capstan/metrics_v1beta1.capnp.h"
#include "capstan/plugin.hpp"
#include "capstan/printer_columns.hpp"

namespace {

using namespace capstan;

// Nothing to do at run time: the kind plugin only declares the kinds.
class MetricsKinds final : public sdk::Plugin {};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "metrics";
  info.dependencies = {"capstan.kind.v1.core"};  // PodMetrics live in namespaces
  info.roles = CAPSTAN_ROLE_SERVER;
  info.manifest.description("Resource metrics: metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics (kubectl top)");

  // The plurals are the same as core/v1's (`pods`, `nodes`), in another group, as metrics-server
  // serves them; kubectl resolves a bare `pods` to the core group. No short names or categories,
  // so `kubectl get all` and `kubectl get po` are unaffected.
  sdk::KindSpec pod;
  pod.group = "metrics.k8s.io";
  pod.version = "v1beta1";
  pod.kind = "PodMetrics";
  pod.plural = "pods";
  pod.singular = "";
  pod.namespaced = true;
  pod.schema = capnp::Schema::from<metrics::v1beta1::PodMetrics>();
  pod.printer_columns = {sdk::column("Containers", "string", ".containers[*].name", "The pod's containers"),
                         sdk::column("CPU", "string", ".containers[*].usage.cpu", "CPU usage of each container"),
                         sdk::column("Memory", "string", ".containers[*].usage.memory", "Memory working set of each container"),
                         sdk::column("Window", "string", ".window", "The window the CPU rate was measured over")};
  info.manifest.kind(pod);

  sdk::KindSpec node;
  node.group = "metrics.k8s.io";
  node.version = "v1beta1";
  node.kind = "NodeMetrics";
  node.plural = "nodes";
  node.singular = "";
  node.namespaced = false;
  node.schema = capnp::Schema::from<metrics::v1beta1::NodeMetrics>();
  node.printer_columns = {sdk::column("CPU", "string", ".usage.cpu", "CPU usage of the node"),
                          sdk::column("Memory", "string", ".usage.memory", "Memory working set of the node"),
                          sdk::column("Window", "string", ".window", "The window the CPU rate was measured over")};
  info.manifest.kind(node);

  info.create = [](const sdk::Host&, const std::string&) { return std::make_unique<MetricsKinds>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
