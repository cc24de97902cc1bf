// capstan.agent.v1/node-agent: lifecycle, configuration, runtime calls, and the services the
// node's HTTP endpoint uses (see node_agent.hpp for how the agent is split).
#include "node_agent.hpp"

#include <atomic>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "capstan/coordination_v1.capnp.h"
#include "capstan/machinery/resources.hpp"

namespace capstan::agent {

namespace {
using machinery::kPods;
using machinery::kConfigMaps;
using machinery::kSecrets;
}  // namespace

AgentConfig parse_agent_config(const std::string& text) {
  AgentConfig c;
  auto j = text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text, nullptr, false);
  auto get_string = [&](const char* key, std::string& out) {
    if (j.is_object() && j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty()) out = j[key];
  };
  get_string("nodeName", c.node_name);
  get_string("nodeIP", c.node_ip);
  get_string("dataDir", c.data_dir);
  get_string("bindAddress", c.bind_address);
  get_string("clusterDNS", c.dns.cluster_dns);
  get_string("clusterDomain", c.dns.cluster_domain);
  if (j.is_object() && j.contains("port") && j["port"].is_number_integer()) c.port = j["port"];
  if (j.is_object() && j.contains("serve") && j["serve"].is_boolean()) c.serve = j["serve"];
  if (j.is_object() && j.contains("hollowNodes") && j["hollowNodes"].is_number_integer())
    c.hollow_nodes = std::max(0, j["hollowNodes"].get<int>());
  if (j.is_object() && j.contains("alwaysPullImages") && j["alwaysPullImages"].is_boolean())
    c.always_pulls = j["alwaysPullImages"].get<bool>();
  if (j.is_object() && j.contains("csiHostPath") && j["csiHostPath"].is_boolean()) c.csi_hostpath = j["csiHostPath"];
  get_string("csiHostPathBinary", c.csi_hostpath_binary);
  if (j.is_object() && j.contains("csiTimeoutSeconds") && j["csiTimeoutSeconds"].is_number_integer())
    c.csi_timeout_seconds = std::max(1, j["csiTimeoutSeconds"].get<int>());
  if (j.is_object() && j.contains("csiDrivers") && j["csiDrivers"].is_object())
    for (auto& [k, v] : j["csiDrivers"].items())
      if (v.is_string()) c.csi_drivers[k] = v.get<std::string>();
  if (c.bind_address.empty()) c.bind_address = c.node_ip;
  if (c.node_name.empty()) {
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    c.node_name = buf;
    for (auto& ch : c.node_name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  std::ifstream resolv("/etc/resolv.conf");
  std::stringstream s;
  s << resolv.rdbuf();
  c.dns.host = parse_resolv_conf(s.str());
  return c;
}

std::optional<StringMap> AgentObjects::config_map(const std::string& ns, const std::string& name) const {
  auto r = client_.get(kConfigMaps, ns, name);
  if (r.status.not_found()) return std::nullopt;
  if (!r.status.ok()) throw std::runtime_error("cannot read configmap \"" + name + "\": " + r.status.message);
  StringMap out;
  auto cm = r.object->as<core::ConfigMap>();
  for (auto e : cm.getData()) out[str(e.getKey())] = str(e.getValue());
  for (auto e : cm.getBinaryData())
    out[str(e.getKey())] = std::string(reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size());
  return out;
}

std::optional<StringMap> AgentObjects::secret(const std::string& ns, const std::string& name) const {
  auto r = client_.get(kSecrets, ns, name);
  if (r.status.not_found()) return std::nullopt;
  if (!r.status.ok()) throw std::runtime_error("cannot read secret \"" + name + "\": " + r.status.message);
  StringMap out;
  auto sec = r.object->as<core::Secret>();
  for (auto e : sec.getData())
    out[str(e.getKey())] = std::string(reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size());
  for (auto e : sec.getStringData()) out[str(e.getKey())] = str(e.getValue());
  return out;
}

NodeAgent::NodeAgent(const sdk::Host& host, const std::string& config)
    : host_(host),
      client_(host, "node-agent"),
      config_(parse_agent_config(config)),
      pods_(client_, kPods),
      events_(client_, "kubelet", config_.hollow_nodes ? "" : config_.node_name),
      volumes_(config_.root() + "/pods", ::geteuid() == 0) {
  if (config_.hollow_nodes == 0) {
    nodes_ = {config_.node_name};
    pods_.set_selectors("", "spec.nodeName=" + config_.node_name);
  } else {
    // Hollow nodes share one pod informer (every pod; reconcile keeps those bound to them).
    for (int i = 0; i < config_.hollow_nodes; ++i) nodes_.push_back(config_.node_name + "-" + std::to_string(i));
  }
  node_set_.insert(nodes_.begin(), nodes_.end());
  if (config_.hollow_nodes == 0) {
    CsiConfig cc;
    cc.node_name = config_.node_name;
    cc.data_dir = config_.data_dir;
    // The host-path driver mounts and attaches loop devices: root only.
    cc.hostpath = config_.csi_hostpath && ::geteuid() == 0;
    cc.hostpath_binary = config_.csi_hostpath_binary;
    cc.drivers = config_.csi_drivers;
    cc.timeout = std::chrono::seconds(config_.csi_timeout_seconds);
    csi_ = std::make_unique<AgentCsi>(cc, [this](bool warning, const std::string& m) {
      if (warning) host_.warn(m);
      else host_.info(m);
    });
    volumes_.set_csi(csi_.get());
  }
  events_.set_synchronous(false);  // pod workers never wait on event writes
  controller_ = std::make_unique<sdk::Controller>(
      "node-agent", host_, [this](const std::string& k) { return reconcile(k); }, 4);
  controller_->watch(pods_);
  metrics_ = std::make_unique<metrics::MetricsPublisher>(host_, pods_, nodes_, config_.hollow_nodes > 0,
                                                         metrics::parse_publisher_options(config, config_.hollow_nodes > 0));
  // Deleted pods are enqueued too by watch(): reconcile finds them gone and tears down.
  node_cpu_milli_ = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)) * 1000;
  std::ifstream in("/proc/meminfo");
  std::string k, unit;
  long long kb = 0;
  while (in >> k >> kb >> unit)
    if (k == "MemTotal:") node_memory_ = kb * 1024;
}

