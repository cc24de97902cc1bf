#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

namespace capstan::ingress {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* argv, int out_fd, bool own_group) {
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  // A process group of its own: the children it forks (nginx's workers) can be signalled with it,
  // even after it died.
  if (own_group) setpgid(0, 0);
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0) dup2(null, 0);
  if (out_fd >= 0) {
    dup2(out_fd, 1);
    dup2(out_fd, 2);
  }
  // Every other descriptor the server holds (sockets, the store, plugin files) is closed.
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
  {
    const long max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (max > 0 ? max : 65536); ++fd) close(static_cast<int>(fd));
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(argv[0], argv);
  _exit(127);
}

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return r;
  auto args = c_argv(argv);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  if (pid == 0) exec_child(args.data(), fds[1], false);
  close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = read(fds[0], buf, sizeof buf);
    if (got <= 0) break;
    if (r.output.size() < 65536) r.output.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = (!r.timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return r;
}

ChildProcess::~ChildProcess() { stop(); }

void ChildProcess::start(const std::vector<std::string>& argv, const std::string& log_path) {
  if (pid_ > 0) throw std::runtime_error("child already running");
  int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  auto args = c_argv(argv);
  pid_t pid = fork();
  if (pid < 0) {
    if (log >= 0) close(log);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) exec_child(args.data(), log, true);
  if (log >= 0) close(log);
  setpgid(pid, pid);  // also from here: no window where the group does not exist yet
  pid_ = pid;
  group_ = pid;
  last_status_.reset();
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    last_status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

bool ChildProcess::signal(int sig) const { return pid_ > 0 && kill(pid_, sig) == 0; }

void ChildProcess::kill_group() {
  if (group_ > 0) {
    kill(-group_, SIGKILL);
    group_ = -1;
  }
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) {
    kill_group();
    return;
  }
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      kill_group();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  last_status_ = status;
  pid_ = -1;
  kill_group();
}

}  // namespace capstan::ingress
