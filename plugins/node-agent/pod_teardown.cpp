// Graceful termination (preStop hooks, then StopContainer with what is left of the grace period)
// and teardown of sandboxes, volumes and logs.
#include <filesystem>

#include "node_agent.hpp"

namespace capstan::agent {

namespace {
constexpr int64_t kMinimumGrace = 2;  // kubelet's minimumGracePeriodInSeconds after preStop
}

void NodeAgent::teardown(PodRun& run, const sdk::ObjectPtr& obj, int64_t grace_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
  std::optional<core::Pod::Reader> pod;
  if (obj) pod = obj->as<core::Pod>();
  // preStop hooks of running app containers, within the grace period.
  if (pod && grace_seconds > 0) {
    auto apps = pod->getSpec().getContainers();
    for (uint32_t i = 0; i < apps.size() && i < run.app.size(); ++i) {
      auto& c = run.app[i];
      if (c.id.empty() || !running(c.id)) continue;
      const std::string fp = "spec.containers{" + c.name + "}";
      events_.emit(obj, "Pod", "Normal", "Killing", "Stopping container " + c.name, fp);
      if (!apps[i].hasLifecycle() || !apps[i].getLifecycle().hasPreStop()) continue;
      auto h = apps[i].getLifecycle().getPreStop();
      auto outcome = run_handler(run, apps[i], c.id, h.getExec().getCommand(), h.hasExec(), h.getHttpGet(),
                                 h.hasHttpGet(), h.getTcpSocket(), false, static_cast<int>(grace_seconds));
      if (!outcome.success)
        events_.emit(obj, "Pod", "Warning", "FailedPreStopHook",
                     "PreStopHook failed: " + outcome.message, fp);
    }
  }
  int64_t left = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now()).count();
  if (grace_seconds > 0) left = std::max(left, kMinimumGrace);
  else left = 0;
  for (auto* list : {&run.app, &run.init})
    for (auto& c : *list)
      if (!c.id.empty()) stop_container(c.id, left);
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
  volumes_.teardown(run.uid);
  if (!run.log_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(run.log_dir, ec);
  }
}

void NodeAgent::begin_termination(const std::string& key, std::optional<PodRun> run, const sdk::ObjectPtr& obj,
                                  int64_t grace) {
  auto term = std::make_unique<Termination>();
  Termination* t = term.get();
  std::lock_guard lock(runs_mu_);
  // The thread may finish before the map holds it: done is read under runs_mu_ by reconcile.
  t->thread = std::thread([this, t, key, obj, grace, run = std::move(run)]() mutable {
    try {
      if (run) teardown(*run, obj, grace);
    } catch (const std::exception& e) {
      host_.warn("node-agent: terminating " + key + ": " + e.what());
    }
    t->done = true;
    controller_->enqueue(key);
  });
  terminating_[key] = std::move(term);
}

}  // namespace capstan::agent
