// The Job controller end to end against the SDK's fake host, with a controlled clock, for the
// cases upstream's job_controller_test.go covers: start and completion (SuccessCriteriaMet then
// Complete), the finalizer protocol (uncountedTerminatedPods), pod-failure back-off,
// backoffLimit and activeDeadlineSeconds (FailureTarget then Failed), too many pods, suspension,
// Indexed Jobs (names, index annotation/label/env, hostname, completedIndexes),
// backoffLimitPerIndex, pod failure and success policies, orphans and adoption, unknown
// completion modes, managedBy, and the TTL after finished.
#include "job_controller.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::job {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kPods;
using machinery::kJobs;
using machinery::kEvents;
constexpr int64_t kStart = 1'700'000'000'000;

json job_json(const std::string& name, json spec_overrides = json::object()) {
  json spec = {{"parallelism", 2},
               {"completions", 5},
               {"backoffLimit", 6},
               {"completionMode", "NonIndexed"},
               {"suspend", false},
               {"podReplacementPolicy", "TerminatingOrFailed"},
               {"manualSelector", false},
               {"selector", {{"matchLabels", {{"batch.kubernetes.io/job-name", name}}}}},
               {"template",
                {{"metadata", {{"labels", {{"batch.kubernetes.io/job-name", name}, {"job-name", name}}}}},
                 {"spec", {{"restartPolicy", "Never"}, {"containers", {{{"name", "main"}, {"image", "busybox"}}}}}}}}};
  for (auto& [k, v] : spec_overrides.items()) {
    if (v.is_null()) spec.erase(k);
    else spec[k] = v;
  }
  return {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", name}, {"namespace", "default"}}}, {"spec", spec}};
}

class JobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_kind({kJobs, "Job", true, capnp::Schema::from<batch::v1::Job>(), true});
  }
  void start() {
    JobControllerOptions o;
    o.now_ms = [this] { return clock_.load(); };
    o.synchronous_events = true;
    o.batch_period_ms = 20;
    o.workers = 2;
    controller_ = std::make_unique<JobController>(fake_.host(), o);
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  void advance(int64_t ms, const std::string& job = "pi") {
    clock_ += ms;
    controller_->enqueue("default/" + job);
  }
  std::vector<json> pods(const std::string& job = "pi") {
    std::vector<json> out;
    for (auto& p : fake_.list(kPods, "default"))
      for (auto& o : p["metadata"].value("ownerReferences", json::array()))
        if (o["name"] == job && o.value("controller", false)) out.push_back(p);
    return out;
  }
  std::vector<json> live_pods(const std::string& job = "pi") {
    std::vector<json> out;
    for (auto& p : pods(job)) {
      const std::string phase = FakeHost::at(p, "status.phase").is_string() ? p["status"]["phase"].get<std::string>() : "";
      if (phase != "Succeeded" && phase != "Failed" && !p["metadata"].contains("deletionTimestamp")) out.push_back(p);
    }
    return out;
  }
  json job(const std::string& name = "pi") { return *fake_.get(kJobs, "default", name); }
  json status(const std::string& path, const std::string& name = "pi") { return FakeHost::at(job(name), "status." + path); }
  std::vector<std::string> condition_types(const std::string& name = "pi") {
    std::vector<std::string> out;
    const json conditions = FakeHost::at(job(name), "status.conditions");
    if (conditions.is_array())
      for (auto& c : conditions) out.push_back(c["type"].get<std::string>() + "=" + c["status"].get<std::string>());
    return out;
  }
  json condition(const std::string& type, const std::string& name = "pi") {
    const json conditions = FakeHost::at(job(name), "status.conditions");
    if (conditions.is_array())
      for (auto& c : conditions)
        if (c["type"] == type) return c;
    return nullptr;
  }
  // The pod ends: phase, the container's exit code and finishedAt (now).
  void finish(const json& pod, const std::string& phase, int exit_code = -1) {
    if (exit_code < 0) exit_code = phase == "Succeeded" ? 0 : 1;
    json cs = {{"name", "main"},
               {"ready", false},
               {"restartCount", 0},
               {"image", "busybox"},
               {"imageID", ""},
               {"state", {{"terminated", {{"exitCode", exit_code}, {"finishedAt", machinery::format_rfc3339(clock_ / 1000)}}}}}};
    fake_.patch(kPods, "default", pod["metadata"]["name"], {{"status", {{"phase", phase}, {"containerStatuses", {cs}}}}});
  }
  void run(const json& pod, bool ready = true) {
    json st = {{"phase", "Running"}};
    if (ready) st["conditions"] = {{{"type", "Ready"}, {"status", "True"}}};
    fake_.patch(kPods, "default", pod["metadata"]["name"], {{"status", st}});
  }
  std::vector<std::string> events(const std::string& reason) {
    std::vector<std::string> out;
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == reason) out.push_back(e["type"].get<std::string>() + " " + e["message"].get<std::string>());
    return out;
  }
  bool eventually(const std::function<bool()>& pred) { return FakeHost::eventually(pred, std::chrono::seconds(10)); }

  FakeHost fake_;  // outlives the controller
  std::atomic<int64_t> clock_{kStart};
  std::unique_ptr<JobController> controller_;
};

