// The Job controller's pure logic: completion-index intervals, pending indexes and pod names,
// the pod-failure back-off, pod failure and success policies, which pods go first, and condition
// bookkeeping (cases after upstream's indexed_job_utils_test.go, backoff_utils_test.go,
// pod_failure_policy_test.go and success_policy_test.go).
#include "job_logic.hpp"

#include <gtest/gtest.h>

namespace capstan::job {
namespace {

TEST(JobLogic, IntervalsParseAndPrintInCompressedForm) {
  EXPECT_EQ(OrderedIntervals::parse("", 10).to_string(), "");
  EXPECT_EQ(OrderedIntervals::parse("1,3-5,7", 10).to_string(), "1,3-5,7");
  EXPECT_EQ(OrderedIntervals::parse("1,3-5,7", 10).total(), 5);
  // Adjacent intervals merge; indexes beyond completions are dropped or clipped.
  EXPECT_EQ(OrderedIntervals::parse("0,1,2-3", 10).to_string(), "0-3");
  EXPECT_EQ(OrderedIntervals::parse("1,3-9,12", 5).to_string(), "1,3,4");
  // Malformed parts are skipped.
  EXPECT_EQ(OrderedIntervals::parse("x,2,-1,4-y,6", 10).to_string(), "2,6");
  // Two consecutive numbers are written "a,b"; three or more "a-c".
  EXPECT_EQ(OrderedIntervals({{1, 2}}).to_string(), "1,2");
  EXPECT_EQ(OrderedIntervals({{1, 3}}).to_string(), "1-3");
  auto iv = OrderedIntervals::parse("1,5-6", 10).with_ordered_indexes({0, 2, 3, 7, 9});
  EXPECT_EQ(iv.to_string(), "0-3,5-7,9");
  EXPECT_TRUE(iv.has(6));
  EXPECT_FALSE(iv.has(4));
  EXPECT_FALSE(iv.has(8));
  EXPECT_TRUE(iv.has(9));
  EXPECT_EQ(OrderedIntervals::parse("0-2", 10).merge(OrderedIntervals::parse("3,8", 10)).to_string(), "0-3,8");
}

TEST(JobLogic, FirstPendingIndexes) {
  EXPECT_EQ(first_pending_indexes(OrderedIntervals(), 3, 5), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(first_pending_indexes(OrderedIntervals::parse("0,2-3", 10), 3, 10), (std::vector<int>{1, 4, 5}));
  EXPECT_EQ(first_pending_indexes(OrderedIntervals::parse("0-4", 10), 10, 7), (std::vector<int>{5, 6}));
  EXPECT_TRUE(first_pending_indexes(OrderedIntervals::parse("0-4", 5), 2, 5).empty());
  EXPECT_TRUE(first_pending_indexes(OrderedIntervals(), 0, 5).empty());
}

TEST(JobLogic, IndexedPodNames) {
  EXPECT_EQ(pod_generate_name_with_index("pi", 3), "pi-3-");
  const std::string long_name(60, 'a');
  const std::string prefix = pod_generate_name_with_index(long_name, 123);
  EXPECT_EQ(prefix.size(), 58u);
  EXPECT_EQ(prefix, std::string(53, 'a') + "-123-");
  EXPECT_EQ(parse_completion_index("7"), 7);
  EXPECT_EQ(parse_completion_index("+7"), 7);
  EXPECT_EQ(parse_completion_index("-1"), kUnknownIndex);
  EXPECT_EQ(parse_completion_index("x"), kUnknownIndex);
  EXPECT_EQ(parse_failure_count("99999999999"), 0);
  EXPECT_EQ(parse_failure_count("3"), 3);
}

PodView pod(std::string name, std::string phase, int64_t finished_ms = 0) {
  PodView p;
  p.name = name;
  p.uid = name + "-uid";
  p.phase = std::move(phase);
  p.created_ms = 1000;
  if (finished_ms) p.containers.push_back({"main", true, phase == "Failed" ? 1 : 0, finished_ms, 0});
  return p;
}

TEST(JobLogic, BackoffDoublesFromTenSecondsUpToTenMinutes) {
  const int64_t t = 1'000'000;
  EXPECT_EQ(backoff_remaining_ms(t, 0, t), 0);
  EXPECT_EQ(backoff_remaining_ms(t, 1, t), 10'000);
  EXPECT_EQ(backoff_remaining_ms(t + 4'000, 1, t), 6'000);
  EXPECT_EQ(backoff_remaining_ms(t + 10'000, 1, t), 0);
  EXPECT_EQ(backoff_remaining_ms(t, 2, t), 20'000);
  EXPECT_EQ(backoff_remaining_ms(t, 3, t), 40'000);
  EXPECT_EQ(backoff_remaining_ms(t, 7, t), 600'000);  // 640 s is above the cap
  EXPECT_EQ(backoff_remaining_ms(t, 30, t), 600'000);
  EXPECT_EQ(backoff_remaining_ms(t + 700'000, 30, t), 0);
}

TEST(JobLogic, BackoffRecordCountsFailuresAfterTheLastSuccess) {
  auto f1 = pod("f1", "Failed", 10'000), f2 = pod("f2", "Failed", 30'000), s1 = pod("s1", "Succeeded", 20'000);
  // Only failures.
  auto r = next_backoff_record({}, {}, {&f1, &f2});
  EXPECT_EQ(r.failures_after_last_success, 2);
  EXPECT_EQ(r.last_failure_ms, 30'000);
  // Accumulates across syncs.
  auto f3 = pod("f3", "Failed", 40'000);
  r = next_backoff_record(r, {}, {&f3});
  EXPECT_EQ(r.failures_after_last_success, 3);
  EXPECT_EQ(r.last_failure_ms, 40'000);
  // A success resets; failures after it count again.
  r = next_backoff_record(r, {&s1}, {&f1, &f2});
  EXPECT_EQ(r.failures_after_last_success, 1);
  EXPECT_EQ(r.last_failure_ms, 30'000);
  r = next_backoff_record(r, {&s1}, {});
  EXPECT_EQ(r.failures_after_last_success, 0);
  EXPECT_FALSE(r.last_failure_ms);
  // Nothing new: unchanged.
  BackoffRecord old{4, 5'000};
  r = next_backoff_record(old, {}, {});
  EXPECT_EQ(r.failures_after_last_success, 4);
}

TEST(JobLogic, FinishedTimeLookups) {
  PodView p = pod("p", "Failed", 50'000);
  p.containers.push_back({"side", true, 0, 60'000, 0});
  EXPECT_EQ(finished_time_ms(p), 60'000);  // the latest container
  p.containers[1].terminated = false;       // one still running: fall back
  p.conditions.push_back({"Ready", "False", 55'000});
  EXPECT_EQ(finished_time_ms(p), 55'000);
  p.conditions.clear();
  p.deleting = true;
  p.deletion_ms = 90'000;
  p.deletion_grace_seconds = 30;
  EXPECT_EQ(finished_time_ms(p), 60'000);
  p.deleting = false;
  EXPECT_EQ(finished_time_ms(p), 1000);  // creation time
}

TEST(JobLogic, PodClassification) {
  PodView running = pod("r", "Running");
  EXPECT_TRUE(is_active(running));
  EXPECT_FALSE(is_terminating(running));
  PodView deleting = running;
  deleting.deleting = true;
  EXPECT_FALSE(is_active(deleting));
  EXPECT_TRUE(is_terminating(deleting));
  // A deleted pod that did not succeed counts as failed, unless only failed pods are replaced.
  EXPECT_TRUE(is_pod_failed(deleting, false));
  EXPECT_FALSE(is_pod_failed(deleting, true));
  EXPECT_TRUE(is_pod_failed(pod("f", "Failed"), true));
  PodView succeeded_deleting = pod("s", "Succeeded");
  succeeded_deleting.deleting = true;
  EXPECT_FALSE(is_pod_failed(succeeded_deleting, false));
}

TEST(JobLogic, PodFailurePolicyMatching) {
  PodView failed = pod("p-1", "Failed", 10'000);
  failed.containers[0].exit_code = 42;
  std::vector<PodFailurePolicyRule> rules{
      {"Ignore", std::nullopt, {{"DisruptionTarget", "True"}}},
      {"FailJob", OnExitCodes{std::string("main"), "In", {42}}, {}},
      {"Count", OnExitCodes{std::nullopt, "NotIn", {1}}, {}},
  };
  auto m = match_pod_failure_policy(&rules, failed, "default");
  ASSERT_TRUE(m.fail_job_message);
  EXPECT_EQ(*m.fail_job_message,
            "Container main for pod default/p-1 failed with exit code 42 matching FailJob rule at index 1");
  EXPECT_EQ(m.action, "FailJob");
  // A disruption condition matches the first rule: not counted.
  failed.conditions.push_back({"DisruptionTarget", "True", 0});
  m = match_pod_failure_policy(&rules, failed, "default");
  EXPECT_FALSE(m.count_failed);
  EXPECT_EQ(m.action, "Ignore");
  // Exit code 0 never matches; NotIn {1} matches 3 -> Count.
  PodView other = pod("p-2", "Failed", 10'000);
  other.containers[0].exit_code = 3;
  m = match_pod_failure_policy(&rules, other, "default");
  EXPECT_TRUE(m.count_failed);
  EXPECT_EQ(m.action, "Count");
  other.containers[0].exit_code = 1;
  m = match_pod_failure_policy(&rules, other, "default");
  EXPECT_FALSE(m.action);
  // A FailJob rule on a condition words it as upstream.
  std::vector<PodFailurePolicyRule> by_condition{{"FailJob", std::nullopt, {{"ConfigIssue", "True"}}}};
  other.conditions.push_back({"ConfigIssue", "True", 0});
  EXPECT_EQ(*match_pod_failure_policy(&by_condition, other, "ns").fail_job_message,
            "Pod ns/p-2 has condition ConfigIssue matching FailJob rule at index 0");
  // No policy: counted.
  EXPECT_TRUE(match_pod_failure_policy(nullptr, other, "ns").count_failed);
}

TEST(JobLogic, SuccessPolicy) {
  std::vector<SuccessPolicyRule> rules{{std::string("0,2"), std::nullopt}, {std::nullopt, 3}};
  EXPECT_FALSE(match_success_policy(rules, 5, OrderedIntervals::parse("0,1", 5)));
  EXPECT_EQ(match_success_policy(rules, 5, OrderedIntervals::parse("0,2", 5)), "Matched rules at index 0");
  EXPECT_EQ(match_success_policy(rules, 5, OrderedIntervals::parse("1,3-4", 5)), "Matched rules at index 1");
  std::vector<SuccessPolicyRule> counted{{std::string("1-4"), 3}};
  EXPECT_FALSE(match_success_policy(counted, 6, OrderedIntervals::parse("1,3,5", 6)));
  EXPECT_TRUE(match_success_policy(counted, 6, OrderedIntervals::parse("1,3,4", 6)));
  EXPECT_FALSE(match_success_policy(counted, 6, OrderedIntervals()));
}

TEST(JobLogic, ConditionTransitions) {
  std::vector<JobCondition> conds;
  // A False condition is not added where there is none.
  EXPECT_FALSE(ensure_condition(conds, "Suspended", "False", "JobResumed", "Job resumed", 1000));
  EXPECT_TRUE(conds.empty());
  EXPECT_TRUE(ensure_condition(conds, "Suspended", "True", "JobSuspended", "Job suspended", 1000));
  EXPECT_FALSE(ensure_condition(conds, "Suspended", "True", "JobSuspended", "Job suspended", 2000));
  EXPECT_EQ(conds[0].last_transition_ms, 1000);
  EXPECT_TRUE(ensure_condition(conds, "Suspended", "False", "JobResumed", "Job resumed", 3000));
  EXPECT_EQ(conds.size(), 1u);
  EXPECT_EQ(conds[0].status, "False");
  EXPECT_EQ(conds[0].last_transition_ms, 3000);
  EXPECT_FALSE(condition_true(conds, "Suspended"));
}

TEST(JobLogic, BackoffLimitOnFailureCountsRestartsOfLivePods) {
  PodView a = pod("a", "Running"), b = pod("b", "Pending"), c = pod("c", "Failed");
  a.containers.push_back({"m", false, 0, 0, 2});
  b.init_containers.push_back({"i", false, 0, 0, 1});
  c.containers.push_back({"m", true, 1, 5, 9});
  EXPECT_FALSE(past_backoff_limit_on_failure({&a, &b, &c}, "Never", 1));
  EXPECT_TRUE(past_backoff_limit_on_failure({&a, &b, &c}, "OnFailure", 3));
  EXPECT_FALSE(past_backoff_limit_on_failure({&a, &b, &c}, "OnFailure", 4));
  PodView fresh = pod("f", "Running");
  EXPECT_FALSE(past_backoff_limit_on_failure({&fresh}, "OnFailure", 0));
  EXPECT_TRUE(past_backoff_limit_on_failure({&a}, "OnFailure", 0));
}

TEST(JobLogic, WhichPodsGoFirst) {
  PodView unscheduled = pod("u", "Pending"), pending = pod("p", "Pending"), running = pod("r", "Running"),
          ready_old = pod("o", "Running"), ready_new = pod("n", "Running");
  pending.node_name = running.node_name = ready_old.node_name = ready_new.node_name = "node";
  ready_old.conditions.push_back({"Ready", "True", 100});
  ready_new.conditions.push_back({"Ready", "True", 200});
  auto order = active_pods_for_removal(false, 0, {&ready_old, &running, &ready_new, &pending, &unscheduled}, 5);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0]->name, "u");
  EXPECT_EQ(order[1]->name, "p");
  EXPECT_EQ(order[2]->name, "r");
  EXPECT_EQ(order[3]->name, "n");  // ready for less time
  EXPECT_EQ(order[4]->name, "o");
  EXPECT_EQ(active_pods_for_removal(false, 0, {&ready_old, &running}, 1)[0]->name, "r");
  EXPECT_TRUE(active_pods_for_removal(false, 0, {&ready_old, &running}, 0).empty());
}

TEST(JobLogic, IndexedRemovalTakesDuplicatesAndBadIndexes) {
  PodView a = pod("a", "Running"), b = pod("b", "Pending"), c = pod("c", "Running"), none = pod("x", "Running"),
          big = pod("big", "Running");
  a.node_name = b.node_name = c.node_name = none.node_name = big.node_name = "node";
  a.completion_index = 0;
  b.completion_index = 0;  // duplicates index 0, and is further behind
  c.completion_index = 1;
  big.completion_index = 9;  // beyond completions
  auto rm = active_pods_for_removal(true, 3, {&a, &b, &c, &none, &big}, 0);
  std::set<std::string> names;
  for (auto* p : rm) names.insert(p->name);
  EXPECT_EQ(names, (std::set<std::string>{"b", "x", "big"}));
}

TEST(JobLogic, Expectations) {
  FinalizerExpectations f;
  f.expect_removed("ns/j", {"u1", "u2"});
  EXPECT_EQ(f.expected("ns/j"), (std::set<std::string>{"u1", "u2"}));
  f.observed("ns/j", "u1");
  EXPECT_EQ(f.expected("ns/j"), (std::set<std::string>{"u2"}));
  f.forget("ns/j");
  EXPECT_TRUE(f.expected("ns/j").empty());
  BackoffStore store;
  store.update("ns/j", {2, 10});
  EXPECT_EQ(store.get("ns/j").failures_after_last_success, 2);
  store.remove("ns/j");
  EXPECT_EQ(store.get("ns/j").failures_after_last_success, 0);
}

}  // namespace
}  // namespace capstan::job
