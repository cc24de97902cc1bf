#pragma once
// The simulated container runtime behind capstan.runtime.v1/sim: pod sandboxes and containers
// held in memory. A container "runs" from StartContainer until StopContainer, except:
//   - an image whose name contains "crash" exits with code 1 one second after it started;
//   - a command/args of the form `sleep N` exits with code 0 after N seconds;
//   - a `sh -c SCRIPT` that never blocks (no sleep, while, exec, tail, nc, httpd) exits after
//     100 ms with the status the simulated shell gives it (sim_shell.hpp), e.g. `exit 3`.
// StartContainer appends the command's echo output (or one line saying it started) to the
// container's CRI log file <sandbox logDirectory>/<logPath> when both are set, so logs work.
// ExecSync runs the simulated shell; Exec/Attach answer `sim://exec/<id>` / `sim://attach/<id>`
// (no stream server: callers run the command through ExecSync). Images: every image is present
// except names containing "missing" or "nonexistent"; pulling one containing "nonexistent" or
// "doesnotexist" fails as a registry's "not found" would.
// Exits are computed lazily from the clock when a status or list is asked for: no threads,
// no timers, a few hundred bytes per container, so one process holds thousands of pods.
// Thread-safe: every request takes one mutex.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace capstan::runtime_sim {

class SimRuntime {
 public:
  using Clock = std::function<int64_t()>;  // nanoseconds since the epoch
  explicit SimRuntime(Clock clock = {});

  // Serves one serialized capstan.runtime.v1.RuntimeRequest; returns a serialized RuntimeResponse.
  // Malformed requests answer with an error, never throw.
  std::string handle(const std::string& request);

  size_t sandbox_count() const;

  // For tests of what runs above the runtime. A power cut: every sandbox not ready, every
  // container exited (255, "Unknown"), as containerd reports them after the machine restarted.
  void simulate_node_crash();
  // A container killed behind the agent's back (kill -9 of its process): exited 137.
  void simulate_container_death(const std::string& id);
  size_t container_count() const;

  static constexpr int64_t kCrashDelayNs = 1'000'000'000;

 private:
  struct KV { std::string key, value; };
  struct Sandbox {
    std::string id, name, uid, ns;
    uint32_t attempt = 0;
    bool ready = true;
    int64_t created = 0;
    std::string ip;
    uint32_t ip_index = 0;
    std::vector<KV> labels, annotations;
    std::string log_dir;
  };
  struct Container {
    std::string id, sandbox, name, image, log_path;
    uint32_t attempt = 0;
    int state = 0;  // runtime::v1::ContainerState
    int64_t created = 0, started = 0, finished = 0;
    int32_t exit_code = 0;
    std::string reason, message;
    int64_t run_for_ns = -1;  // exits by itself after this long (-1: runs until stopped)
    int32_t natural_exit = 0;
    std::vector<KV> labels, annotations;
    std::vector<std::string> argv;
    std::vector<std::pair<std::string, std::string>> envs;
  };
  void write_log(const Container& c, const std::vector<std::string>& lines, int64_t now);

  void advance(Container& c, int64_t now);  // applies a due natural exit
  std::string new_id();
  std::string allocate_ip(uint32_t& index);

  Clock clock_;
  mutable std::mutex mu_;
  std::map<std::string, Sandbox> sandboxes_;
  std::map<std::string, Container> containers_;
  uint64_t next_id_ = 1;
  uint32_t next_ip_ = 0;
  std::vector<uint32_t> free_ips_;
  std::set<std::string> pulled_;
};

}  // namespace capstan::runtime_sim