TEST_F(JobControllerTest, StartsParallelismPodsWithFinalizerLabelsAndOwner) {
  fake_.put(kJobs, job_json("pi"));
  start();
  ASSERT_TRUE(eventually([&] { return pods().size() == 2 && status("active") == 2; }));
  for (auto& p : pods()) {
    EXPECT_EQ(p["metadata"]["name"].get<std::string>().rfind("pi-", 0), 0u);
    EXPECT_EQ(p["metadata"]["finalizers"], json({"batch.kubernetes.io/job-tracking"}));
    EXPECT_EQ(p["metadata"]["labels"]["job-name"], "pi");
    EXPECT_EQ(p["metadata"]["ownerReferences"][0]["kind"], "Job");
    EXPECT_EQ(p["metadata"]["ownerReferences"][0]["blockOwnerDeletion"], true);
  }
  EXPECT_EQ(status("ready"), 0);
  EXPECT_EQ(status("terminating"), 0);
  EXPECT_EQ(status("startTime"), machinery::format_rfc3339(kStart / 1000));
  EXPECT_EQ(status("uncountedTerminatedPods"), json::object());
  ASSERT_TRUE(eventually([&] { return events("SuccessfulCreate").size() == 2; }));
  EXPECT_EQ(events("SuccessfulCreate")[0].rfind("Normal Created pod: pi-", 0), 0u);
  // Ready pods are counted.
  run(pods()[0]);
  ASSERT_TRUE(eventually([&] { return status("ready") == 1; }));
}

TEST_F(JobControllerTest, RunsToCompletionThroughSuccessCriteriaMet) {
  fake_.put(kJobs, job_json("pi", {{"parallelism", 2}, {"completions", 3}}));
  start();
  for (int done = 0; done < 3;) {
    ASSERT_TRUE(eventually([&] { return !live_pods().empty(); })) << done;
    finish(live_pods()[0], "Succeeded");
    ++done;
    ASSERT_TRUE(eventually([&] { return status("succeeded") == done; }));
  }
  ASSERT_TRUE(eventually([&] { return condition_types() == std::vector<std::string>{"SuccessCriteriaMet=True", "Complete=True"}; }))
      << job().dump();
  EXPECT_EQ(condition("Complete")["reason"], "CompletionsReached");
  EXPECT_EQ(condition("Complete")["message"], "Reached expected number of succeeded pods");
  EXPECT_EQ(condition("SuccessCriteriaMet")["reason"], "CompletionsReached");
  EXPECT_EQ(status("completionTime"), machinery::format_rfc3339(kStart / 1000));
  EXPECT_EQ(status("active"), nullptr);  // 0, omitted
  EXPECT_EQ(status("uncountedTerminatedPods"), json::object());
  // Every pod's finalizer is gone: the counters own them now.
  for (auto& p : pods()) EXPECT_TRUE(p["metadata"].value("finalizers", json::array()).empty()) << p.dump();
  EXPECT_EQ(pods().size(), 3u);  // no pod beyond the completions
  ASSERT_TRUE(eventually([&] { return events("Completed") == std::vector<std::string>{"Normal Job completed"}; }));
}

TEST_F(JobControllerTest, FailedPodsAreReplacedAfterExponentialBackoff) {
  fake_.put(kJobs, job_json("pi", {{"parallelism", 1}, {"completions", 1}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; }));
  finish(live_pods()[0], "Failed");
  ASSERT_TRUE(eventually([&] { return status("failed") == 1; }));
  // The replacement waits 10 s after the failure.
  advance(9'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_TRUE(live_pods().empty());
  advance(1'001);
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; }));
  // The second consecutive failure waits 20 s.
  finish(live_pods()[0], "Failed");
  ASSERT_TRUE(eventually([&] { return status("failed") == 2; }));
  advance(19'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_TRUE(live_pods().empty());
  advance(1'001);
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; }));
  EXPECT_EQ(pods().size(), 3u);
}

