#include "volumes.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "capstan/machinery/quantity.hpp"

namespace fs = std::filesystem;

namespace capstan::agent {
namespace {

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string timestamp_dir_name() {
  const auto now = std::chrono::system_clock::now();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "..%Y_%m_%d_%H_%M_%S.", &tm);
  return std::string(buf) + std::to_string(ns % 1'000'000'000) + "." + std::to_string(::getpid());
}

std::string top_component(const std::string& rel) { return rel.substr(0, rel.find('/')); }

// Whether `dir`'s current payload is exactly `files`.
bool same_payload(const fs::path& data, const std::map<std::string, FilePayload>& files) {
  std::error_code ec;
  size_t count = 0;
  for (auto it = fs::recursive_directory_iterator(data, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    ++count;
    const std::string rel = fs::relative(it->path(), data).string();
    auto f = files.find(rel);
    if (f == files.end()) return false;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0 || static_cast<int>(st.st_mode & 07777) != f->second.mode) return false;
    if (read_file(it->path()) != f->second.content) return false;
  }
  return !ec && count == files.size();
}

template <typename Items>
bool project_keys(const StringMap& data, Items items, int default_mode, bool optional, const std::string& kind,
                  std::map<std::string, FilePayload>& out, std::string& error) {
  if (items.size() == 0) {
    for (const auto& [k, v] : data) out[k] = {v, default_mode};
    return true;
  }
  for (auto item : items) {
    const std::string key = str(item.getKey()), path = str(item.getPath());
    auto it = data.find(key);
    if (it == data.end()) {
      if (optional) continue;
      error = kind + " references non-existent " + (kind == "configmap" ? "config" : "secret") + " key: " + key;
      return false;
    }
    if (!safe_relative_path(path)) {
      error = "invalid path " + path;
      return false;
    }
    out[path] = {it->second, item.getMode().isValue() ? item.getMode().getValue() : default_mode};
  }
  return true;
}

// A ConfigMap's or Secret's keys (fetched as `data`, absent when it does not exist) into files; a
// missing object is an error unless the volume or source is optional. `kind`: configmap | secret.
template <typename Items>
bool project_object(const std::optional<StringMap>& data, const std::string& kind, const std::string& name, Items items,
                    int default_mode, bool optional, std::map<std::string, FilePayload>& out, std::string& error) {
  if (!data) {
    if (optional) return true;
    error = kind + " \"" + name + "\" not found";
    return false;
  }
  return project_keys(*data, items, default_mode, optional, kind, out, error);
}

template <typename Items>
bool project_downward(core::Pod::Reader pod, Items items, int default_mode, const PodContext& ctx,
                      std::map<std::string, FilePayload>& out, std::string& error) {
  for (auto item : items) {
    const std::string path = str(item.getPath());
    if (!safe_relative_path(path)) {
      error = "invalid path " + path;
      return false;
    }
    std::string value;
    if (item.hasFieldRef()) {
      const std::string fp = str(item.getFieldRef().getFieldPath());
      auto v = pod_field(pod, fp, ctx);
      if (!v) {
        error = "unsupported fieldPath: " + fp;
        return false;
      }
      value = *v;
    } else if (item.hasResourceFieldRef()) {
      auto sel = item.getResourceFieldRef();
      bool found = false;
      for (auto c : pod.getSpec().getContainers())
        if (c.getName() == sel.getContainerName()) {
          value = resource_field(c, sel, ctx, error);
          found = true;
        }
      if (!found) error = "container " + str(sel.getContainerName()) + " not found";
      if (!error.empty()) return false;
    }
    out[path] = {value, item.getMode().isValue() ? item.getMode().getValue() : default_mode};
  }
  return true;
}

}  // namespace

bool safe_relative_path(const std::string& path) {
  if (path.empty() || path[0] == '/') return false;
  std::istringstream in(path);
  for (std::string part; std::getline(in, part, '/');)
    if (part == ".." || part.rfind("..", 0) == 0) return false;
  return true;
}

bool write_atomic(const std::string& dir_text, const std::map<std::string, FilePayload>& files, std::string& error) {
  const fs::path dir(dir_text);
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const auto& [rel, f] : files)
    if (!safe_relative_path(rel)) {
      error = "invalid path " + rel;
      return false;
    }
  const fs::path data_link = dir / "..data";
  std::string old_name;
  if (fs::is_symlink(data_link, ec)) {
    old_name = fs::read_symlink(data_link, ec).string();
    if (!ec && same_payload(dir / old_name, files)) return true;
  }
  const std::string new_name = timestamp_dir_name();
  const fs::path ts = dir / new_name;
  fs::create_directory(ts, ec);
  if (ec) {
    error = "cannot create " + ts.string() + ": " + ec.message();
    return false;
  }
  ::chmod(ts.c_str(), 0755);
  for (const auto& [rel, f] : files) {
    const fs::path p = ts / rel;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << f.content;
    out.close();
    if (!out || ::chmod(p.c_str(), static_cast<mode_t>(f.mode & 07777)) != 0) {
      error = "cannot write " + p.string();
      fs::remove_all(ts, ec);
      return false;
    }
  }
  const fs::path tmp_link = dir / "..data_tmp";
  fs::remove(tmp_link, ec);
  fs::create_symlink(new_name, tmp_link, ec);
  if (ec || ::rename(tmp_link.c_str(), data_link.c_str()) != 0) {
    error = "cannot switch " + data_link.string();
    fs::remove_all(ts, ec);
    return false;
  }
  // User-visible names: one symlink per top-level entry, through ..data.
  std::set<std::string> tops;
  for (const auto& [rel, f] : files) tops.insert(top_component(rel));
  for (const auto& top : tops) {
    const fs::path link = dir / top;
    if (!fs::is_symlink(link, ec)) fs::create_symlink(fs::path("..data") / top, link, ec);
  }
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("..", 0) == 0) continue;
    if (!tops.count(name) && fs::is_symlink(it->path())) fs::remove(it->path());
  }
  if (!old_name.empty() && old_name != new_name && old_name.rfind("..", 0) == 0) fs::remove_all(dir / old_name, ec);
  return true;
}

