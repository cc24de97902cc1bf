// The runtime's truth (kubelet's pod lifecycle event generator and its sandbox checks):
//   - adopt: the first sync of a pod in this agent's life looks at what the runtime already runs
//     for it (the agent restarted; containerd and the shims kept running): a ready sandbox and its
//     containers are adopted as they are, without a restart; a dead one is retired;
//   - check_sandbox: every sync asks for the pod's sandbox; a sandbox that died (its shim killed,
//     the machine restarted) is retired;
//   - retire_sandbox: the sandbox's containers' last states are read, the sandbox is stopped and
//     removed (so that its name is no longer reserved) and the containers are recreated per
//     restartPolicy in a new sandbox of the next attempt, restartCount and lastState telling what
//     happened;
//   - relist: every second the runtime's sandboxes and containers are listed; a pod whose
//     snapshot changed is synced at once, and sandboxes of pods that no longer exist are removed.
#include <filesystem>

#include "capstan/machinery/time.hpp"
#include "node_agent.hpp"
#include "runtime_truth.hpp"

namespace capstan::agent {

namespace {
constexpr int64_t kSecond = 1'000'000'000LL;
constexpr auto kRelistPeriod = std::chrono::seconds(1);  // kubelet's PLEG relist period
constexpr int kOrphanStrikes = 2;  // relists in a row that find a sandbox without its pod

// A container whose instance cannot be found any more: kubelet's ContainerStatusUnknown (137).
void mark_unknown(ContainerRun& c, int64_t now) {
  c.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
  c.exit_code = 137;
  c.reason = "ContainerStatusUnknown";
  if (c.finished == 0) c.finished = now;
}
}  // namespace

void NodeAgent::remove_sandbox(const std::string& id) {
  {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initStopPodSandbox().setPodSandboxId(id);
    call(m);
  }
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initRemovePodSandbox().setPodSandboxId(id);
  auto r = call(m);
  if (!r.ok() && !r.get().getNotFound()) host_.warn("node-agent: cannot remove pod sandbox " + id + ": " + r.error());
}

void NodeAgent::load_startup_sandboxes() {
  capnp::MallocMessageBuilder lm;
  lm.initRoot<rt::RuntimeRequest>().initListPodSandbox();
  auto listed = call(lm);
  std::lock_guard lock(startup_mu_);
  startup_sandboxes_.reset();
  if (!listed.ok()) return;
  startup_sandboxes_.emplace();
  for (auto s : listed.get().getResult().getItems())
    (*startup_sandboxes_)[str(s.getMetadata().getUid())].push_back(
        {str(s.getId()), s.getMetadata().getAttempt(), s.getState() == rt::PodSandboxState::SANDBOX_READY,
         s.getCreatedAt()});
}

bool NodeAgent::adopt(PodRun& run, const sdk::ObjectPtr& obj, const std::string& policy, std::string& error) {
  std::vector<RuntimeSandbox> mine;
  bool known = false;
  {
    std::lock_guard lock(startup_mu_);
    if (startup_sandboxes_) {
      known = true;
      if (auto it = startup_sandboxes_->find(run.uid); it != startup_sandboxes_->end()) mine = it->second;
    }
  }
  if (!known) {
    capnp::MallocMessageBuilder lm;
    lm.initRoot<rt::RuntimeRequest>().initListPodSandbox();
    auto listed = call(lm);
    if (!listed.ok()) {
      error = "list pod sandboxes: " + listed.error();
      return false;
    }
    for (auto s : listed.get().getResult().getItems())
      if (str(s.getMetadata().getUid()) == run.uid)
        mine.push_back({str(s.getId()), s.getMetadata().getAttempt(),
                        s.getState() == rt::PodSandboxState::SANDBOX_READY, s.getCreatedAt()});
  }
  run.adopted = true;
  if (mine.empty()) return true;
  const SandboxPlan plan = plan_sandboxes(mine);
  const std::string key = obj->ns() + "/" + obj->name();
  for (const auto& id : plan.remove) {
    host_.info("node-agent: pod " + key + ": removing stale sandbox " + id);
    remove_sandbox(id);
  }
  const std::string found = plan.adopt.empty() ? plan.dead : plan.adopt;
  run.sandbox = found;
  run.sandbox_attempt = plan.adopt.empty() ? plan.next_attempt - 1 : plan.next_attempt;
  run.log_dir = pod_log_directory(config_.root() + "/logs", obj->ns(), obj->name(), run.uid);
  {
    capnp::MallocMessageBuilder s;
    s.initRoot<rt::RuntimeRequest>().initPodSandboxStatus().setPodSandboxId(found);
    auto st = call(s);
    if (st.ok()) run.ip = str(st.get().getResult().getPodSandboxStatus().getNetwork().getIp());
  }
  // The containers of that sandbox: the newest instance of each is the one the pod has now, its
  // attempt the number of restarts so far; the one before it (if kept) is its lastState.
  capnp::MallocMessageBuilder cm;
  cm.initRoot<rt::RuntimeRequest>().initListContainers().initFilter().setPodSandboxId(found);
  auto containers = call(cm);
  if (!containers.ok()) {
    error = "list containers: " + containers.error();
    run.adopted = false;
    run.sandbox.clear();
    return false;
  }
  std::vector<RuntimeContainer> list;
  for (auto c : containers.get().getResult().getContainers())
    list.push_back({str(c.getId()), str(c.getMetadata().getName()), c.getMetadata().getAttempt(), c.getCreatedAt()});
  const auto picks = pick_containers(list);
  int running = 0;
  for (auto* cl : {&run.init, &run.app})
    for (auto& c : *cl) {
      auto p = picks.find(c.name);
      if (p == picks.end()) continue;
      c.id = p->second.current;
      c.restarts = static_cast<int>(p->second.attempt);
      if (!refresh(c)) mark_unknown(c, machinery::now_ns());
      if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING)) ++running;
      if (!p->second.previous.empty()) {
        ContainerRun prev;
        prev.id = p->second.previous;
        if (refresh(prev) && prev.state == static_cast<int>(rt::ContainerState::CONTAINER_EXITED)) {
          c.has_last = true;
          c.last_exit = prev.exit_code;
          c.last_started = prev.started;
          c.last_finished = prev.finished;
          c.last_reason = prev.reason;
          c.last_id = prev.id;
        }
      }
    }
  if (!plan.adopt.empty()) {
    host_.info("node-agent: pod " + key + ": adopted sandbox " + found + " (attempt " +
               std::to_string(run.sandbox_attempt) + ") with " + std::to_string(running) + " running container(s)");
    return true;
  }
  host_.info("node-agent: pod " + key + ": sandbox " + found + " is not ready; it will be re-created");
  retire_sandbox(run, obj, policy);
  return true;
}

