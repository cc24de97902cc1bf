// capstan.agent.v1/node-agent: kubelet's job against the capstan.runtime.v1 extension point.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "agent_logic.hpp"
#include "capstan/controller.hpp"
#include "capstan/coordination_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/plugin.hpp"
#include "capstan/runtime.capnp.h"

namespace capstan::agent {
namespace {

namespace core = capstan::core::v1;
namespace rt = capstan::runtime::v1;
using sdk::ReconcileResult;

const sdk::Resource kPods{"", "v1", "pods"};
const sdk::Resource kNodes{"", "v1", "nodes"};
const sdk::Resource kLeases{"coordination.k8s.io", "v1", "leases"};
constexpr const char* kLeaseNamespace = "kube-node-lease";
constexpr auto kHeartbeat = std::chrono::seconds(10);

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

// One runtime call: request built by `fill`, response kept alive in the returned holder.
struct RuntimeReply {
  kj::Array<capnp::word> words;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader;
  rt::RuntimeResponse::Reader get() const { return reader->getRoot<rt::RuntimeResponse>(); }
  bool ok() const { return get().getError().size() == 0; }
};

struct ContainerRun {
  std::string id;          // runtime id of the current instance ("" = not created yet)
  int restarts = 0;
  bool done = false;       // terminated and will not run again
  int64_t backoff_until = 0;
  // The current instance as last seen.
  int state = -1;          // rt::ContainerState, -1 = none
  int64_t started = 0, finished = 0;
  int exit_code = 0;
  std::string reason;
  // The previous instance (lastState).
  bool has_last = false;
  int last_exit = 0;
  int64_t last_started = 0, last_finished = 0;
  std::string last_reason, last_id;
};

struct PodRun {
  std::string uid, sandbox, ip, start_time;
  std::vector<ContainerRun> init, app;
  std::map<std::string, std::pair<std::string, std::string>> conditions;  // type -> (status, transition)
  std::string written;  // signature of the last status written
};

class NodeAgent final : public sdk::Plugin {
 public:
  NodeAgent(const sdk::Host& host, const std::string& config)
      : host_(host), client_(host, "node-agent"), pods_(client_, kPods) {
    if (!config.empty()) {
      auto j = nlohmann::json::parse(config, nullptr, false);
      if (j.is_object() && j.contains("nodeName") && j["nodeName"].is_string()) node_ = j["nodeName"];
    }
    if (node_.empty()) {
      char buf[256] = {};
      gethostname(buf, sizeof buf - 1);
      node_ = buf;
      for (auto& ch : node_) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    pods_.set_selectors("", "spec.nodeName=" + node_);
    controller_ = std::make_unique<sdk::Controller>("node-agent", host_, [this](const std::string& k) { return reconcile(k); },
                                                    4);
    controller_->watch(pods_);
    // Deleted pods are enqueued too by watch(): reconcile finds them gone and tears down.
  }

  void start() override {
    rt_version_ = "unknown";
    {
      capnp::MallocMessageBuilder m;
      m.initRoot<rt::RuntimeRequest>().setVersion();
      auto r = call(m);  // throws when no runtime is there: the agent cannot work without one
      auto v = r.get().getResult().getVersion();
      rt_version_ = str(v.getRuntimeName()) + "://" + str(v.getRuntimeVersion());
    }
    register_node();
    try {
      renew_lease();
    } catch (const std::exception& e) {
      // e.g. kube-node-lease not created yet by the namespace controller: the heartbeat retries.
      host_.info(std::string("node-agent: ") + e.what() + "; retrying");
    }
    stopping_ = false;
    heartbeat_ = std::thread([this] { heartbeat_loop(); });
    pods_.start();
    controller_->start();
    host_.info("node-agent: node " + node_ + " registered, runtime " + rt_version_);
  }

  void stop() override {
    {
      std::lock_guard lock(hb_mu_);
      stopping_ = true;
    }
    hb_cv_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
    controller_->stop();
    pods_.stop();
  }

 private:
  RuntimeReply call(capnp::MallocMessageBuilder& m) {
    auto w = capnp::messageToFlatArray(m);
    std::string req(reinterpret_cast<const char*>(w.asBytes().begin()), w.asBytes().size());
    std::string out = host_.invoke("capstan.runtime.v1", req);
    RuntimeReply r;
    r.words = kj::heapArray<capnp::word>((out.size() + 7) / 8);
    std::memcpy(r.words.begin(), out.data(), out.size());
    r.reader = std::make_unique<capnp::FlatArrayMessageReader>(r.words);
    return r;
  }

  // ---- node registration and heartbeats

  static std::string memory_capacity() {
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    long long kb = 0;
    while (in >> key >> kb >> unit)
      if (key == "MemTotal:") return std::to_string(kb) + "Ki";
    return "0";
  }

  void fill_node_status(core::NodeStatus::Builder st, const std::string& transition) {
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
    const std::string now = format_time(now_ns());
    auto conds = st.initConditions(1);
    conds[0].setType("Ready");
    conds[0].setStatus("True");
    conds[0].setLastHeartbeatTime(now);
    conds[0].setLastTransitionTime(transition.empty() ? now : transition);
    conds[0].setReason("KubeletReady");
    conds[0].setMessage("kubelet is posting ready status");
    auto addrs = st.initAddresses(2);
    addrs[0].setType("InternalIP");
    addrs[0].setAddress("127.0.0.1");
    addrs[1].setType("Hostname");
    addrs[1].setAddress(node_);
    st.initDaemonEndpoints().initKubeletEndpoint().setPort(10250);
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

  void register_node() {
    if (!client_.get(kNodes, "", node_).status.ok()) {
      capnp::MallocMessageBuilder m;
      auto n = m.initRoot<core::Node>();
      n.setApiVersion("v1");
      n.setKind("Node");
      auto md = n.initMetadata();
      md.setName(node_);
      auto labels = md.initLabels(3);
      labels[0].setKey("kubernetes.io/arch");
      labels[0].setValue("amd64");
      labels[1].setKey("kubernetes.io/hostname");
      labels[1].setValue(node_);
      labels[2].setKey("kubernetes.io/os");
      labels[2].setValue("linux");
      auto r = client_.create(kNodes, "", m);
      if (!r.status.ok() && !r.status.already_exists())
        throw std::runtime_error("cannot register node " + node_ + ": " + r.status.message);
    }
    post_node_status();
  }

  // Writes the node's status (Ready=True, heartbeat now) through the status subresource.
  void post_node_status() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto got = client_.get(kNodes, "", node_);
      if (got.status.not_found()) return register_node();
      if (!got.status.ok()) throw std::runtime_error("cannot read node " + node_ + ": " + got.status.message);
      auto node = got.object->as<core::Node>();
      std::string transition;
      for (auto c : node.getStatus().getConditions())
        if (c.getType() == "Ready" && c.getStatus() == "True") transition = str(c.getLastTransitionTime());
      capnp::MallocMessageBuilder m;
      m.setRoot(node);
      fill_node_status(m.getRoot<core::Node>().initStatus(), transition);
      auto r = client_.update(kNodes, "", node_, m, "status");
      if (r.status.ok()) return;
      if (!r.status.conflict()) throw std::runtime_error("cannot update node status: " + r.status.message);
    }
  }

