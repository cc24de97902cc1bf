// Node registration, status and Lease heartbeats.
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

#include "capstan/coordination_v1.capnp.h"
#include "capstan/machinery/quantity.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "node_agent.hpp"

namespace capstan::agent {

namespace {
using machinery::kNodes;
using machinery::kLeases;
constexpr const char* kLeaseNamespace = "kube-node-lease";
constexpr auto kHeartbeat = std::chrono::seconds(10);
}  // namespace

static std::string memory_capacity() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  long long kb = 0;
  while (in >> key >> kb >> unit)
    if (key == "MemTotal:") return machinery::Quantity::from_int64(kb * 1024, machinery::Quantity::Format::kBinarySI).to_string();
  return "0";
}

void NodeAgent::fill_node_status(core::NodeStatus::Builder st, const std::string& transition,
                               const std::string& node) {
  const std::string cpus = std::to_string(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  const std::string mem = memory_capacity();
  for (auto list : {st.initCapacity(3), st.initAllocatable(3)}) {
    list[0].setKey("cpu");
    list[0].setValue(cpus);
    list[1].setKey("memory");
    list[1].setValue(mem);
    list[2].setKey("pods");
    list[2].setValue("110");
  }
  const std::string now = machinery::now_rfc3339();
  auto conds = st.initConditions(1);
  conds[0].setType("Ready");
  conds[0].setStatus("True");
  conds[0].setLastHeartbeatTime(now);
  conds[0].setLastTransitionTime(transition.empty() ? now : transition);
  conds[0].setReason("KubeletReady");
  conds[0].setMessage("kubelet is posting ready status");
  auto addrs = st.initAddresses(2);
  addrs[0].setType("InternalIP");
  addrs[0].setAddress(config_.node_ip);
  addrs[1].setType("Hostname");
  addrs[1].setAddress(node);
  st.initDaemonEndpoints().initKubeletEndpoint().setPort(served_port_);
  auto info = st.initNodeInfo();
  struct utsname u {};
  uname(&u);
  std::string machine_id;
  std::ifstream("/etc/machine-id") >> machine_id;
  std::string boot_id;
  std::ifstream("/proc/sys/kernel/random/boot_id") >> boot_id;
  std::string os_image = "Linux";
  std::ifstream os("/etc/os-release");
  for (std::string line; std::getline(os, line);)
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      os_image = line.substr(12);
      if (os_image.size() >= 2 && os_image.front() == '"') os_image = os_image.substr(1, os_image.size() - 2);
    }
  info.setMachineID(machine_id);
  info.setSystemUUID(machine_id);
  info.setBootID(boot_id);
  info.setKernelVersion(u.release);
  info.setOsImage(os_image);
  info.setContainerRuntimeVersion(rt_version_);
  info.setKubeletVersion("v1.31.0-capstan");
  info.setKubeProxyVersion("");
  info.setOperatingSystem("linux");
  info.setArchitecture("amd64");
}

void NodeAgent::register_node(const std::string& node) {
  if (!client_.get(kNodes, "", node).status.ok()) {
    capnp::MallocMessageBuilder m;
    auto n = m.initRoot<core::Node>();
    n.setApiVersion("v1");
    n.setKind("Node");
    auto md = n.initMetadata();
    md.setName(node);
    auto labels = md.initLabels(3);
    labels[0].setKey("kubernetes.io/arch");
    labels[0].setValue("amd64");
    labels[1].setKey("kubernetes.io/hostname");
    labels[1].setValue(node);
    labels[2].setKey("kubernetes.io/os");
    labels[2].setValue("linux");
    auto r = client_.create(kNodes, "", m);
    if (!r.status.ok() && !r.status.already_exists())
      throw std::runtime_error("cannot register node " + node + ": " + r.status.message);
  }
  post_node_status(node);
}

// Writes the node's status (Ready=True, heartbeat now) through the status subresource.
void NodeAgent::post_node_status(const std::string& node) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto got = client_.get(kNodes, "", node);
    if (got.status.not_found()) return register_node(node);
    if (!got.status.ok()) throw std::runtime_error("cannot read node " + node + ": " + got.status.message);
    auto current = got.object->as<core::Node>();
    std::string transition;
    for (auto c : current.getStatus().getConditions())
      if (c.getType() == "Ready" && c.getStatus() == "True") transition = str(c.getLastTransitionTime());
    capnp::MallocMessageBuilder m;
    m.setRoot(current);
    fill_node_status(m.getRoot<core::Node>().initStatus(), transition, node);
    auto r = client_.update(kNodes, "", node, m, "status");
    if (r.status.ok()) return;
    if (!r.status.conflict()) throw std::runtime_error("cannot update node status: " + r.status.message);
  }
}

