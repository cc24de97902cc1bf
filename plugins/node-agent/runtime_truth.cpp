#include "runtime_truth.hpp"

#include <algorithm>
#include <tuple>

namespace capstan::agent {

SandboxPlan plan_sandboxes(const std::vector<RuntimeSandbox>& sandboxes) {
  SandboxPlan plan;
  if (sandboxes.empty()) return plan;
  std::vector<const RuntimeSandbox*> sorted;
  for (const auto& s : sandboxes) sorted.push_back(&s);
  // Newest first: the highest attempt, then the latest creation (two sandboxes of one attempt only
  // exist when a runtime lost track of one; the older is stale).
  std::sort(sorted.begin(), sorted.end(), [](const RuntimeSandbox* a, const RuntimeSandbox* b) {
    return std::tie(a->attempt, a->created, a->id) > std::tie(b->attempt, b->created, b->id);
  });
  const RuntimeSandbox& newest = *sorted.front();
  if (newest.ready) {
    plan.adopt = newest.id;
    plan.next_attempt = newest.attempt;
  } else {
    plan.dead = newest.id;
    plan.next_attempt = newest.attempt + 1;
  }
  for (size_t i = 1; i < sorted.size(); ++i) plan.remove.push_back(sorted[i]->id);
  return plan;
}

std::map<std::string, ContainerPick> pick_containers(const std::vector<RuntimeContainer>& containers) {
  std::map<std::string, std::vector<const RuntimeContainer*>> by_name;
  for (const auto& c : containers) by_name[c.name].push_back(&c);
  std::map<std::string, ContainerPick> out;
  for (auto& [name, list] : by_name) {
    std::sort(list.begin(), list.end(), [](const RuntimeContainer* a, const RuntimeContainer* b) {
      return std::tie(a->attempt, a->created, a->id) > std::tie(b->attempt, b->created, b->id);
    });
    ContainerPick& p = out[name];
    p.current = list[0]->id;
    p.attempt = list[0]->attempt;
    if (list.size() > 1) p.previous = list[1]->id;
  }
  return out;
}

std::string relist_signature(std::vector<RelistEntry> sandboxes, std::vector<RelistEntry> containers) {
  auto by_id = [](const RelistEntry& a, const RelistEntry& b) { return a.id < b.id; };
  std::sort(sandboxes.begin(), sandboxes.end(), by_id);
  std::sort(containers.begin(), containers.end(), by_id);
  std::string sig;
  for (const auto& s : sandboxes) sig += "s" + s.id + "=" + std::to_string(s.state) + ";";
  for (const auto& c : containers) sig += "c" + c.id + "=" + std::to_string(c.state) + ";";
  return sig;
}

}  // namespace capstan::agent