  void renew_lease() {
    const std::string now = format_time(now_ns(), true);
    auto got = client_.get(kLeases, kLeaseNamespace, node_);
    capnp::MallocMessageBuilder m;
    if (got.status.ok()) {
      m.setRoot(got.object->as<coordination::v1::Lease>());
      m.getRoot<coordination::v1::Lease>().getSpec().setRenewTime(now);
      auto r = client_.update(kLeases, kLeaseNamespace, node_, m);
      if (!r.status.ok()) throw std::runtime_error("cannot renew lease: " + r.status.message);
      return;
    }
    auto lease = m.initRoot<coordination::v1::Lease>();
    lease.setApiVersion("coordination.k8s.io/v1");
    lease.setKind("Lease");
    lease.initMetadata().setName(node_);
    auto spec = lease.initSpec();
    spec.setHolderIdentity(node_);
    spec.getLeaseDurationSeconds().setValue(40);
    spec.setRenewTime(now);
    auto r = client_.create(kLeases, kLeaseNamespace, m);
    if (!r.status.ok()) throw std::runtime_error("cannot create lease: " + r.status.message);
  }

  void heartbeat_loop() {
    std::chrono::seconds wait = std::chrono::seconds(1);  // soon after start: the lease may be missing
    for (;;) {
      {
        std::unique_lock lock(hb_mu_);
        if (hb_cv_.wait_for(lock, wait, [this] { return stopping_; })) return;
      }
      try {
        renew_lease();
        post_node_status();
        wait = kHeartbeat;
      } catch (const std::exception& e) {
        host_.warn(std::string("node-agent: heartbeat failed: ") + e.what());
        wait = std::chrono::seconds(1);  // e.g. kube-node-lease not created yet
      }
    }
  }

