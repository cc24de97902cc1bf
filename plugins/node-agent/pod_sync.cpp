// One pod's reconcile: volumes, sandbox, images, init and app containers, restarts with
// back-off, probes, postStart hooks, and the status written through the status subresource.
#include <filesystem>

#include "capstan/machinery/codec/k8s_time.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "node_agent.hpp"

namespace capstan::agent {

using sdk::ReconcileResult;

namespace {

using machinery::kPods;
constexpr int64_t kSecond = 1'000'000'000LL;
constexpr int64_t kMillisecond = 1'000'000LL;
constexpr int64_t kVolumeResync = 10 * kSecond;  // configMap/secret volume refresh interval

std::string field_path(bool init, const std::string& name) {
  return std::string(init ? "spec.initContainers{" : "spec.containers{") + name + "}";
}

// kubelet's "%v" of the pull's time.Duration truncated to the millisecond ("523ms", "1.23s").
std::string duration_text(int64_t ns) { return schema::format_go_duration(ns - ns % 1'000'000); }

ProbeTiming timing_of(core::Probe::Reader p) {
  ProbeTiming t;
  t.initial_delay = std::max(0, p.getInitialDelaySeconds());
  t.period = p.getPeriodSeconds() > 0 ? p.getPeriodSeconds() : 10;
  t.timeout = p.getTimeoutSeconds() > 0 ? p.getTimeoutSeconds() : 1;
  t.success_threshold = p.getSuccessThreshold() > 0 ? p.getSuccessThreshold() : 1;
  t.failure_threshold = p.getFailureThreshold() > 0 ? p.getFailureThreshold() : 3;
  return t;
}

int64_t pod_grace(core::Pod::Reader pod) {
  auto spec = pod.getSpec();
  int64_t grace = spec.getTerminationGracePeriodSeconds().isValue() ? spec.getTerminationGracePeriodSeconds().getValue() : 30;
  if (pod.getMetadata().getDeletionGracePeriodSeconds().isValue())
    grace = std::min<int64_t>(grace, pod.getMetadata().getDeletionGracePeriodSeconds().getValue());
  return std::max<int64_t>(grace, 0);
}

}  // namespace

PodContext NodeAgent::pod_context(const PodRun& run, core::Pod::Reader pod) const {
  PodContext ctx;
  ctx.node_name = str(pod.getSpec().getNodeName());
  ctx.host_ip = config_.node_ip;
  ctx.pod_ip = run.ip;
  ctx.node_cpu_milli = node_cpu_milli_;
  ctx.node_memory_bytes = node_memory_;
  return ctx;
}

bool NodeAgent::ensure_sandbox(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod, std::string& error) {
  if (!run.sandbox.empty()) return true;
  const std::string ns = obj->ns(), name = obj->name();
  run.log_dir = pod_log_directory(config_.root() + "/logs", ns, name, run.uid);
  std::error_code ec;
  std::filesystem::create_directories(run.log_dir, ec);
  capnp::MallocMessageBuilder m;
  auto cfg = m.initRoot<rt::RuntimeRequest>().initRunPodSandbox().initConfig();
  auto md = cfg.initMetadata();
  md.setName(name);
  md.setNamespace(ns);
  md.setUid(run.uid);
  md.setAttempt(run.sandbox_attempt);  // past attempts' names stay reserved until removed
  cfg.setHostname(pod_hostname(pod));
  cfg.setLogDirectory(run.log_dir);
  const ResolvConf dns = pod_dns(pod, config_.dns);
  auto d = cfg.initDnsConfig();
  auto fill = [](auto list, const std::vector<std::string>& v) {
    for (size_t i = 0; i < v.size(); ++i) list.set(static_cast<unsigned>(i), v[i]);
  };
  fill(d.initServers(static_cast<unsigned>(dns.nameservers.size())), dns.nameservers);
  fill(d.initSearches(static_cast<unsigned>(dns.searches.size())), dns.searches);
  fill(d.initOptions(static_cast<unsigned>(dns.options.size())), dns.options);
  const auto ports = port_mappings(pod);
  auto pm = cfg.initPortMappings(static_cast<unsigned>(ports.size()));
  for (size_t i = 0; i < ports.size(); ++i) {
    pm[i].setProtocol(ports[i].protocol);
    pm[i].setContainerPort(ports[i].container_port);
    pm[i].setHostPort(ports[i].host_port);
    pm[i].setHostIp(ports[i].host_ip);
  }
  auto copy = [](auto from, auto to) {
    for (uint32_t i = 0; i < from.size(); ++i) {
      to[i].setKey(from[i].getKey());
      to[i].setValue(from[i].getValue());
    }
  };
  copy(pod.getMetadata().getLabels(), cfg.initLabels(pod.getMetadata().getLabels().size()));
  copy(pod.getMetadata().getAnnotations(), cfg.initAnnotations(pod.getMetadata().getAnnotations().size()));
  auto r = call(m);
  if (!r.ok()) {
    error = r.error();
    events_.emit(obj, "Pod", "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: " + error);
    return false;
  }
  run.sandbox = str(r.get().getResult().getPodSandboxId());
  capnp::MallocMessageBuilder s;
  s.initRoot<rt::RuntimeRequest>().initPodSandboxStatus().setPodSandboxId(run.sandbox);
  auto st = call(s);
  if (st.ok()) run.ip = str(st.get().getResult().getPodSandboxStatus().getNetwork().getIp());
  return true;
}

// Makes the image present as its pull policy asks; false (with the container waiting) when not.
bool NodeAgent::ensure_image(const sdk::ObjectPtr& obj, core::Container::Reader spec, ContainerRun& c, int64_t now,
                             int64_t& wake) {
  const std::string image = str(spec.getImage());
  const std::string ref = normalize_image(image);
  const std::string fp = field_path(false, c.name);
  capnp::MallocMessageBuilder q;
  q.initRoot<rt::RuntimeRequest>().initImageStatus().initImage().setImage(ref);
  bool present = false;
  {
    auto r = call(q);
    present = r.ok() && r.get().getResult().which() == rt::RuntimeResponse::Result::IMAGE;
    // A runtime that does not know the image service (error, not notFound) is trusted to pull by itself.
    if (!r.ok() && !r.get().getNotFound()) present = true;
  }
  switch (pull_action(str(spec.getImagePullPolicy()), image, present, config_.always_pulls)) {
    case PullAction::kUseLocal:
      events_.emit(obj, "Pod", "Normal", "Pulled", "Container image \"" + image + "\" already present on machine", fp);
      return true;
    case PullAction::kNeverPullMissing:
      c.waiting_reason = "ErrImageNeverPull";
      c.waiting_message = "Container image \"" + image + "\" is not present with pull policy of Never";
      events_.emit(obj, "Pod", "Warning", "ErrImageNeverPull", c.waiting_message, fp);
      wake = std::min(wake, now + 10 * kSecond);
      return false;
    case PullAction::kPull:
      break;
  }
  if (now < c.pull_backoff_until) {
    c.waiting_reason = "ImagePullBackOff";
    c.waiting_message = "Back-off pulling image \"" + image + "\"";
    events_.emit(obj, "Pod", "Normal", "BackOff", c.waiting_message, fp);
    wake = std::min(wake, c.pull_backoff_until);
    return false;
  }
  events_.emit(obj, "Pod", "Normal", "Pulling", "Pulling image \"" + image + "\"", fp);
  capnp::MallocMessageBuilder p;
  p.initRoot<rt::RuntimeRequest>().initPullImage().initImage().setImage(ref);
  const int64_t t0 = machinery::now_ns();
  auto r = call(p);
  if (!r.ok()) {
    ++c.pull_failures;
    const int64_t backoff = std::min<int64_t>(300, 10LL << std::min(c.pull_failures - 1, 5)) * kSecond;
    c.pull_backoff_until = now + backoff;
    c.waiting_reason = "ErrImagePull";
    c.waiting_message = r.error();
    events_.emit(obj, "Pod", "Warning", "Failed", "Failed to pull image \"" + image + "\": " + r.error(), fp);
    events_.emit(obj, "Pod", "Warning", "Failed", "Error: ErrImagePull", fp);
    wake = std::min(wake, now + kSecond);  // the next pass shows ImagePullBackOff, as kubelet's next sync does
    return false;
  }
  c.pull_failures = 0;
  c.pull_backoff_until = 0;
  const std::string took = duration_text(machinery::now_ns() - t0);
  events_.emit(obj, "Pod", "Normal", "Pulled",
               "Successfully pulled image \"" + image + "\" in " + took + " (" + took + " including waiting)", fp);
  return true;
}

std::string NodeAgent::create_and_start(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod,
                                        core::Container::Reader spec, ContainerRun& c) {
  const std::string fp = field_path(false, c.name);
  AgentObjects objects(client_);
  auto env = resolve_env(pod, spec, objects, pod_context(run, pod));
  auto config_error = [&](const std::string& message) {
    c.waiting_reason = "CreateContainerConfigError";
    c.waiting_message = message;
    events_.emit(obj, "Pod", "Warning", "Failed", "Error: " + message, fp);
    return std::string();
  };
  if (!env.error.empty()) return config_error(env.error);
  if (!env.invalid_keys.empty()) {
    std::string keys;
    for (const auto& k : env.invalid_keys) keys += (keys.empty() ? "" : ",") + k;
    events_.emit(obj, "Pod", "Warning", "InvalidEnvironmentVariableNames",
                 "Keys [" + keys + "] from the EnvFrom were skipped since they are invalid environment variable names.",
                 fp);
  }
  std::string mount_error;
  auto mounts = volumes_.mounts(spec, run.volumes, mount_error);
  if (!mount_error.empty()) return config_error(mount_error);

  const uint32_t attempt = static_cast<uint32_t>(c.restarts);
  std::error_code ec;
  std::filesystem::create_directories(run.log_dir + "/" + c.name, ec);
  capnp::MallocMessageBuilder m;
  auto cc = m.initRoot<rt::RuntimeRequest>().initCreateContainer();
  cc.setPodSandboxId(run.sandbox);
  // As the kubelet does: containerd names the container after the sandbox's metadata and keeps
  // its log under the sandbox's log directory.
  auto sandbox_config = cc.initSandboxConfig();
  auto sandbox_md = sandbox_config.initMetadata();
  sandbox_md.setName(obj->name());
  sandbox_md.setNamespace(obj->ns());
  sandbox_md.setUid(run.uid);
  sandbox_md.setAttempt(run.sandbox_attempt);
  sandbox_config.setHostname(pod_hostname(pod));
  sandbox_config.setLogDirectory(run.log_dir);
  auto cfg = cc.initConfig();
  auto md = cfg.initMetadata();
  md.setName(spec.getName());
  md.setAttempt(attempt);
  cfg.initImage().setImage(normalize_image(str(spec.getImage())));
  const auto command = expand_all(spec.getCommand(), env.env), args = expand_all(spec.getArgs(), env.env);
  auto cl = cfg.initCommand(static_cast<unsigned>(command.size()));
  for (size_t i = 0; i < command.size(); ++i) cl.set(static_cast<unsigned>(i), command[i]);
  auto al = cfg.initArgs(static_cast<unsigned>(args.size()));
  for (size_t i = 0; i < args.size(); ++i) al.set(static_cast<unsigned>(i), args[i]);
  cfg.setWorkingDir(spec.getWorkingDir());
  auto envs = cfg.initEnvs(static_cast<unsigned>(env.env.size()));
  for (size_t i = 0; i < env.env.size(); ++i) {
    envs[i].setKey(env.env[i].first);
    envs[i].setValue(env.env[i].second);
  }
  auto labels = cfg.initLabels(4);
  const std::pair<const char*, std::string> kv[] = {{"io.kubernetes.pod.name", obj->name()},
                                                    {"io.kubernetes.pod.namespace", obj->ns()},
                                                    {"io.kubernetes.pod.uid", run.uid},
                                                    {"io.kubernetes.container.name", c.name}};
  for (int i = 0; i < 4; ++i) {
    labels[i].setKey(kv[i].first);
    labels[i].setValue(kv[i].second);
  }
  cfg.setLogPath(container_log_path(c.name, attempt));
  const LinuxResources lr = linux_resources(spec);
  auto res = cfg.initLinux().initResources();
  res.setCpuPeriod(lr.cpu_period);
  res.setCpuQuota(lr.cpu_quota);
  res.setCpuShares(lr.cpu_shares);
  res.setMemoryLimitInBytes(lr.memory_limit);
  auto ml = cfg.initMounts(static_cast<unsigned>(mounts.size()));
  for (size_t i = 0; i < mounts.size(); ++i) {
    ml[i].setContainerPath(mounts[i].container_path);
    ml[i].setHostPath(mounts[i].host_path);
    ml[i].setReadonly(mounts[i].readonly);
  }
  cfg.setStdin(spec.getStdin());
  cfg.setStdinOnce(spec.getStdinOnce());
  cfg.setTty(spec.getTty());
  auto created = call(m);
  if (!created.ok()) {
    c.waiting_reason = "CreateContainerError";
    c.waiting_message = created.error();
    events_.emit(obj, "Pod", "Warning", "Failed", "Error: " + created.error(), fp);
    return "";
  }
  std::string id = str(created.get().getResult().getContainerId());
  events_.emit(obj, "Pod", "Normal", "Created", "Created container " + c.name, fp);
  capnp::MallocMessageBuilder s;
  s.initRoot<rt::RuntimeRequest>().initStartContainer().setContainerId(id);
  auto started = call(s);
  if (!started.ok()) {
    c.waiting_reason = "RunContainerError";
    c.waiting_message = started.error();
    events_.emit(obj, "Pod", "Warning", "Failed", "Error: " + started.error(), fp);
    return id;
  }
  c.waiting_reason.clear();
  c.waiting_message.clear();
  events_.emit(obj, "Pod", "Normal", "Started", "Started container " + c.name, fp);
  // postStart runs right after the start; a failure kills the container (kubelet does the same).
  if (spec.hasLifecycle() && spec.getLifecycle().hasPostStart()) {
    auto h = spec.getLifecycle().getPostStart();
    auto outcome = run_handler(run, spec, id, h.getExec().getCommand(), h.hasExec(), h.getHttpGet(), h.hasHttpGet(),
                               h.getTcpSocket(), false, 30);
    if (!outcome.success) {
      events_.emit(obj, "Pod", "Warning", "FailedPostStartHook", outcome.message, fp);
      events_.emit(obj, "Pod", "Normal", "Killing", "FailedPostStartHook", fp);
      stop_container(id, pod_grace(pod));
    }
  }
  return id;
}

bool NodeAgent::refresh(ContainerRun& c, bool* not_found) {
  capnp::MallocMessageBuilder m;
  m.initRoot<rt::RuntimeRequest>().initContainerStatus().setContainerId(c.id);
  auto r = call(m);
  if (not_found) *not_found = !r.ok() && r.get().getNotFound();
  if (!r.ok()) return false;
  auto st = r.get().getResult().getContainerStatus();
  c.state = static_cast<int>(st.getState());
  c.started = st.getStartedAt();
  c.finished = st.getFinishedAt();
  c.exit_code = st.getExitCode();
  c.reason = str(st.getReason());
  c.image_ref = str(st.getImageRef());
  return true;
}

void NodeAgent::stop_container(const std::string& id, int64_t grace) {
  capnp::MallocMessageBuilder m;
  auto s = m.initRoot<rt::RuntimeRequest>().initStopContainer();
  s.setContainerId(id);
  s.setTimeout(grace);
  call(m);
}

ProbeOutcome NodeAgent::run_handler(const PodRun& run, core::Container::Reader spec, const std::string& container_id,
                                    capnp::List<capnp::Text>::Reader exec_cmd, bool has_exec,
                                    core::HTTPGetAction::Reader http, bool has_http, core::TCPSocketAction::Reader tcp,
                                    bool has_tcp, int timeout) {
  auto port_of = [&](auto port) -> int {
    if (port.which() == capstan::k8s::IntOrString::INT) return port.getInt();
    const std::string name = str(port.getStr());
    for (auto p : spec.getPorts())
      if (p.getName() == name.c_str()) return p.getContainerPort();
    char* end = nullptr;
    long n = std::strtol(name.c_str(), &end, 10);
    return end && *end == 0 ? static_cast<int>(n) : -1;
  };
  if (has_exec) {
    std::vector<std::string> cmd;
    for (auto a : exec_cmd) cmd.push_back(str(a));
    auto r = exec_sync(container_id, cmd, timeout);
    if (!r.error.empty()) return {false, r.error};
    if (r.exit_code != 0) {
      std::string output = r.out + r.err;
      while (!output.empty() && output.back() == '\n') output.pop_back();
      return {false, output.empty() ? "command " + std::string("exited with code ") + std::to_string(r.exit_code) : output};
    }
    return {true, ""};
  }
  if (!has_http && !has_tcp) return {true, ""};
  const int port = has_http ? port_of(http.getPort()) : port_of(tcp.getPort());
  std::string host = has_http ? str(http.getHost()) : str(tcp.getHost());
  if (host.empty()) host = run.ip;
  if (port <= 0 || port > 65535) return {false, "invalid port"};
  // The simulated runtime has no network to dial: its pods answer every network probe.
  if (sim_runtime_) return {true, ""};
  if (has_tcp) return tcp_probe(host, port, timeout);
  std::vector<std::pair<std::string, std::string>> headers;
  for (auto h : http.getHttpHeaders()) headers.emplace_back(str(h.getName()), str(h.getValue()));
  return http_probe(host, port, str(http.getPath()), headers, timeout,
                    http.getScheme().size() ? str(http.getScheme()) : "HTTP");
}

void NodeAgent::run_probes(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod, core::Container::Reader spec,
                           ContainerRun& c, int64_t now, int64_t& wake) {
  const bool running = !c.id.empty() && c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING);
  if (!running) return;
  const core::Probe::Reader specs[3] = {spec.getLivenessProbe(), spec.getReadinessProbe(), spec.getStartupProbe()};
  const bool has[3] = {spec.hasLivenessProbe(), spec.hasReadinessProbe(), spec.hasStartupProbe()};
  const ProbeKind kinds[3] = {ProbeKind::kLiveness, ProbeKind::kReadiness, ProbeKind::kStartup};
  if (c.probed_id != c.id) {
    c.probed_id = c.id;
    for (int i = 0; i < 3; ++i) {
      c.probes[i] = ProbeRun{};
      if (!has[i]) continue;
      c.probes[i].tracker.emplace(kinds[i], timing_of(specs[i]));
      c.probes[i].next_due = c.started + static_cast<int64_t>(c.probes[i].tracker->timing().initial_delay) * kSecond;
    }
  }
  const bool started_ok =
      !has[2] || (c.probes[2].tracker && c.probes[2].tracker->result() == ProbeTracker::Result::kSuccess);
  const std::string fp = field_path(false, c.name);
  for (int i : {2, 0, 1}) {
    auto& pr = c.probes[i];
    if (!pr.tracker) continue;
    if (i == 2 && started_ok) continue;  // the startup probe stops once it succeeded
    if (i != 2 && !started_ok) continue;  // the others wait for it
    if (now < pr.next_due) {
      wake = std::min(wake, pr.next_due);
      continue;
    }
    auto p = specs[i];
    const auto& t = pr.tracker->timing();
    auto outcome = run_handler(run, spec, c.id, p.getExec().getCommand(), p.hasExec(), p.getHttpGet(), p.hasHttpGet(),
                               p.getTcpSocket(), p.hasTcpSocket(), t.timeout);
    pr.next_due = machinery::now_ns() + static_cast<int64_t>(t.period) * kSecond;
    wake = std::min(wake, pr.next_due);
    if (!outcome.success)
      events_.emit(obj, "Pod", "Warning", "Unhealthy",
                   std::string(probe_name(kinds[i])) + " probe failed: " + outcome.message, fp);
    pr.tracker->record(outcome.success);
    if (i != 1 && pr.tracker->result() == ProbeTracker::Result::kFailure) {
      // Liveness or startup failed: kill the container; the restart policy decides what follows.
      events_.emit(obj, "Pod", "Normal", "Killing",
                   "Container " + c.name + " failed " + (i == 0 ? "liveness" : "startup") +
                       " probe, will be restarted",
                   fp);
      int64_t grace = pod_grace(pod);
      if (p.getTerminationGracePeriodSeconds().isValue()) grace = p.getTerminationGracePeriodSeconds().getValue();
      stop_container(c.id, grace);
      pr.tracker->reset_run();
      refresh(c);
      return;
    }
  }
}

