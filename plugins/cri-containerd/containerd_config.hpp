#pragma once
// The private containerd instance Capstan runs for a node: its directories and its config.toml.

#include <string>

namespace capstan::cri {

struct ContainerdSettings {
  std::string dir;            // <dataDir>/containerd: root/, state/, config.toml, socket, log
  std::string socket;         // gRPC unix socket (default <dir>/containerd.sock)
  std::string cni_bin_dir = "/usr/lib/cni";
  std::string cni_conf_dir;   // <dataDir>/cni/net.d
  std::string sandbox_image = "capstan.local/pause:1";
  std::string snapshotter = "overlayfs";
  std::string stream_address = "127.0.0.1";
  int stream_port = 0;        // 0 = any free port
  std::string log_level = "info";

  std::string root() const { return dir + "/root"; }
  std::string state() const { return dir + "/state"; }
  std::string config_path() const { return dir + "/config.toml"; }
  std::string log_path() const { return dir + "/containerd.log"; }
  std::string pid_path() const { return dir + "/containerd.pid"; }
};

// Fills the paths derived from `data_dir` where they are empty.
ContainerdSettings default_settings(const std::string& data_dir);

// containerd 1.6 config (version 2) for these settings. Always sets what this kind of machine
// requires: restrict_oom_score_adj (no CAP_SYS_RESOURCE), cgroupfs (no systemd), a local sandbox
// image (no registry), and netns mounts under the state dir so that everything stays in `dir`.
std::string containerd_config_toml(const ContainerdSettings& s);

// "overlayfs" when an overlay mount works in `scratch_dir` (created and removed), else "native".
std::string probe_snapshotter(const std::string& scratch_dir);

}  // namespace capstan::cri
