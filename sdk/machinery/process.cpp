#include "capstan/machinery/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace capstan::machinery {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// posix_spawnp with the hygiene every child gets: descriptors from 3 up closed (after the caller's
// file actions have put stdin/stdout/stderr in place), signal mask empty, every signal at its
// default. Returns the pid, or -1 with `error` set.
pid_t spawn(const std::vector<std::string>& argv, posix_spawn_file_actions_t* actions, bool new_session,
            const std::optional<std::vector<std::string>>& environment, std::string& error,
            bool new_process_group = false) {
  if (argv.empty()) {
    error = "no command";
    return -1;
  }
  posix_spawn_file_actions_addclosefrom_np(actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (new_session) flags |= POSIX_SPAWN_SETSID;
  if (new_process_group && !new_session) flags |= POSIX_SPAWN_SETPGROUP;  // group 0: the child's pid
  posix_spawnattr_setflags(&attr, flags);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  auto args = c_strings(argv);
  std::vector<char*> envp;
  if (environment) envp = c_strings(*environment);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], actions, &attr, args.data(), environment ? envp.data() : environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::vector<std::string> nul_separated(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  std::vector<std::string> out;
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    out.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string RunResult::output() const {
  if (!error.empty()) return error;
  if (out.empty() || err.empty()) return out + err;
  return out + (out.back() == '\n' ? "" : "\n") + err;
}

bool set_close_on_exec(int fd) {
  const int flags = fcntl(fd, F_GETFD);
  return flags >= 0 && (flags & FD_CLOEXEC || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0);
}

int open_socket_cloexec(int family, int type, int protocol) { return ::socket(family, type | SOCK_CLOEXEC, protocol); }

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult r;
  int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {out, err, in}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  };
  // stdin is a socket pair, not a pipe: writing to a child that closed it must give EPIPE, not a
  // SIGPIPE that would kill this whole process (send with MSG_NOSIGNAL).
  if (pipe2(out, O_CLOEXEC) != 0 || (!options.merge_stderr && pipe2(err, O_CLOEXEC) != 0) ||
      (options.input && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)) {
    r.error = std::string("cannot make pipes: ") + std::strerror(errno);
    close_all();
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (options.input) posix_spawn_file_actions_adddup2(&actions, in[1], 0);
  else posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, options.merge_stderr ? out[1] : err[1], 2);
  const pid_t pid = spawn(argv, &actions, false, options.environment, r.error);
  posix_spawn_file_actions_destroy(&actions);
  close_fd(out[1]);
  close_fd(err[1]);
  close_fd(in[1]);
  if (pid < 0) {
    close_all();
    return r;
  }

  const std::string input = options.input.value_or("");
  size_t written = 0;
  if (options.input && input.empty()) close_fd(in[0]);  // nothing to say: EOF at once
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buf[65536];
  while (out[0] >= 0 || err[0] >= 0) {
    pollfd fds[3];
    nfds_t n = 0;
    for (int fd : {out[0], err[0]})
      if (fd >= 0) fds[n++] = {fd, POLLIN, 0};
    if (in[0] >= 0) fds[n++] = {in[0], POLLOUT, 0};
    int wait_ms = -1;
    if (options.timeout.count() > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) {
        kill(pid, SIGKILL);
        r.timed_out = true;
        break;  // a grandchild may hold the pipes open: stop reading
      }
      wait_ms = static_cast<int>(std::min<long long>(left, 1000));
    }
    const int ready = poll(fds, n, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in[0]) {
        const ssize_t sent =
            send(in[0], input.data() + written, input.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent > 0) written += static_cast<size_t>(sent);
        if ((sent < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) close_fd(in[0]);
        continue;
      }
      const bool is_out = fds[i].fd == out[0];
      const ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        close_fd(is_out ? out[0] : err[0]);
        continue;
      }
      (is_out ? r.out : r.err).append(buf, static_cast<size_t>(got));
    }
  }
  close_all();
  const int status = wait_for(pid);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

ChildProcess ChildProcess::start(const std::vector<std::string>& argv, const SpawnOptions& options) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (options.log_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, options.log_path.c_str(),
                                     O_WRONLY | O_CREAT | (options.truncate_log ? O_TRUNC : O_APPEND), 0644);
  }
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string error;
  const pid_t pid = spawn(argv, &actions, options.new_session, options.environment, error, options.new_process_group);
  posix_spawn_file_actions_destroy(&actions);
  if (pid < 0) throw std::runtime_error(error);
  ChildProcess child;
  child.pid_ = pid;
  if (options.new_process_group) child.group_ = pid;
  return child;
}

ChildProcess::~ChildProcess() { stop(std::chrono::seconds(5)); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), group_(other.group_), reaped_(other.reaped_), status_(other.status_) {
  other.pid_ = -1;
  other.group_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    stop(std::chrono::seconds(5));
    pid_ = other.pid_;
    group_ = other.group_;
    reaped_ = other.reaped_;
    status_ = other.status_;
    other.pid_ = -1;
    other.group_ = -1;
  }
  return *this;
}

bool ChildProcess::is_running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  reaped_ = true;  // exited (or, r < 0, reaped by someone else: gone either way)
  if (r == pid_) status_ = status;
  return false;
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (is_running()) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!reaped_) {
      kill(pid_, SIGKILL);
      status_ = wait_for(pid_);
      reaped_ = true;
    }
  }
  kill_group();
}

bool ChildProcess::signal(int sig) { return is_running() && kill(pid_, sig) == 0; }

void ChildProcess::kill_group() {
  if (group_ <= 0) return;
  kill(-group_, SIGKILL);
  group_ = -1;
}

std::string ChildProcess::exit_status() const {
  if (pid_ <= 0 || !reaped_) return {};
  if (WIFEXITED(status_)) return "exit code " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) return "signal " + std::to_string(WTERMSIG(status_));
  return "gone";
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  // A zombie child still answers kill(0): reap it first when it is ours.
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == pid) return false;
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close_paren = line.rfind(')');
  return !(close_paren != std::string::npos && close_paren + 2 < line.size() && line[close_paren + 2] == 'Z');
}

void terminate_process(pid_t pid, std::chrono::milliseconds grace) {
  if (!process_alive(pid)) return;
  kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_alive(pid)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  for (int i = 0; i < 100 && process_alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::vector<std::string> process_cmdline(pid_t pid) { return nul_separated("/proc/" + std::to_string(pid) + "/cmdline"); }

std::vector<std::string> process_environment(pid_t pid) {
  return nul_separated("/proc/" + std::to_string(pid) + "/environ");
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace capstan::machinery
