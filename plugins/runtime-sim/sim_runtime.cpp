#include "sim_runtime.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>

#include <fstream>

#include "capstan/machinery/time.hpp"
#include "capstan/runtime.capnp.h"
#include "sim_shell.hpp"

namespace capstan::runtime_sim {

namespace rt = capstan::runtime::v1;

namespace {

std::string to_string(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string serialize(capnp::MessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// Parses `sleep N` out of command + args; -1 when the container does not sleep.
int64_t sleep_seconds(const std::vector<std::string>& argv) {
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "sleep" || (a.size() > 6 && a.compare(a.size() - 6, 6, "/sleep") == 0)) {
      const std::string& n = argv[i + 1];
      if (n == "infinity") return -1;
      char* end = nullptr;
      double v = std::strtod(n.c_str(), &end);
      if (end != n.c_str() && v >= 0) return static_cast<int64_t>(v * 1e9);
    }
  }
  // `sh -c "sleep 5"`: look inside a single shell string too.
  for (const auto& a : argv) {
    auto pos = a.find("sleep ");
    if (pos != std::string::npos && a.size() > 6) {
      char* end = nullptr;
      const char* start = a.c_str() + pos + 6;
      double v = std::strtod(start, &end);
      if (end != start && v >= 0) return static_cast<int64_t>(v * 1e9);
    }
  }
  return -1;
}

// A shell script that never blocks exits at once; one that sleeps or loops runs on.
bool finite_script(const std::vector<std::string>& argv) {
  if (argv.size() < 3 || argv[1] != "-c") return false;
  if (argv[0] != "sh" && argv[0] != "/bin/sh" && argv[0] != "bash" && argv[0] != "/bin/bash") return false;
  for (const char* word : {"sleep", "while", "exec", "tail", "nc", "httpd", "read", "for", "until"})
    if (argv[2].find(word) != std::string::npos) return false;
  return true;
}

bool image_missing(const std::string& image) {
  return image.find("missing") != std::string::npos || image.find("nonexistent") != std::string::npos;
}

template <typename List>
void read_kvs(List list, std::vector<std::string>* out_keys, std::vector<std::string>* out_values) {
  for (auto kv : list) {
    out_keys->push_back(to_string(kv.getKey()));
    out_values->push_back(to_string(kv.getValue()));
  }
}

}  // namespace

SimRuntime::SimRuntime(Clock clock) : clock_(std::move(clock)) {
  if (!clock_) clock_ = machinery::now_ns;
  std::random_device rd;
  next_id_ = (static_cast<uint64_t>(rd()) << 20) | 1;
}

void SimRuntime::simulate_node_crash() {
  std::lock_guard lock(mu_);
  const int64_t now = clock_();
  for (auto& [id, s] : sandboxes_) s.ready = false;
  for (auto& [id, c] : containers_) {
    advance(c, now);
    if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING) ||
        c.state == static_cast<int>(rt::ContainerState::CONTAINER_CREATED)) {
      c.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
      c.finished = now;
      c.exit_code = 255;
      c.reason = "Unknown";
    }
  }
}

void SimRuntime::simulate_container_death(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  it->second.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
  it->second.finished = clock_();
  it->second.exit_code = 137;
  it->second.reason = "Error";
}

size_t SimRuntime::sandbox_count() const {
  std::lock_guard lock(mu_);
  return sandboxes_.size();
}

size_t SimRuntime::container_count() const {
  std::lock_guard lock(mu_);
  return containers_.size();
}

std::string SimRuntime::new_id() {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(next_id_++ * 0x9e3779b97f4a7c15ULL));
  return buf;
}

std::string SimRuntime::allocate_ip(uint32_t& index) {
  if (!free_ips_.empty()) {
    index = free_ips_.back();
    free_ips_.pop_back();
  } else {
    index = next_ip_++;
  }
  // 10.244.0.2 .. 10.244.255.254: 254*256 addresses, never used on a network.
  const uint32_t third = (index / 253) % 256, fourth = index % 253 + 2;
  return "10.244." + std::to_string(third) + "." + std::to_string(fourth);
}

void SimRuntime::write_log(const Container& c, const std::vector<std::string>& lines, int64_t now) {
  auto sit = sandboxes_.find(c.sandbox);
  if (sit == sandboxes_.end() || sit->second.log_dir.empty() || c.log_path.empty()) return;
  const std::string path = c.log_path[0] == '/' ? c.log_path : sit->second.log_dir + "/" + c.log_path;
  std::ofstream out(path, std::ios::app);
  for (const auto& l : lines) out << machinery::format_rfc3339_nano_fixed(now) << " stdout F " << l << "\n";
}

