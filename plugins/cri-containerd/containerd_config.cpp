#include "containerd_config.hpp"

#include <sys/mount.h>

#include <filesystem>
#include <sstream>

namespace capstan::cri {
namespace fs = std::filesystem;

namespace {

// TOML basic strings: escape backslash and quote.
std::string q(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

ContainerdSettings default_settings(const std::string& data_dir) {
  ContainerdSettings s;
  s.dir = data_dir + "/containerd";
  s.socket = s.dir + "/containerd.sock";
  s.cni_conf_dir = data_dir + "/cni/net.d";
  return s;
}

std::string containerd_config_toml(const ContainerdSettings& s) {
  const std::string cri = "[plugins.\"io.containerd.grpc.v1.cri\"";
  std::ostringstream o;
  o << "# Written by Capstan's cri-containerd plugin at every start; edits are overwritten.\n"
    << "version = 2\n"
    << "root = " << q(s.root()) << "\n"
    << "state = " << q(s.state()) << "\n"
    << "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\", "
       "\"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\"]\n\n"
    << "[grpc]\n  address = " << q(s.socket) << "\n\n"
    << "[ttrpc]\n  address = " << q(s.socket + ".ttrpc") << "\n\n"
    << "[debug]\n  level = " << q(s.log_level) << "\n\n"
    << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = " << q(s.dir + "/opt") << "\n\n"
    << cri << "]\n"
    << "  sandbox_image = " << q(s.sandbox_image) << "\n"
    << "  restrict_oom_score_adj = true\n"
    << "  stream_server_address = " << q(s.stream_address) << "\n"
    << "  stream_server_port = " << q(std::to_string(s.stream_port)) << "\n"
    << "  netns_mounts_under_state_dir = true\n"
    << "  enable_selinux = false\n"
    << "  disable_apparmor = true\n"
    << cri << ".containerd]\n"
    << "  snapshotter = " << q(s.snapshotter) << "\n"
    << "  default_runtime_name = \"runc\"\n"
    << cri << ".containerd.runtimes.runc]\n"
    << "  runtime_type = \"io.containerd.runc.v2\"\n"
    << cri << ".containerd.runtimes.runc.options]\n"
    << "  SystemdCgroup = false\n"
    << cri << ".cni]\n"
    << "  bin_dir = " << q(s.cni_bin_dir) << "\n"
    << "  conf_dir = " << q(s.cni_conf_dir) << "\n"
    << "  max_conf_num = 1\n";
  return o.str();
}

std::string probe_snapshotter(const std::string& scratch_dir) {
  const fs::path base = fs::path(scratch_dir) / "overlay-probe";
  std::error_code ec;
  for (const char* d : {"lower", "upper", "work", "merged"}) fs::create_directories(base / d, ec);
  const std::string opts = "lowerdir=" + (base / "lower").string() + ",upperdir=" + (base / "upper").string() +
                           ",workdir=" + (base / "work").string();
  const bool ok = mount("overlay", (base / "merged").c_str(), "overlay", 0, opts.c_str()) == 0;
  if (ok) umount2((base / "merged").c_str(), MNT_DETACH);
  fs::remove_all(base, ec);
  return ok ? "overlayfs" : "native";
}

}  // namespace capstan::cri