VolumeManager::VolumeManager(std::string root, bool may_mount) : root_(std::move(root)), may_mount_(may_mount) {}

bool VolumeManager::mount_tmpfs(const std::string& dir, const std::string& size_option) {
  if (!may_mount_) return false;
  // Already a mount point? (the directory's device differs from its parent's)
  struct stat a {}, b {};
  if (::stat(dir.c_str(), &a) == 0 && ::stat((dir + "/..").c_str(), &b) == 0 && a.st_dev != b.st_dev) return true;
  std::string opts = "mode=0755";
  if (!size_option.empty()) opts += ",size=" + size_option;
  return ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) == 0;
}

VolumeSetup VolumeManager::setup(core::Pod::Reader pod, const ObjectSource& objects, const PodContext& ctx) {
  VolumeSetup out;
  const std::string uid = str(pod.getMetadata().getUid());
  const std::string ns = str(pod.getMetadata().getNamespace());
  const std::string base = pod_dir(uid) + "/volumes";
  std::error_code ec;
  for (auto vol : pod.getSpec().getVolumes()) {
    const std::string name = str(vol.getName());
    std::string error;
    auto fail = [&](const std::string& message) {
      out.error = "MountVolume.SetUp failed for volume \"" + name + "\" : " + message;
      out.volume = name;
    };
    try {
      if (vol.hasHostPath()) {
        auto hp = vol.getHostPath();
        const std::string path = str(hp.getPath()), type = str(hp.getType());
        struct stat st {};
        const bool exists = ::stat(path.c_str(), &st) == 0;
        std::string bad;
        if (type == "DirectoryOrCreate") {
          if (!exists) {
            fs::create_directories(path, ec);
            ::chmod(path.c_str(), 0755);
            if (ec) bad = "cannot create directory " + path + ": " + ec.message();
          } else if (!S_ISDIR(st.st_mode)) bad = path + " is not a directory";
        } else if (type == "Directory") {
          if (!exists) bad = path + " does not exist";  // kubelet: "hostPath type check failed"
          else if (!S_ISDIR(st.st_mode)) bad = path + " is not a directory";
        } else if (type == "FileOrCreate") {
          if (!exists) {
            fs::create_directories(fs::path(path).parent_path(), ec);
            std::ofstream(path, std::ios::app).close();
            ::chmod(path.c_str(), 0644);
          } else if (!S_ISREG(st.st_mode)) bad = path + " is not a file";
        } else if (type == "File") {
          if (!exists || !S_ISREG(st.st_mode)) bad = path + " is not a file";
        } else if (type == "Socket") {
          if (!exists || !S_ISSOCK(st.st_mode)) bad = path + " is not a socket file";
        } else if (type == "CharDevice") {
          if (!exists || !S_ISCHR(st.st_mode)) bad = path + " is not a character device";
        } else if (type == "BlockDevice") {
          if (!exists || !S_ISBLK(st.st_mode)) bad = path + " is not a block device";
        }
        if (!bad.empty()) {
          fail("hostPath type check failed: " + bad);
          return out;
        }
        out.paths[name] = path;
      } else if (vol.hasPersistentVolumeClaim()) {
        auto pvc = vol.getPersistentVolumeClaim();
        if (!setup_claim(uid, ns, name, str(pvc.getClaimName()), pvc.getReadOnly(), objects, out)) return out;
      } else if (vol.hasConfigMap() || vol.hasSecret() || vol.hasDownwardAPI() || vol.hasProjected()) {
        std::map<std::string, FilePayload> files;
        std::string plugin;
        bool secret_like = false;
        if (vol.hasConfigMap()) {
          plugin = "kubernetes.io~configmap";
          auto cm = vol.getConfigMap();
          const bool optional = cm.getOptional().isValue() && cm.getOptional().getValue();
          const int mode = cm.getDefaultMode().isValue() ? cm.getDefaultMode().getValue() : 0644;
          const std::string source = str(cm.getName());
          if (!project_object(objects.config_map(ns, source), "configmap", source, cm.getItems(), mode, optional, files,
                              error)) {
            fail(error);
            return out;
          }
        } else if (vol.hasSecret()) {
          plugin = "kubernetes.io~secret";
          secret_like = true;
          auto s = vol.getSecret();
          const bool optional = s.getOptional().isValue() && s.getOptional().getValue();
          const int mode = s.getDefaultMode().isValue() ? s.getDefaultMode().getValue() : 0644;
          const std::string source = str(s.getSecretName());
          if (!project_object(objects.secret(ns, source), "secret", source, s.getItems(), mode, optional, files, error)) {
            fail(error);
            return out;
          }
        } else if (vol.hasDownwardAPI()) {
          plugin = "kubernetes.io~downward-api";
          auto d = vol.getDownwardAPI();
          const int mode = d.getDefaultMode().isValue() ? d.getDefaultMode().getValue() : 0644;
          if (!project_downward(pod, d.getItems(), mode, ctx, files, error)) {
            fail(error);
            return out;
          }
        } else {
          plugin = "kubernetes.io~projected";
          auto p = vol.getProjected();
          const int mode = p.getDefaultMode().isValue() ? p.getDefaultMode().getValue() : 0644;
          for (auto src : p.getSources()) {
            if (src.hasConfigMap()) {
              auto cm = src.getConfigMap();
              const bool optional = cm.getOptional().isValue() && cm.getOptional().getValue();
              const std::string source = str(cm.getName());
              if (!project_object(objects.config_map(ns, source), "configmap", source, cm.getItems(), mode, optional,
                                  files, error)) {
                fail(error);
                return out;
              }
            } else if (src.hasSecret()) {
              secret_like = true;
              auto s = src.getSecret();
              const bool optional = s.getOptional().isValue() && s.getOptional().getValue();
              const std::string source = str(s.getName());
              if (!project_object(objects.secret(ns, source), "secret", source, s.getItems(), mode, optional, files,
                                  error)) {
                fail(error);
                return out;
              }
            } else if (src.hasDownwardAPI()) {
              if (!project_downward(pod, src.getDownwardAPI().getItems(), mode, ctx, files, error)) {
                fail(error);
                return out;
              }
            } else if (src.hasServiceAccountToken()) {
              secret_like = true;
              const std::string path = str(src.getServiceAccountToken().getPath());
              if (!safe_relative_path(path)) {
                fail("invalid path " + path);
                return out;
              }
              // No token issuer exists yet: the file is a documented placeholder, not a JWT.
              files[path] = {"capstan-placeholder-token: service account tokens are not issued yet\n", mode};
            }
          }
        }
        const std::string dir = base + "/" + plugin + "/" + name;
        fs::create_directories(dir, ec);
        if (secret_like) mount_tmpfs(dir, "");
        if (!write_atomic(dir, files, error)) {
          fail(error);
          return out;
        }
        out.paths[name] = dir;
        out.forced_readonly[name] = true;
      } else {
        // emptyDir, and a volume with no source (defaults to emptyDir, as the API server does).
        const std::string dir = base + "/kubernetes.io~empty-dir/" + name;
        fs::create_directories(dir, ec);
        ::chmod(dir.c_str(), 0777);
        if (vol.hasEmptyDir() && vol.getEmptyDir().getMedium() == "Memory") {
          std::string size;
          if (vol.getEmptyDir().getSizeLimit().size())
            if (auto bytes = machinery::value_of(str(vol.getEmptyDir().getSizeLimit()))) size = std::to_string(*bytes);
          mount_tmpfs(dir, size);
          ::chmod(dir.c_str(), 0777);
        }
        out.paths[name] = dir;
      }
    } catch (const std::exception& e) {
      fail(e.what());
      return out;
    }
  }
  return out;
}

