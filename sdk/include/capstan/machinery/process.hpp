#pragma once
// Child processes: a command run to completion (ip, nft, ctr, tar) and a long-running child that
// is supervised (containerd, dnsmasq). By argv, never through a shell, the program looked up in
// PATH.
//
// Every child starts with only the descriptors it is given (stdin, stdout, stderr): every other
// descriptor of this process is closed in the child, whether or not it was opened close-on-exec.
// A plugin lives in a process with listening sockets, store files and other plugins' pipes; a
// child that inherits them keeps them open after Capstan closes them (containerd and its shims once
// kept the API server's listening port bound). Children also start with no blocked and no ignored
// signals.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace capstan::machinery {

struct RunOptions {
  std::optional<std::string> input;  // written to the child's stdin; none: stdin is /dev/null
  std::chrono::milliseconds timeout{0};  // > 0: the child is killed (SIGKILL) when it runs longer
  bool merge_stderr = false;             // stderr into `out`, interleaved as a terminal shows them
  std::optional<std::vector<std::string>> environment;  // NAME=value entries; none: this process's
};

struct RunResult {
  int exit_code = -1;      // the exit status; -1 when killed by a signal or not started
  int signal = 0;          // the signal that ended it, if one did
  bool timed_out = false;  // killed because it ran past the timeout
  std::string out, err;    // what it wrote (err stays empty with merge_stderr)
  std::string error;       // why it could not be started (then nothing ran)
  bool ok() const { return exit_code == 0; }
  // For messages: what the child said (stdout, then stderr) or why it did not run.
  std::string output() const;
};

// Marks `fd` close-on-exec (FD_CLOEXEC); false when fcntl fails. For descriptors a library opens
// without SOCK_CLOEXEC/O_CLOEXEC (Asio's accepted and connected sockets): every descriptor Capstan
// holds is close-on-exec, so that even an exec that does not go through this file (a library's
// own helper, a plugin's) passes none on. Prefer opening with the flag where the call allows it.
bool set_close_on_exec(int fd);

// A socket opened close-on-exec (SOCK_CLOEXEC) for `family`/`type`, for Asio's `assign` (Asio
// opens without the flag); -1 with errno set on failure.
int open_socket_cloexec(int family, int type, int protocol = 0);

// Runs argv to completion. Never throws for the child's failures; see RunResult.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

struct SpawnOptions {
  std::string log_path;      // stdout and stderr go here (appended); empty: /dev/null
  bool truncate_log = false; // start the log afresh instead of appending
  bool new_session = false;  // setsid(): a terminal's Ctrl-C reaches the parent only, which stops it in order
  // A process group of its own, led by the child: what it forks (nginx's workers) can be killed
  // with it through kill_group(), even after the child itself died. stop() ends with kill_group().
  bool new_process_group = false;
  std::optional<std::vector<std::string>> environment;  // NAME=value entries; none: this process's
};

// A long-running child. Movable, not copyable; the destructor stops a child still running (SIGTERM,
// then SIGKILL after 5 s), so none is ever left behind by accident.
class ChildProcess {
 public:
  ChildProcess() = default;
  // Starts argv; throws std::runtime_error when it cannot.
  static ChildProcess start(const std::vector<std::string>& argv, const SpawnOptions& options = {});
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }  // -1 when none was started
  // Whether it still runs; reaps it once it has exited (then exit_status() tells how).
  bool is_running();
  // SIGTERM, up to `grace` for it to exit, then SIGKILL; always reaped. Idempotent.
  void stop(std::chrono::milliseconds grace);
  // Sends `sig` (SIGHUP for a reload, SIGQUIT for a graceful stop); false when it no longer runs.
  bool signal(int sig);
  // With new_process_group: SIGKILL to the child's group (what is left of it after the child
  // ended), once; nothing otherwise.
  void kill_group();
  // After it ended: "exit code N" or "signal N" (empty while running or never started).
  std::string exit_status() const;

 private:
  pid_t pid_ = -1;
  pid_t group_ = -1;  // the child's own process group, until kill_group()
  bool reaped_ = false;
  int status_ = 0;
};

// Processes that need not be our children (e.g. a containerd a previous run left behind).
bool process_alive(pid_t pid);  // a zombie child is reaped and counts as gone
// SIGTERM, up to `grace`, then SIGKILL; reaps it when it is our child.
void terminate_process(pid_t pid, std::chrono::milliseconds grace);
std::vector<std::string> process_cmdline(pid_t pid);      // empty when it is gone
std::vector<std::string> process_environment(pid_t pid);  // NAME=value entries
std::vector<std::string> current_environment();           // this process's

}  // namespace capstan::machinery
