#include "nginx_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace capstan::ingress {

namespace fs = std::filesystem;

NginxProcess::NginxProcess(std::string binary, std::string dir) : binary_(std::move(binary)), dir_(std::move(dir)) {}

NginxProcess::~NginxProcess() { stop(); }

void NginxProcess::prepare(bool chown_tmp_to_nobody) {
  fs::create_directories(dir_ + "/logs");
  fs::create_directories(dir_ + "/certs");
  fs::permissions(dir_ + "/certs", fs::perms::owner_all, fs::perm_options::replace);
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    const std::string p = dir_ + "/tmp/" + t;
    fs::create_directories(p);
    if (chown_tmp_to_nobody) {
      if (passwd* pw = getpwnam("nobody")) {
        if (chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
          // Workers then fail to buffer large bodies to disk; nginx reports it in its log.
        }
      }
    }
  }
  // An nginx master left by a run of Capstan that was killed: recognised by its pid file and its
  // command line naming this prefix.
  std::ifstream in(dir_ + "/nginx.pid");
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return;
  std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
  std::stringstream ss;
  ss << cmd.rdbuf();
  if (ss.str().find(dir_) == std::string::npos) return;
  // process_alive, not kill(pid, 0): the master's parent died with that run, so once it exits it
  // stays a zombie until init reaps it, and kill(pid, 0) would keep saying "alive" until then
  // (measured: 2 s more of start-up after a kill -9 of capstan up).
  machinery::terminate_process(pid, std::chrono::seconds(5));
}

NginxProcess::TestResult NginxProcess::test(const std::string& path) const {
  TestResult r;
  machinery::RunOptions options;
  options.timeout = std::chrono::seconds(30);
  options.merge_stderr = true;
  auto res = machinery::run({binary_, "-t", "-q", "-p", dir_ + "/", "-e", dir_ + "/logs/error.log", "-c", path}, options);
  r.ok = res.ok();
  r.output = res.error.empty() ? res.out : res.error;
  if (res.timed_out) r.output += "nginx -t timed out";
  // "... in /path/nginx.conf.new:123"
  std::smatch m;
  const std::regex line_re(std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") + ":([0-9]+)");
  if (std::regex_search(r.output, m, line_re)) r.error_line = std::stoi(m[1]);
  return r;
}

void NginxProcess::start_master() {
  machinery::SpawnOptions options;
  options.log_path = dir_ + "/logs/nginx.out";
  options.new_process_group = true;
  last_start_ = std::chrono::steady_clock::now();
  start_error_.clear();
  try {
    child_ = machinery::ChildProcess::start(
        {binary_, "-p", dir_ + "/", "-e", dir_ + "/logs/error.log", "-c", config_path(), "-g", "daemon off;"}, options);
  } catch (const std::exception& e) {
    start_error_ = e.what();  // supervise() tries again after its back-off
  }
}

std::string NginxProcess::exit_reason() const {
  if (!start_error_.empty()) return start_error_;
  const std::string status = child_.exit_status();
  return status.empty() ? "not running" : status;
}

bool NginxProcess::running() {
  std::lock_guard lock(mu_);
  return child_.is_running();
}

pid_t NginxProcess::pid() {
  std::lock_guard lock(mu_);
  return child_.is_running() ? child_.pid() : -1;
}

bool NginxProcess::apply(const std::string& candidate_path, const std::string& hash, int status_port,
                         std::chrono::milliseconds timeout, std::string& error) {
  std::lock_guard lock(mu_);
  fs::rename(candidate_path, config_path());
  if (!child_.is_running()) {
    child_.kill_group();
    start_master();
  } else {
    child_.signal(SIGHUP);
    ++reloads_;
  }
  if (status_port <= 0) return true;
  if (wait_for_hash(status_port, hash, timeout)) return true;
  if (!child_.is_running())
    error = "nginx exited (" + exit_reason() + "): " + error_log_tail(3);
  else
    error = "nginx did not load the new configuration within " + std::to_string(timeout.count()) + " ms: " + error_log_tail(3);
  return false;
}

bool NginxProcess::supervise(std::string& what) {
  std::lock_guard lock(mu_);
  if (child_.is_running()) return false;
  if (!fs::exists(config_path())) return false;
  // A master that keeps dying (a port taken by someone else...) is restarted with a back-off:
  // 1 s after a run that lasted, then doubling up to 30 s while each run is short.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_start_ < restart_delay_) return false;
  restart_delay_ = (now - last_start_ > std::chrono::seconds(30) + restart_delay_)
                       ? std::chrono::milliseconds(1000)
                       : std::min<std::chrono::milliseconds>(restart_delay_ * 2, std::chrono::seconds(30));
  what = child_.pid() > 0 || !start_error_.empty() ? "nginx exited (" + exit_reason() + ")" : "nginx was not running";
  // Workers of a master that was killed keep running (and keep the ports): they go first.
  child_.kill_group();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  start_master();
  ++restarts_;
  return true;
}

void NginxProcess::stop() {
  std::lock_guard lock(mu_);
  // SIGQUIT is nginx's graceful shutdown; the TERM/KILL of stop() follow if it takes too long.
  if (child_.signal(SIGQUIT))
    for (int i = 0; i < 100 && child_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  child_.stop(std::chrono::seconds(3));  // and what is left of its process group
}

std::string NginxProcess::error_log_tail(size_t lines) const {
  std::ifstream in(dir_ + "/logs/error.log");
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) {
    all.push_back(l);
    if (all.size() > 200) all.erase(all.begin());
  }
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += (out.empty() ? "" : " | ") + all[i];
  return out;
}

bool NginxProcess::wait_for_hash(int status_port, const std::string& hash, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_get_loopback(status_port, "/configuration-hash") == hash) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string http_get_loopback(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string body;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      std::string resp;
      char buf[1024];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<size_t>(n));
      if (resp.rfind("HTTP/1.1 200", 0) == 0 || resp.rfind("HTTP/1.0 200", 0) == 0) {
        auto pos = resp.find("\r\n\r\n");
        if (pos != std::string::npos) body = resp.substr(pos + 4);
      }
    }
  }
  close(fd);
  return body;
}

bool port_is_free(const std::string& address, int port) {
  const bool v6 = address.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = false;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    ok = inet_pton(AF_INET6, address.c_str(), &a.sin6_addr) == 1 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ok = inet_pton(AF_INET, address.c_str(), &a.sin_addr) == 1 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  close(fd);
  return ok;
}

int pick_free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

}  // namespace capstan::ingress
