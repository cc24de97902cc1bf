#pragma once
// Container probes as kubelet runs them (pkg/kubelet/prober): the result bookkeeping with
// success/failure thresholds, and the network probers — an HTTP GET over a plain TCP socket and
// a TCP connect — with kubelet's messages. Exec probes go through the runtime (ExecSync) in the
// agent. Before any connection the destination is checked against the node's routes: an
// address that would leave through the default route is refused, never dialled.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace capstan::agent {

enum class ProbeKind { kLiveness, kReadiness, kStartup };
const char* probe_name(ProbeKind kind);  // "Liveness", "Readiness", "Startup"

struct ProbeTiming {
  int initial_delay = 0;      // seconds
  int period = 10;
  int timeout = 1;
  int success_threshold = 1;
  int failure_threshold = 3;
};

// The visible result of one probe of one container instance.
class ProbeTracker {
 public:
  enum class Result { kUnknown, kSuccess, kFailure };
  ProbeTracker(ProbeKind kind, ProbeTiming timing);
  // Records one probe outcome; returns true when the visible result changed.
  bool record(bool success);
  Result result() const { return result_; }
  ProbeKind kind() const { return kind_; }
  const ProbeTiming& timing() const { return timing_; }
  // After a liveness/startup failure has been acted on (container killed) the count restarts.
  void reset_run() { run_ = 0; }

 private:
  ProbeKind kind_;
  ProbeTiming timing_;
  Result result_;
  Result last_ = Result::kUnknown;
  int run_ = 0;
};

struct ProbeOutcome {
  bool success = false;
  std::string message;  // kubelet's words for a failure (or a warning on success)
};

// GET http://host:port/path with headers; 200-399 is success. Header "Host" overrides the host.
ProbeOutcome http_probe(const std::string& host, int port, const std::string& path,
                        const std::vector<std::pair<std::string, std::string>>& headers, int timeout_seconds,
                        const std::string& scheme = "HTTP");
ProbeOutcome tcp_probe(const std::string& host, int port, int timeout_seconds);

// Whether connecting to `ipv4` stays on this machine or on a network it has a specific route for
// (not the default route). Non-IPv4 text is refused.
bool destination_is_local(const std::string& ipv4);

// Parses an HTTP/1.x status line ("HTTP/1.1 200 OK"); -1 when malformed.
int parse_status_line(const std::string& line);

}  // namespace capstan::agent
