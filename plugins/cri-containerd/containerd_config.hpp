#pragma once
// The private containerd instance Capstan runs for a node: its directories and its config.toml.

#include <string>
#include <vector>

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
  // Where containerd sends registry traffic (image pulls), through HTTP(S)_PROXY in its
  // environment. The default is a closed loopback port: a pull of an absent image fails at once
  // ("proxyconnect ... connection refused") and the registry's name is never even resolved, so an
  // offline node sends nothing. Empty: containerd's own behaviour (direct, or the proxy variables
  // of Capstan's environment).
  std::string registry_proxy = "http://127.0.0.1:1";
  // Hosts reached without the proxy (NO_PROXY syntax); loopback is never proxied anyway.
  std::string registry_no_proxy = "localhost,127.0.0.0/8,::1";

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

// The environment containerd runs with: `base` (NAME=value entries) with, when registry_proxy is
// set, HTTP_PROXY/HTTPS_PROXY/NO_PROXY (both cases) replaced by the settings' values and
// REQUEST_METHOD dropped (it makes Go ignore HTTP_PROXY). Unchanged when registry_proxy is empty.
std::vector<std::string> containerd_environment(const ContainerdSettings& s, const std::vector<std::string>& base);

// Empty when `proxy` is usable as registry_proxy (empty, or [scheme://][user@]host:port with scheme
// http, https, socks5 or socks5h), else why not.
std::string check_registry_proxy(const std::string& proxy);

// The URL without its user information, for logs.
std::string redact_url(const std::string& url);

// "overlayfs" when an overlay mount works in `scratch_dir` (created and removed), else "native".
std::string probe_snapshotter(const std::string& scratch_dir);

}  // namespace capstan::cri