TEST_F(JobControllerTest, BackoffLimitExceededGoesThroughFailureTarget) {
  fake_.put(kJobs, job_json("pi", {{"parallelism", 1}, {"completions", 1}, {"backoffLimit", 1}}));
  start();
  for (int i = 1; i <= 2; ++i) {
    ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; })) << i;
    finish(live_pods()[0], "Failed");
    ASSERT_TRUE(eventually([&] { return status("failed") == i; }));
    if (i == 1) advance(10'001);
  }
  ASSERT_TRUE(eventually([&] { return condition_types() == std::vector<std::string>{"FailureTarget=True", "Failed=True"}; }))
      << job().dump();
  EXPECT_EQ(condition("Failed")["reason"], "BackoffLimitExceeded");
  EXPECT_EQ(condition("Failed")["message"], "Job has reached the specified backoff limit");
  EXPECT_EQ(condition("FailureTarget")["reason"], "BackoffLimitExceeded");
  EXPECT_EQ(status("completionTime"), nullptr);  // only a Complete Job has one
  EXPECT_EQ(pods().size(), 2u);
  ASSERT_TRUE(eventually([&] {
    return events("BackoffLimitExceeded") == std::vector<std::string>{"Warning Job has reached the specified backoff limit"};
  }));
}

TEST_F(JobControllerTest, BackoffLimitZeroWithOnFailureRestarts) {
  json spec = {{"parallelism", 1}, {"completions", 1}, {"backoffLimit", 2}};
  json j = job_json("pi", spec);
  j["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure";
  fake_.put(kJobs, j);
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; }));
  json cs = {{"name", "main"}, {"ready", false}, {"restartCount", 2}, {"image", "busybox"}, {"imageID", ""}};
  fake_.patch(kPods, "default", live_pods()[0]["metadata"]["name"], {{"status", {{"phase", "Running"}, {"containerStatuses", {cs}}}}});
  ASSERT_TRUE(eventually([&] { return condition_types() == std::vector<std::string>{"FailureTarget=True", "Failed=True"}; }));
  EXPECT_EQ(condition("Failed")["reason"], "BackoffLimitExceeded");
}

TEST_F(JobControllerTest, ActiveDeadlineTerminatesRunningPods) {
  fake_.put(kJobs, job_json("pi", {{"activeDeadlineSeconds", 30}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 2; }));
  run(live_pods()[0]);
  advance(31'000);
  ASSERT_TRUE(eventually([&] { return condition_types() == std::vector<std::string>{"FailureTarget=True", "Failed=True"}; }))
      << job().dump();
  EXPECT_EQ(condition("Failed")["reason"], "DeadlineExceeded");
  EXPECT_EQ(condition("Failed")["message"], "Job was active longer than specified deadline");
  EXPECT_TRUE(pods().empty());  // deleted, their finalizers released
  EXPECT_EQ(status("failed"), 2);
  EXPECT_EQ(status("active"), nullptr);
  EXPECT_EQ(status("ready"), 0);
  EXPECT_EQ(status("terminating"), 0);
  ASSERT_TRUE(eventually([&] { return events("SuccessfulDelete").size() == 2; }));
  ASSERT_TRUE(eventually([&] { return !events("DeadlineExceeded").empty(); }));
  EXPECT_EQ(events("DeadlineExceeded"), std::vector<std::string>{"Warning Job was active longer than specified deadline"});
}

TEST_F(JobControllerTest, TooManyActivePodsAreDeletedNotReadyFirst) {
  fake_.put(kJobs, job_json("pi", {{"parallelism", 3}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 3; }));
  auto all = live_pods();
  run(all[0]);
  run(all[1]);
  ASSERT_TRUE(eventually([&] { return status("ready") == 2; }));  // the controller has seen them ready
  fake_.patch(kJobs, "default", "pi", {{"spec", {{"parallelism", 2}}}});
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 2 && status("active") == 2; }));
  for (auto& p : live_pods()) EXPECT_NE(p["metadata"]["name"], all[2]["metadata"]["name"]);
  EXPECT_EQ(status("failed"), nullptr);  // removed by the controller: not a failure of the Job
}

