#pragma once
// Child processes: a command run to completion with its output captured (`nginx -t`), and a
// long-running child (the nginx master) that can be signalled, reaped and stopped.
//
// Both fork and exec with the hygiene a plugin inside a multi-threaded server needs: the child
// closes every descriptor but 0-2 before exec (the server's sockets and files must not leak into
// nginx), gets SIGTERM when the thread that started it dies (PR_SET_PDEATHSIG), and only calls
// async-signal-safe functions between fork and exec.
//
// This is the minimum this plugin needs. The SDK's machinery layer is getting a shared runner
// (capstan/machinery/process.hpp); once it is on main this file should be replaced by it.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace capstan::ingress {

struct CommandResult {
  int exit_code = -1;    // -1: could not run, or killed by a signal
  std::string output;    // stdout and stderr, at most 64 KiB
  bool timed_out = false;
};

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // stop()s
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv with stdout/stderr appended to `log_path`. Throws std::runtime_error if fork fails
  // (an exec failure shows as an exit with code 127).
  void start(const std::vector<std::string>& argv, const std::string& log_path);
  // Reaps the child if it ended; true while it runs.
  bool running();
  // The wait status of the last child that ended (after running() returned false).
  std::optional<int> last_status() const { return last_status_; }
  pid_t pid() const { return pid_; }
  bool signal(int sig) const;
  // SIGTERM, then SIGKILL after `grace`; waits for it, then kills what is left of its process group.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL to the child's process group (the children it left behind when it died).
  void kill_group();

 private:
  pid_t pid_ = -1;
  pid_t group_ = -1;  // the child's process group, kept after it ended until kill_group()
  std::optional<int> last_status_;
};

// "exit 1", "signal 9" from a wait status.
std::string describe_wait_status(int status);

}  // namespace capstan::ingress
