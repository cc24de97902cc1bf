#pragma once
// What the runtime says about a pod, turned into decisions (kubelet's computePodActions, reduced
// to what Capstan needs after a restart of the agent, of the runtime or of the machine):
//   - which of a pod's sandboxes is the live one (adopted as it is), which are dead or stale
//     (removed so that their name is no longer reserved) and which attempt a new sandbox takes;
//   - per container name, the newest instance (adopted, its attempt is the restart count) and the
//     one before it (lastState);
//   - what a relist's snapshot of a pod looks like, so that a change wakes the pod's sync.
// Pure: no API, no runtime calls; tested in runtime_truth_test.cpp.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace capstan::agent {

struct RuntimeSandbox {
  std::string id;
  uint32_t attempt = 0;
  bool ready = false;
  int64_t created = 0;  // ns since the epoch
};

struct SandboxPlan {
  std::string adopt;                // the newest sandbox, ready: the pod keeps running in it
  std::string dead;                 // the newest sandbox, not ready: its containers' last states are read, then it goes
  uint32_t next_attempt = 0;        // attempt of the sandbox in use (adopt) or of the one to create
  std::vector<std::string> remove;  // older sandboxes of the pod: removed at once
};

// The sandboxes of one pod uid, in any order.
SandboxPlan plan_sandboxes(const std::vector<RuntimeSandbox>& sandboxes);

struct RuntimeContainer {
  std::string id, name;
  uint32_t attempt = 0;
  int64_t created = 0;
};

struct ContainerPick {
  std::string current, previous;  // ids; empty when none
  uint32_t attempt = 0;           // the current one's
};

// The containers of one sandbox, by container name: the newest attempt (then the newest creation)
// is current, the one before previous.
std::map<std::string, ContainerPick> pick_containers(const std::vector<RuntimeContainer>& containers);

// One pod's state in a relist: "sandbox-id=state;container-id=state;..." in a stable order. Two
// relists with the same signature need no sync.
struct RelistEntry {
  std::string id;
  int state = 0;
};
std::string relist_signature(std::vector<RelistEntry> sandboxes, std::vector<RelistEntry> containers);

}  // namespace capstan::agent
