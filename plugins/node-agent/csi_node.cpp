#include "csi_node.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "capstan/machinery/process.hpp"
#include "csi_client.hpp"

namespace capstan::agent {
namespace fs = std::filesystem;

struct AgentCsi::Child {
  machinery::ChildProcess process;
};

namespace {

// The access mode a PersistentVolume's mode becomes in CSI (kubelet's asCSIAccessModeV1).
csi::AccessMode access_mode(const std::string& mode) {
  if (mode == "ReadOnlyMany") return csi::AccessMode::MultiNodeReaderOnly;
  if (mode == "ReadWriteMany") return csi::AccessMode::MultiNodeMultiWriter;
  return csi::AccessMode::SingleNodeWriter;  // ReadWriteOnce, ReadWriteOncePod, unset
}

csi::VolumeCapability capability(const CsiMount& m) {
  csi::VolumeCapability c;
  c.fs_type = m.fs_type;
  c.mount_flags = m.mount_options;
  c.mode = access_mode(m.access_mode);
  return c;
}

std::string hostpath_endpoint(const CsiConfig& c) {
  return c.data_dir + "/node-agent/plugins/" + kHostPathDriver + "/csi.sock";
}

std::string find_hostpath_binary(const CsiConfig& c) {
  if (!c.hostpath_binary.empty()) return c.hostpath_binary;
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto beside = self.parent_path() / "capstan-csi-hostpath";
    if (fs::exists(beside, ec)) return beside.string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t start = 0; start <= p.size();) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      auto candidate = fs::path(p.substr(start, end - start)) / "capstan-csi-hostpath";
      if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
      start = end + 1;
    }
  }
  return "";
}

}  // namespace

AgentCsi::AgentCsi(CsiConfig config, Log log) : config_(std::move(config)), log_(std::move(log)) {
  endpoints_ = config_.drivers;
  if (config_.hostpath) endpoints_[kHostPathDriver] = hostpath_endpoint(config_);
}

AgentCsi::~AgentCsi() { stop(); }

std::map<std::string, std::string> AgentCsi::drivers() const {
  std::lock_guard l(mu_);
  return endpoints_;
}

bool AgentCsi::spawn() {
  machinery::SpawnOptions so;
  const std::string dir = config_.data_dir + "/node-agent/plugins/" + kHostPathDriver;
  std::error_code ec;
  fs::create_directories(dir, ec);
  so.log_path = dir + "/driver.log";
  try {
    child_->process = machinery::ChildProcess::start(
        {find_hostpath_binary(config_), "--endpoint", hostpath_endpoint(config_), "--root",
         config_.data_dir + "/csi-hostpath", "--node-id", config_.node_name},
        so);
    ++starts_;
    return true;
  } catch (const std::exception& e) {
    log_(true, std::string("node-agent: cannot start the CSI driver ") + kHostPathDriver + ": " + e.what());
    return false;
  }
}

void AgentCsi::start() {
  if (!config_.hostpath) return;
  if (find_hostpath_binary(config_).empty()) {
    log_(true, std::string("node-agent: capstan-csi-hostpath not found beside capstan or in PATH: the ") +
                   kHostPathDriver + " driver is not available on this node");
    std::lock_guard l(mu_);
    endpoints_.erase(kHostPathDriver);
    config_.hostpath = false;
    return;
  }
  {
    std::lock_guard l(stop_mu_);
    stopping_ = false;
  }
  child_ = std::make_unique<Child>();
  spawn();
  supervisor_ = std::thread([this] { supervise(); });
}

// Restarts the driver when it exits, with back-off (1 s doubling to 30 s, reset after a minute of
// running), as kubelet restarts a crashing container. Calls made meanwhile wait for the socket
// within their deadline (the client waits for ready). A driver that stops answering is killed and
// so restarted too: the Identity Probe every 10 s with a 1 s deadline, 3 failures in a row — a
// kubelet liveness probe's defaults (the livenessprobe sidecar beside a CSI driver upstream).
void AgentCsi::supervise() {
  auto backoff = std::chrono::seconds(1);
  auto started = std::chrono::steady_clock::now();
  auto last_probe = started;
  int probe_failures = 0;
  csi::Client prober(hostpath_endpoint(config_), std::chrono::seconds(1));
  for (;;) {
    {
      std::unique_lock l(stop_mu_);
      if (stop_cv_.wait_for(l, std::chrono::milliseconds(500), [this] { return stopping_; })) return;
    }
    if (child_->process.is_running()) {
      const auto now = std::chrono::steady_clock::now();
      if (now - started > std::chrono::minutes(1)) backoff = std::chrono::seconds(1);
      if (now - last_probe < std::chrono::seconds(10) || now - started < std::chrono::seconds(10)) continue;
      last_probe = now;
      bool ready = false;
      auto s = prober.probe(ready);
      if (s.ok()) {
        probe_failures = 0;
        continue;
      }
      if (++probe_failures < 3) continue;
      log_(true, std::string("node-agent: CSI driver ") + kHostPathDriver + " does not answer its Probe (" + s.describe() +
                     ", 3 times in a row): killing it");
      child_->process.stop(std::chrono::seconds(1));
      probe_failures = 0;
      continue;  // the next pass sees it gone and restarts it
    }
    log_(true, std::string("node-agent: CSI driver ") + kHostPathDriver + " exited (" + child_->process.exit_status() +
                   "); restarting in " + std::to_string(backoff.count()) + "s");
    {
      std::unique_lock l(stop_mu_);
      if (stop_cv_.wait_for(l, backoff, [this] { return stopping_; })) return;
    }
    backoff = std::min(backoff * 2, std::chrono::seconds(30));
    started = std::chrono::steady_clock::now();
    spawn();
  }
}