NodeAgent::~NodeAgent() { stop(); }

// Registers every node this instance runs and creates its Lease; thousands of hollow nodes are
// registered by a few threads at once (each registration is four round trips).
void NodeAgent::register_nodes() {
  auto register_one = [this](const std::string& node) {
    register_node(node);
    try {
      renew_lease(node);
    } catch (const std::exception& e) {
      // e.g. kube-node-lease not created yet by the namespace controller: the heartbeat retries.
      if (nodes_.size() == 1) host_.info(std::string("node-agent: ") + e.what() + "; retrying");
    }
  };
  if (nodes_.size() == 1) return register_one(nodes_[0]);
  std::atomic<size_t> next{0};
  std::mutex error_mu;
  std::string error;
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < nodes_.size();) {
        try {
          register_one(nodes_[i]);
        } catch (const std::exception& e) {
          std::lock_guard lock(error_mu);
          if (error.empty()) error = e.what();
        }
      }
    });
  for (auto& t : workers) t.join();
  if (!error.empty()) throw std::runtime_error(error);
}

void NodeAgent::start() {
  rt_version_ = "unknown";
  {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().setVersion();
    auto r = call(m);  // throws when no runtime is there: the agent cannot work without one
    auto v = r.get().getResult().getVersion();
    rt_name_ = str(v.getRuntimeName());
    rt_version_ = rt_name_ + "://" + str(v.getRuntimeVersion());
    sim_runtime_ = rt_name_ == "capstan-sim";
  }
  if (config_.serve) {
    try {
      server_ = std::make_unique<AgentServer>(*this, config_.bind_address, config_.port);
      served_port_ = server_->port();
      server_->start();
    } catch (const std::exception& e) {
      // Another agent (or kubelet) may hold the port: pods still run, logs/exec are unavailable.
      host_.warn(std::string("node-agent: logs/exec endpoint disabled: ") + e.what());
      server_.reset();
    }
  }
  if (csi_) csi_->start();
  register_nodes();
  load_startup_sandboxes();  // before the first sync: what a previous run left (pod_adopt.cpp)
  stopping_ = false;
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
  pods_.start();
  controller_->start();
  // Hollow nodes run on the simulated runtime, which changes nothing behind the agent's back.
  if (config_.hollow_nodes == 0) relist_ = std::thread([this] { relist_loop(); });
  metrics_->start();
  host_.info("node-agent: node " + (nodes_.size() == 1 ? nodes_[0] : std::to_string(nodes_.size()) + " hollow nodes " + nodes_[0] + "..") + " registered, runtime " + rt_version_ +
             (server_ ? ", endpoint " + config_.bind_address + ":" + std::to_string(served_port_) : ""));
}