  // ---- pods

  void teardown(PodRun& run, int64_t grace_seconds) {
    for (auto* list : {&run.init, &run.app})
      for (auto& c : *list)
        if (!c.id.empty()) {
          capnp::MallocMessageBuilder m;
          auto s = m.initRoot<rt::RuntimeRequest>().initStopContainer();
          s.setContainerId(c.id);
          s.setTimeout(grace_seconds);
          call(m);
        }
    if (!run.sandbox.empty()) {
      {
        capnp::MallocMessageBuilder m;
        m.initRoot<rt::RuntimeRequest>().initStopPodSandbox().setPodSandboxId(run.sandbox);
        call(m);
      }
      capnp::MallocMessageBuilder m;
      m.initRoot<rt::RuntimeRequest>().initRemovePodSandbox().setPodSandboxId(run.sandbox);
      call(m);
    }
  }

  std::string create_and_start(const PodRun& run, core::Pod::Reader pod, core::Container::Reader spec, uint32_t attempt,
                               std::string& error) {
    capnp::MallocMessageBuilder m;
    auto cc = m.initRoot<rt::RuntimeRequest>().initCreateContainer();
    cc.setPodSandboxId(run.sandbox);
    auto cfg = cc.initConfig();
    auto md = cfg.initMetadata();
    md.setName(spec.getName());
    md.setAttempt(attempt);
    cfg.initImage().setImage(spec.getImage());
    cfg.setCommand(spec.getCommand());
    cfg.setArgs(spec.getArgs());
    cfg.setWorkingDir(spec.getWorkingDir());
    auto env = spec.getEnv();
    auto envs = cfg.initEnvs(env.size());
    for (uint32_t i = 0; i < env.size(); ++i) {
      envs[i].setKey(env[i].getName());
      envs[i].setValue(env[i].getValue());
    }
    auto labels = cfg.initLabels(4);
    const std::pair<const char*, std::string> kv[] = {{"io.kubernetes.pod.name", str(pod.getMetadata().getName())},
                                                      {"io.kubernetes.pod.namespace", str(pod.getMetadata().getNamespace())},
                                                      {"io.kubernetes.pod.uid", run.uid},
                                                      {"io.kubernetes.container.name", str(spec.getName())}};
    for (int i = 0; i < 4; ++i) {
      labels[i].setKey(kv[i].first);
      labels[i].setValue(kv[i].second);
    }
    cfg.setLogPath(str(spec.getName()) + "/" + std::to_string(attempt) + ".log");
    auto res = cfg.initLinux().initResources();
    res.setCpuPeriod(100000);
    for (auto q : spec.getResources().getLimits()) {
      const std::string v = str(q.getValue());
      if (q.getKey() == "cpu") {
        double cores = v.size() && v.back() == 'm' ? std::atof(v.c_str()) / 1000 : std::atof(v.c_str());
        res.setCpuQuota(static_cast<int64_t>(cores * 100000));
      } else if (q.getKey() == "memory") {
        static const std::pair<const char*, double> units[] = {{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0},
                                                               {"k", 1e3},     {"M", 1e6},        {"G", 1e9}};
        double mult = 1;
        for (auto [u, f] : units)
          if (v.size() > std::strlen(u) && v.compare(v.size() - std::strlen(u), std::strlen(u), u) == 0) {
            mult = f;
            break;
          }
        res.setMemoryLimitInBytes(static_cast<int64_t>(std::atof(v.c_str()) * mult));
      }
    }
    auto created = call(m);
    if (!created.ok()) {
      error = str(created.get().getError());
      return "";
    }
    std::string id = str(created.get().getResult().getContainerId());
    capnp::MallocMessageBuilder s;
    s.initRoot<rt::RuntimeRequest>().initStartContainer().setContainerId(id);
    auto started = call(s);
    if (!started.ok()) error = str(started.get().getError());
    return id;
  }

  // Refreshes c from the runtime; returns false if the container vanished.
  bool refresh(ContainerRun& c) {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initContainerStatus().setContainerId(c.id);
    auto r = call(m);
    if (!r.ok()) return false;
    auto st = r.get().getResult().getContainerStatus();
    c.state = static_cast<int>(st.getState());
    c.started = st.getStartedAt();
    c.finished = st.getFinishedAt();
    c.exit_code = st.getExitCode();
    c.reason = str(st.getReason());
    return true;
  }

