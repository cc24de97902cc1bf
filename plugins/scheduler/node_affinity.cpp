#include "policies.hpp"

#include <algorithm>
#include <charconv>

namespace capstan::scheduler {
namespace {

bool parse_int(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// One requirement against a value that may be absent (label or field).
bool requirement_matches(const Requirement& r, const std::string* value) {
  using Op = Requirement::Op;
  switch (r.op) {
    case Op::kIn:
      return value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    case Op::kNotIn:
      return !value || std::find(r.values.begin(), r.values.end(), *value) == r.values.end();
    case Op::kExists:
      return value != nullptr;
    case Op::kDoesNotExist:
      return value == nullptr;
    case Op::kGt:
    case Op::kLt: {
      int64_t have = 0, want = 0;
      if (!value || r.values.size() != 1 || !parse_int(*value, have) || !parse_int(r.values[0], want)) return false;
      return r.op == Op::kGt ? have > want : have < want;
    }
    case Op::kInvalid:
      return false;
  }
  return false;
}

}  // namespace

bool term_matches(const NodeSelectorTerm& term, const NodeInfo& node) {
  // An empty term matches no objects (NodeSelectorTerm semantics).
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (const auto& r : term.match_expressions) {
    auto it = node.labels.find(r.key);
    if (!requirement_matches(r, it == node.labels.end() ? nullptr : &it->second)) return false;
  }
  for (const auto& r : term.match_fields) {
    if (r.key != "metadata.name") return false;
    if (!requirement_matches(r, &node.name)) return false;
  }
  return true;
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
