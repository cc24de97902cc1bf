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

namespace {

const char* const kProxyVariables[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"};

}  // namespace

std::vector<std::string> containerd_environment(const ContainerdSettings& s, const std::vector<std::string>& base) {
  if (s.registry_proxy.empty()) return base;
  std::vector<std::string> env;
  for (const auto& entry : base) {
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = name == "REQUEST_METHOD";
    for (const char* v : kProxyVariables) replaced |= name == v;
    if (!replaced) env.push_back(entry);
  }
  // Go reads the upper-case names first; both are set so that every reader agrees.
  for (const char* v : {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"}) env.push_back(std::string(v) + "=" + s.registry_proxy);
  for (const char* v : {"NO_PROXY", "no_proxy"}) env.push_back(std::string(v) + "=" + s.registry_no_proxy);
  return env;
}

std::string check_registry_proxy(const std::string& proxy) {
  if (proxy.empty()) return "";
  for (unsigned char c : proxy)
    if (c <= ' ' || c == 0x7f) return "registryProxy must not contain spaces or control characters";
  std::string rest = proxy;
  if (auto p = proxy.find("://"); p != std::string::npos) {
    const std::string scheme = proxy.substr(0, p);
    if (scheme != "http" && scheme != "https" && scheme != "socks5" && scheme != "socks5h")
      return "registryProxy scheme must be http, https, socks5 or socks5h (got \"" + scheme + "\")";
    rest = proxy.substr(p + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  rest = rest.substr(rest.rfind('@') == std::string::npos ? 0 : rest.rfind('@') + 1);
  if (rest.empty() || rest[0] == ':') return "registryProxy must name a host (e.g. http://proxy.example:3128)";
  return "";
}

std::string redact_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  const size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const auto at = url.find('@', host_start);
  const auto slash = url.find('/', host_start);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  return url.substr(0, host_start) + "***@" + url.substr(at + 1);
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
