// The batch kinds' admission called directly, objects written as JSON (through the kernel's codec,
// as the API server decodes them): Job and CronJob defaulting, selector generation, validation
// messages, update and status rules, and printer cells.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include <nlohmann/json.hpp>

#include "capstan/batch_v1.capnp.h"
#include "capstan/machinery/time.hpp"
#include "job_rules.hpp"
#include "kinds.hpp"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/testing/json_objects.hpp"

namespace capstan::batch_kinds {
namespace {

using nlohmann::json;
using Op = sdk::AdmissionRequest::Operation;

template <typename T>
sdk::ObjectPtr object(const json& j) {
  return sdk::testing::object_from_json<T>(j);
}

template <typename T>
json to_json(const std::string& bytes) {
  return sdk::testing::json_of<T>(bytes);
}

json job(json spec, std::string name = "pi") {
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "11111111-2222-3333-4444-555555555555"}}},
          {"spec", spec}};
}

json pod_template(std::string restart = "Never") {
  json t = {{"spec", {{"containers", {{{"name", "pi"}, {"image", "perl"}}}}}}};
  if (!restart.empty()) t["spec"]["restartPolicy"] = restart;
  return t;
}

sdk::AdmissionRequest request(Op op, std::string kind, sdk::ObjectPtr obj, sdk::ObjectPtr old = nullptr,
                              std::string sub = "") {
  sdk::AdmissionRequest r;
  r.operation = op;
  r.kind = std::move(kind);
  r.object = std::move(obj);
  r.old_object = std::move(old);
  r.subresource = std::move(sub);
  return r;
}

std::string messages(const sdk::AdmissionResult& r) {
  std::string out;
  for (const auto& c : r.causes) out += c.field + ": " + c.message + "\n";
  return out;
}

bool has(const sdk::AdmissionResult& r, const std::string& line) {
  return messages(r).find(line + "\n") != std::string::npos;
}

// Admits a create and returns the stored JSON.
json created_job(const json& spec) {
  auto r = admit_job(request(Op::kCreate, "Job", object<Job>(job(spec))));
  EXPECT_TRUE(r.allowed) << messages(r);
  return r.allowed ? to_json<Job>(r.mutated) : json();
}