void NodeAgent::drive(PodRun& run, const sdk::ObjectPtr& obj, core::Pod::Reader pod, core::Container::Reader spec,
                      ContainerRun& c, const std::string& policy, bool init, int64_t now, int64_t& wake) {
  if (c.done) return;
  bool not_found = false;
  if (!c.id.empty() && !refresh(c, &not_found)) {
    if (!not_found) {
      wake = std::min(wake, now + kSecond);  // the runtime does not answer: the state stays as last seen
      return;
    }
    // The instance vanished behind the agent's back: kubelet's ContainerStatusUnknown, then the
    // restart policy as for any exit.
    c.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
    c.exit_code = 137;
    c.reason = "ContainerStatusUnknown";
    c.finished = now;
  }
  const bool exited = !c.id.empty() && c.state == static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
  if (exited) {
    const bool restart = init ? (policy != "Never" && c.exit_code != 0) : should_restart(policy, c.exit_code);
    if (!restart) {
      c.done = true;
      return;
    }
    if (c.backoff_until == 0) {
      // Back-off grows with crash restarts only (not with re-creations after a sandbox died) and
      // starts again after an instance ran 10 minutes (kubelet's back-off entries expire then).
      if (c.started > 0 && c.finished - c.started >= 600 * kSecond) c.crash_restarts = 0;
      c.backoff_until = c.finished + crash_backoff(c.crash_restarts).count() * kSecond;
      c.backoff_reported = false;
    }
    if (now < c.backoff_until) {
      if (!c.backoff_reported) {
        events_.emit(obj, "Pod", "Warning", "BackOff",
                     "Back-off restarting failed container " + c.name + " in pod " + obj->name() + "_" + obj->ns() +
                         "(" + obj->uid() + ")",
                     field_path(init, c.name));
        c.backoff_reported = true;
      }
      wake = std::min(wake, c.backoff_until);
      return;
    }
    // Restart: the exited instance becomes lastState; its log file stays for --previous.
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
    ++c.crash_restarts;
  }
  if (c.id.empty()) {
    if (now < c.retry_at) {
      wake = std::min(wake, c.retry_at);
      return;
    }
    if (!ensure_image(obj, spec, c, now, wake)) return;
    c.id = create_and_start(run, obj, pod, spec, c);
    if (c.id.empty()) {
      c.retry_at = now + 5 * kSecond;  // config errors clear up when the ConfigMap/Secret appears
      wake = std::min(wake, c.retry_at);
      return;
    }
    refresh(c);
  }
  if (!init) run_probes(run, obj, pod, spec, c, now, wake);
  // Poll running containers: soon after a start, then every 10 s.
  const int64_t poll = (now - c.started < 30 * kSecond) ? kSecond : 10 * kSecond;
  wake = std::min(wake, now + poll);
}

