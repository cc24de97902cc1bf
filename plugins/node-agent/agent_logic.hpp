#pragma once
// The node agent's pure decisions, kept apart from the API and the runtime so they can be tested:
// the restart back-off schedule, whether an exited container restarts, and the pod phase.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace capstan::agent {

// Delay before the next restart of a container that already restarted `restarts` times:
// 10 s, 20 s, 40 s, ... capped at 5 minutes (kubelet's crash-loop back-off).
std::chrono::seconds restart_backoff(int restarts);

// Wait before restarting a container that exited, after `crash_restarts` earlier restarts after
// exits: none before the first (kubelet's back-off has no entry for the container yet), then
// restart_backoff(crash_restarts - 1): 10 s, 20 s, ... 5 minutes.
std::chrono::seconds crash_backoff(int crash_restarts);

// Whether a container that exited with `exit_code` runs again under restartPolicy
// ("Always" or empty, "OnFailure", "Never").
bool should_restart(const std::string& restart_policy, int exit_code);

struct ContainerView {
  enum class State { kWaiting, kRunning, kTerminated, kBackOff } state = State::kWaiting;
  int exit_code = 0;  // for kTerminated
};

// The pod phase from its containers (as kubelet's getPhase):
//  - an init container failed for good (restartPolicy Never) -> Failed;
//  - init containers not all succeeded, or an app container not yet started -> Pending;
//  - some app container running or restarting -> Running;
//  - all terminated: Never -> Failed if any failed else Succeeded; OnFailure -> Succeeded if all
//    succeeded (else they restart: Running); Always -> Running.
std::string pod_phase(const std::string& restart_policy, const std::vector<ContainerView>& init,
                      const std::vector<ContainerView>& app);


}  // namespace capstan::agent