std::vector<MountSpec> VolumeManager::mounts(core::Container::Reader container, const VolumeSetup& setup,
                                             std::string& error) const {
  std::vector<MountSpec> out;
  for (auto vm : container.getVolumeMounts()) {
    const std::string name = str(vm.getName());
    auto it = setup.paths.find(name);
    if (it == setup.paths.end()) {
      error = "cannot find volume \"" + name + "\" to mount into container \"" + str(container.getName()) + "\"";
      return {};
    }
    MountSpec m;
    m.container_path = str(vm.getMountPath());
    m.host_path = it->second;
    m.readonly = vm.getReadOnly() || setup.forced_readonly.count(name);
    if (vm.getSubPath().size()) {
      const std::string sub = str(vm.getSubPath());
      if (!safe_relative_path(sub)) {
        error = "invalid subPath \"" + sub + "\" for volume \"" + name + "\"";
        return {};
      }
      m.host_path += "/" + sub;
      std::error_code ec;
      if (!fs::exists(m.host_path, ec) && !setup.forced_readonly.count(name)) fs::create_directories(m.host_path, ec);
    }
    out.push_back(m);
  }
  return out;
}

namespace {

std::string sha256_hex(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

// kubelet's vol_data.json beside a CSI volume's mount directory: what teardown needs to call the
// driver when the claim and the PersistentVolume may be gone already.
bool read_vol_data(const std::string& dir, CsiMount& m) {
  std::ifstream in(dir + "/vol_data.json");
  if (!in) return false;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return false;
  m.driver = j.value("driverName", "");
  m.volume_handle = j.value("volumeHandle", "");
  m.staging_path = j.value("stagingPath", "");
  m.target_path = dir + "/mount";
  return !m.driver.empty() && !m.volume_handle.empty();
}

}  // namespace

std::string VolumeManager::staging_path(const std::string& driver, const std::string& volume_handle) const {
  return fs::path(root_).parent_path().string() + "/plugins/kubernetes.io/csi/" + driver + "/" +
         sha256_hex(volume_handle) + "/globalmount";
}

bool VolumeManager::setup_claim(const std::string& uid, const std::string& ns, const std::string& name,
                                const std::string& claim, bool readonly, const ObjectSource& objects,
                                VolumeSetup& out) {
  auto fail = [&](const std::string& message) {
    out.error = message;
    out.volume = name;
    return false;
  };
  auto cv = csi_ ? objects.claim_volume(ns, claim) : std::nullopt;
  if (!cv) {
    out.unsupported = true;
    return fail("MountVolume.SetUp failed for volume \"" + name +
                "\" : persistentVolumeClaim volumes need a CSI driver on this node (claim \"" + claim + "\")");
  }
  if (cv->pending) {
    out.pending = true;
    return fail(cv->error);
  }
  if (!cv->error.empty()) return fail(cv->error);
  CsiMount m;
  m.driver = cv->driver;
  m.volume_handle = cv->volume_handle;
  m.fs_type = cv->fs_type;
  m.access_mode = cv->access_mode;
  m.readonly = readonly || cv->readonly;
  m.volume_attributes = cv->volume_attributes;
  m.mount_options = cv->mount_options;
  m.staging_path = staging_path(m.driver, m.volume_handle);
  const std::string vdir = pod_dir(uid) + "/volumes/kubernetes.io~csi/" + cv->pv_name;
  m.target_path = vdir + "/mount";
  std::error_code ec;
  fs::create_directories(vdir, ec);
  fs::create_directories(m.staging_path, ec);
  if (ec) return fail("MountVolume.MountDevice failed for volume \"" + cv->pv_name + "\" : " + ec.message());
  {
    // Written before the driver is called, so a teardown after a half-done setup finds it.
    nlohmann::json j{{"driverName", m.driver}, {"volumeHandle", m.volume_handle}, {"stagingPath", m.staging_path},
                     {"specVolID", cv->pv_name}, {"volumeLifecycleMode", "Persistent"}};
    std::ofstream(vdir + "/vol_data.json", std::ios::trunc) << j.dump() << "\n";
  }
  if (auto e = csi_->stage(m); !e.empty())
    return fail("MountVolume.MountDevice failed for volume \"" + cv->pv_name + "\" : " + e);
  if (auto e = csi_->publish(m); !e.empty())
    return fail("MountVolume.SetUp failed for volume \"" + cv->pv_name + "\" : " + e);
  out.paths[name] = m.target_path;
  if (m.readonly) out.forced_readonly[name] = true;
  // The volume was grown by its controller: the mounted file system follows, online (kubelet's
  // volume manager does this for mounted volumes). A failure leaves the pod running as it is.
  if (cv->node_expand)
    out.expansions.push_back({claim, cv->pv_name, cv->pv_capacity, csi_->expand(m, cv->pv_capacity_bytes)});
  return true;
}

void VolumeManager::teardown_csi(const std::string& uid) {
  const std::string dir = pod_dir(uid) + "/volumes/kubernetes.io~csi";
  std::error_code ec;
  if (!csi_ || !fs::is_directory(dir, ec)) return;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    CsiMount m;
    if (!read_vol_data(e.path().string(), m)) continue;
    csi_->unpublish(m);
    // Unstaged when no other pod on this node still has it.
    bool shared = false;
    for (const auto& pod : fs::directory_iterator(root_, ec)) {
      if (pod.path().filename() == uid) continue;
      const auto other = pod.path() / "volumes/kubernetes.io~csi";
      if (!fs::is_directory(other, ec)) continue;
      for (const auto& v : fs::directory_iterator(other, ec)) {
        CsiMount o;
        if (read_vol_data(v.path().string(), o) && o.driver == m.driver && o.volume_handle == m.volume_handle)
          shared = true;
      }
    }
    if (shared) continue;
    if (csi_->unstage(m).empty()) fs::remove_all(fs::path(m.staging_path).parent_path(), ec);
  }
}

void VolumeManager::teardown(const std::string& uid) {
  if (uid.empty() || uid.find('/') != std::string::npos || uid.find("..") != std::string::npos) return;
  const std::string dir = pod_dir(uid);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  teardown_csi(uid);
  // Unmount every mount below the pod directory, deepest first.
  std::vector<std::string> mounted;
  std::ifstream info("/proc/self/mountinfo");
  for (std::string line; std::getline(info, line);) {
    std::istringstream words(line);
    std::string id, parent, devno, root, point;
    words >> id >> parent >> devno >> root >> point;
    if (point.rfind(dir + "/", 0) == 0) mounted.push_back(point);
  }
  std::sort(mounted.rbegin(), mounted.rend());
  for (const auto& m : mounted) ::umount2(m.c_str(), MNT_DETACH);
  fs::remove_all(dir, ec);
}

}  // namespace capstan::agent