TEST(JobAdmission, DefaultsAndGeneratedSelectorAsKubeApiserver) {
  json j = created_job({{"template", pod_template()}, {"backoffLimit", 4}});
  const std::string uid = "11111111-2222-3333-4444-555555555555";
  auto spec = j["spec"];
  EXPECT_EQ(spec["completions"], 1);
  EXPECT_EQ(spec["parallelism"], 1);
  EXPECT_EQ(spec["backoffLimit"], 4);
  EXPECT_EQ(spec["completionMode"], "NonIndexed");
  EXPECT_EQ(spec["suspend"], false);
  EXPECT_EQ(spec["manualSelector"], false);
  EXPECT_EQ(spec["podReplacementPolicy"], "TerminatingOrFailed");
  EXPECT_EQ(spec["selector"], json({{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}}));
  json labels = {{"batch.kubernetes.io/controller-uid", uid}, {"batch.kubernetes.io/job-name", "pi"},
                 {"controller-uid", uid}, {"job-name", "pi"}};
  EXPECT_EQ(spec["template"]["metadata"]["labels"], labels);
  EXPECT_EQ(j["metadata"]["labels"], labels);  // a Job without labels shows its template's
  EXPECT_EQ(spec["template"]["spec"]["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(spec["template"]["spec"]["terminationGracePeriodSeconds"], 30);
  EXPECT_EQ(created_job({{"template", pod_template()}})["spec"]["backoffLimit"], 6);
}

TEST(JobAdmission, DefaultsDependingOnOtherFields) {
  json j = created_job({{"template", pod_template()},
                        {"completionMode", "Indexed"},
                        {"completions", 3},
                        {"backoffLimitPerIndex", 1},
                        {"podFailurePolicy",
                         {{"rules", {{{"action", "Ignore"}, {"onPodConditions", {{{"type", "DisruptionTarget"}}}}}}}}}});
  EXPECT_EQ(j["spec"]["backoffLimit"], 2147483647);
  EXPECT_EQ(j["spec"]["parallelism"], 1);
  EXPECT_EQ(j["spec"]["podReplacementPolicy"], "Failed");
  EXPECT_EQ(j["spec"]["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"], "True");
  // Completions without parallelism: parallelism 1; parallelism without completions: none.
  json p = created_job({{"template", pod_template()}, {"parallelism", 3}});
  EXPECT_FALSE(p["spec"].contains("completions"));
  // A Job with its own labels keeps them.
  json jl = job({{"template", pod_template()}});
  jl["metadata"]["labels"] = {{"app", "x"}};
  auto r = admit_job(request(Op::kCreate, "Job", object<Job>(jl)));
  EXPECT_EQ(to_json<Job>(r.mutated)["metadata"]["labels"], json({{"app", "x"}}));
}

TEST(JobAdmission, ValidationMessagesAsUpstream) {
  auto refused = [](json spec) {
    auto r = admit_job(request(Op::kCreate, "Job", object<Job>(job(spec))));
    EXPECT_FALSE(r.allowed);
    EXPECT_EQ(r.code, 422);
    return r;
  };
  EXPECT_TRUE(has(refused({{"template", pod_template("")}}),
                  "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""));
  EXPECT_TRUE(has(refused({{"template", pod_template("Always")}}),
                  "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"parallelism", -1}}),
                  "spec.parallelism: Invalid value: -1: must be greater than or equal to 0"));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"backoffLimit", -2}}),
                  "spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0"));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"completionMode", "Indexed"}, {"parallelism", 2}}),
                  "spec.completions: Required value: when completion mode is Indexed"));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"completionMode", "Sometimes"}}),
                  "spec.completionMode: Unsupported value: \"Sometimes\": supported values: \"NonIndexed\", \"Indexed\""));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"backoffLimitPerIndex", 1}}),
                  "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"maxFailedIndexes", 1}}),
                  "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"));
  auto policy = [](json rule) { return json{{"rules", {rule}}}; };
  EXPECT_TRUE(has(refused({{"template", pod_template("OnFailure")},
                           {"podFailurePolicy", policy({{"action", "FailJob"}, {"onExitCodes", {{"operator", "In"}, {"values", {42}}}}})}}),
                  "spec.template.spec.restartPolicy: Invalid value: \"OnFailure\": only \"Never\" is supported when "
                  "podFailurePolicy is specified"));
  auto r = refused({{"template", pod_template()},
                    {"podFailurePolicy",
                     policy({{"action", "FailJob"},
                             {"onExitCodes", {{"containerName", "nope"}, {"operator", "In"}, {"values", {0, 3, 2, 2}}}}})}});
  EXPECT_TRUE(has(r, "spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: \"nope\": must be one of "
                     "the container or initContainer names in the pod template"));
  EXPECT_TRUE(has(r, "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator"));
  EXPECT_TRUE(has(r, "spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 2"));
  EXPECT_TRUE(has(r, "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{0, 3, 2, 2}: must be ordered"));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"podFailurePolicy", policy({{"action", "Retry"}, {"onExitCodes", {{"operator", "In"}, {"values", {1}}}}})}}),
                  "spec.podFailurePolicy.rules[0].action: Unsupported value: \"Retry\": supported values: \"Count\", "
                  "\"FailIndex\", \"FailJob\", \"Ignore\""));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"podFailurePolicy", policy({{"action", "Ignore"}})}}),
                  "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required"));
  EXPECT_TRUE(has(refused({{"template", pod_template()}, {"podReplacementPolicy", "Sometimes"}}),
                  "spec.podReplacementPolicy: Unsupported value: \"Sometimes\": supported values: \"Failed\", \"TerminatingOrFailed\""));
  // A manual selector must match the template's labels.
  json manual = {{"template", pod_template()}, {"manualSelector", true}, {"selector", {{"matchLabels", {{"app", "x"}}}}}};
  EXPECT_TRUE(has(refused(manual), "spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does "
                                   "not match template `labels`"));
  manual["template"]["metadata"]["labels"] = {{"app", "x"}};
  EXPECT_TRUE(admit_job(request(Op::kCreate, "Job", object<Job>(job(manual)))).allowed);
  // Indexed pods get the hostname <job>-<index>: it must stay a DNS label.
  std::string long_name(60, 'a');
  auto long_indexed = admit_job(request(
      Op::kCreate, "Job", object<Job>(job({{"template", pod_template()}, {"completionMode", "Indexed"}, {"completions", 1000}}, long_name))));
  EXPECT_TRUE(has(long_indexed, "metadata.name: Invalid value: \"" + long_name +
                                    "\": will not able to create pod with invalid DNS label: " + long_name + "-999"));
}

