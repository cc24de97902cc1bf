#include "job_logic.hpp"

#include <algorithm>
#include <climits>

namespace capstan::job {

namespace {

std::optional<int64_t> go_atoi(const std::string& s) {
  std::string_view d = s;
  bool neg = false;
  if (!d.empty() && (d[0] == '+' || d[0] == '-')) {
    neg = d[0] == '-';
    d = d.substr(1);
  }
  if (d.empty() || d.size() > 18) return std::nullopt;
  int64_t n = 0;
  for (char c : d) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return neg ? -n : n;
}

int phase_ordinal(const std::string& phase) {
  if (phase == "Pending") return 0;
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;  // Go's map lookup of a missing key gives 0
}

// afterOrZero: a zero time is "after" everything.
bool after_or_zero(int64_t t1, int64_t t2) {
  if (t1 == 0 || t2 == 0) return t1 == 0;
  return t1 > t2;
}

bool exit_code_matches(int32_t code, const OnExitCodes& r) {
  const bool in = std::find(r.values.begin(), r.values.end(), code) != r.values.end();
  if (r.op == "In") return in;
  if (r.op == "NotIn") return !in;
  return false;
}

const ContainerState* matching_container(const std::vector<ContainerState>& list, const OnExitCodes& r) {
  for (const auto& c : list) {
    if (!c.terminated) continue;  // still terminating: no exit code to match
    if (r.container_name && *r.container_name != c.name) continue;
    if (c.exit_code != 0 && exit_code_matches(c.exit_code, r)) return &c;
  }
  return nullptr;
}

}  // namespace

bool PodView::ready() const {
  for (const auto& c : conditions)
    if (c.type == "Ready") return c.status == "True";
  return false;
}

int64_t PodView::ready_since_ms() const {
  for (const auto& c : conditions)
    if (c.type == "Ready" && c.status == "True") return c.last_transition_ms;
  return 0;
}

int32_t PodView::max_container_restarts() const {
  int32_t m = 0;
  for (const auto& c : containers) m = std::max(m, c.restarts);
  return m;
}

int32_t PodView::total_restarts() const {
  int32_t n = 0;
  for (const auto& c : init_containers) n += c.restarts;
  for (const auto& c : containers) n += c.restarts;
  return n;
}

int parse_completion_index(const std::string& value) {
  auto v = go_atoi(value);
  if (!v || *v < 0 || *v > INT_MAX) return kUnknownIndex;
  return static_cast<int>(*v);
}

int32_t parse_failure_count(const std::string& value) {
  auto v = go_atoi(value);
  if (!v || *v < 0 || *v > INT32_MAX) return 0;
  return static_cast<int32_t>(*v);
}

bool is_active(const PodView& p) { return p.phase != "Succeeded" && p.phase != "Failed" && !p.deleting; }

bool is_terminating(const PodView& p) { return p.deleting && p.phase != "Succeeded" && p.phase != "Failed"; }

bool is_pod_failed(const PodView& p, bool only_replace_failed) {
  if (p.phase == "Failed") return true;
  if (only_replace_failed) return false;
  // Deleted pods count as failed: orphans may never reach the Failed phase.
  return p.deleting && p.phase != "Succeeded";
}

int64_t finished_time_ms(const PodView& p) {
  std::optional<int64_t> latest;
  bool all_terminated = !p.containers.empty();
  for (const auto& c : p.containers) {
    if (!c.terminated || c.finished_ms == 0) {
      all_terminated = false;
      break;
    }
    if (!latest || *latest < c.finished_ms) latest = c.finished_ms;
  }
  if (all_terminated && latest) return *latest;
  for (const auto& c : p.conditions)
    if (c.type == "Ready" && c.status == "False" && c.last_transition_ms != 0) return c.last_transition_ms;
  if (p.deleting) return p.deletion_ms - p.deletion_grace_seconds * 1000;
  return p.created_ms;
}

bool remove_before(const PodView& a, const PodView& b) {
  if (a.node_name != b.node_name && (a.node_name.empty() || b.node_name.empty())) return a.node_name.empty();
  if (phase_ordinal(a.phase) != phase_ordinal(b.phase)) return phase_ordinal(a.phase) < phase_ordinal(b.phase);
  if (a.ready() != b.ready()) return !a.ready();
  if (a.ready() && b.ready() && a.ready_since_ms() != b.ready_since_ms())
    return after_or_zero(a.ready_since_ms(), b.ready_since_ms());
  if (a.max_container_restarts() != b.max_container_restarts())
    return a.max_container_restarts() > b.max_container_restarts();
  if (a.created_ms != b.created_ms) return after_or_zero(a.created_ms, b.created_ms);
  return false;
}

// ---- intervals

OrderedIntervals OrderedIntervals::parse(const std::string& s, int completions) {
  std::vector<Interval> out;
  if (s.empty()) return OrderedIntervals();
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    const std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t dash = part.find('-');
    auto first = go_atoi(part.substr(0, dash));
    bool ok = first.has_value();
    Interval iv{0, 0};
    if (ok) {
      if (*first >= completions) break;
      iv.first = static_cast<int>(*first);
      if (dash != std::string::npos) {
        // Go splits on every '-'; only the first two parts are read.
        const size_t dash2 = part.find('-', dash + 1);
        auto last = go_atoi(part.substr(dash + 1, dash2 == std::string::npos ? std::string::npos : dash2 - dash - 1));
        if (!last) ok = false;
        else iv.last = static_cast<int>(std::min<int64_t>(*last, completions - 1));
      } else {
        iv.last = iv.first;
      }
    }
    if (ok) {
      if (!out.empty() && out.back().last == iv.first - 1) out.back().last = iv.last;
      else out.push_back(iv);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return OrderedIntervals(std::move(out));
}

OrderedIntervals OrderedIntervals::merge(const OrderedIntervals& other) const {
  std::vector<Interval> result;
  auto append = [&](const Interval& iv) {
    if (result.empty() || iv.first > result.back().last + 1) result.push_back(iv);
    else if (result.back().last < iv.last) result.back().last = iv.last;
  };
  size_t i = 0, j = 0;
  const auto& a = v_;
  const auto& b = other.v_;
  while (i < a.size() && j < b.size()) {
    if (a[i].first < b[j].first) append(a[i++]);
    else append(b[j++]);
  }
  while (i < a.size()) append(a[i++]);
  while (j < b.size()) append(b[j++]);
  return OrderedIntervals(std::move(result));
}

OrderedIntervals OrderedIntervals::with_ordered_indexes(const std::vector<int>& indexes) const {
  std::vector<Interval> single;
  single.reserve(indexes.size());
  for (int ix : indexes) single.push_back({ix, ix});
  return merge(OrderedIntervals(std::move(single)));
}

int OrderedIntervals::total() const {
  int n = 0;
  for (const auto& iv : v_) n += iv.last - iv.first + 1;
  return n;
}

bool OrderedIntervals::has(int ix) const {
  auto it = std::lower_bound(v_.begin(), v_.end(), ix, [](const Interval& iv, int x) { return iv.last < x; });
  return it != v_.end() && it->first <= ix;
}

std::string OrderedIntervals::to_string() const {
  std::string out;
  for (const auto& iv : v_) {
    if (!out.empty()) out += ',';
    out += std::to_string(iv.first);
    if (iv.last > iv.first) {
      out += iv.last == iv.first + 1 ? ',' : '-';
      out += std::to_string(iv.last);
    }
  }
  return out;
}

std::vector<int> first_pending_indexes(const OrderedIntervals& taken, int count, int completions) {
  std::vector<int> result;
  if (count <= 0) return result;
  int candidate = 0;
  for (const auto& iv : taken.intervals()) {
    for (; candidate < completions && static_cast<int>(result.size()) < count && candidate < iv.first; ++candidate)
      result.push_back(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && static_cast<int>(result.size()) < count; ++candidate) result.push_back(candidate);
  return result;
}

std::string pod_generate_name_with_index(const std::string& job_name, int index) {
  // names.MaxGeneratedNameLength: 63 minus the 5 random characters.
  const size_t max_len = 58;
  const std::string append = "-" + std::to_string(index) + "-";
  std::string prefix = job_name + append;
  if (prefix.size() > max_len) prefix = prefix.substr(0, max_len - append.size()) + append;
  return prefix;
}

// ---- policies

PolicyMatch match_pod_failure_policy(const std::vector<PodFailurePolicyRule>* rules, const PodView& pod,
                                     const std::string& ns) {
  PolicyMatch m;
  if (!rules) return m;
  for (size_t index = 0; index < rules->size(); ++index) {
    const auto& rule = (*rules)[index];
    std::string subject;
    bool matched = false;
    if (rule.on_exit_codes) {
      const ContainerState* c = matching_container(pod.containers, *rule.on_exit_codes);
      if (!c) c = matching_container(pod.init_containers, *rule.on_exit_codes);
      if (c) {
        matched = true;
        subject = "Container " + c->name + " for pod " + ns + "/" + pod.name + " failed with exit code " +
                  std::to_string(c->exit_code);
      }
    } else if (!rule.on_pod_conditions.empty()) {
      for (const auto& cond : pod.conditions) {
        for (const auto& pattern : rule.on_pod_conditions) {
          if (!matched && cond.type == pattern.type && cond.status == pattern.status) {
            matched = true;
            subject = "Pod " + ns + "/" + pod.name + " has condition " + cond.type;
          }
        }
        if (matched) break;
      }
    }
    if (!matched) continue;
    if (rule.action == "Ignore") return {std::nullopt, false, rule.action};
    if (rule.action == "FailIndex" || rule.action == "Count") return {std::nullopt, true, rule.action};
    if (rule.action == "FailJob") {
      return {subject + " matching FailJob rule at index " + std::to_string(index), true, rule.action};
    }
    // An unknown action: the rule is skipped.
  }
  return m;
}

namespace {

bool match_succeeded_indexes_rule(const OrderedIntervals& rule, const OrderedIntervals& succeeded,
                                  std::optional<int32_t> count) {
  int contains = 0;
  size_t s = 0, r = 0;
  const auto& ri = rule.intervals();
  const auto& si = succeeded.intervals();
  while (r < ri.size() && s < si.size()) {
    const int overlap = std::min(ri[r].last, si[s].last) - std::max(ri[r].first, si[s].first) + 1;
    if (overlap > 0) contains += overlap;
    if (si[s].last < ri[r].last) ++s;
    else if (si[s].last > ri[r].last) ++r;
    else {
      ++s;
      ++r;
    }
  }
  return contains == rule.total() || (count && contains >= *count);
}

}  // namespace

std::optional<std::string> match_success_policy(const std::vector<SuccessPolicyRule>& rules, int completions,
                                                const OrderedIntervals& succeeded) {
  if (succeeded.empty()) return std::nullopt;
  for (size_t index = 0; index < rules.size(); ++index) {
    const auto& rule = rules[index];
    if (rule.succeeded_indexes) {
      auto required = OrderedIntervals::parse(*rule.succeeded_indexes, completions);
      if (required.empty()) continue;  // unparseable
      if (match_succeeded_indexes_rule(required, succeeded, rule.succeeded_count))
        return "Matched rules at index " + std::to_string(index);
    } else if (rule.succeeded_count && succeeded.total() >= *rule.succeeded_count) {
      return "Matched rules at index " + std::to_string(index);
    }
  }
  return std::nullopt;
}

// ---- back-off

BackoffRecord next_backoff_record(BackoffRecord backoff, const std::vector<const PodView*>& new_succeeded,
                                  const std::vector<const PodView*>& new_failed) {
  auto by_finish = [](std::vector<const PodView*> v) {
    std::stable_sort(v.begin(), v.end(),
                     [](const PodView* a, const PodView* b) { return finished_time_ms(*a) < finished_time_ms(*b); });
    return v;
  };
  auto succeeded = by_finish(new_succeeded);
  auto failed = by_finish(new_failed);
  if (succeeded.empty()) {
    if (failed.empty()) return backoff;
    backoff.failures_after_last_success += static_cast<int32_t>(failed.size());
    backoff.last_failure_ms = finished_time_ms(*failed.back());
    return backoff;
  }
  backoff.failures_after_last_success = 0;
  backoff.last_failure_ms.reset();
  if (failed.empty()) return backoff;
  const int64_t last_success = finished_time_ms(*succeeded.back());
  for (size_t i = failed.size(); i-- > 0;) {
    const int64_t t = finished_time_ms(*failed[i]);
    if (t <= last_success) break;
    if (!backoff.last_failure_ms) backoff.last_failure_ms = t;
    backoff.failures_after_last_success += 1;
  }
  return backoff;
}

int64_t backoff_remaining_ms(int64_t now_ms, int32_t failures, std::optional<int64_t> last_failure_ms, int64_t base_ms,
                             int64_t max_ms) {
  if (failures == 0 || !last_failure_ms) return 0;
  int64_t backoff = base_ms;
  for (int32_t i = 1; i < failures; ++i) {
    backoff *= 2;
    if (backoff >= max_ms) {
      backoff = max_ms;
      break;
    }
  }
  const int64_t elapsed = now_ms - *last_failure_ms;
  if (backoff < elapsed) return 0;
  return backoff - elapsed;
}

BackoffRecord BackoffStore::get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = records_.find(key);
  return it == records_.end() ? BackoffRecord{} : it->second;
}

void BackoffStore::update(const std::string& key, const BackoffRecord& r) {
  std::lock_guard lock(mu_);
  records_[key] = r;
}

void BackoffStore::remove(const std::string& key) {
  std::lock_guard lock(mu_);
  records_.erase(key);
}

std::set<std::string> FinalizerExpectations::expected(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = uids_.find(key);
  return it == uids_.end() ? std::set<std::string>{} : it->second;
}

void FinalizerExpectations::expect_removed(const std::string& key, const std::vector<std::string>& uids) {
  std::lock_guard lock(mu_);
  auto& set = uids_[key];
  set.insert(uids.begin(), uids.end());
}

void FinalizerExpectations::observed(const std::string& key, const std::string& uid) {
  std::lock_guard lock(mu_);
  auto it = uids_.find(key);
  if (it == uids_.end()) return;
  it->second.erase(uid);
  if (it->second.empty()) uids_.erase(it);
}

void FinalizerExpectations::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  uids_.erase(key);
}

// ---- conditions

JobCondition* find_condition(std::vector<JobCondition>& list, const std::string& type) {
  for (auto& c : list)
    if (c.type == type) return &c;
  return nullptr;
}

const JobCondition* find_condition(const std::vector<JobCondition>& list, const std::string& type) {
  for (const auto& c : list)
    if (c.type == type) return &c;
  return nullptr;
}

bool condition_true(const std::vector<JobCondition>& list, const std::string& type) {
  auto* c = find_condition(list, type);
  return c && c->status == "True";
}

JobCondition new_condition(const std::string& type, const std::string& status, const std::string& reason,
                           const std::string& message, int64_t now_ms) {
  return {type, status, now_ms, now_ms, reason, message};
}

bool ensure_condition(std::vector<JobCondition>& list, const std::string& type, const std::string& status,
                      const std::string& reason, const std::string& message, int64_t now_ms) {
  if (auto* c = find_condition(list, type)) {
    if (c->status != status || c->reason != reason || c->message != message) {
      *c = new_condition(type, status, reason, message, now_ms);
      return true;
    }
    return false;
  }
  if (status != "False") {
    list.push_back(new_condition(type, status, reason, message, now_ms));
    return true;
  }
  return false;
}

bool past_backoff_limit_on_failure(const std::vector<const PodView*>& pods, const std::string& restart_policy,
                                   int32_t backoff_limit) {
  if (restart_policy != "OnFailure") return false;
  int64_t restarts = 0;
  for (const auto* p : pods)
    if (p->phase == "Running" || p->phase == "Pending") restarts += p->total_restarts();
  if (backoff_limit == 0) return restarts > 0;
  return restarts >= backoff_limit;
}

std::vector<const PodView*> active_pods_for_removal(bool indexed, int completions, std::vector<const PodView*> active,
                                                    int at_least) {
  std::vector<const PodView*> rm, left;
  auto order = [](const PodView* a, const PodView* b) { return remove_before(*a, *b); };
  if (indexed) {
    std::stable_sort(active.begin(), active.end(),
                     [](const PodView* a, const PodView* b) { return a->completion_index < b->completion_index; });
    size_t i = 0;
    while (i < active.size()) {
      const int ix = active[i]->completion_index;
      if (ix >= completions) {
        rm.insert(rm.end(), active.begin() + static_cast<long>(i), active.end());
        break;
      }
      size_t j = i;
      while (j < active.size() && active[j]->completion_index == ix) ++j;
      std::vector<const PodView*> same(active.begin() + static_cast<long>(i), active.begin() + static_cast<long>(j));
      if (ix == kUnknownIndex) {
        rm.insert(rm.end(), same.begin(), same.end());
      } else if (same.size() == 1) {
        left.push_back(same[0]);
      } else {
        // Keep the pod furthest along; remove the others.
        std::stable_sort(same.begin(), same.end(), order);
        rm.insert(rm.end(), same.begin(), same.end() - 1);
        left.push_back(same.back());
      }
      i = j;
    }
  } else {
    left = std::move(active);
  }
  if (static_cast<int>(rm.size()) < at_least) {
    std::stable_sort(left.begin(), left.end(), order);
    const size_t more = std::min(left.size(), static_cast<size_t>(at_least) - rm.size());
    rm.insert(rm.end(), left.begin(), left.begin() + static_cast<long>(more));
  }
  return rm;
}

}  // namespace capstan::job
