// capstan.runtime.v1/containerd: the container runtime over containerd's CRI. Starts and stops a
// private containerd for the node unless "endpoint" names a running one, builds and imports the
// pause image, and imports image archives (`capstan image import`).
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <dlfcn.h>

#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <thread>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "capstan/plugin.hpp"
#include "capstan/runtime.capnp.h"
#include "containerd_process.hpp"
#include "cri_runtime.hpp"
#include "ctr_import.hpp"
#include "pause_image.hpp"

namespace capstan::cri {
namespace {
namespace fs = std::filesystem;

struct Config {
  std::string data_dir = "/var/lib/capstan";
  std::string endpoint;            // an existing containerd socket: use it, start nothing
  std::string snapshotter = "auto";
  std::string sandbox_image = kPauseImage;
  std::string pause_binary;        // default: capstan-pause beside this plugin
  std::string cni_conf_dir, cni_bin_dir = "/usr/lib/cni";
  std::string stream_address = "127.0.0.1";
  int stream_port = 0;
  std::string log_level = "info";
  bool keep_pods_on_stop = false;
  std::string registry_proxy = ContainerdSettings{}.registry_proxy;  // "" = containerd's own (direct) pulls
  std::string registry_no_proxy = ContainerdSettings{}.registry_no_proxy;
};

Config parse_config(const std::string& text) {
  Config c;
  if (text.empty()) return c;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return c;
  auto get = [&](const char* key, std::string& out) {
    if (j.contains(key) && j[key].is_string()) out = j[key].get<std::string>();
  };
  get("dataDir", c.data_dir);
  get("endpoint", c.endpoint);
  get("snapshotter", c.snapshotter);
  get("sandboxImage", c.sandbox_image);
  get("pauseBinary", c.pause_binary);
  get("cniConfDir", c.cni_conf_dir);
  get("cniBinDir", c.cni_bin_dir);
  get("streamAddress", c.stream_address);
  get("logLevel", c.log_level);
  get("registryProxy", c.registry_proxy);
  get("registryNoProxy", c.registry_no_proxy);
  if (j.contains("streamPort") && j["streamPort"].is_number_integer()) c.stream_port = j["streamPort"].get<int>();
  if (j.contains("keepPodsOnStop") && j["keepPodsOnStop"].is_boolean()) c.keep_pods_on_stop = j["keepPodsOnStop"].get<bool>();
  return c;
}

std::string plugin_directory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&plugin_directory), &info) != 0 && info.dli_fname)
    return fs::path(info.dli_fname).parent_path().string();
  return ".";
}

bool is_import_request(const std::string& request, std::string& path) {
  try {
    kj::Array<capnp::word> words = kj::heapArray<capnp::word>((request.size() + 7) / 8);
    if (!request.empty()) std::memcpy(words.begin(), request.data(), request.size());
    capnp::FlatArrayMessageReader reader(words);
    auto req = reader.getRoot<capstan::runtime::v1::RuntimeRequest>();
    if (req.which() != capstan::runtime::v1::RuntimeRequest::IMPORT_IMAGE) return false;
    path = req.getImportImage().getPath();
    return true;
  } catch (...) {
    return false;
  }
}

