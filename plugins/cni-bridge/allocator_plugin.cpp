// capstan.controller.v1/pod-cidr-allocator (server role): gives every Node a pod CIDR, a /24
// (nodeCIDRMaskSize) of the cluster CIDR (10.244.0.0/16), in spec.podCIDR and spec.podCIDRs, as
// kube-controller-manager's range allocator does. The CIDRs in use are read back from the Nodes
// themselves, so assignments survive restarts and a deleted Node's CIDR becomes free again.
#include <map>
#include <set>
#include <mutex>
#include <nlohmann/json.hpp>

#include "capstan/controller.hpp"
#include "capstan/core_v1.capnp.h"
#include "capstan/events.hpp"
#include "capstan/machinery/net.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/plugin.hpp"

namespace capstan::cni {
namespace {

namespace core = capstan::core::v1;
using machinery::first_free_subnet;
using machinery::Ipv4Cidr;
using machinery::kNodes;
using machinery::parse_cidr;

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

class PodCidrAllocator final : public sdk::Plugin {
 public:
  PodCidrAllocator(const sdk::Host& host, const std::string& config)
      : host_(host), client_(host, "pod-cidr-allocator"), events_(host, "cidrAllocator"), nodes_(client_, kNodes) {
    std::string cluster = "10.244.0.0/16";
    if (!config.empty()) {
      auto j = nlohmann::json::parse(config, nullptr, false);
      if (j.is_object()) {
        if (j.contains("clusterCIDR") && j["clusterCIDR"].is_string()) cluster = j["clusterCIDR"].get<std::string>();
        if (j.contains("nodeCIDRMaskSize") && j["nodeCIDRMaskSize"].is_number_integer())
          node_prefix_ = j["nodeCIDRMaskSize"].get<int>();
      }
    }
    auto c = parse_cidr(cluster);
    if (!c) throw std::runtime_error("pod-cidr-allocator: clusterCIDR " + cluster + " is not an IPv4 CIDR");
    if (node_prefix_ < c->prefix || node_prefix_ > 30)
      throw std::runtime_error("pod-cidr-allocator: nodeCIDRMaskSize must be between the cluster prefix and 30");
    cluster_ = *c;
    // One worker: two nodes reconciled at once could pick the same free block.
    controller_ = std::make_unique<sdk::Controller>("pod-cidr-allocator", host_,
                                                    [this](const std::string& key) { return reconcile(key); }, 1);
    controller_->watch(nodes_);
  }

  void start() override {
    nodes_.start();
    controller_->start();
  }
  void stop() override {
    controller_->stop();
    nodes_.stop();
  }

 private:
  sdk::ReconcileResult reconcile(const std::string& key) {
    auto name = key.substr(key.find('/') + 1);
    auto obj = nodes_.get("", name);
    std::lock_guard lock(mu_);
    if (!obj) {
      // Its block is free again: the nodes waiting for one try again.
      assigned_.erase(name);
      retry_waiting();
      return sdk::ReconcileResult::ok();
    }
    auto spec = obj->as<core::Node>().getSpec();
    if (spec.getPodCIDR().size() > 0) {
      assigned_.erase(name);
      return sdk::ReconcileResult::ok();
    }
    // In use: every Node's podCIDRs, plus blocks handed out whose write the cache has not shown yet.
    std::set<Ipv4Cidr> used;
    for (const auto& n : nodes_.list()) {
      auto s = n->as<core::Node>().getSpec();
      if (auto c = parse_cidr(str(s.getPodCIDR()))) used.insert(*c);
      for (auto t : s.getPodCIDRs())
        if (auto c = parse_cidr(str(t))) used.insert(*c);
    }
    for (const auto& [node, c] : assigned_)
      if (node != name) used.insert(c);
    std::optional<Ipv4Cidr> pick;
    if (auto it = assigned_.find(name); it != assigned_.end()) pick = it->second;
    else pick = first_free_subnet(cluster_, node_prefix_, used);
    if (!pick) {
      // Exhausted: retrying on a timer would rescan every Node for every waiting one (thousands of
      // nodes, a few hundred blocks). The node waits until a Node goes away, with one event, as
      // kube-controller-manager's CIDRNotAvailable.
      if (waiting_.insert(key).second) {
        host_.warn("pod-cidr-allocator: no free pod CIDR left in " + cluster_.str() + " for node " + name);
        events_.record(sdk::ObjectRef::of(*obj, "v1", "Node"), "Warning", "CIDRNotAvailable",
                       "Node " + name + " status is now: CIDRNotAvailable");
      }
      return sdk::ReconcileResult::ok();
    }
    waiting_.erase(key);
    nlohmann::json patch = {{"spec", {{"podCIDR", pick->str()}, {"podCIDRs", nlohmann::json::array({pick->str()})}}}};
    auto r = client_.patch(kNodes, "", name, "merge", patch.dump());
    if (r.status.not_found()) return sdk::ReconcileResult::ok();
    if (!r.status.ok()) return sdk::ReconcileResult::fail("cannot set the pod CIDR of node " + name + ": " + r.status.message);
    assigned_[name] = *pick;
    host_.info("pod-cidr-allocator: node " + name + " gets pod CIDR " + pick->str());
    return sdk::ReconcileResult::ok();
  }

  void retry_waiting() {
    for (const auto& key : waiting_) controller_->enqueue(key);
    waiting_.clear();
  }

  sdk::Host host_;
  sdk::Client client_;
  sdk::EventRecorder events_;
  std::set<std::string> waiting_;  // keys of the Nodes that found no free block
  sdk::Informer nodes_;
  Ipv4Cidr cluster_;
  int node_prefix_ = 24;
  std::unique_ptr<sdk::Controller> controller_;
  std::mutex mu_;
  std::map<std::string, Ipv4Cidr> assigned_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "pod-cidr-allocator";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.workloads"};
  info.manifest.description("assigns each Node a pod CIDR (spec.podCIDR) from the cluster CIDR");
  info.create = [](const sdk::Host& host, const std::string& config) {
    return std::make_unique<PodCidrAllocator>(host, config);
  };
  return info;
}

}  // namespace
}  // namespace capstan::cni

CAPSTAN_PLUGIN(capstan::cni::make_info)
