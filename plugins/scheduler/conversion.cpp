#include "conversion.hpp"

#include <algorithm>

#include "capstan/machinery/quantity.hpp"

namespace capstan::scheduler {
namespace {

using core::v1::Container;
using machinery::milli_value_of;
using machinery::value_of;

struct ContainerRequests {
  int64_t cpu = 0, mem = 0;
  bool has_cpu = false, has_mem = false;
};

ContainerRequests container_requests(Container::Reader c) {
  ContainerRequests out;
  auto read = [&](auto list) {
    for (auto e : list) {
      std::string_view key(e.getKey().cStr(), e.getKey().size());
      std::string_view value(e.getValue().cStr(), e.getValue().size());
      if (key == "cpu" && !out.has_cpu) {
        if (auto v = milli_value_of(value)) out.cpu = *v, out.has_cpu = true;
      } else if (key == "memory" && !out.has_mem) {
        if (auto v = value_of(value)) out.mem = *v, out.has_mem = true;
      }
    }
  };
  read(c.getResources().getRequests());
  read(c.getResources().getLimits());  // only fills what requests left unset
  return out;
}

}  // namespace

Requests pod_requests(core::v1::PodSpec::Reader spec) {
  Requests r;
  for (auto c : spec.getContainers()) {
    auto cr = container_requests(c);
    r.cpu_milli += cr.cpu;
    r.memory_bytes += cr.mem;
    r.nonzero_cpu_milli += cr.has_cpu ? cr.cpu : kDefaultMilliCpuRequest;
    r.nonzero_memory_bytes += cr.has_mem ? cr.mem : kDefaultMemoryRequest;
  }
  for (auto c : spec.getInitContainers()) {
    auto cr = container_requests(c);
    r.cpu_milli = std::max(r.cpu_milli, cr.cpu);
    r.memory_bytes = std::max(r.memory_bytes, cr.mem);
    r.nonzero_cpu_milli = std::max(r.nonzero_cpu_milli, cr.has_cpu ? cr.cpu : kDefaultMilliCpuRequest);
    r.nonzero_memory_bytes = std::max(r.nonzero_memory_bytes, cr.has_mem ? cr.mem : kDefaultMemoryRequest);
  }
  return r;
}

PodInfo pod_info_from(core::v1::Pod::Reader pod) {
  PodInfo p;
  auto meta = pod.getMetadata();
  p.ns = meta.getNamespace();
  p.name = meta.getName();
  p.uid = meta.getUid();
  auto spec = pod.getSpec();
  auto req = pod_requests(spec);
  p.cpu_milli = req.cpu_milli;
  p.memory_bytes = req.memory_bytes;
  p.nonzero_cpu_milli = req.nonzero_cpu_milli;
  p.nonzero_memory_bytes = req.nonzero_memory_bytes;
  p.node_name = spec.getNodeName();
  for (auto e : spec.getNodeSelector()) p.node_selector.emplace(e.getKey(), e.getValue());
  if (spec.hasAffinity() && spec.getAffinity().hasNodeAffinity()) {
    auto na = spec.getAffinity().getNodeAffinity();
    if (na.hasRequiredDuringSchedulingIgnoredDuringExecution()) {
      p.has_required_affinity = true;
      for (auto t : na.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
        p.required_terms.push_back(sdk::scheduling::term_of(t));
    }
    for (auto pt : na.getPreferredDuringSchedulingIgnoredDuringExecution())
      p.preferred_terms.push_back({pt.getWeight(), sdk::scheduling::term_of(pt.getPreference())});
  }
  p.tolerations = sdk::scheduling::tolerations_of(spec.getTolerations());
  return p;
}

NodeInfo node_info_from(core::v1::Node::Reader node) {
  NodeInfo n;
  n.name = node.getMetadata().getName();
  for (auto e : node.getMetadata().getLabels()) n.labels.emplace(e.getKey(), e.getValue());
  n.unschedulable = node.getSpec().getUnschedulable();
  n.taints = sdk::scheduling::taints_of(node.getSpec().getTaints());
  // Allocatable defaults to capacity.
  auto read = [&](auto list, bool fill_only) {
    for (auto e : list) {
      std::string_view key(e.getKey().cStr(), e.getKey().size());
      std::string_view value(e.getValue().cStr(), e.getValue().size());
      if (key == "cpu" && !(fill_only && n.allocatable_cpu_milli)) n.allocatable_cpu_milli = milli_value_of(value).value_or(0);
      else if (key == "memory" && !(fill_only && n.allocatable_memory_bytes))
        n.allocatable_memory_bytes = value_of(value).value_or(0);
      else if (key == "pods" && !(fill_only && n.allocatable_pods)) n.allocatable_pods = value_of(value).value_or(0);
    }
  };
  read(node.getStatus().getAllocatable(), false);
  read(node.getStatus().getCapacity(), true);
  return n;
}

}  // namespace capstan::scheduler
