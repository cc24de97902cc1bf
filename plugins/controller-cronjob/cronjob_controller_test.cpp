// The CronJob controller against the SDK's fake host with a controlled clock, for the cases of
// upstream's cronjob_controllerv2_test.go: a Job per due schedule (name, annotation, owner,
// status.active, lastScheduleTime), completion bookkeeping (SawCompletedJob,
// lastSuccessfulTime), Forbid and Replace, suspend, history limits, too many missed start times,
// time zones, unknown zones, missing and unexpected Jobs, and a Job created before a lost write.
#include "cronjob_controller.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::cronjob {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::json;
using machinery::kJobs;
using machinery::kCronJobs;
using machinery::kEvents;
const int64_t kT0 = machinery::parse_rfc3339_seconds("2024-01-01T00:00:00Z").value_or(0) * 1000;

json cronjob_json(json spec_overrides = json::object(), std::string last = "2024-01-01T00:00:00Z") {
  json spec = {{"schedule", "* * * * *"},
               {"concurrencyPolicy", "Allow"},
               {"suspend", false},
               {"successfulJobsHistoryLimit", 3},
               {"failedJobsHistoryLimit", 1},
               {"jobTemplate",
                {{"metadata", {{"labels", {{"app", "hello"}}}, {"annotations", {{"team", "a"}}}}},
                 {"spec",
                  {{"template",
                    {{"spec",
                      {{"restartPolicy", "OnFailure"}, {"containers", {{{"name", "hello"}, {"image", "busybox"}}}}}}}}}}}}};
  for (auto& [k, v] : spec_overrides.items()) spec[k] = v;
  json cj = {{"apiVersion", "batch/v1"}, {"kind", "CronJob"}, {"metadata", {{"name", "hello"}, {"namespace", "default"}}},
             {"spec", spec}};
  if (!last.empty()) cj["status"] = {{"lastScheduleTime", last}};
  return cj;
}

class CronJobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_kind({kJobs, "Job", true, capnp::Schema::from<batch::v1::Job>(), true});
    fake_.add_kind({kCronJobs, "CronJob", true, capnp::Schema::from<batch::v1::CronJob>(), true});
  }
  void start() {
    CronJobControllerOptions o;
    o.now_ms = [this] { return clock_.load(); };
    o.synchronous_events = true;
    o.workers = 2;
    controller_ = std::make_unique<CronJobController>(fake_.host(), o);
    controller_->start();
  }
  void TearDown() override {
    if (controller_) controller_->stop();
  }
  void at(int64_t ms) {
    clock_ = ms;
    controller_->enqueue("default/hello");
  }
  std::vector<json> jobs() { return fake_.list(kJobs, "default"); }
  std::vector<std::string> job_names() {
    std::vector<std::string> out;
    for (auto& j : jobs()) out.push_back(j["metadata"]["name"]);
    return out;
  }
  json cronjob() { return *fake_.get(kCronJobs, "default", "hello"); }
  std::vector<std::string> events(const std::string& reason) {
    std::vector<std::string> out;
    for (auto& e : fake_.list(kEvents, "default"))
      if (e["reason"] == reason) out.push_back(e["type"].get<std::string>() + " " + e["message"].get<std::string>());
    return out;
  }
  void finish(const std::string& name, const std::string& type, const std::string& start, const std::string& done) {
    json st = {{"startTime", start}, {"conditions", {{{"type", type}, {"status", "True"}}}}};
    if (type == "Complete") {
      st["completionTime"] = done;
      st["succeeded"] = 1;
    }
    fake_.patch(kJobs, "default", name, {{"status", st}});
  }
  json owned_job(const std::string& name, const json& cj) {
    return {{"metadata",
             {{"name", name},
              {"namespace", "default"},
              {"ownerReferences",
               {{{"apiVersion", "batch/v1"}, {"kind", "CronJob"}, {"name", "hello"}, {"uid", cj["metadata"]["uid"]}, {"controller", true}}}}}},
            {"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}};
  }
  bool eventually(const std::function<bool()>& pred) { return FakeHost::eventually(pred, std::chrono::seconds(10)); }

  FakeHost fake_;
  std::atomic<int64_t> clock_{kT0 + 61'000};
  std::unique_ptr<CronJobController> controller_;
};

TEST_F(CronJobControllerTest, CreatesTheDueJobAndRecordsIt) {
  fake_.put(kCronJobs, cronjob_json());
  start();
  ASSERT_TRUE(eventually([&] { return job_names() == std::vector<std::string>{"hello-28401121"}; }));
  json job = jobs()[0];
  EXPECT_EQ(job["metadata"]["labels"]["app"], "hello");
  EXPECT_EQ(job["metadata"]["annotations"]["team"], "a");
  EXPECT_EQ(job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"], "2024-01-01T00:01:00Z");
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(job["spec"]["template"]["spec"]["containers"][0]["name"], "hello");
  ASSERT_TRUE(eventually([&] { return cronjob()["status"].contains("active"); }));
  json active = cronjob()["status"]["active"][0];
  EXPECT_EQ(active["kind"], "Job");
  EXPECT_EQ(active["name"], "hello-28401121");
  EXPECT_EQ(active["apiVersion"], "batch/v1");
  EXPECT_EQ(active["uid"], job["metadata"]["uid"]);
  EXPECT_EQ(cronjob()["status"]["lastScheduleTime"], "2024-01-01T00:01:00Z");
  EXPECT_EQ(events("SuccessfulCreate"), std::vector<std::string>{"Normal Created job hello-28401121"});
  // The same schedule time never runs twice.
  at(kT0 + 90'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(jobs().size(), 1u);
  // The next minute does, concurrently (Allow).
  at(kT0 + 121'000);
  ASSERT_TRUE(eventually([&] { return jobs().size() == 2; }));
  ASSERT_TRUE(eventually([&] { return cronjob()["status"]["active"].size() == 2; }));
}

TEST_F(CronJobControllerTest, CompletedJobsLeaveActiveAndSetLastSuccessfulTime) {
  fake_.put(kCronJobs, cronjob_json());
  start();
  ASSERT_TRUE(eventually([&] { return cronjob()["status"].contains("active"); }));
  finish("hello-28401121", "Complete", "2024-01-01T00:01:00Z", "2024-01-01T00:01:07Z");
  ASSERT_TRUE(eventually([&] {
    auto st = cronjob()["status"];
    return !st.contains("active") && st.value("lastSuccessfulTime", "") == "2024-01-01T00:01:07Z";
  })) << cronjob().dump();
  EXPECT_EQ(events("SawCompletedJob"), std::vector<std::string>{"Normal Saw completed job: hello-28401121, status: Complete"});
}

TEST_F(CronJobControllerTest, ForbidSkipsWhileAJobRuns) {
  fake_.put(kCronJobs, cronjob_json({{"concurrencyPolicy", "Forbid"}}));
  start();
  ASSERT_TRUE(eventually([&] { return cronjob()["status"].contains("active"); }));
  at(kT0 + 121'000);
  ASSERT_TRUE(eventually([&] { return !events("JobAlreadyActive").empty(); }));
  EXPECT_EQ(events("JobAlreadyActive")[0],
            "Normal Not starting job because prior execution is running and concurrency policy is Forbid");
  EXPECT_EQ(jobs().size(), 1u);
  // A skipped schedule is not consumed (lastScheduleTime stays): once the running Job
  // finished, the skipped 00:02 run starts at the next sync, as upstream.
  EXPECT_EQ(cronjob()["status"]["lastScheduleTime"], "2024-01-01T00:01:00Z");
  finish("hello-28401121", "Complete", "2024-01-01T00:01:00Z", "2024-01-01T00:02:30Z");
  ASSERT_TRUE(eventually([&] {
    auto a = cronjob()["status"].value("active", json::array());
    return jobs().size() == 2 && a.size() == 1 && a[0]["name"] == "hello-28401122";
  })) << cronjob().dump();
  EXPECT_EQ(cronjob()["status"]["lastScheduleTime"], "2024-01-01T00:02:00Z");
}

TEST_F(CronJobControllerTest, ReplaceDeletesTheRunningJob) {
  fake_.put(kCronJobs, cronjob_json({{"concurrencyPolicy", "Replace"}}));
  start();
  ASSERT_TRUE(eventually([&] { return cronjob()["status"].contains("active"); }));
  at(kT0 + 121'000);
  ASSERT_TRUE(eventually([&] { return job_names() == std::vector<std::string>{"hello-28401122"}; }));
  ASSERT_TRUE(eventually([&] {
    auto a = cronjob()["status"].value("active", json::array());
    return a.size() == 1 && a[0]["name"] == "hello-28401122";
  }));
  EXPECT_EQ(events("SuccessfulDelete"), std::vector<std::string>{"Normal Deleted job hello-28401121"});
}

TEST_F(CronJobControllerTest, SuspendedCronJobsCreateNothing) {
  fake_.put(kCronJobs, cronjob_json({{"suspend", true}}));
  start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(jobs().empty());
  fake_.patch(kCronJobs, "default", "hello", {{"spec", {{"suspend", false}}}});
  ASSERT_TRUE(eventually([&] { return jobs().size() == 1; }));
}

TEST_F(CronJobControllerTest, HistoryLimitsDeleteTheOldestFinishedJobs) {
  auto cj = fake_.put(kCronJobs, cronjob_json({{"schedule", "0 0 1 1 *"}, {"successfulJobsHistoryLimit", 1}, {"failedJobsHistoryLimit", 0}}, ""));
  for (const char* n : {"hello-1", "hello-2", "hello-3", "hello-4"}) fake_.put(kJobs, owned_job(n, cj));
  finish("hello-1", "Complete", "2024-01-01T00:00:01Z", "2024-01-01T00:00:05Z");
  finish("hello-2", "Complete", "2024-01-01T00:00:02Z", "2024-01-01T00:00:06Z");
  finish("hello-3", "Complete", "2024-01-01T00:00:03Z", "2024-01-01T00:00:07Z");
  finish("hello-4", "Failed", "2024-01-01T00:00:04Z", "");
  clock_ = machinery::parse_rfc3339_seconds(cj["metadata"]["creationTimestamp"].get<std::string>()).value_or(0) * 1000 + 1'000;  // nothing due
  start();
  ASSERT_TRUE(eventually([&] { return job_names() == std::vector<std::string>{"hello-3"}; })) << jobs().size();
  EXPECT_EQ(events("SuccessfulDelete").size(), 3u);
  ASSERT_TRUE(eventually([&] { return cronjob()["status"].value("lastSuccessfulTime", "") == "2024-01-01T00:00:07Z"; }));
}

TEST_F(CronJobControllerTest, TooManyMissedStartTimesWarnsAndRunsTheLatest) {
  fake_.put(kCronJobs, cronjob_json({{"schedule", "0 * * * *"}}, "2023-12-20T00:00:00Z"));
  clock_ = kT0 + 5 * 60'000;
  start();
  ASSERT_TRUE(eventually([&] { return jobs().size() == 1; }));
  EXPECT_EQ(jobs()[0]["metadata"]["name"], "hello-" + std::to_string(kT0 / 60'000));
  EXPECT_EQ(events("TooManyMissedTimes"),
            std::vector<std::string>{"Warning too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"});
}

TEST_F(CronJobControllerTest, TimeZones) {
  fake_.put(kCronJobs, cronjob_json({{"schedule", "0 9 * * *"}, {"timeZone", "Asia/Seoul"}}, "2023-12-31T00:00:00Z"));
  clock_ = kT0 + 30 * 60'000;  // 09:30 in Seoul on 2024-01-01
  start();
  ASSERT_TRUE(eventually([&] { return jobs().size() == 1; }));
  EXPECT_EQ(jobs()[0]["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"], "2024-01-01T09:00:00+09:00");
  EXPECT_EQ(jobs()[0]["metadata"]["name"], "hello-" + std::to_string(kT0 / 60'000));
}

TEST_F(CronJobControllerTest, UnknownTimeZoneIsAnEvent) {
  fake_.put(kCronJobs, cronjob_json({{"timeZone", "Mars/Olympus_Mons"}}));
  start();
  ASSERT_TRUE(eventually([&] { return !events("UnknownTimeZone").empty(); }));
  EXPECT_EQ(events("UnknownTimeZone")[0], "Warning invalid timeZone: \"Mars/Olympus_Mons\": unknown time zone Mars/Olympus_Mons");
  EXPECT_TRUE(jobs().empty());
}

TEST_F(CronJobControllerTest, MissingAndUnexpectedJobs) {
  json cj = cronjob_json({{"suspend", true}});
  cj["status"]["active"] = {{{"kind", "Job"}, {"namespace", "default"}, {"name", "hello-gone"}, {"uid", "nope"}, {"apiVersion", "batch/v1"}}};
  auto stored = fake_.put(kCronJobs, cj);
  fake_.put(kJobs, owned_job("hello-manual", stored));
  start();
  ASSERT_TRUE(eventually([&] { return !cronjob()["status"].contains("active"); }));
  EXPECT_EQ(events("MissingJob"), std::vector<std::string>{"Normal Active job went missing: hello-gone"});
  ASSERT_TRUE(eventually([&] { return !events("UnexpectedJob").empty(); }));
  EXPECT_EQ(events("UnexpectedJob")[0], "Warning Saw a job that the controller did not create or forgot: hello-manual");
}

TEST_F(CronJobControllerTest, AJobCreatedBeforeALostStatusWriteIsAdopted) {
  auto cj = fake_.put(kCronJobs, cronjob_json());
  fake_.put(kJobs, owned_job("hello-28401121", cj));
  start();
  ASSERT_TRUE(eventually([&] {
    auto a = cronjob()["status"].value("active", json::array());
    return a.size() == 1 && a[0]["name"] == "hello-28401121";
  }));
  EXPECT_EQ(jobs().size(), 1u);
  EXPECT_TRUE(events("SuccessfulCreate").empty());
}

}  // namespace
}  // namespace capstan::cronjob