std::string error_response(const std::string& message) {
  capnp::MallocMessageBuilder m;
  auto r = m.initRoot<capstan::runtime::v1::RuntimeResponse>();
  r.setError(message);
  r.getResult().setNone();
  auto words = capnp::messageToFlatArray(m);
  return std::string(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
}

class ContainerdRuntimePlugin final : public sdk::Plugin {
 public:
  ContainerdRuntimePlugin(const sdk::Host& host, const std::string& config) : host_(host), config_(parse_config(config)) {
    settings_ = default_settings(config_.data_dir);
    if (!config_.cni_conf_dir.empty()) settings_.cni_conf_dir = config_.cni_conf_dir;
    settings_.cni_bin_dir = config_.cni_bin_dir;
    settings_.sandbox_image = config_.sandbox_image;
    settings_.stream_address = config_.stream_address;
    settings_.stream_port = config_.stream_port;
    settings_.log_level = config_.log_level;
    settings_.registry_proxy = config_.registry_proxy;
    settings_.registry_no_proxy = config_.registry_no_proxy;
    if (config_.pause_binary.empty()) config_.pause_binary = plugin_directory() + "/capstan-pause";
  }

  void start() override {
    std::string socket;
    if (!config_.endpoint.empty() && socket_accepts(config_.endpoint)) {
      socket = config_.endpoint;
      host_.info("cri-containerd: using the containerd at " + socket);
    } else {
      if (!config_.endpoint.empty())
        host_.warn("cri-containerd: endpoint " + config_.endpoint + " does not answer; starting a private containerd");
      process_ = start_containerd();
      socket = settings_.socket;
    }
    try {
      auto runtime = make_runtime(socket);
      runtime->wait_ready(30000);
      ensure_sandbox_image(*runtime, socket);
      std::lock_guard lock(mu_);
      runtime_ = std::move(runtime);
    } catch (...) {
      // A plugin whose start fails is not stopped: do not leave its containerd behind.
      if (process_) process_->stop();
      process_.reset();
      throw;
    }
    if (process_) {
      stopping_ = false;
      supervisor_ = std::thread([this] { supervise(); });
    }
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    if (supervisor_.joinable()) supervisor_.join();
    std::shared_ptr<CriRuntime> runtime;
    {
      std::lock_guard lock(mu_);
      runtime = std::move(runtime_);
    }
    if (process_) {
      if (runtime && !config_.keep_pods_on_stop) {
        try {
          size_t n = runtime->remove_all_sandboxes();
          if (n) host_.info("cri-containerd: stopped and removed " + std::to_string(n) + " pod sandboxes");
        } catch (const std::exception& e) {
          host_.warn(std::string("cri-containerd: cannot remove pod sandboxes: ") + e.what());
        }
      }
      runtime.reset();
      process_->stop();
      process_.reset();
    }
  }

  std::string invoke(const std::string& request) override {
    std::shared_ptr<CriRuntime> runtime;
    {
      std::lock_guard lock(mu_);
      runtime = runtime_;
    }
    if (runtime) return runtime->handle(request);
    std::string path;
    if (is_import_request(request, path)) return import_without_start(request);
    return error_response("the containerd runtime is not started");
  }

 private:
  // containerd is the node's: when it dies (killed, OOM) it is started again, as an init system
  // would; the shims and the containers they run outlive it, and the new containerd finds them
  // in its state directory. Checked every 500 ms; restarts back off 1 s doubling to 30 s while it
  // keeps dying within a minute. While it is away, runtime calls fail ("unavailable") and the
  // node agent keeps the pods' last known state (plugins/node-agent/pod_adopt.cpp).
  void supervise() {
    using namespace std::chrono;
    auto delay = seconds(1);
    auto last_start = steady_clock::now();
    std::unique_lock lock(mu_);
    while (!stop_cv_.wait_for(lock, milliseconds(500), [this] { return stopping_; })) {
      if (process_->alive()) {
        if (steady_clock::now() - last_start > minutes(1)) delay = seconds(1);
        continue;
      }
      const pid_t old = process_->pid();
      runtime_.reset();  // calls answer "not started" instead of waiting on a dead socket
      host_.warn("cri-containerd: containerd (pid " + std::to_string(old) + ") exited; restarting it in " +
                 std::to_string(delay.count()) + " s");
      if (stop_cv_.wait_for(lock, delay, [this] { return stopping_; })) return;
      lock.unlock();
      std::shared_ptr<CriRuntime> runtime;
      try {
        process_->start();
        runtime = make_runtime(settings_.socket);
        runtime->wait_ready(30000);
        host_.info("cri-containerd: containerd restarted (pid " + std::to_string(process_->pid()) + ")");
      } catch (const std::exception& e) {
        host_.warn(std::string("cri-containerd: containerd restart failed: ") + e.what());
        runtime.reset();
      }
      last_start = steady_clock::now();
      delay = std::min<seconds>(delay * 2, seconds(30));
      lock.lock();
      runtime_ = std::move(runtime);
    }
  }

  std::unique_ptr<ContainerdProcess> start_containerd() {
    fs::create_directories(settings_.dir);
    settings_.snapshotter = config_.snapshotter == "auto" ? probe_snapshotter(settings_.dir) : config_.snapshotter;
    auto p = std::make_unique<ContainerdProcess>(settings_, [this](const std::string& m) { host_.info(m); });
    p->start();
    return p;
  }

  std::shared_ptr<CriRuntime> make_runtime(const std::string& socket) {
    const std::string snapshotter = settings_.snapshotter == "auto" ? "overlayfs" : settings_.snapshotter;
    return std::make_shared<CriRuntime>(socket, [socket, snapshotter](const std::string& path) {
      return ctr_import(socket, snapshotter, fs::absolute(path).string());
    });
  }

  void ensure_sandbox_image(CriRuntime& runtime, const std::string& socket) {
    if (runtime.image_present(config_.sandbox_image)) return;
    if (config_.sandbox_image != kPauseImage) {
      host_.warn("cri-containerd: sandbox image " + config_.sandbox_image + " is not present; pods will not start until it is imported");
      return;
    }
    std::ifstream in(config_.pause_binary, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read the pause binary " + config_.pause_binary + " (config key pauseBinary)");
    std::ostringstream bin;
    bin << in.rdbuf();
    fs::create_directories(settings_.dir);
    const std::string archive = settings_.dir + "/pause-image.tar";
    {
      std::ofstream out(archive, std::ios::binary | std::ios::trunc);
      out << pause_image_archive(kPauseImage, bin.str());
      if (!out) throw std::runtime_error("cannot write " + archive);
    }
    const std::string snapshotter = settings_.snapshotter == "auto" ? "overlayfs" : settings_.snapshotter;
    ctr_import(socket, snapshotter, archive);
    host_.info(std::string("cri-containerd: built and imported the sandbox image ") + kPauseImage);
  }

  // `capstan image import` loads agent plugins without starting them: use the node's running
  // containerd when there is one, else run one just for the import.
  std::string import_without_start(const std::string& request) {
    try {
      if (!config_.endpoint.empty() && socket_accepts(config_.endpoint)) return make_runtime(config_.endpoint)->handle(request);
      if (socket_accepts(settings_.socket)) {
        // The snapshotter in use is the one in the running instance's config.
        std::ifstream cfg(settings_.config_path());
        std::stringstream text;
        text << cfg.rdbuf();
        settings_.snapshotter = text.str().find("snapshotter = \"native\"") != std::string::npos ? "native" : "overlayfs";
        return make_runtime(settings_.socket)->handle(request);
      }
      auto process = start_containerd();
      std::string answer;
      {
        auto runtime = make_runtime(settings_.socket);
        runtime->wait_ready(30000);
        answer = runtime->handle(request);
      }
      process->stop();
      return answer;
    } catch (const std::exception& e) {
      return error_response(e.what());
    }
  }

  sdk::Host host_;
  Config config_;
  ContainerdSettings settings_;
  std::unique_ptr<ContainerdProcess> process_;
  std::mutex mu_;
  std::shared_ptr<CriRuntime> runtime_;
  std::thread supervisor_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // under mu_
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.runtime.v1";
  info.id = "containerd";
  info.roles = CAPSTAN_ROLE_AGENT;
  // containerd sets pods' networks up and tears them down through the CNI configuration the node's
  // network plugin writes: start after it and, above all, stop before it (pods are removed at stop).
  info.dependencies = {"capstan.network.v1.*?"};
  info.manifest.description("container runtime over containerd's CRI (runtime.v1 gRPC); runs a private containerd");
  info.create = [](const sdk::Host& host, const std::string& config) {
    return std::make_unique<ContainerdRuntimePlugin>(host, config);
  };
  return info;
}

}  // namespace
}  // namespace capstan::cri

CAPSTAN_PLUGIN(capstan::cri::make_info)