void NodeAgent::stop() {
  {
    std::lock_guard lock(hb_mu_);
    if (stopping_ && !heartbeat_.joinable() && !server_) return;
    stopping_ = true;
  }
  hb_cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  if (relist_.joinable()) relist_.join();
  metrics_->stop();
  if (server_) server_->stop();
  server_.reset();
  controller_->stop();
  pods_.stop();
  std::map<std::string, std::unique_ptr<Termination>> pending;
  {
    std::lock_guard lock(runs_mu_);
    pending.swap(terminating_);
  }
  for (auto& [k, t] : pending)
    if (t->thread.joinable()) t->thread.join();
  // The volumes must not outlive the node: tmpfs mounts (secrets, emptyDir medium Memory) would stay
  // mounted under the data dir. The runtime stops the pods' sandboxes after this plugin; a lazy
  // unmount leaves a still-running container its view until then, and the next start sets the
  // volumes up again for the new sandboxes.
  std::vector<std::string> uids;
  {
    std::lock_guard lock(runs_mu_);
    for (const auto& [key, run] : runs_) uids.push_back(run.uid);
  }
  for (const auto& uid : uids) volumes_.teardown(uid);
  // After the volumes: their teardown needed the drivers.
  if (csi_) csi_->stop();
  events_.flush();
}

RuntimeReply NodeAgent::call(capnp::MallocMessageBuilder& m) {
  auto w = capnp::messageToFlatArray(m);
  std::string req(reinterpret_cast<const char*>(w.asBytes().begin()), w.asBytes().size());
  std::string out = host_.invoke("capstan.runtime.v1", req);
  RuntimeReply r;
  r.words = kj::heapArray<capnp::word>((out.size() + 7) / 8);
  std::memset(r.words.begin(), 0, r.words.size() * sizeof(capnp::word));
  std::memcpy(r.words.begin(), out.data(), out.size());
  r.reader = std::make_unique<capnp::FlatArrayMessageReader>(r.words);
  return r;
}

void NodeAgent::publish_index(const std::string& key, const PodRun& run) {
  PodIndex idx;
  idx.log_dir = run.log_dir;
  for (const auto* list : {&run.init, &run.app})
    for (const auto& c : *list) idx.containers.push_back({c.name, c.id, c.last_id, c.waiting_reason, c.restarts});
  std::lock_guard lock(runs_mu_);
  index_[key] = std::move(idx);
}

