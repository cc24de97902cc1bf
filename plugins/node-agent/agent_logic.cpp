#include "agent_logic.hpp"

#include <cstdio>
#include <ctime>

namespace capstan::agent {

std::chrono::seconds restart_backoff(int restarts) {
  int64_t s = 10;
  for (int i = 0; i < restarts && s < 300; ++i) s *= 2;
  return std::chrono::seconds(s < 300 ? s : 300);
}

std::chrono::seconds crash_backoff(int crash_restarts) {
  return crash_restarts <= 0 ? std::chrono::seconds(0) : restart_backoff(crash_restarts - 1);
}

bool should_restart(const std::string& policy, int exit_code) {
  if (policy == "Never") return false;
  if (policy == "OnFailure") return exit_code != 0;
  return true;  // Always (the default)
}

std::string pod_phase(const std::string& policy, const std::vector<ContainerView>& init,
                      const std::vector<ContainerView>& app) {
  using S = ContainerView::State;
  for (const auto& c : init) {
    if (c.state == S::kTerminated && c.exit_code != 0 && policy == "Never") return "Failed";
    if (!(c.state == S::kTerminated && c.exit_code == 0)) return "Pending";
  }
  int waiting = 0, running = 0, succeeded = 0, failed = 0;
  for (const auto& c : app) {
    switch (c.state) {
      case S::kWaiting: ++waiting; break;
      case S::kRunning:
      case S::kBackOff: ++running; break;
      case S::kTerminated: (c.exit_code == 0 ? succeeded : failed)++; break;
    }
  }
  if (app.empty() || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (policy == "Never") return failed > 0 ? "Failed" : "Succeeded";
  if (policy == "OnFailure") return failed > 0 ? "Running" : "Succeeded";
  return "Running";
}

}  // namespace capstan::agent
