#include "containerd_process.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "capstan/machinery/process.hpp"

namespace capstan::cri {
namespace fs = std::filesystem;
using machinery::process_alive;
using machinery::process_cmdline;
using machinery::terminate_process;

bool socket_accepts(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

namespace {

std::string tail_of(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

// The values of `names` in a NAME=value list ("" when unset), in order.
std::vector<std::string> values_of(const std::vector<std::string>& env, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    std::string v;
    for (const auto& e : env)
      if (e.size() > n.size() && e.compare(0, n.size(), n) == 0 && e[n.size()] == '=') v = e.substr(n.size() + 1);
    out.push_back(v);
  }
  return out;
}

// What decides where registry traffic goes: an adopted containerd must agree on all of them.
const std::vector<std::string> kNetworkVariables = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                                    "NO_PROXY",   "no_proxy",   "REQUEST_METHOD"};

}  // namespace

ContainerdProcess::ContainerdProcess(ContainerdSettings settings, Log log)
    : settings_(std::move(settings)), log_(std::move(log)) {}

ContainerdProcess::~ContainerdProcess() {
  try {
    stop();
  } catch (...) {
  }
}

void ContainerdProcess::start(std::chrono::seconds timeout) {
  const auto& s = settings_;
  if (s.socket.size() >= sizeof(sockaddr_un::sun_path))
    throw std::runtime_error("containerd socket path is too long for a unix socket (" + std::to_string(s.socket.size()) +
                             " bytes): " + s.socket + "; use a shorter data dir");
  fs::create_directories(s.dir);
  fs::create_directories(s.cni_conf_dir);
  const std::string config = containerd_config_toml(s);
  if (auto why = check_registry_proxy(s.registry_proxy); !why.empty()) throw std::runtime_error(why);
  const std::vector<std::string> env = containerd_environment(s, machinery::current_environment());

  // A containerd that a previous run of this data dir left behind (e.g. after a crash): adopt it
  // when it serves our config, so its containers are not orphaned; otherwise stop it first.
  {
    std::ifstream pidf(s.pid_path());
    pid_t old = -1;
    if (pidf >> old && old > 0 && process_alive(old)) {
      auto cmd = process_cmdline(old);
      bool ours = std::find(cmd.begin(), cmd.end(), s.config_path()) != cmd.end();
      std::ifstream cur(s.config_path());
      std::stringstream cur_text;
      cur_text << cur.rdbuf();
      const bool same_env =
          values_of(machinery::process_environment(old), kNetworkVariables) == values_of(env, kNetworkVariables);
      if (ours && cur_text.str() == config && same_env && socket_accepts(s.socket)) {
        pid_ = old;
        log_("cri-containerd: adopted running containerd (pid " + std::to_string(old) + ")");
        return;
      }
      if (ours) {
        log_("cri-containerd: stopping stale containerd (pid " + std::to_string(old) + ")");
        terminate_process(old, std::chrono::seconds(10));
      }
    }
  }

  {
    std::ofstream out(s.config_path(), std::ios::trunc);
    out << config;
    if (!out) throw std::runtime_error("cannot write " + s.config_path());
  }
  std::error_code ec;
  fs::remove(s.socket, ec);
  machinery::SpawnOptions spawn;
  spawn.log_path = s.log_path();
  spawn.new_session = true;  // a terminal's Ctrl-C reaches capstan only, which then stops it in order
  spawn.environment = env;
  child_ = machinery::ChildProcess::start({"containerd", "--config", s.config_path()}, spawn);
  pid_ = child_.pid();
  {
    std::ofstream pidf(s.pid_path(), std::ios::trunc);
    pidf << pid_ << "\n";
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!socket_accepts(s.socket)) {
    if (!process_alive(pid_)) {
      pid_ = -1;
      throw std::runtime_error("containerd exited during start-up; last lines of " + s.log_path() + ":\n" +
                               tail_of(s.log_path(), 15));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      // Only this containerd: not stop(), which also kills the shims — after a restart of a
      // containerd that died (plugin.cpp's supervisor) they still run the node's pods.
      child_.stop(std::chrono::seconds(10));
      pid_ = -1;
      throw std::runtime_error("containerd did not open " + s.socket + " within " + std::to_string(timeout.count()) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  log_("cri-containerd: containerd started (pid " + std::to_string(pid_) + ", socket " + s.socket + ", snapshotter " +
       s.snapshotter + ", registry proxy " + (s.registry_proxy.empty() ? std::string("none") : redact_url(s.registry_proxy)) +
       ")");
}

bool ContainerdProcess::alive() const { return pid_ > 0 && process_alive(pid_); }

void ContainerdProcess::stop() {
  if (pid_ <= 0) return;
  if (child_.pid() == pid_) child_.stop(std::chrono::seconds(10));
  else terminate_process(pid_, std::chrono::seconds(10));  // adopted from a previous run: not our child
  log_("cri-containerd: containerd stopped (pid " + std::to_string(pid_) + ")");
  pid_ = -1;
  std::error_code ec;
  fs::remove(settings_.pid_path(), ec);
  kill_leftover_shims();
  unmount_leftovers();
}

void ContainerdProcess::kill_leftover_shims() {
  // Shims outlive containerd by design. Ours are the ones started with our socket as -address;
  // the caller stops every sandbox first, so normally none is left.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = std::stoi(name);
    auto cmd = process_cmdline(pid);
    if (cmd.empty() || cmd[0].find("containerd-shim") == std::string::npos) continue;
    for (size_t i = 0; i + 1 < cmd.size(); ++i) {
      if (cmd[i] == "-address" && cmd[i + 1] == settings_.socket) {
        log_("cri-containerd: killing leftover shim pid " + name);
        kill(pid, SIGKILL);
        break;
      }
    }
  }
}

void ContainerdProcess::unmount_leftovers() {
  // Deepest first, lazily: rootfs mounts, shm and netns bind mounts under root/ and state/.
  std::ifstream in("/proc/self/mountinfo");
  std::vector<std::string> mine;
  const std::string prefix = settings_.dir + "/";
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string id, parent, devno, root, mount_point;
    ls >> id >> parent >> devno >> root >> mount_point;
    if (mount_point.rfind(prefix, 0) == 0) mine.push_back(mount_point);
  }
  std::sort(mine.begin(), mine.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& m : mine) {
    if (umount2(m.c_str(), MNT_DETACH) == 0) log_("cri-containerd: unmounted leftover " + m);
  }
}

}  // namespace capstan::cri
