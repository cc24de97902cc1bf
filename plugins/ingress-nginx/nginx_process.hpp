#pragma once
// This node's nginx: its own prefix directory under the data dir (nginx.conf, nginx.pid, logs/,
// tmp/, certs/), every configuration checked with `nginx -t` before it is used, a graceful reload
// (SIGHUP to the master) only when the configuration changed, and supervision: a master that died
// is started again with the last good configuration.
//
// A reload is confirmed by asking the new workers: the configuration hash is served on a loopback
// status port, and `apply` waits until it answers with the new one.

#include <chrono>
#include <mutex>
#include <string>

#include "capstan/machinery/process.hpp"

namespace capstan::ingress {

class NginxProcess {
 public:
  NginxProcess(std::string binary, std::string dir);
  ~NginxProcess();

  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/nginx.conf"; }

  // Creates the directory layout (tmp/ owned by nobody when running as root) and stops an nginx
  // left running by a previous run of this plugin (found through the pid file).
  void prepare(bool chown_tmp_to_nobody);

  struct TestResult {
    bool ok = false;
    std::string output;
    int error_line = 0;  // the line `nginx -t` complains about, when it names one in `path`
  };
  // `nginx -t` on a candidate file.
  TestResult test(const std::string& path) const;

  // Installs a tested candidate as nginx.conf and starts nginx, or reloads it. Waits up to
  // `timeout` until the status port serves `hash`; false (with `error`) otherwise.
  bool apply(const std::string& candidate_path, const std::string& hash, int status_port,
             std::chrono::milliseconds timeout, std::string& error);

  // Restarts nginx with the installed configuration if the master exited. Returns true when it
  // had to (the caller reports it).
  bool supervise(std::string& what_happened);

  bool running();
  pid_t pid();  // -1 when the master is not running
  void stop();
  uint64_t reloads() const { return reloads_; }
  uint64_t restarts() const { return restarts_; }
  std::string error_log_tail(size_t lines = 5) const;

 private:
  void start_master();
  std::string exit_reason() const;  // "exit code 1", "signal 9", or why it could not start
  bool wait_for_hash(int status_port, const std::string& hash, std::chrono::milliseconds timeout) const;

  const std::string binary_, dir_;
  // The master leads a process group of its own: workers left by a master that was killed are
  // stopped with it (kill_group) before the next master binds the same ports.
  machinery::ChildProcess child_;
  std::string start_error_;  // why the last start failed (nginx could not be run at all)
  std::mutex mu_;
  uint64_t reloads_ = 0, restarts_ = 0;
  std::chrono::steady_clock::time_point last_start_{};
  std::chrono::milliseconds restart_delay_{500};
};

// A GET on 127.0.0.1:port; returns the body of a 200 answer, or "" (loopback only, 1 s timeout).
std::string http_get_loopback(int port, const std::string& path);

// Whether `address:port` can be bound right now (TCP).
bool port_is_free(const std::string& address, int port);
// A free loopback TCP port.
int pick_free_loopback_port();

}  // namespace capstan::ingress