void NodeAgent::renew_lease(const std::string& node) {
  const std::string now = machinery::now_rfc3339_micro();
  // As kubelet does: renew from the Lease the last renewal returned, and read it again only when
  // that one is stale (a conflict) or missing. Halves the requests of thousands of hollow nodes.
  sdk::ObjectPtr last;
  {
    std::lock_guard lock(leases_mu_);
    if (auto it = leases_.find(node); it != leases_.end()) last = it->second;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!last) {
      auto got = client_.get(kLeases, kLeaseNamespace, node);
      if (got.status.ok()) last = got.object;
      else if (!got.status.not_found()) throw std::runtime_error("cannot read lease: " + got.status.message);
    }
    capnp::MallocMessageBuilder m;
    sdk::GetResult r;
    if (last) {
      m.setRoot(last->as<coordination::v1::Lease>());
      m.getRoot<coordination::v1::Lease>().getSpec().setRenewTime(now);
      r = client_.update(kLeases, kLeaseNamespace, node, m);
    } else {
      auto lease = m.initRoot<coordination::v1::Lease>();
      lease.setApiVersion("coordination.k8s.io/v1");
      lease.setKind("Lease");
      lease.initMetadata().setName(node);
      auto spec = lease.initSpec();
      spec.setHolderIdentity(node);
      spec.getLeaseDurationSeconds().setValue(40);
      spec.setRenewTime(now);
      r = client_.create(kLeases, kLeaseNamespace, m);
    }
    if (r.status.ok()) {
      std::lock_guard lock(leases_mu_);
      leases_[node] = r.object;
      return;
    }
    if (!r.status.conflict() && !r.status.not_found() && !r.status.already_exists())
      throw std::runtime_error("cannot renew lease: " + r.status.message);
    last.reset();  // stale: read it again
  }
  throw std::runtime_error("cannot renew lease of " + node + ": it keeps changing");
}

bool NodeAgent::wait_stopping(std::chrono::milliseconds d) {
  std::unique_lock lock(hb_mu_);
  return !hb_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void NodeAgent::heartbeat_loop() {
  if (nodes_.size() == 1) {
    std::chrono::seconds wait = std::chrono::seconds(1);  // soon after start: the lease may be missing
    for (;;) {
      if (!wait_stopping(wait)) return;
      try {
        renew_lease(nodes_[0]);
        post_node_status(nodes_[0]);
        wait = kHeartbeat;
        // Until every driver answered (a driver starts after the agent), then after each restart.
        if (csi_ && (csi_registered_starts_ != csi_->hostpath_starts()) && !register_csi())
          wait = std::chrono::seconds(2);
      } catch (const std::exception& e) {
        host_.warn(std::string("node-agent: heartbeat failed: ") + e.what());
        wait = std::chrono::seconds(1);  // e.g. kube-node-lease not created yet
      }
    }
  }
  // Hollow nodes: every node renews its Lease once per interval, the renewals spread evenly over
  // it; the Node status (Ready heartbeat) is posted every sixth round, as kubelet reports its
  // status less often than it renews its lease.
  const std::chrono::milliseconds spacing(std::chrono::duration_cast<std::chrono::milliseconds>(kHeartbeat).count() /
                                         static_cast<int64_t>(nodes_.size()));
  for (uint64_t round = 0;; ++round) {
    int failures = 0;
    std::string last_error;
    for (const auto& node : nodes_) {
      if (!wait_stopping(spacing)) return;
      try {
        renew_lease(node);
        if (round % 6 == 5) post_node_status(node);
      } catch (const std::exception& e) {
        ++failures;
        last_error = e.what();
      }
    }
    if (failures)
      host_.warn("node-agent: heartbeat failed for " + std::to_string(failures) + " hollow nodes: " + last_error);
  }
}

}  // namespace capstan::agent