  // Drives one container; returns true when it is (still) progressing, fills `wake` with when to look again.
  void drive(PodRun& run, core::Pod::Reader pod, core::Container::Reader spec, ContainerRun& c,
             const std::string& policy, bool init, int64_t now, int64_t& wake) {
    if (c.done) return;
    if (!c.id.empty() && !refresh(c)) c.id.clear();
    const bool exited = !c.id.empty() && c.state == static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
    if (exited) {
      const bool restart = init ? (policy != "Never" && c.exit_code != 0) : should_restart(policy, c.exit_code);
      if (!restart) {
        c.done = true;
        return;
      }
      if (c.backoff_until == 0) c.backoff_until = c.finished + restart_backoff(c.restarts).count() * 1'000'000'000LL;
      if (now < c.backoff_until) {
        wake = std::min(wake, c.backoff_until);
        return;
      }
      // Restart: the exited instance becomes lastState.
      c.has_last = true;
      c.last_exit = c.exit_code;
      c.last_started = c.started;
      c.last_finished = c.finished;
      c.last_reason = c.reason;
      c.last_id = c.id;
      capnp::MallocMessageBuilder m;
      m.initRoot<rt::RuntimeRequest>().initRemoveContainer().setContainerId(c.id);
      call(m);
      c.id.clear();
      c.backoff_until = 0;
      ++c.restarts;
    }
    if (c.id.empty()) {
      std::string error;
      c.id = create_and_start(run, pod, spec, static_cast<uint32_t>(c.restarts), error);
      if (!error.empty()) host_.warn("node-agent: container " + str(spec.getName()) + " of " + str(pod.getMetadata().getName()) + ": " + error);
      if (!c.id.empty()) refresh(c);
    }
    // Poll running containers: soon after a start, then every 10 s.
    const int64_t poll = (now - c.started < 30'000'000'000LL) ? 1'000'000'000LL : 10'000'000'000LL;
    wake = std::min(wake, now + poll);
  }

  ContainerView view(const ContainerRun& c) {
    ContainerView v;
    if (c.id.empty() && c.has_last) v.state = ContainerView::State::kBackOff;
    else if (c.id.empty()) v.state = ContainerView::State::kWaiting;
    else if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING)) v.state = ContainerView::State::kRunning;
    else if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_EXITED))
      v.state = c.done ? ContainerView::State::kTerminated : ContainerView::State::kBackOff;
    v.exit_code = c.exit_code;
    return v;
  }

  void fill_container_status(core::ContainerStatus::Builder out, core::Container::Reader spec, const ContainerRun& c,
                             std::string& sig) {
    out.setName(spec.getName());
    out.setImage(spec.getImage());
    out.setImageID("sim://" + str(spec.getImage()));
    out.setRestartCount(c.restarts);
    auto st = out.initState();
    const bool running = !c.id.empty() && c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING);
    const bool exited = !c.id.empty() && c.state == static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
    if (!c.id.empty()) out.setContainerID("sim://" + c.id);
    if (running) {
      st.initRunning().setStartedAt(format_time(c.started));
      sig += "R" + c.id;
    } else if (exited && (c.done || c.backoff_until == 0)) {
      auto t = st.initTerminated();
      t.setExitCode(c.exit_code);
      t.setReason(c.reason.empty() ? (c.exit_code ? "Error" : "Completed") : c.reason);
      t.setStartedAt(format_time(c.started));
      t.setFinishedAt(format_time(c.finished));
      t.setContainerID("sim://" + c.id);
      sig += "T" + c.id;
    } else if (exited) {
      auto w = st.initWaiting();
      w.setReason("CrashLoopBackOff");
      w.setMessage("back-off " + std::to_string(restart_backoff(c.restarts).count()) + "s restarting failed container=" +
                   str(spec.getName()));
      sig += "B" + c.id;
    } else {
      st.initWaiting().setReason("ContainerCreating");
      sig += "W";
    }
    const bool prev_exited = exited;  // the exited instance shows as lastState while waiting to restart
    if (c.has_last && !(prev_exited && !c.done)) {
      auto t = out.initLastState().initTerminated();
      t.setExitCode(c.last_exit);
      t.setReason(c.last_reason.empty() ? (c.last_exit ? "Error" : "Completed") : c.last_reason);
      t.setStartedAt(format_time(c.last_started));
      t.setFinishedAt(format_time(c.last_finished));
      t.setContainerID("sim://" + c.last_id);
    } else if (exited && !c.done) {
      auto t = out.initLastState().initTerminated();
      t.setExitCode(c.exit_code);
      t.setReason(c.reason.empty() ? "Error" : c.reason);
      t.setStartedAt(format_time(c.started));
      t.setFinishedAt(format_time(c.finished));
      t.setContainerID("sim://" + c.id);
    }
    out.setReady(running);
    out.getStarted().setValue(running);
    sig += std::to_string(c.restarts) + ";";
  }

  ReconcileResult reconcile(const std::string& key) {
    auto [ns, name] = sdk::split_key(key);
    auto obj = pods_.get(ns, name);
    std::unique_lock lock(runs_mu_);
    auto it = runs_.find(key);
    if (it != runs_.end() && (!obj || obj->uid() != it->second.uid)) {
      PodRun gone = std::move(it->second);
      runs_.erase(it);
      lock.unlock();
      teardown(gone, 0);
      lock.lock();
      it = runs_.end();
    }
    if (!obj) return ReconcileResult::ok();
    auto pod = obj->as<core::Pod>();
    auto spec = pod.getSpec();
    if (spec.getNodeName() != node_.c_str()) return ReconcileResult::ok();

    if (pod.getMetadata().hasDeletionTimestamp()) {
      int64_t grace = spec.getTerminationGracePeriodSeconds().isValue() ? spec.getTerminationGracePeriodSeconds().getValue() : 30;
      if (pod.getMetadata().getDeletionGracePeriodSeconds().isValue())
        grace = std::min<int64_t>(grace, pod.getMetadata().getDeletionGracePeriodSeconds().getValue());
      if (it != runs_.end()) {
        PodRun gone = std::move(it->second);
        runs_.erase(it);
        lock.unlock();
        teardown(gone, grace);
      } else {
        lock.unlock();
      }
      auto st = client_.remove(kPods, ns, name, "Background", obj->uid());
      if (st.ok() || st.not_found()) return ReconcileResult::ok();
      return ReconcileResult::fail("cannot delete pod " + key + ": " + st.message);
    }
    const std::string phase_now = str(pod.getStatus().getPhase());
    if (it == runs_.end() && (phase_now == "Succeeded" || phase_now == "Failed")) return ReconcileResult::ok();
    if (it == runs_.end()) {
      it = runs_.emplace(key, PodRun{}).first;
      it->second.uid = obj->uid();
      it->second.init.resize(spec.getInitContainers().size());
      it->second.app.resize(spec.getContainers().size());
      it->second.start_time = pod.getStatus().getStartTime().size() ? str(pod.getStatus().getStartTime()) : format_time(now_ns());
    }
    PodRun& run = it->second;  // std::map nodes are stable; only this key's reconcile erases it
    lock.unlock();
    const int64_t now = now_ns();
    std::string policy = str(spec.getRestartPolicy());
    if (policy.empty()) policy = "Always";

    if (run.sandbox.empty()) {
      capnp::MallocMessageBuilder m;
      auto cfg = m.initRoot<rt::RuntimeRequest>().initRunPodSandbox().initConfig();
      auto md = cfg.initMetadata();
      md.setName(name);
      md.setNamespace(ns);
      md.setUid(run.uid);
      cfg.setHostname(spec.getHostname().size() ? spec.getHostname() : pod.getMetadata().getName());
      cfg.setLogDirectory("/var/log/pods/" + ns + "_" + name + "_" + run.uid);
      auto copy = [](auto from, auto to) {
        for (uint32_t i = 0; i < from.size(); ++i) {
          to[i].setKey(from[i].getKey());
          to[i].setValue(from[i].getValue());
        }
      };
      copy(pod.getMetadata().getLabels(), cfg.initLabels(pod.getMetadata().getLabels().size()));
      copy(pod.getMetadata().getAnnotations(), cfg.initAnnotations(pod.getMetadata().getAnnotations().size()));
      auto r = call(m);
      if (!r.ok()) return ReconcileResult::fail("RunPodSandbox for " + key + ": " + str(r.get().getError()));
      run.sandbox = str(r.get().getResult().getPodSandboxId());
      capnp::MallocMessageBuilder s;
      s.initRoot<rt::RuntimeRequest>().initPodSandboxStatus().setPodSandboxId(run.sandbox);
      auto st = call(s);
      if (st.ok()) run.ip = str(st.get().getResult().getPodSandboxStatus().getNetwork().getIp());
    }

    int64_t wake = INT64_MAX;
    auto inits = spec.getInitContainers();
    bool init_done = true;
    for (uint32_t i = 0; i < inits.size(); ++i) {
      auto& c = run.init[i];
      drive(run, pod, inits[i], c, policy, true, now, wake);
      if (!(c.done && c.exit_code == 0)) {
        init_done = false;
        break;
      }
    }
    auto apps = spec.getContainers();
    if (init_done)
      for (uint32_t i = 0; i < apps.size(); ++i) drive(run, pod, apps[i], run.app[i], policy, false, now, wake);

    // ---- status
    std::vector<ContainerView> iv, av;
    for (auto& c : run.init) iv.push_back(view(c));
    for (auto& c : run.app) av.push_back(view(c));
    const std::string phase = pod_phase(policy, iv, av);
    bool all_ready = init_done && !run.app.empty();
    for (auto& v : av) all_ready = all_ready && v.state == ContainerView::State::kRunning;
    if (phase == "Succeeded" || phase == "Failed") wake = INT64_MAX;

    capnp::MallocMessageBuilder m;
    m.setRoot(pod);
    auto status = m.getRoot<core::Pod>().getStatus();
    std::string sig = phase + "|" + run.ip + "|";
    status.setPhase(phase);
    status.setHostIP("127.0.0.1");
    status.setPodIP(run.ip);
    status.initPodIPs(run.ip.empty() ? 0 : 1);
    if (!run.ip.empty()) status.getPodIPs()[0].setIp(run.ip);
    status.setStartTime(run.start_time);
    const bool terminal_ok = phase == "Succeeded";
    const std::pair<const char*, bool> conds[] = {{"Initialized", init_done},
                                                  {"Ready", all_ready},
                                                  {"ContainersReady", all_ready},
                                                  {"PodScheduled", true}};
    auto cl = status.initConditions(4);
    for (int i = 0; i < 4; ++i) {
      const std::string value = conds[i].second ? "True" : "False";
      auto& rec = run.conditions[conds[i].first];
      if (rec.first != value) rec = {value, format_time(now)};
      cl[i].setType(conds[i].first);
      cl[i].setStatus(value);
      cl[i].setLastTransitionTime(rec.second);
      if (!conds[i].second && i > 0) cl[i].setReason(terminal_ok ? "PodCompleted" : "ContainersNotReady");
      sig += value[0];
    }
    auto ics = status.initInitContainerStatuses(inits.size());
    for (uint32_t i = 0; i < inits.size(); ++i) fill_container_status(ics[i], inits[i], run.init[i], sig);
    auto acs = status.initContainerStatuses(apps.size());
    for (uint32_t i = 0; i < apps.size(); ++i) fill_container_status(acs[i], apps[i], run.app[i], sig);

    if (sig != run.written || phase_now != phase) {
      auto r = client_.update(kPods, ns, name, m, "status");
      if (r.status.conflict()) return ReconcileResult{true, std::chrono::milliseconds{0}, {}};
      if (!r.status.ok() && !r.status.not_found())
        return ReconcileResult::fail("cannot update status of pod " + key + ": " + r.status.message);
      run.written = sig;
    }
    if (wake == INT64_MAX) return ReconcileResult::ok();
    return ReconcileResult::after(std::chrono::milliseconds(std::max<int64_t>(100, (wake - now) / 1'000'000)));
  }

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::Informer pods_;
  std::unique_ptr<sdk::Controller> controller_;
  std::string node_, rt_version_;
  std::mutex runs_mu_;
  std::map<std::string, PodRun> runs_;
  std::mutex hb_mu_;
  std::condition_variable hb_cv_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.agent.v1";
  info.id = "node-agent";
  info.roles = CAPSTAN_ROLE_AGENT;
  info.dependencies = {"capstan.kind.v1.workloads", "capstan.runtime.v1.*"};
  info.manifest.description("node agent: registers the node, heartbeats, runs its pods through capstan.runtime.v1");
  info.create = [](const sdk::Host& host, const std::string& config) { return std::make_unique<NodeAgent>(host, config); };
  return info;
}

}  // namespace
}  // namespace capstan::agent

CAPSTAN_PLUGIN(capstan::agent::make_info)