ContainerView NodeAgent::view(const ContainerRun& c) const {
  ContainerView v;
  if (c.id.empty() && c.has_last) v.state = ContainerView::State::kBackOff;
  else if (c.id.empty()) v.state = ContainerView::State::kWaiting;
  else if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING)) v.state = ContainerView::State::kRunning;
  else if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_EXITED))
    v.state = c.done ? ContainerView::State::kTerminated : ContainerView::State::kBackOff;
  v.exit_code = c.exit_code;
  return v;
}

void NodeAgent::fill_container_status(core::ContainerStatus::Builder out, core::Container::Reader spec,
                                      const ContainerRun& c, std::string& sig) {
  const std::string scheme = (sim_runtime_ ? std::string("sim") : rt_name_) + "://";
  out.setName(spec.getName());
  out.setImage(spec.getImage());
  out.setImageID(c.image_ref.empty() ? scheme + str(spec.getImage()) : c.image_ref);
  out.setRestartCount(c.restarts);
  auto st = out.initState();
  const bool running = !c.id.empty() && c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING);
  const bool exited = !c.id.empty() && c.state == static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
  if (!c.id.empty()) out.setContainerID(scheme + c.id);
  if (running) {
    st.initRunning().setStartedAt(machinery::format_rfc3339(c.started / kSecond));
    sig += "R" + c.id;
  } else if (exited && (c.done || c.backoff_until == 0)) {
    auto t = st.initTerminated();
    t.setExitCode(c.exit_code);
    t.setReason(c.reason.empty() ? (c.exit_code ? "Error" : "Completed") : c.reason);
    t.setStartedAt(machinery::format_rfc3339(c.started / kSecond));
    t.setFinishedAt(machinery::format_rfc3339(c.finished / kSecond));
    t.setContainerID(scheme + c.id);
    sig += "T" + c.id;
  } else if (exited) {
    auto w = st.initWaiting();
    w.setReason("CrashLoopBackOff");
    w.setMessage("back-off " + std::to_string(crash_backoff(c.crash_restarts).count()) +
                 "s restarting failed container=" + c.name);
    sig += "B" + c.id;
  } else {
    auto w = st.initWaiting();
    w.setReason(c.waiting_reason.empty() ? "ContainerCreating" : c.waiting_reason);
    if (!c.waiting_message.empty()) w.setMessage(c.waiting_message);
    sig += "W" + c.waiting_reason + c.waiting_message;
  }
  if (c.has_last && !(exited && !c.done)) {
    auto t = out.initLastState().initTerminated();
    t.setExitCode(c.last_exit);
    t.setReason(c.last_reason.empty() ? (c.last_exit ? "Error" : "Completed") : c.last_reason);
    t.setStartedAt(machinery::format_rfc3339(c.last_started / kSecond));
    t.setFinishedAt(machinery::format_rfc3339(c.last_finished / kSecond));
    t.setContainerID(scheme + c.last_id);
  } else if (exited && !c.done) {
    auto t = out.initLastState().initTerminated();
    t.setExitCode(c.exit_code);
    t.setReason(c.reason.empty() ? "Error" : c.reason);
    t.setStartedAt(machinery::format_rfc3339(c.started / kSecond));
    t.setFinishedAt(machinery::format_rfc3339(c.finished / kSecond));
    t.setContainerID(scheme + c.id);
  }
  // started: running and past the startup probe; ready: also passing the readiness probe.
  const auto& startup = c.probes[2].tracker;
  const auto& readiness = c.probes[1].tracker;
  const bool probes_current = c.probed_id == c.id;
  const bool started = running && (!probes_current || !startup || startup->result() == ProbeTracker::Result::kSuccess);
  const bool ready = started && (!probes_current || !readiness || readiness->result() == ProbeTracker::Result::kSuccess);
  out.setReady(ready);
  out.getStarted().setValue(started);
  sig += std::to_string(c.restarts) + (ready ? "r" : "n") + (started ? "s" : "w") + ";";
}