TEST(JobAdmission, UpdateRules) {
  json stored = created_job({{"template", pod_template()}, {"completions", 2}, {"parallelism", 2}});
  auto old = object<Job>(stored);
  auto update = [&](json j) { return admit_job(request(Op::kUpdate, "Job", object<Job>(j), old)); };
  json changed = stored;
  changed["spec"]["parallelism"] = 1;  // allowed
  EXPECT_TRUE(update(changed).allowed);
  changed["spec"]["completions"] = 3;
  EXPECT_TRUE(has(update(changed), "spec.completions: Invalid value: 3: field is immutable"));
  changed = stored;
  changed["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:2";
  EXPECT_TRUE(has(update(changed), "spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable"));
  changed = stored;
  changed["spec"]["selector"]["matchLabels"]["extra"] = "x";
  EXPECT_NE(messages(update(changed)).find("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"),
            std::string::npos);
  changed = stored;
  changed["spec"]["completionMode"] = "Indexed";
  EXPECT_TRUE(has(update(changed), "spec.completionMode: Invalid value: \"Indexed\": field is immutable"));

  // Elastic Indexed Jobs scale completions with parallelism.
  json indexed = created_job({{"template", pod_template()}, {"completionMode", "Indexed"}, {"completions", 4}, {"parallelism", 4}});
  auto old_indexed = object<Job>(indexed);
  indexed["spec"]["completions"] = 2;
  indexed["spec"]["parallelism"] = 2;
  EXPECT_TRUE(admit_job(request(Op::kUpdate, "Job", object<Job>(indexed), old_indexed)).allowed);
  indexed["spec"]["parallelism"] = 3;
  EXPECT_TRUE(has(admit_job(request(Op::kUpdate, "Job", object<Job>(indexed), old_indexed)),
                  "spec.completions: Invalid value: 2: can only be modified in tandem with spec.parallelism"));

  // A suspended Job that never started may change its scheduling directives.
  json suspended = created_job({{"template", pod_template()}, {"suspend", true}});
  auto old_suspended = object<Job>(suspended);
  suspended["spec"]["template"]["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  EXPECT_TRUE(admit_job(request(Op::kUpdate, "Job", object<Job>(suspended), old_suspended)).allowed);
  suspended["spec"]["template"]["spec"]["containers"][0]["image"] = "other";
  EXPECT_FALSE(admit_job(request(Op::kUpdate, "Job", object<Job>(suspended), old_suspended)).allowed);
}

TEST(JobAdmission, StatusTransitionRules) {
  json stored = created_job({{"template", pod_template()}});
  stored["status"] = {{"startTime", "2024-01-01T00:00:00Z"}, {"active", 1}};
  auto old = object<Job>(stored);
  auto status = [&](json st) {
    json j = stored;
    j["status"] = st;
    return admit_job(request(Op::kUpdate, "Job", object<Job>(j), old, "status"));
  };
  json complete = {{"startTime", "2024-01-01T00:00:00Z"},
                   {"completionTime", "2024-01-01T00:01:00Z"},
                   {"succeeded", 1},
                   {"conditions",
                    {{{"type", "SuccessCriteriaMet"}, {"status", "True"}}, {{"type", "Complete"}, {"status", "True"}}}}};
  EXPECT_TRUE(status(complete).allowed) << messages(status(complete));
  json still_active = complete;
  still_active["active"] = 1;
  EXPECT_TRUE(has(status(still_active), "status.active: Invalid value: 1: active>0 is invalid for finished job"));
  json no_criteria = complete;
  no_criteria["conditions"] = {{{"type", "Complete"}, {"status", "True"}}};
  EXPECT_TRUE(has(status(no_criteria),
                  "status.conditions: Invalid value: cannot set Complete=True condition without the SuccessCriteriaMet=true condition"));
  json failed = {{"startTime", "2024-01-01T00:00:00Z"}, {"conditions", {{{"type", "Failed"}, {"status", "True"}}}}};
  EXPECT_TRUE(has(status(failed),
                  "status.conditions: Invalid value: cannot set Failed=True condition without the FailureTarget=true condition"));
  json lower = {{"startTime", "2024-01-01T00:00:00Z"}, {"failed", -1}};
  EXPECT_TRUE(has(status(lower), "status.failed: Invalid value: -1: must be greater than or equal to 0"));
  json ready = {{"startTime", "2024-01-01T00:00:00Z"}, {"active", 1}, {"ready", 2}};
  EXPECT_TRUE(has(status(ready), "status.ready: Invalid value: 2: cannot set more ready pods than active"));
  // Terminal conditions cannot be taken back.
  json done = stored;
  done["status"] = complete;
  auto old_done = object<Job>(done);
  json reopened = done;
  reopened["status"]["conditions"] = {{{"type", "SuccessCriteriaMet"}, {"status", "True"}}};
  reopened["status"].erase("completionTime");
  EXPECT_TRUE(has(admit_job(request(Op::kUpdate, "Job", object<Job>(reopened), old_done, "status")),
                  "status.conditions: Invalid value: cannot disable the terminal Complete=True condition"));
}

json cronjob(json spec, std::string name = "hello") {
  return {{"apiVersion", "batch/v1"}, {"kind", "CronJob"}, {"metadata", {{"name", name}, {"namespace", "default"}}}, {"spec", spec}};
}

json cron_spec(std::string schedule) {
  return {{"schedule", schedule}, {"jobTemplate", {{"spec", {{"template", pod_template("OnFailure")}}}}}};
}

TEST(CronJobAdmission, DefaultsAndValidation) {
  machinery::TimeZoneDatabase zones;
  auto admit = [&](json cj, Op op = Op::kCreate, sdk::ObjectPtr old = nullptr) {
    return admit_cronjob(request(op, "CronJob", object<batch::v1::CronJob>(cj), old), zones);
  };
  auto ok = admit(cronjob(cron_spec("*/1 * * * *")));
  ASSERT_TRUE(ok.allowed) << messages(ok);
  json cj = to_json<batch::v1::CronJob>(ok.mutated);
  EXPECT_EQ(cj["spec"]["concurrencyPolicy"], "Allow");
  EXPECT_EQ(cj["spec"]["suspend"], false);
  EXPECT_EQ(cj["spec"]["successfulJobsHistoryLimit"], 3);
  EXPECT_EQ(cj["spec"]["failedJobsHistoryLimit"], 1);
  // The job template is not defaulted as a Job (no backoffLimit), only its pod template.
  EXPECT_FALSE(cj["spec"]["jobTemplate"]["spec"].contains("backoffLimit"));
  EXPECT_EQ(cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");

  EXPECT_TRUE(has(admit(cronjob(cron_spec("CRON_TZ=UTC * * * * *"))),
                  "spec.schedule: Invalid value: \"CRON_TZ=UTC * * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  EXPECT_TRUE(has(admit(cronjob(cron_spec("*/1 * * * * *"))),
                  "spec.schedule: Invalid value: \"*/1 * * * * *\": expected exactly 5 fields, found 6: [*/1 * * * * *]"));
  EXPECT_TRUE(has(admit(cronjob(cron_spec("61 * * * *"))),
                  "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"));
  EXPECT_TRUE(admit(cronjob(cron_spec("*/61 * * * *"))).allowed);
  EXPECT_TRUE(admit(cronjob(cron_spec("@hourly"))).allowed);
  json tz = cron_spec("0 9 * * *");
  tz["timeZone"] = "Mars/Olympus_Mons";
  EXPECT_TRUE(has(admit(cronjob(tz)), "spec.timeZone: Invalid value: \"Mars/Olympus_Mons\": unknown time zone Mars/Olympus_Mons"));
  tz["timeZone"] = "Local";
  EXPECT_TRUE(has(admit(cronjob(tz)), "spec.timeZone: Invalid value: \"Local\": timeZone must be an explicit time zone as "
                                      "defined in https://www.iana.org/time-zones"));
  tz["timeZone"] = "../etc";
  EXPECT_TRUE(has(admit(cronjob(tz)), "spec.timeZone: Invalid value: \"../etc\": unknown time zone ../etc"));
  tz["timeZone"] = "America/New_York";
  EXPECT_TRUE(admit(cronjob(tz)).allowed);
  json policy = cron_spec("@daily");
  policy["concurrencyPolicy"] = "Sometimes";
  EXPECT_TRUE(has(admit(cronjob(policy)), "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: "
                                          "\"Allow\", \"Forbid\", \"Replace\""));
  json sel = cron_spec("@daily");
  sel["jobTemplate"]["spec"]["selector"] = {{"matchLabels", {{"a", "b"}}}};
  EXPECT_NE(messages(admit(cronjob(sel))).find("spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{"), std::string::npos);
  json manual = cron_spec("@daily");
  manual["jobTemplate"]["spec"]["manualSelector"] = true;
  EXPECT_TRUE(has(admit(cronjob(manual)),
                  "spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: \"nil\", \"false\""));
  json always = cron_spec("@daily");
  always["jobTemplate"]["spec"]["template"]["spec"].erase("restartPolicy");
  EXPECT_TRUE(has(admit(cronjob(always)), "spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid "
                                          "values: \"OnFailure\", \"Never\""));
  EXPECT_TRUE(has(admit(cronjob(cron_spec("@daily"), std::string(53, 'a'))),
                  "metadata.name: Invalid value: \"" + std::string(53, 'a') + "\": must be no more than 52 characters"));
  // A stored schedule with TZ may keep it on update, but not together with timeZone.
  auto old = object<batch::v1::CronJob>(cronjob(cron_spec("TZ=UTC 0 * * * *")));
  EXPECT_TRUE(admit(cronjob(cron_spec("TZ=UTC 5 * * * *")), Op::kUpdate, old).allowed);
  json both = cron_spec("TZ=UTC 5 * * * *");
  both["timeZone"] = "UTC";
  EXPECT_TRUE(has(admit(cronjob(both), Op::kUpdate, old),
                  "spec.schedule: Invalid value: \"TZ=UTC 5 * * * *\": cannot use both timeZone field and TZ or CRON_TZ in schedule"));
}

TEST(Printers, JobColumnsAsKubectl) {
  json j = created_job({{"template", pod_template()}});
  const int64_t start = machinery::parse_rfc3339_seconds("2024-01-01T00:00:00Z").value_or(0);
  j["status"] = {{"startTime", "2024-01-01T00:00:00Z"}, {"active", 1}};
  auto cells = print_job(object<Job>(j), start + 95);
  EXPECT_EQ(cells[0], "Running");
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "95s");
  EXPECT_EQ(cells[3], "batch.kubernetes.io/controller-uid=11111111-2222-3333-4444-555555555555");
  j["status"] = {{"startTime", "2024-01-01T00:00:00Z"},
                 {"completionTime", "2024-01-01T00:03:05Z"},
                 {"succeeded", 1},
                 {"conditions", {{{"type", "SuccessCriteriaMet"}, {"status", "True"}}, {{"type", "Complete"}, {"status", "True"}}}}};
  cells = print_job(object<Job>(j), start + 100000);
  EXPECT_EQ(cells[0], "Complete");
  EXPECT_EQ(cells[1], "1/1");
  EXPECT_EQ(cells[2], "3m5s");
  j["status"]["conditions"] = {{{"type", "FailureTarget"}, {"status", "True"}}};
  EXPECT_EQ(print_job(object<Job>(j), start)[0], "FailureTarget");
  j["status"]["conditions"] = {{{"type", "Suspended"}, {"status", "True"}}};
  EXPECT_EQ(print_job(object<Job>(j), start)[0], "Suspended");
  json par = created_job({{"template", pod_template()}, {"parallelism", 3}});
  EXPECT_EQ(print_job(object<Job>(par), start)[1], "0/1 of 3");
  EXPECT_EQ(print_job(object<Job>(par), start)[2], "");  // not started

  auto cron = print_cronjob(object<batch::v1::CronJob>(cronjob(cron_spec("@daily"))));
  EXPECT_EQ(cron[0], "<unset>");
  EXPECT_EQ(cron[1], "<none>");
  json suspended = cronjob(cron_spec("@daily"));
  suspended["spec"]["suspend"] = true;
  EXPECT_EQ(print_cronjob(object<batch::v1::CronJob>(suspended))[0], "True");
}

}  // namespace
}  // namespace capstan::batch_kinds