std::optional<ContainerLocation> NodeAgent::locate(const std::string& ns, const std::string& pod,
                                                   const std::string& container, bool previous, int& code,
                                                   std::string& error) {
  std::lock_guard lock(runs_mu_);
  auto it = index_.find(ns + "/" + pod);
  if (it == index_.end()) {
    code = 404;
    error = "pods \"" + pod + "\" not found";
    return std::nullopt;
  }
  const PodIndex& idx = it->second;
  const ContainerIndex* found = nullptr;
  std::string names;
  for (const auto& c : idx.containers) {
    names += (names.empty() ? "" : " ") + c.name;
    if (c.name == container || (container.empty() && !found)) found = &c;
  }
  if (!found) {
    code = 400;
    error = "container " + container + " is not valid for pod " + pod;
    return std::nullopt;
  }
  ContainerLocation loc;
  if (previous) {
    if (found->restarts == 0 || found->last_id.empty()) {
      code = 400;
      error = "previous terminated container \"" + found->name + "\" in pod \"" + pod + "\" not found";
      return std::nullopt;
    }
    loc.container_id = found->last_id;
    loc.log_file = idx.log_dir + "/" + container_log_path(found->name, static_cast<uint32_t>(found->restarts - 1));
    return loc;
  }
  if (found->id.empty()) {
    code = 400;
    error = "container \"" + found->name + "\" in pod \"" + pod + "\" is waiting to start: " +
            (found->waiting_reason.empty() ? "ContainerCreating" : found->waiting_reason);
    return std::nullopt;
  }
  loc.container_id = found->id;
  loc.log_file = idx.log_dir + "/" + container_log_path(found->name, static_cast<uint32_t>(found->restarts));
  return loc;
}

bool NodeAgent::running(const std::string& container_id) {
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initContainerStatus().setContainerId(container_id);
  auto r = call(m);
  return r.ok() && r.get().getResult().getContainerStatus().getState() == rt::ContainerState::CONTAINER_RUNNING;
}

std::string NodeAgent::stream_url(bool attach, const std::string& container_id, const std::vector<std::string>& cmd,
                                  bool tty, bool in, bool out, bool err, std::string& error) {
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<rt::RuntimeRequest>();
  if (attach) {
    auto a = req.initAttach();
    a.setContainerId(container_id);
    a.setTty(tty);
    a.setStdin(in);
    a.setStdout(out);
    a.setStderr(err);
  } else {
    auto e = req.initExec();
    e.setContainerId(container_id);
    auto list = e.initCmd(static_cast<unsigned>(cmd.size()));
    for (size_t i = 0; i < cmd.size(); ++i) list.set(static_cast<unsigned>(i), cmd[i]);
    e.setTty(tty);
    e.setStdin(in);
    e.setStdout(out);
    e.setStderr(err);
  }
  try {
    auto r = call(m);
    if (!r.ok()) {
      error = r.error();
      return "";
    }
    if (r.get().getResult().which() != rt::RuntimeResponse::Result::URL) {
      error = "the runtime answered no stream URL";
      return "";
    }
    return str(r.get().getResult().getUrl());
  } catch (const std::exception& e) {
    error = e.what();
    return "";
  }
}

ExecSyncResult NodeAgent::exec_sync(const std::string& container_id, const std::vector<std::string>& cmd,
                                    int timeout_seconds) {
  ExecSyncResult out;
  capnp::MallocMessageBuilder m;
  auto e = m.initRoot<rt::RuntimeRequest>().initExecSync();
  e.setContainerId(container_id);
  auto list = e.initCmd(static_cast<unsigned>(cmd.size()));
  for (size_t i = 0; i < cmd.size(); ++i) list.set(static_cast<unsigned>(i), cmd[i]);
  e.setTimeout(timeout_seconds);
  try {
    auto r = call(m);
    if (!r.ok()) {
      out.error = r.error();
      return out;
    }
    auto x = r.get().getResult().getExecSync();
    out.out.assign(reinterpret_cast<const char*>(x.getStdout().begin()), x.getStdout().size());
    out.err.assign(reinterpret_cast<const char*>(x.getStderr().begin()), x.getStderr().size());
    out.exit_code = x.getExitCode();
  } catch (const std::exception& ex) {
    out.error = ex.what();
  }
  return out;
}

}  // namespace capstan::agent
