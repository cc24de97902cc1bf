// The Pod Security checks and namespace labels, with upstream's messages (the cases of
// k8s.io/pod-security-admission/policy's tests that the served fields can express).
#include <gtest/gtest.h>

#include "capstan/testing/json_objects.hpp"
#include "namespace_policy.hpp"
#include "pod_checks.hpp"
#include "pod_templates.hpp"
#include "capstan/apps_v1.capnp.h"
#include "capstan/batch_v1.capnp.h"

namespace capstan::pod_security {
namespace {

using nlohmann::json;

std::string violations(Level level, const std::string& pod_json) {
  auto pod = sdk::testing::object_from_json<core::v1::Pod>(json::parse(pod_json));
  auto p = pod->as<core::v1::Pod>();
  return describe(evaluate(level, p.getMetadata(), p.getSpec()));
}

constexpr const char* kPlain = R"({"metadata":{"name":"web"},"spec":{"containers":[{"name":"nginx","image":"nginx"}]}})";

// A pod that meets restricted.
constexpr const char* kRestricted = R"({"metadata":{"name":"web"},"spec":{
  "securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
  "containers":[{"name":"nginx","image":"nginx","securityContext":{"allowPrivilegeEscalation":false,
    "capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}}]}})";

TEST(PodChecks, PlainPodMeetsBaselineNotRestricted) {
  EXPECT_EQ(violations(Level::kPrivileged, kPlain), "");
  EXPECT_EQ(violations(Level::kBaseline, kPlain), "");
  // kubectl's well-known refusal, byte for byte.
  EXPECT_EQ(violations(Level::kRestricted, kPlain),
            "allowPrivilegeEscalation != false (container \"nginx\" must set securityContext.allowPrivilegeEscalation=false), "
            "unrestricted capabilities (container \"nginx\" must set securityContext.capabilities.drop=[\"ALL\"]), "
            "runAsNonRoot != true (pod or container \"nginx\" must set securityContext.runAsNonRoot=true), "
            "seccompProfile (pod or container \"nginx\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
  EXPECT_EQ(violations(Level::kRestricted, kRestricted), "");
}

TEST(PodChecks, BaselineRefusesHostAccess) {
  EXPECT_EQ(violations(Level::kBaseline, R"({"metadata":{"name":"p"},"spec":{"hostNetwork":true,"hostPID":true,
    "volumes":[{"name":"root","hostPath":{"path":"/"}},{"name":"etc","hostPath":{"path":"/etc"}}],
    "containers":[{"name":"a","image":"x","ports":[{"containerPort":80,"hostPort":8080}],
      "securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN","CHOWN","SYS_ADMIN"]}}},
      {"name":"b","image":"x","ports":[{"containerPort":81,"hostPort":8081}]}]}})"),
            "non-default capabilities (container \"a\" must not include \"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add), "
            "host namespaces (hostNetwork, hostPID), "
            "hostPath volumes (volumes \"root\", \"etc\"), "
            "hostPort (containers \"a\", \"b\" use hostPorts 8080, 8081), "
            "privileged (container \"a\" must not set securityContext.privileged=true)");
}

TEST(PodChecks, BaselineSeccompSysctlsSelinuxProcMount) {
  EXPECT_EQ(violations(Level::kBaseline, R"({"metadata":{"name":"p"},"spec":{
    "securityContext":{"seccompProfile":{"type":"Unconfined"},"sysctls":[{"name":"kernel.msgmax","value":"1"},{"name":"net.ipv4.tcp_syncookies","value":"1"}],
      "seLinuxOptions":{"type":"spc_t","user":"root"}},
    "containers":[{"name":"a","image":"x","securityContext":{"procMount":"Unmasked"}}]}})"),
            "procMount (container \"a\" must not set securityContext.procMount to \"Unmasked\"), "
            "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set), "
            "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\"), "
            "forbidden sysctls (kernel.msgmax)");  // ordered by check ID: seccompProfile_baseline < sysctls
}