TEST_F(JobControllerTest, SuspendAndResume) {
  fake_.put(kJobs, job_json("pi", {{"suspend", true}}));
  start();
  ASSERT_TRUE(eventually([&] { return condition_types() == std::vector<std::string>{"Suspended=True"}; }));
  EXPECT_EQ(condition("Suspended")["reason"], "JobSuspended");
  EXPECT_EQ(condition("Suspended")["message"], "Job suspended");
  EXPECT_TRUE(pods().empty());
  EXPECT_EQ(status("startTime"), nullptr);  // a Job created suspended has not started
  clock_ += 5'000;
  fake_.patch(kJobs, "default", "pi", {{"spec", {{"suspend", false}}}});
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 2 && condition_types() == std::vector<std::string>{"Suspended=False"}; }));
  EXPECT_EQ(condition("Suspended")["reason"], "JobResumed");
  EXPECT_EQ(status("startTime"), machinery::format_rfc3339((kStart + 5'000) / 1000));
  // Suspending a running Job deletes its pods (they are not failures).
  fake_.patch(kJobs, "default", "pi", {{"spec", {{"suspend", true}}}});
  ASSERT_TRUE(eventually([&] { return pods().empty() && status("active") == nullptr && condition_types() == std::vector<std::string>{"Suspended=True"}; }))
      << job().dump();
  EXPECT_EQ(status("failed"), nullptr);
  // The recorder folds the repeated event into one with count 2, as client-go's does.
  ASSERT_TRUE(eventually([&] {
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == "Suspended" && e.value("count", 1) == 2) return true;
    return false;
  }));
  ASSERT_TRUE(eventually([&] { return events("Resumed") == std::vector<std::string>{"Normal Job resumed"}; }));
}

TEST_F(JobControllerTest, IndexedPodsCarryTheirIndex) {
  fake_.put(kJobs, job_json("pi", {{"completionMode", "Indexed"}, {"completions", 3}, {"parallelism", 2}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 2; }));
  std::set<std::string> indexes;
  for (auto& p : live_pods()) {
    const std::string ix = p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"];
    indexes.insert(ix);
    EXPECT_EQ(p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"], ix);
    EXPECT_EQ(p["metadata"]["name"].get<std::string>().rfind("pi-" + ix + "-", 0), 0u) << p["metadata"]["name"];
    EXPECT_EQ(p["spec"]["hostname"], "pi-" + ix);
    json env = p["spec"]["containers"][0]["env"][0];
    EXPECT_EQ(env["name"], "JOB_COMPLETION_INDEX");
    EXPECT_EQ(env["valueFrom"]["fieldRef"]["fieldPath"], "metadata.labels['batch.kubernetes.io/job-completion-index']");
  }
  EXPECT_EQ(indexes, (std::set<std::string>{"0", "1"}));
  auto index_pod = [&](const std::string& ix) {
    for (auto& p : live_pods())
      if (p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == ix) return p;
    return json();
  };
  finish(index_pod("1"), "Succeeded");
  ASSERT_TRUE(eventually([&] { return status("completedIndexes") == "1"; }));
  ASSERT_TRUE(eventually([&] { return !index_pod("2").is_null(); }));
  finish(index_pod("2"), "Succeeded");
  ASSERT_TRUE(eventually([&] { return status("completedIndexes") == "1,2"; }));
  // A failed index is retried under the same index.
  finish(index_pod("0"), "Failed");
  ASSERT_TRUE(eventually([&] { return status("failed") == 1; }));
  advance(10'001);
  ASSERT_TRUE(eventually([&] { return !index_pod("0").is_null(); }));
  finish(index_pod("0"), "Succeeded");
  ASSERT_TRUE(eventually([&] { return status("completedIndexes") == "0-2" && condition("Complete") != nullptr; }));
  EXPECT_EQ(status("succeeded"), 3);
}

TEST_F(JobControllerTest, BackoffLimitPerIndexMarksFailedIndexes) {
  fake_.put(kJobs, job_json("pi", {{"completionMode", "Indexed"},
                                   {"completions", 2},
                                   {"parallelism", 2},
                                   {"backoffLimitPerIndex", 1},
                                   {"backoffLimit", 2147483647}}));
  start();
  auto index_pod = [&](const std::string& ix) {
    for (auto& p : live_pods())
      if (p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == ix) return p;
    return json();
  };
  ASSERT_TRUE(eventually([&] { return !index_pod("0").is_null() && !index_pod("1").is_null(); }));
  EXPECT_EQ(index_pod("0")["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"], "0");
  finish(index_pod("0"), "Failed");
  advance(10'001);
  ASSERT_TRUE(eventually([&] { return !index_pod("0").is_null(); }));
  // The replacement carries the failure count of the pod it replaces.
  EXPECT_EQ(index_pod("0")["metadata"]["annotations"]["batch.kubernetes.io/job-index-failure-count"], "1");
  finish(index_pod("0"), "Failed");
  ASSERT_TRUE(eventually([&] { return status("failedIndexes") == "0"; })) << job().dump();
  finish(index_pod("1"), "Succeeded");
  ASSERT_TRUE(eventually([&] { return condition("Failed") != nullptr; })) << job().dump();
  EXPECT_EQ(condition("Failed")["reason"], "FailedIndexes");
  EXPECT_EQ(condition("Failed")["message"], "Job has failed indexes");
  EXPECT_EQ(status("completedIndexes"), "1");
  EXPECT_EQ(status("failed"), 2);
}

TEST_F(JobControllerTest, PodFailurePolicyFailJobAndIgnore) {
  json policy = json::parse(R"({"rules": [
      {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
      {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}}]})");
  fake_.put(kJobs, job_json("pi", {{"parallelism", 1}, {"completions", 1}, {"podFailurePolicy", policy}, {"podReplacementPolicy", "Failed"}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; }));
  // A disrupted pod is ignored: not counted against the limits, but (as upstream,
  // whose back-off record counts every newly failed pod) replaced after the back-off.
  auto first = live_pods()[0];
  fake_.patch(kPods, "default", first["metadata"]["name"], {{"status", {{"conditions", {{{"type", "DisruptionTarget"}, {"status", "True"}}}}}}});
  finish(first, "Failed", 137);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  advance(10'001);
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1 && live_pods()[0]["metadata"]["name"] != first["metadata"]["name"]; }));
  EXPECT_EQ(status("failed"), nullptr);
  // Exit code 42 fails the Job at once.
  auto second = live_pods()[0];
  finish(second, "Failed", 42);
  ASSERT_TRUE(eventually([&] { return condition("Failed") != nullptr; })) << job().dump();
  EXPECT_EQ(condition("Failed")["reason"], "PodFailurePolicy");
  EXPECT_EQ(condition("Failed")["message"], "Container main for pod default/" + second["metadata"]["name"].get<std::string>() +
                                                " failed with exit code 42 matching FailJob rule at index 1");
  EXPECT_EQ(condition_types(), (std::vector<std::string>{"FailureTarget=True", "Failed=True"}));
  EXPECT_EQ(status("failed"), 1);
}