void AgentCsi::stop() {
  {
    std::lock_guard l(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  {
    // Close the gRPC channels first: the driver's graceful shutdown waits for open calls.
    std::lock_guard l(mu_);
    clients_.clear();
  }
  // The whole agent stops within the few seconds a service manager grants; the driver keeps no
  // state in memory (volumes stay mounted as they are), so a short grace is enough.
  if (child_) child_->process.stop(std::chrono::seconds(2));
}

csi::Client* AgentCsi::client(const std::string& driver, std::string& error) {
  std::lock_guard l(mu_);
  auto e = endpoints_.find(driver);
  if (e == endpoints_.end()) {
    // kubelet's words for a driver that never registered on the node.
    error = "kubernetes.io/csi: mounter.SetUpAt failed to get CSI client: driver name " + driver +
            " not found in the list of registered CSI drivers";
    return nullptr;
  }
  auto& c = clients_[driver];
  if (!c) c = std::make_unique<csi::Client>(e->second, config_.timeout);
  return c.get();
}

std::optional<bool> AgentCsi::stages(const std::string& driver, csi::Client& c, std::string& error) {
  {
    std::lock_guard l(mu_);
    if (auto it = stage_caps_.find(driver); it != stage_caps_.end()) return it->second;
  }
  std::set<int> caps;
  auto s = c.node_get_capabilities(caps);
  if (!s.ok()) {
    error = s.describe();
    return std::nullopt;
  }
  bool st = caps.count(csi::kStageUnstageVolume) > 0;
  std::lock_guard l(mu_);
  stage_caps_[driver] = st;
  expand_caps_[driver] = caps.count(csi::kNodeExpandVolume) > 0;
  return st;
}

bool AgentCsi::node_info(const std::string& driver, csi::NodeInfo& out, std::string& error) {
  auto* c = client(driver, error);
  if (!c) return false;
  auto s = c->node_get_info(out);
  if (!s.ok()) error = s.describe();
  return s.ok();
}

std::string AgentCsi::stage(const CsiMount& m) {
  std::string error;
  auto* c = client(m.driver, error);
  if (!c) return error;
  auto st = stages(m.driver, *c, error);
  if (!st) return error;
  if (!*st) return "";  // the driver publishes without staging
  csi::StageRequest r;
  r.volume_id = m.volume_handle;
  r.staging_target_path = m.staging_path;
  r.volume_context = m.volume_attributes;
  r.capability = capability(m);
  auto s = c->node_stage_volume(r);
  return s.ok() ? "" : s.describe();
}

std::string AgentCsi::publish(const CsiMount& m) {
  std::string error;
  auto* c = client(m.driver, error);
  if (!c) return error;
  auto st = stages(m.driver, *c, error);
  if (!st) return error;
  csi::PublishRequest r;
  r.volume_id = m.volume_handle;
  if (*st) r.staging_target_path = m.staging_path;
  r.target_path = m.target_path;
  r.readonly = m.readonly;
  r.volume_context = m.volume_attributes;
  r.capability = capability(m);
  auto s = c->node_publish_volume(r);
  return s.ok() ? "" : s.describe();
}

std::string AgentCsi::unpublish(const CsiMount& m) {
  std::string error;
  auto* c = client(m.driver, error);
  if (!c) return error;
  auto s = c->node_unpublish_volume(m.volume_handle, m.target_path);
  if (!s.ok()) log_(true, "node-agent: NodeUnpublishVolume " + m.volume_handle + ": " + s.describe());
  return s.ok() ? "" : s.describe();
}

std::string AgentCsi::expand(const CsiMount& m, int64_t bytes) {
  std::string error;
  auto* c = client(m.driver, error);
  if (!c) return error;
  auto st = stages(m.driver, *c, error);
  if (!st) return error;
  {
    std::lock_guard l(mu_);
    if (!expand_caps_[m.driver]) return "";  // the driver grows volumes in its controller alone
  }
  int64_t capacity = 0;
  auto s = c->node_expand_volume(m.volume_handle, m.target_path, *st ? m.staging_path : "", bytes, 0, capacity);
  if (!s.ok()) log_(true, "node-agent: NodeExpandVolume " + m.volume_handle + ": " + s.describe());
  return s.ok() ? "" : s.describe();
}

std::string AgentCsi::unstage(const CsiMount& m) {
  std::string error;
  auto* c = client(m.driver, error);
  if (!c) return error;
  auto st = stages(m.driver, *c, error);
  if (!st) return error;
  if (!*st) return "";
  auto s = c->node_unstage_volume(m.volume_handle, m.staging_path);
  if (!s.ok()) log_(true, "node-agent: NodeUnstageVolume " + m.volume_handle + ": " + s.describe());
  return s.ok() ? "" : s.describe();
}

}  // namespace capstan::agent
