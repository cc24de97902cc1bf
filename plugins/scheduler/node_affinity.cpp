#include "policies.hpp"

#include <algorithm>

namespace capstan::scheduler {

bool term_matches(const NodeSelectorTerm& term, const NodeInfo& node) {
  return sdk::scheduling::term_matches(term, node.labels, node.name);
}

Status NodeAffinity::filter(const PodInfo& pod, const NodeInfo& node) const {
  for (const auto& [k, v] : pod.node_selector) {
    auto it = node.labels.find(k);
    if (it == node.labels.end() || it->second != v) return Status::unresolvable(kErrReasonAffinity);
  }
  if (pod.has_required_affinity) {
    bool any = false;
    for (const auto& term : pod.required_terms) {
      if (term_matches(term, node)) {
        any = true;
        break;
      }
    }
    if (!any) return Status::unresolvable(kErrReasonAffinity);
  }
  return Status::success();
}

int64_t NodeAffinity::score(const PodInfo& pod, const NodeInfo& node) const {
  int64_t sum = 0;
  for (const auto& p : pod.preferred_terms)
    if (p.weight != 0 && term_matches(p.term, node)) sum += p.weight;
  return sum;
}

void NodeAffinity::normalize(const PodInfo&, std::vector<int64_t>& scores) const {
  // DefaultNormalizeScore: the best node gets 100.
  int64_t max = 0;
  for (auto s : scores) max = std::max(max, s);
  if (max == 0) return;
  for (auto& s : scores) s = s * kMaxNodeScore / max;
}

}  // namespace capstan::scheduler