TEST_F(JobControllerTest, SuccessPolicyEndsIndexedJobEarly) {
  json policy = {{"rules", {{{"succeededIndexes", "0"}}}}};
  fake_.put(kJobs, job_json("pi", {{"completionMode", "Indexed"}, {"completions", 3}, {"parallelism", 3}, {"successPolicy", policy}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 3; }));
  for (auto& p : live_pods())
    if (p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == "0") finish(p, "Succeeded");
  ASSERT_TRUE(eventually([&] { return condition("Complete") != nullptr; })) << job().dump();
  EXPECT_EQ(condition("SuccessCriteriaMet")["reason"], "SuccessPolicy");
  EXPECT_EQ(condition("SuccessCriteriaMet")["message"], "Matched rules at index 0");
  EXPECT_EQ(condition("Complete")["reason"], "SuccessPolicy");
  EXPECT_EQ(status("completedIndexes"), "0");
  EXPECT_TRUE(live_pods().empty());  // the lingering pods were terminated
}

TEST_F(JobControllerTest, WorkQueueJobCompletesWhenOnePodSucceededAndOthersEnd) {
  fake_.put(kJobs, job_json("pi", {{"completions", nullptr}, {"parallelism", 2}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 2; }));
  auto all = live_pods();
  finish(all[0], "Succeeded");
  ASSERT_TRUE(eventually([&] { return status("succeeded") == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(live_pods().size(), 1u);  // after a success no new pods start
  EXPECT_EQ(condition("Complete"), nullptr);
  finish(all[1], "Succeeded");
  ASSERT_TRUE(eventually([&] { return condition("Complete") != nullptr; }));
}

TEST_F(JobControllerTest, DeletedPodCountsAsFailedAndItsFinalizerIsReleased) {
  fake_.put(kJobs, job_json("pi", {{"parallelism", 1}, {"completions", 1}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; }));
  const std::string victim = live_pods()[0]["metadata"]["name"];
  // kubectl delete pod: held by the tracking finalizer until the controller counts it.
  ASSERT_TRUE(fake_.host().raw());
  sdk::Client client(fake_.host());
  ASSERT_TRUE(client.remove(kPods, "default", victim).ok());
  ASSERT_TRUE(eventually([&] { return !fake_.get(kPods, "default", victim) && status("failed") == 1; })) << job().dump();
}

TEST_F(JobControllerTest, OrphanPodsLoseTheFinalizerAndMatchingOnesAreAdopted) {
  json orphan = {{"metadata",
                  {{"name", "leftover"},
                   {"namespace", "default"},
                   {"finalizers", {"batch.kubernetes.io/job-tracking"}},
                   {"labels", {{"app", "x"}}}}},
                 {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  fake_.put(kPods, orphan);
  json adoptable = {{"metadata", {{"name", "stray"}, {"namespace", "default"}, {"labels", {{"batch.kubernetes.io/job-name", "pi"}}}}},
                    {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}},
                    {"status", {{"phase", "Running"}}}};
  fake_.put(kPods, adoptable);
  fake_.put(kJobs, job_json("pi", {{"parallelism", 1}}));
  start();
  ASSERT_TRUE(eventually([&] { return (*fake_.get(kPods, "default", "leftover"))["metadata"].value("finalizers", json::array()).empty(); }));
  ASSERT_TRUE(eventually([&] {
    auto p = *fake_.get(kPods, "default", "stray");
    return p["metadata"].contains("ownerReferences") && p["metadata"]["finalizers"] == json({"batch.kubernetes.io/job-tracking"});
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(fake_.count_calls("create", "pods"), 0u);  // the adopted pod is the one active pod
  EXPECT_EQ(status("active"), 1);
}

TEST_F(JobControllerTest, UnknownCompletionModeAndForeignManagedBy) {
  fake_.put(kJobs, job_json("odd", {{"completionMode", "Sometimes"}}));
  fake_.put(kJobs, job_json("theirs", {{"managedBy", "example.com/queue"}}));
  start();
  ASSERT_TRUE(eventually([&] {
    return events("UnknownCompletionMode") == std::vector<std::string>{"Warning Skipped Job sync because completion mode is unknown"};
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(fake_.count_calls("create", "pods"), 0u);
  EXPECT_EQ(status("startTime", "theirs"), nullptr);
}

TEST_F(JobControllerTest, TtlAfterFinishedDeletesTheJobInForeground) {
  fake_.put(kJobs, job_json("pi", {{"parallelism", 1}, {"completions", 1}, {"ttlSecondsAfterFinished", 60}}));
  start();
  ASSERT_TRUE(eventually([&] { return live_pods().size() == 1; }));
  finish(live_pods()[0], "Succeeded");
  ASSERT_TRUE(eventually([&] { return condition("Complete") != nullptr; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(fake_.get(kJobs, "default", "pi"));  // 60 s have not passed
  clock_ += 61'000;
  fake_.patch(kJobs, "default", "pi", {{"metadata", {{"annotations", {{"touch", "1"}}}}}});
  ASSERT_TRUE(eventually([&] {
    auto j = fake_.get(kJobs, "default", "pi");
    return !j || (*j)["metadata"].contains("deletionTimestamp");
  }));
  bool foreground = false;
  for (const auto& c : fake_.calls())
    if (c.verb == "delete" && c.resource.resource == "jobs") foreground = true;
  EXPECT_TRUE(foreground);
}

TEST(TtlAfterFinished, TimeLeft) {
  capnp::MallocMessageBuilder m;
  auto j = m.initRoot<batch::v1::Job>();
  EXPECT_FALSE(ttl_time_left_ms(j.asReader(), 0));
  j.getSpec().getTtlSecondsAfterFinished().setValue(100);
  EXPECT_FALSE(ttl_time_left_ms(j.asReader(), 0));  // not finished
  auto c = j.getStatus().initConditions(1);
  c[0].setType("Failed");
  c[0].setStatus("True");
  c[0].setLastTransitionTime("2024-01-01T00:00:00Z");
  const int64_t finished = machinery::parse_rfc3339_seconds("2024-01-01T00:00:00Z").value_or(0) * 1000;
  EXPECT_EQ(*ttl_time_left_ms(j.asReader(), finished + 40'000), 60'000);
  EXPECT_EQ(*ttl_time_left_ms(j.asReader(), finished + 100'000), 0);
}

}  // namespace
}  // namespace capstan::job