TEST(PodChecks, RestrictedVolumesUserAndExplicitFalse) {
  EXPECT_EQ(violations(Level::kRestricted, R"({"metadata":{"name":"p"},"spec":{
    "securityContext":{"runAsNonRoot":false,"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"}},
    "volumes":[{"name":"data","hostPath":{"path":"/data"}},{"name":"tmp","emptyDir":{}}],
    "containers":[{"name":"a","image":"x","securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":false,
      "capabilities":{"drop":["ALL"],"add":["SYS_TIME"]}}}]}})"),
            // restrictedVolumes replaces the baseline hostPath check; ordered by check ID
            "unrestricted capabilities (container \"a\" must not include \"SYS_TIME\" in securityContext.capabilities.add), "
            "restricted volume types (volumes [\"data\"] have restricted types), "
            "runAsNonRoot != true (pod and container \"a\" must not set securityContext.runAsNonRoot=false), "
            "runAsUser=0 (pod must not set runAsUser=0)");
}

TEST(NamespacePolicy, LabelsChooseLevelsPerMode) {
  auto p = policy_of({{"pod-security.kubernetes.io/enforce", "baseline"},
                      {"pod-security.kubernetes.io/warn", "restricted"},
                      {"pod-security.kubernetes.io/warn-version", "v1.30"}});
  EXPECT_EQ(p.enforce.text(), "baseline:latest");
  EXPECT_EQ(p.warn.text(), "restricted:v1.30");
  EXPECT_EQ(p.audit.text(), "privileged:latest");
  EXPECT_EQ(policy_of({}).enforce.level, Level::kPrivileged);
}

TEST(NamespacePolicy, MalformedLabelsAreRefused) {
  auto causes = validate_labels({{"pod-security.kubernetes.io/enforce", "strict"},
                                 {"pod-security.kubernetes.io/enforce-version", "1.30"},
                                 {"pod-security.kubernetes.io/audit-version", "v1.07"}});
  ASSERT_EQ(causes.size(), 3u);
  EXPECT_EQ(causes[0].field, "metadata.labels[pod-security.kubernetes.io/enforce]");
  EXPECT_EQ(causes[0].message, "Invalid value: \"strict\": must be one of privileged, baseline, restricted");
  EXPECT_EQ(causes[1].message, "Invalid value: \"1.30\": must be \"latest\" or \"v1.x\"");
  EXPECT_TRUE(validate_labels({{"pod-security.kubernetes.io/enforce", "restricted"},
                               {"pod-security.kubernetes.io/enforce-version", "v1.0"}})
                  .empty());
}

TEST(PodTemplates, WorkloadsAreCheckedThroughTheirPodTemplate) {
  auto deployment = sdk::testing::object_from_json<apps::v1::Deployment>(json::parse(
      R"({"metadata":{"name":"d"},"spec":{"template":{"spec":{"hostPID":true,"containers":[{"name":"c","image":"x"}]}}}})"));
  auto t = pod_template("deployments", *deployment);
  ASSERT_TRUE(t);
  EXPECT_EQ(describe(evaluate(Level::kBaseline, t->getMetadata(), t->getSpec())), "host namespaces (hostPID)");
  auto cronjob = sdk::testing::object_from_json<batch::v1::CronJob>(json::parse(
      R"({"metadata":{"name":"c"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"j","image":"x","securityContext":{"privileged":true}}]}}}}}})"));
  auto ct = pod_template("cronjobs", *cronjob);
  ASSERT_TRUE(ct);
  EXPECT_EQ(describe(evaluate(Level::kBaseline, ct->getMetadata(), ct->getSpec())),
            "privileged (container \"j\" must not set securityContext.privileged=true)");
  EXPECT_FALSE(pod_template("services", *deployment));
}

}  // namespace
}  // namespace capstan::pod_security