bool NodeAgent::check_sandbox(PodRun& run, const sdk::ObjectPtr& obj, const std::string& policy, std::string& error) {
  if (run.sandbox.empty()) return true;
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initPodSandboxStatus().setPodSandboxId(run.sandbox);
  auto r = call(m);
  if (r.ok() && r.get().getResult().getPodSandboxStatus().getState() == rt::PodSandboxState::SANDBOX_READY) return true;
  if (!r.ok() && !r.get().getNotFound()) {
    // The runtime does not answer (containerd restarting): nothing is known, nothing is changed.
    error = "pod sandbox status: " + r.error();
    return false;
  }
  host_.info("node-agent: pod " + obj->ns() + "/" + obj->name() + ": sandbox " + run.sandbox +
             (r.ok() ? " is not ready" : " is gone") + "; it will be re-created");
  retire_sandbox(run, obj, policy);
  return true;
}

void NodeAgent::retire_sandbox(PodRun& run, const sdk::ObjectPtr& obj, const std::string& policy) {
  events_.emit(obj, "Pod", "Normal", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
  const std::string old = run.sandbox;
  // Stopped first, so that what still runs in it ends and its last state is final.
  {
    capnp::MallocMessageBuilder m;
    m.initRoot<rt::RuntimeRequest>().initStopPodSandbox().setPodSandboxId(old);
    call(m);
  }
  const int64_t now = machinery::now_ns();
  const bool never = policy == "Never";
  auto retire = [&](ContainerRun& c, bool init) {
    if (c.id.empty()) return;  // never created in that sandbox
    if (c.done && !init) return;  // finished for good before (Never, or OnFailure after a success)
    if (!c.done && !refresh(c)) mark_unknown(c, now);
    if (c.state != static_cast<int>(rt::ContainerState::CONTAINER_EXITED)) mark_unknown(c, now);
    // Init containers run again in a new sandbox (kubelet does the same); app containers per policy.
    const bool again = init ? !never : should_restart(policy, c.exit_code);
    if (!again) {
      c.done = true;
      return;
    }
    c.has_last = true;
    c.last_exit = c.exit_code;
    c.last_started = c.started;
    c.last_finished = c.finished;
    c.last_reason = c.reason;
    c.last_id = c.id;
    c.id.clear();
    c.state = -1;
    c.done = false;
    c.backoff_until = 0;
    c.retry_at = 0;
    ++c.restarts;
  };
  for (auto& c : run.init) retire(c, true);
  for (auto& c : run.app) retire(c, false);
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initRemovePodSandbox().setPodSandboxId(old);
  auto r = call(m);
  if (!r.ok() && !r.get().getNotFound())
    host_.warn("node-agent: cannot remove pod sandbox " + old + ": " + r.error());
  run.sandbox.clear();
  run.ip.clear();
  ++run.sandbox_attempt;
}

void NodeAgent::relist_loop() {
  while (wait_stopping(std::chrono::duration_cast<std::chrono::milliseconds>(kRelistPeriod))) {
    try {
      relist_once();
    } catch (const std::exception& e) {
      host_.warn(std::string("node-agent: relist: ") + e.what());
    }
  }
}

void NodeAgent::relist_once() {
  capnp::MallocMessageBuilder sm;
  sm.initRoot<rt::RuntimeRequest>().initListPodSandbox();
  auto sandboxes = call(sm);
  if (!sandboxes.ok()) return;  // the runtime is away; the pods' syncs say so
  capnp::MallocMessageBuilder cm;
  cm.initRoot<rt::RuntimeRequest>().initListContainers();
  auto containers = call(cm);
  if (!containers.ok()) return;

  struct Seen {
    std::string key;
    std::vector<RelistEntry> sandboxes, containers;
    std::vector<std::string> sandbox_ids;
  };
  std::map<std::string, Seen> by_uid;
  std::map<std::string, std::string> uid_of_sandbox;
  for (auto s : sandboxes.get().getResult().getItems()) {
    const std::string uid = str(s.getMetadata().getUid());
    if (uid.empty()) continue;
    auto& seen = by_uid[uid];
    seen.key = str(s.getMetadata().getNamespace()) + "/" + str(s.getMetadata().getName());
    seen.sandboxes.push_back({str(s.getId()), static_cast<int>(s.getState())});
    seen.sandbox_ids.push_back(str(s.getId()));
    uid_of_sandbox[str(s.getId())] = uid;
  }
  for (auto c : containers.get().getResult().getContainers()) {
    auto u = uid_of_sandbox.find(str(c.getPodSandboxId()));
    if (u != uid_of_sandbox.end()) by_uid[u->second].containers.push_back({str(c.getId()), static_cast<int>(c.getState())});
  }

  std::map<std::string, std::string> sigs;
  std::vector<std::string> wake;
  std::vector<std::pair<std::string, Seen>> orphans;
  {
    std::lock_guard lock(runs_mu_);
    for (auto& [uid, seen] : by_uid) {
      std::string sig = relist_signature(seen.sandboxes, seen.containers);
      auto old = relist_sigs_.find(uid);
      if (old == relist_sigs_.end() || old->second != sig) wake.push_back(seen.key);
      sigs[uid] = std::move(sig);
      // A sandbox whose pod is neither known to the API nor being run or torn down here.
      const auto [ns, name] = sdk::split_key(seen.key);
      const auto pod = pods_.get(ns, name);
      const auto run = runs_.find(seen.key);
      const bool known = (pod && pod->uid() == uid) || (run != runs_.end() && run->second.uid == uid) ||
                         terminating_.count(seen.key);
      if (known || !pods_.has_synced()) {
        orphan_strikes_.erase(uid);
      } else if (++orphan_strikes_[uid] >= kOrphanStrikes) {
        orphan_strikes_.erase(uid);
        orphans.emplace_back(uid, seen);
      }
    }
    for (const auto& [uid, sig] : relist_sigs_)
      if (!by_uid.count(uid)) orphan_strikes_.erase(uid);
    relist_sigs_ = std::move(sigs);
  }
  for (const auto& key : wake) controller_->enqueue(key);
  for (const auto& [uid, seen] : orphans) {
    for (const auto& id : seen.sandbox_ids) {
      host_.info("node-agent: removing sandbox " + id + " of pod " + seen.key + " (uid " + uid +
                 "), which no longer exists");
      remove_sandbox(id);
    }
  }
}

}  // namespace capstan::agent
