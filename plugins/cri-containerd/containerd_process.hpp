#pragma once
// Runs the node's private containerd: writes its config, starts it, waits for its socket, and
// stops it by PID (SIGTERM, then SIGKILL), then removes what it leaves behind (runc shims of
// this instance, mounts under its directory).

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

#include "capstan/machinery/process.hpp"
#include "containerd_config.hpp"

namespace capstan::cri {

// True when something accepts connections on the unix socket at `path`.
bool socket_accepts(const std::string& path);

class ContainerdProcess {
 public:
  using Log = std::function<void(const std::string&)>;
  ContainerdProcess(ContainerdSettings settings, Log log);
  ~ContainerdProcess();  // stops it when still running
  ContainerdProcess(const ContainerdProcess&) = delete;
  ContainerdProcess& operator=(const ContainerdProcess&) = delete;

  // Starts containerd (or adopts the one a previous run of this data dir left running with the
  // same config) and waits until its socket answers. Throws with the log's tail on failure.
  void start(std::chrono::seconds timeout = std::chrono::seconds(30));
  void stop();
  pid_t pid() const { return pid_; }
  // Whether the containerd started or adopted is still running (a zombie child is reaped).
  bool alive() const;
  const ContainerdSettings& settings() const { return settings_; }

 private:
  void kill_leftover_shims();
  void unmount_leftovers();

  ContainerdSettings settings_;
  Log log_;
  pid_t pid_ = -1;                 // ours (child_) or adopted
  machinery::ChildProcess child_;  // the containerd this object started
};

}  // namespace capstan::cri