void SimRuntime::advance(Container& c, int64_t now) {
  if (c.state != static_cast<int>(rt::ContainerState::CONTAINER_RUNNING) || c.run_for_ns < 0) return;
  if (now - c.started < c.run_for_ns) return;
  c.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
  c.finished = c.started + c.run_for_ns;
  c.exit_code = c.natural_exit;
  c.reason = c.exit_code == 0 ? "Completed" : "Error";
}

std::string SimRuntime::handle(const std::string& request) {
  capnp::MallocMessageBuilder out;
  auto resp = out.initRoot<rt::RuntimeResponse>();
  auto fail = [&](const std::string& message, bool not_found = false) {
    resp.setError(message);
    resp.setNotFound(not_found);
    return serialize(out);
  };
  if (request.size() % sizeof(capnp::word) != 0 || request.empty()) return fail("malformed runtime request");
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(request.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), request.data(), request.size());
  try {
    capnp::FlatArrayMessageReader reader(words);
    auto req = reader.getRoot<rt::RuntimeRequest>();
    const int64_t now = clock_();
    std::lock_guard lock(mu_);

    auto fill_sandbox_meta = [](rt::PodSandboxMetadata::Builder m, const Sandbox& s) {
      m.setName(s.name);
      m.setUid(s.uid);
      m.setNamespace(s.ns);
      m.setAttempt(s.attempt);
    };
    auto fill_kvs = [](auto list_builder, const std::vector<KV>& kvs) {
      for (size_t i = 0; i < kvs.size(); ++i) {
        list_builder[i].setKey(kvs[i].key);
        list_builder[i].setValue(kvs[i].value);
      }
    };
    auto copy_kvs = [](auto list) {
      std::vector<KV> kvs;
      for (auto kv : list) kvs.push_back({to_string(kv.getKey()), to_string(kv.getValue())});
      return kvs;
    };

    switch (req.which()) {
      case rt::RuntimeRequest::VERSION: {
        auto v = resp.getResult().initVersion();
        v.setVersion("0.1.0");
        v.setRuntimeName("capstan-sim");
        v.setRuntimeVersion("1.0.0");
        v.setRuntimeApiVersion("v1");
        break;
      }
      case rt::RuntimeRequest::RUN_POD_SANDBOX: {
        auto cfg = req.getRunPodSandbox().getConfig();
        auto md = cfg.getMetadata();
        // Idempotent for the same pod uid and attempt: return the existing ready sandbox. A
        // sandbox of that name and attempt that is not ready keeps its name reserved until it is
        // removed, as containerd's does (the agent must remove it or take the next attempt).
        for (const auto& [id, s] : sandboxes_)
          if (s.uid == to_string(md.getUid()) && !s.uid.empty() && s.attempt == md.getAttempt()) {
            if (!s.ready) {
              const std::string name = s.name + "_" + s.ns + "_" + s.uid + "_" + std::to_string(s.attempt);
              return fail("failed to reserve sandbox name \"" + name + "\": name \"" + name + "\" is reserved for \"" +
                          id + "\"");
            }
            resp.getResult().setPodSandboxId(id);
            return serialize(out);
          }
        Sandbox s;
        s.id = new_id();
        s.name = to_string(md.getName());
        s.uid = to_string(md.getUid());
        s.ns = to_string(md.getNamespace());
        s.attempt = md.getAttempt();
        s.created = now;
        s.ip = allocate_ip(s.ip_index);
        s.labels = copy_kvs(cfg.getLabels());
        s.annotations = copy_kvs(cfg.getAnnotations());
        s.log_dir = to_string(cfg.getLogDirectory());
        resp.getResult().setPodSandboxId(s.id);
        sandboxes_.emplace(s.id, std::move(s));
        break;
      }
      case rt::RuntimeRequest::STOP_POD_SANDBOX: {
        auto it = sandboxes_.find(to_string(req.getStopPodSandbox().getPodSandboxId()));
        if (it == sandboxes_.end()) break;  // CRI: stopping a missing sandbox succeeds
        it->second.ready = false;
        for (auto& [id, c] : containers_)
          if (c.sandbox == it->first) {
            advance(c, now);
            if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING) ||
                c.state == static_cast<int>(rt::ContainerState::CONTAINER_CREATED)) {
              c.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
              c.finished = now;
              c.exit_code = c.started ? 137 : 0;
              c.reason = "Killed";
            }
          }
        break;
      }
      case rt::RuntimeRequest::REMOVE_POD_SANDBOX: {
        auto it = sandboxes_.find(to_string(req.getRemovePodSandbox().getPodSandboxId()));
        if (it == sandboxes_.end()) break;  // idempotent
        for (auto c = containers_.begin(); c != containers_.end();)
          c = c->second.sandbox == it->first ? containers_.erase(c) : std::next(c);
        free_ips_.push_back(it->second.ip_index);
        sandboxes_.erase(it);
        break;
      }
      case rt::RuntimeRequest::POD_SANDBOX_STATUS: {
        auto it = sandboxes_.find(to_string(req.getPodSandboxStatus().getPodSandboxId()));
        if (it == sandboxes_.end()) return fail("pod sandbox not found", true);
        const Sandbox& s = it->second;
        auto st = resp.getResult().initPodSandboxStatus();
        st.setId(s.id);
        fill_sandbox_meta(st.initMetadata(), s);
        st.setState(s.ready ? rt::PodSandboxState::SANDBOX_READY : rt::PodSandboxState::SANDBOX_NOTREADY);
        st.setCreatedAt(s.created);
        st.getNetwork().setIp(s.ip);
        fill_kvs(st.initLabels(s.labels.size()), s.labels);
        fill_kvs(st.initAnnotations(s.annotations.size()), s.annotations);
        break;
      }
      case rt::RuntimeRequest::LIST_POD_SANDBOX: {
        const std::string want = to_string(req.getListPodSandbox().getFilter().getId());
        std::vector<const Sandbox*> found;
        for (const auto& [id, s] : sandboxes_)
          if (want.empty() || want == id) found.push_back(&s);
        auto items = resp.getResult().initItems(found.size());
        for (size_t i = 0; i < found.size(); ++i) {
          items[i].setId(found[i]->id);
          fill_sandbox_meta(items[i].initMetadata(), *found[i]);
          items[i].setState(found[i]->ready ? rt::PodSandboxState::SANDBOX_READY : rt::PodSandboxState::SANDBOX_NOTREADY);
          items[i].setCreatedAt(found[i]->created);
          fill_kvs(items[i].initLabels(found[i]->labels.size()), found[i]->labels);
          fill_kvs(items[i].initAnnotations(found[i]->annotations.size()), found[i]->annotations);
        }
        break;
      }
      case rt::RuntimeRequest::CREATE_CONTAINER: {
        auto cc = req.getCreateContainer();
        auto sit = sandboxes_.find(to_string(cc.getPodSandboxId()));
        if (sit == sandboxes_.end()) return fail("pod sandbox not found", true);
        if (!sit->second.ready) return fail("pod sandbox " + sit->first + " is not ready");
        auto cfg = cc.getConfig();
        Container c;
        c.id = new_id();
        c.sandbox = sit->first;
        c.name = to_string(cfg.getMetadata().getName());
        c.attempt = cfg.getMetadata().getAttempt();
        c.image = to_string(cfg.getImage().getImage());
        if (c.image.empty()) return fail("image is required");
        c.log_path = to_string(cfg.getLogPath());
        c.state = static_cast<int>(rt::ContainerState::CONTAINER_CREATED);
        c.created = now;
        c.labels = copy_kvs(cfg.getLabels());
        c.annotations = copy_kvs(cfg.getAnnotations());
        std::vector<std::string> argv;
        for (auto a : cfg.getCommand()) argv.push_back(to_string(a));
        for (auto a : cfg.getArgs()) argv.push_back(to_string(a));
        for (auto kv : cfg.getEnvs()) c.envs.emplace_back(to_string(kv.getKey()), to_string(kv.getValue()));
        if (c.image.find("crash") != std::string::npos) {
          c.run_for_ns = kCrashDelayNs;
          c.natural_exit = 1;
        } else if (finite_script(argv)) {
          c.run_for_ns = 100'000'000;
          c.natural_exit = run_shell(argv, c.envs, sit->second.name).exit_code;
        } else if (int64_t s = sleep_seconds(argv); s >= 0) {
          c.run_for_ns = s;
          c.natural_exit = 0;
        }
        c.argv = std::move(argv);
        resp.getResult().setContainerId(c.id);
        containers_.emplace(c.id, std::move(c));
        break;
      }
      case rt::RuntimeRequest::START_CONTAINER: {
        auto it = containers_.find(to_string(req.getStartContainer().getContainerId()));
        if (it == containers_.end()) return fail("container not found", true);
        if (it->second.state != static_cast<int>(rt::ContainerState::CONTAINER_CREATED))
          return fail("container " + it->first + " is not in created state");
        it->second.state = static_cast<int>(rt::ContainerState::CONTAINER_RUNNING);
        it->second.started = now;
        {
          const Container& c = it->second;
          const std::string host = sandboxes_.count(c.sandbox) ? sandboxes_[c.sandbox].name : "";
          auto lines = startup_output(c.argv, c.envs, host);
          if (lines.empty()) lines.push_back("sim: container " + c.name + " started (image " + c.image + ")");
          write_log(c, lines, now);
        }
        break;
      }
      case rt::RuntimeRequest::STOP_CONTAINER: {
        auto it = containers_.find(to_string(req.getStopContainer().getContainerId()));
        if (it == containers_.end()) return fail("container not found", true);
        Container& c = it->second;
        advance(c, now);
        // A simulated process honours SIGTERM at once, so the timeout is never waited for.
        if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING)) {
          c.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
          c.finished = now;
          c.exit_code = 143;
          c.reason = "Error";
        } else if (c.state == static_cast<int>(rt::ContainerState::CONTAINER_CREATED)) {
          c.state = static_cast<int>(rt::ContainerState::CONTAINER_EXITED);
          c.finished = now;
        }
        break;
      }
      case rt::RuntimeRequest::REMOVE_CONTAINER: {
        containers_.erase(to_string(req.getRemoveContainer().getContainerId()));  // idempotent
        break;
      }
      case rt::RuntimeRequest::LIST_CONTAINERS: {
        auto f = req.getListContainers().getFilter();
        const std::string want_id = to_string(f.getId()), want_sandbox = to_string(f.getPodSandboxId());
        std::vector<Container*> found;
        for (auto& [id, c] : containers_)
          if ((want_id.empty() || want_id == id) && (want_sandbox.empty() || want_sandbox == c.sandbox)) {
            advance(c, now);
            found.push_back(&c);
          }
        auto list = resp.getResult().initContainers(found.size());
        for (size_t i = 0; i < found.size(); ++i) {
          const Container& c = *found[i];
          list[i].setId(c.id);
          list[i].setPodSandboxId(c.sandbox);
          auto md = list[i].initMetadata();
          md.setName(c.name);
          md.setAttempt(c.attempt);
          list[i].initImage().setImage(c.image);
          list[i].setImageRef("sim://" + c.image);
          list[i].setState(static_cast<rt::ContainerState>(c.state));
          list[i].setCreatedAt(c.created);
          fill_kvs(list[i].initLabels(c.labels.size()), c.labels);
          fill_kvs(list[i].initAnnotations(c.annotations.size()), c.annotations);
        }
        break;
      }
      case rt::RuntimeRequest::CONTAINER_STATUS: {
        auto it = containers_.find(to_string(req.getContainerStatus().getContainerId()));
        if (it == containers_.end()) return fail("container not found", true);
        Container& c = it->second;
        advance(c, now);
        auto st = resp.getResult().initContainerStatus();
        st.setId(c.id);
        auto md = st.initMetadata();
        md.setName(c.name);
        md.setAttempt(c.attempt);
        st.setState(static_cast<rt::ContainerState>(c.state));
        st.setCreatedAt(c.created);
        st.setStartedAt(c.started);
        st.setFinishedAt(c.finished);
        st.setExitCode(c.exit_code);
        st.initImage().setImage(c.image);
        st.setImageRef("sim://" + c.image);
        st.setReason(c.reason);
        st.setMessage(c.message);
        st.setLogPath(c.log_path);
        fill_kvs(st.initLabels(c.labels.size()), c.labels);
        fill_kvs(st.initAnnotations(c.annotations.size()), c.annotations);
        break;
      }
      case rt::RuntimeRequest::EXEC_SYNC: {
        auto ex = req.getExecSync();
        auto it = containers_.find(to_string(ex.getContainerId()));
        if (it == containers_.end()) return fail("container not found", true);
        advance(it->second, now);
        if (it->second.state != static_cast<int>(rt::ContainerState::CONTAINER_RUNNING))
          return fail("container " + it->first + " is not running");
        std::vector<std::string> cmd;
        for (auto a : ex.getCmd()) cmd.push_back(to_string(a));
        auto r = resp.getResult().initExecSync();
        const std::string host = sandboxes_.count(it->second.sandbox) ? sandboxes_[it->second.sandbox].name : "";
        auto sh = run_shell(cmd, it->second.envs, host);
        const std::string& stdout_text = sh.out;
        const int32_t code = sh.exit_code;
        r.setStdout(kj::arrayPtr(reinterpret_cast<const capnp::byte*>(stdout_text.data()), stdout_text.size()));
        r.setStderr(kj::arrayPtr(reinterpret_cast<const capnp::byte*>(sh.err.data()), sh.err.size()));
        r.setExitCode(code);
        break;
      }
      case rt::RuntimeRequest::EXEC:
      case rt::RuntimeRequest::ATTACH: {
        const bool attach = req.which() == rt::RuntimeRequest::ATTACH;
        const std::string id = to_string(attach ? req.getAttach().getContainerId() : req.getExec().getContainerId());
        auto it = containers_.find(id);
        if (it == containers_.end()) return fail("container not found", true);
        advance(it->second, now);
        if (it->second.state != static_cast<int>(rt::ContainerState::CONTAINER_RUNNING))
          return fail("container " + id + " is not running");
        resp.getResult().setUrl(std::string(attach ? "sim://attach/" : "sim://exec/") + id);
        break;
      }
      case rt::RuntimeRequest::PULL_IMAGE: {
        const std::string image = to_string(req.getPullImage().getImage().getImage());
        if (image.empty()) return fail("image is required");
        if (image.find("nonexistent") != std::string::npos || image.find("doesnotexist") != std::string::npos)
          return fail("failed to pull and unpack image \"" + image + "\": failed to resolve reference \"" + image +
                      "\": " + image + ": not found");
        pulled_.insert(image);
        resp.getResult().setImageRef("sim://" + image);
        break;
      }
      case rt::RuntimeRequest::IMAGE_STATUS: {
        const std::string image = to_string(req.getImageStatus().getImage().getImage());
        if (!pulled_.count(image) && image_missing(image)) return fail("image \"" + image + "\" not found", true);
        auto img = resp.getResult().initImage();
        img.setId("sim://" + image);
        img.initRepoTags(1).set(0, image);
        break;
      }
      case rt::RuntimeRequest::LIST_IMAGES: {
        auto list = resp.getResult().initImages(static_cast<unsigned>(pulled_.size()));
        unsigned i = 0;
        for (const auto& image : pulled_) {
          list[i].setId("sim://" + image);
          list[i].initRepoTags(1).set(0, image);
          ++i;
        }
        break;
      }
      case rt::RuntimeRequest::REMOVE_IMAGE:
        pulled_.erase(to_string(req.getRemoveImage().getImage().getImage()));
        break;
      case rt::RuntimeRequest::LIST_CONTAINER_STATS: {
        auto f = req.getListContainerStats().getFilter();
        const std::string want_id = to_string(f.getId()), want_sandbox = to_string(f.getPodSandboxId());
        std::vector<Container*> found;
        for (auto& [id, c] : containers_) {
          advance(c, now);
          if ((want_id.empty() || want_id == id) && (want_sandbox.empty() || want_sandbox == c.sandbox) &&
              c.state == static_cast<int>(rt::ContainerState::CONTAINER_RUNNING))
            found.push_back(&c);
        }
        auto stats = resp.getResult().initStats(static_cast<unsigned>(found.size()));
        for (size_t i = 0; i < found.size(); ++i) {
          stats[i].setContainerId(found[i]->id);
          stats[i].setName(found[i]->name);
          stats[i].setPodSandboxId(found[i]->sandbox);
          // A simulated process uses 1 millicore and 1 MiB. Microsecond readings keep the rate
          // between any two of them exactly 1000000 nanocores (kubectl rounds 1000001n up to 2m).
          const int64_t at = now - now % 1000;
          stats[i].setTimestamp(at);
          stats[i].setCpuUsageCoreNanoSeconds(static_cast<uint64_t>(at / 1000 - found[i]->started / 1000));
          stats[i].setMemoryWorkingSetBytes(1 << 20);
        }
        break;
      }
      default:
        return fail("unsupported runtime request");
    }
  } catch (const kj::Exception& e) {
    capnp::MallocMessageBuilder again;
    auto r = again.initRoot<rt::RuntimeResponse>();
    r.setError(std::string("malformed runtime request: ") + e.getDescription().cStr());
    return serialize(again);
  }
  return serialize(out);
}

}  // namespace capstan::runtime_sim