PodRun NodeAgent::new_run(const sdk::ObjectPtr& obj, core::Pod::Reader pod) const {
  auto spec = pod.getSpec();
  PodRun r;
  r.uid = obj->uid();
  r.init.resize(spec.getInitContainers().size());
  r.app.resize(spec.getContainers().size());
  for (uint32_t i = 0; i < r.init.size(); ++i) r.init[i].name = str(spec.getInitContainers()[i].getName());
  for (uint32_t i = 0; i < r.app.size(); ++i) r.app[i].name = str(spec.getContainers()[i].getName());
  r.start_time = pod.getStatus().getStartTime().size() ? str(pod.getStatus().getStartTime()) : machinery::now_rfc3339();
  return r;
}

ReconcileResult NodeAgent::reconcile(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = pods_.get(ns, name);
  std::unique_lock lock(runs_mu_);
  auto it = runs_.find(key);
  if (it != runs_.end() && (!obj || obj->uid() != it->second.uid)) {
    // The pod is gone (or replaced by a namesake): tear the old one down at once.
    std::optional<PodRun> gone = std::move(it->second);
    runs_.erase(it);
    index_.erase(key);
    lock.unlock();
    teardown(*gone, nullptr, 0);
    lock.lock();
    it = runs_.end();
  }
  if (!obj) {
    index_.erase(key);
    return ReconcileResult::ok();
  }
  auto pod = obj->as<core::Pod>();
  auto spec = pod.getSpec();
  if (!node_set_.count(str(spec.getNodeName()))) return ReconcileResult::ok();

  if (pod.getMetadata().hasDeletionTimestamp()) {
    auto t = terminating_.find(key);
    if (t == terminating_.end()) {
      std::optional<PodRun> run;
      if (it != runs_.end()) {
        run = std::move(it->second);
        runs_.erase(it);
      }
      lock.unlock();
      if (!run) {
        // Not run by this agent so far (it restarted): what the runtime still runs for the pod is
        // stopped with the grace period too, not left to the orphan sweep.
        run = new_run(obj, pod);
        std::string error;
        if (!adopt(*run, obj, "Never", error)) return ReconcileResult::fail("runtime: " + error);
      }
      begin_termination(key, std::move(run), obj, pod_grace(pod));
      return ReconcileResult::ok();  // the termination thread enqueues the pod when it is done
    }
    if (!t->second->done) return ReconcileResult::ok();
    auto term = std::move(t->second);
    terminating_.erase(t);
    index_.erase(key);
    lock.unlock();
    if (term->thread.joinable()) term->thread.join();
    // Grace 0: the containers are stopped, the pod object can go now (uid: never a namesake).
    auto st = client_.remove(kPods, ns, name, "Background", obj->uid(), 0);
    if (st.ok() || st.not_found() || st.conflict()) return ReconcileResult::ok();
    return ReconcileResult::fail("cannot delete pod " + key + ": " + st.message);
  }
  const std::string phase_now = str(pod.getStatus().getPhase());
  if (it == runs_.end() && (phase_now == "Succeeded" || phase_now == "Failed")) return ReconcileResult::ok();
  if (it == runs_.end()) it = runs_.emplace(key, new_run(obj, pod)).first;
  PodRun& run = it->second;  // std::map nodes are stable; only this key's reconcile erases it
  lock.unlock();
  const int64_t now = machinery::now_ns();
  std::string policy = str(spec.getRestartPolicy());
  if (policy.empty()) policy = "Always";
  int64_t wake = INT64_MAX;

  // Volumes first (kubelet waits for them before the sandbox); API data volumes are refreshed.
  if (spec.getVolumes().size() && (!run.volumes_ok || now - run.volumes_synced >= kVolumeResync)) {
    AgentObjects objects(client_);
    auto setup = volumes_.setup(pod, objects, pod_context(run, pod));
    run.volumes_synced = now;
    if (!setup.expansions.empty()) finish_expansions(obj, setup.expansions);
    if (!setup.error.empty()) {
      if (!run.volumes_ok || run.volumes.error != setup.error)
        events_.emit(obj, "Pod", "Warning", "FailedMount", setup.error);
      if (!run.volumes_ok) {
        run.volumes = setup;
        for (auto* list : {&run.init, &run.app})
          for (auto& c : *list) {
            c.waiting_reason = "ContainerCreating";
            c.waiting_message = setup.error;
          }
      }
      // A claim not bound yet (WaitForFirstConsumer: it is being provisioned for this node right
      // now) is looked at again every 300 ms, as kubelet's WaitForAttachAndMount polls; other
      // failures every 2 s, a volume type this node cannot provide every 30 s.
      wake = std::min(wake, now + (setup.unsupported ? 30 * kSecond : setup.pending ? 300 * kMillisecond : 2 * kSecond));
    } else {
      run.volumes = setup;
      if (!run.volumes_ok)
        for (auto* list : {&run.init, &run.app})
          for (auto& c : *list)
            if (c.waiting_reason == "ContainerCreating") {
              c.waiting_reason.clear();
              c.waiting_message.clear();
            }
      run.volumes_ok = true;
    }
  } else if (spec.getVolumes().size() == 0) {
    run.volumes_ok = true;
  }

  bool init_done = true;
  auto inits = spec.getInitContainers();
  auto apps = spec.getContainers();
  {
    // What the runtime already runs for the pod (first sync in this agent's life), and whether
    // its sandbox still lives: the truth the status below is written from.
    std::string error;
    if (!run.adopted && !adopt(run, obj, policy, error)) return ReconcileResult::fail("runtime: " + error);
    if (!check_sandbox(run, obj, policy, error)) return ReconcileResult::fail("runtime: " + error);
  }
  bool all_done = true;  // nothing left to run (restartPolicy Never after a sandbox died): no new sandbox
  for (auto* list : {&run.init, &run.app})
    for (auto& c : *list) all_done = all_done && c.done;
  if (run.volumes_ok) {
    std::string error;
    if (!(all_done && run.sandbox.empty()) && !ensure_sandbox(run, obj, pod, error))
      return ReconcileResult::fail("RunPodSandbox for " + key + ": " + error);
    for (uint32_t i = 0; i < inits.size(); ++i) {
      auto& c = run.init[i];
      drive(run, obj, pod, inits[i], c, policy, true, now, wake);
      if (!(c.done && c.exit_code == 0)) {
        init_done = false;
        break;
      }
    }
    if (init_done)
      for (uint32_t i = 0; i < apps.size(); ++i) drive(run, obj, pod, apps[i], run.app[i], policy, false, now, wake);
  } else {
    init_done = inits.size() == 0;
  }
  publish_index(key, run);

  // ---- status
  std::vector<ContainerView> iv, av;
  for (auto& c : run.init) iv.push_back(view(c));
  for (auto& c : run.app) av.push_back(view(c));
  const std::string phase = pod_phase(policy, iv, av);
  if (phase == "Succeeded" || phase == "Failed") wake = INT64_MAX;

  capnp::MallocMessageBuilder m;
  m.setRoot(pod);
  auto status = m.getRoot<core::Pod>().getStatus();
  std::string sig = phase + "|" + run.ip + "|";
  status.setPhase(phase);
  status.setHostIP(config_.node_ip);
  status.setPodIP(run.ip);
  status.initPodIPs(run.ip.empty() ? 0 : 1);
  if (!run.ip.empty()) status.getPodIPs()[0].setIp(run.ip);
  status.setStartTime(run.start_time);
  status.setQosClass(qos_class(pod));
  auto ics = status.initInitContainerStatuses(inits.size());
  for (uint32_t i = 0; i < inits.size(); ++i) fill_container_status(ics[i], inits[i], run.init[i], sig);
  auto acs = status.initContainerStatuses(apps.size());
  bool all_ready = init_done && apps.size() > 0;
  for (uint32_t i = 0; i < apps.size(); ++i) {
    fill_container_status(acs[i], apps[i], run.app[i], sig);
    all_ready = all_ready && acs[i].getReady();
  }
  const bool terminal_ok = phase == "Succeeded";
  const std::pair<const char*, bool> conds[] = {
      {"Initialized", init_done}, {"Ready", all_ready}, {"ContainersReady", all_ready}, {"PodScheduled", true}};
  auto cl = status.initConditions(4);
  for (int i = 0; i < 4; ++i) {
    const std::string value = conds[i].second ? "True" : "False";
    auto& rec = run.conditions[conds[i].first];
    if (rec.first != value) rec = {value, machinery::format_rfc3339(now / kSecond)};
    cl[i].setType(conds[i].first);
    cl[i].setStatus(value);
    cl[i].setLastTransitionTime(rec.second);
    if (!conds[i].second && i > 0) {
      cl[i].setReason(terminal_ok ? "PodCompleted" : (i == 3 ? "" : "ContainersNotReady"));
      if (!terminal_ok && i < 3) {
        std::string names;
        for (uint32_t k = 0; k < apps.size(); ++k)
          if (!acs[k].getReady()) names += (names.empty() ? "" : " ") + str(apps[k].getName());
        cl[i].setMessage("containers with unready status: [" + names + "]");
      }
    } else if (!conds[i].second && i == 0) {
      cl[i].setReason("ContainersNotInitialized");
    }
    sig += value[0];
  }

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

}  // namespace capstan::agent
