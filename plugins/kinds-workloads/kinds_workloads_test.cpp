// Calls the workload kinds' admission directly with objects built through the generated builders.
#include <gtest/gtest.h>

#include <functional>

#include "capstan/apps_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/testing/build.hpp"
#include "capstan/testing/json_objects.hpp"
#include "kinds.hpp"
#include "pod_spec.hpp"

namespace capstan::workloads {
namespace {

using Op = sdk::AdmissionRequest::Operation;
using core::v1::Container;
using core::v1::Pod;

using sdk::testing::build;

sdk::AdmissionRequest request(Op op, std::string kind, sdk::ObjectPtr object, sdk::ObjectPtr old = nullptr,
                              std::string subresource = "") {
  sdk::AdmissionRequest req;
  req.operation = op;
  req.kind = std::move(kind);
  req.object = std::move(object);
  req.old_object = std::move(old);
  req.subresource = std::move(subresource);
  return req;
}

sdk::ObjectPtr mutated(const sdk::AdmissionResult& r) {
  EXPECT_TRUE(r.allowed);
  EXPECT_FALSE(r.mutated.empty());
  return sdk::Object::from_bytes(r.mutated.data(), r.mutated.size());
}

const sdk::FieldCause* cause(const sdk::AdmissionResult& r, const std::string& field) {
  for (const auto& c : r.causes)
    if (c.field == field) return &c;
  return nullptr;
}

std::string fields(const sdk::AdmissionResult& r) {
  std::string out;
  for (const auto& c : r.causes) out += c.field + ": " + c.message + "\n";
  return out;
}

void set_labels(capnp::List<k8s::StringEntry>::Builder list, std::vector<std::pair<std::string, std::string>> kv) {
  for (unsigned i = 0; i < kv.size(); ++i) {
    list[i].setKey(kv[i].first);
    list[i].setValue(kv[i].second);
  }
}

void basic_container(Container::Builder c, const char* name, const char* image) {
  c.setName(name);
  c.setImage(image);
}

void basic_pod(Pod::Builder p) {
  p.getMetadata().setName("web");
  p.getMetadata().setNamespace("default");
  basic_container(p.initSpec().initContainers(1)[0], "nginx", "nginx");
}

TEST(Pod, DefaultsOnCreate) {
  auto obj = build<Pod>([](Pod::Builder p) {
    p.getMetadata().setName("web");
    auto spec = p.initSpec();
    auto cs = spec.initContainers(2);
    basic_container(cs[0], "nginx", "nginx");
    auto ports = cs[0].initPorts(1);
    ports[0].setContainerPort(80);
    auto probe = cs[0].initLivenessProbe();
    probe.initHttpGet().initPort().setInt(80);
    auto limits = cs[0].initResources().initLimits(2);
    limits[0].setKey("cpu");
    limits[0].setValue("500m");
    limits[1].setKey("memory");
    limits[1].setValue("128Mi");
    basic_container(cs[1], "sidecar", "registry.local:5000/busybox:1.36");
    auto limits2 = cs[1].initResources().initLimits(2);
    limits2[0].setKey("cpu");
    limits2[0].setValue("0.5");
    limits2[1].setKey("memory");
    limits2[1].setValue("64Mi");
    auto vols = spec.initVolumes(2);
    vols[0].setName("config");
    vols[0].initConfigMap().setName("cm");
    vols[1].setName("scratch");
  });
  auto r = admit_pod(request(Op::kCreate, "Pod", obj));
  ASSERT_TRUE(r.allowed) << fields(r);
  auto pod_obj = mutated(r);  // keeps the bytes the reader points into alive
  auto pod = pod_obj->as<Pod>();
  auto spec = pod.getSpec();
  EXPECT_EQ(spec.getRestartPolicy(), "Always");
  EXPECT_EQ(spec.getDnsPolicy(), "ClusterFirst");
  EXPECT_EQ(spec.getSchedulerName(), "default-scheduler");
  ASSERT_TRUE(spec.getTerminationGracePeriodSeconds().isValue());
  EXPECT_EQ(spec.getTerminationGracePeriodSeconds().getValue(), 30);
  EXPECT_EQ(spec.getServiceAccountName(), "default");
  EXPECT_EQ(spec.getServiceAccount(), "default");
  ASSERT_TRUE(spec.getEnableServiceLinks().isValue());
  EXPECT_TRUE(spec.getEnableServiceLinks().getValue());
  EXPECT_TRUE(spec.hasSecurityContext());
  auto c0 = spec.getContainers()[0];
  EXPECT_EQ(c0.getTerminationMessagePath(), "/dev/termination-log");
  EXPECT_EQ(c0.getTerminationMessagePolicy(), "File");
  EXPECT_EQ(c0.getImagePullPolicy(), "Always");
  EXPECT_EQ(c0.getPorts()[0].getProtocol(), "TCP");
  auto probe = c0.getLivenessProbe();
  EXPECT_EQ(probe.getTimeoutSeconds(), 1);
  EXPECT_EQ(probe.getPeriodSeconds(), 10);
  EXPECT_EQ(probe.getSuccessThreshold(), 1);
  EXPECT_EQ(probe.getFailureThreshold(), 3);
  EXPECT_EQ(probe.getHttpGet().getPath(), "/");
  EXPECT_EQ(probe.getHttpGet().getScheme(), "HTTP");
  EXPECT_EQ(c0.getResources().getRequests().size(), 2u);  // requests default to limits
  EXPECT_EQ(spec.getContainers()[1].getImagePullPolicy(), "IfNotPresent");
  ASSERT_TRUE(spec.getVolumes()[0].getConfigMap().getDefaultMode().isValue());
  EXPECT_EQ(spec.getVolumes()[0].getConfigMap().getDefaultMode().getValue(), 420);
  EXPECT_TRUE(spec.getVolumes()[1].hasEmptyDir());
  EXPECT_EQ(pod.getStatus().getPhase(), "Pending");
  EXPECT_EQ(pod.getStatus().getQosClass(), "Guaranteed");
}

TEST(Pod, QosClass) {
  auto best = admit_pod(request(Op::kCreate, "Pod", build<Pod>(basic_pod)));
  EXPECT_EQ(mutated(best)->as<Pod>().getStatus().getQosClass(), "BestEffort");
  auto burst = admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) {
    basic_pod(p);
    auto req = p.getSpec().getContainers()[0].initResources().initRequests(1);
    req[0].setKey("cpu");
    req[0].setValue("100m");
  })));
  EXPECT_EQ(mutated(burst)->as<Pod>().getStatus().getQosClass(), "Burstable");
}

TEST(Pod, ValidationErrorsNameTheField) {
  auto r = admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) {
    auto spec = p.initSpec();
    spec.setRestartPolicy("Sometimes");
    auto init = spec.initInitContainers(1);
    basic_container(init[0], "setup", "busybox");
    auto cs = spec.initContainers(3);
    basic_container(cs[0], "Web_1", "nginx");
    basic_container(cs[1], "setup", "");
    basic_container(cs[2], "app", "app:1");
    auto ports = cs[2].initPorts(2);
    ports[0].setContainerPort(70000);
    ports[1].setContainerPort(8080);
    ports[1].setHostPort(-1);
    auto mounts = cs[2].initVolumeMounts(1);
    mounts[0].setName("missing");
    mounts[0].setMountPath("/data");
    auto vols = spec.initVolumes(2);
    vols[0].setName("data");
    vols[1].setName("data");
  })));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(r.code, 422);
  const sdk::FieldCause* c = nullptr;
  ASSERT_NE(c = cause(r, "spec.containers[0].name"), nullptr) << fields(r);
  EXPECT_NE(c->message.find("RFC 1123 label"), std::string::npos);
  ASSERT_NE(c = cause(r, "spec.containers[1].name"), nullptr) << fields(r);
  EXPECT_EQ(c->message, "Duplicate value: \"setup\"");
  ASSERT_NE(c = cause(r, "spec.containers[1].image"), nullptr) << fields(r);
  EXPECT_EQ(c->message, "Required value");
  ASSERT_NE(c = cause(r, "spec.containers[2].ports[0].containerPort"), nullptr) << fields(r);
  EXPECT_EQ(c->message, "Invalid value: 70000: must be between 1 and 65535, inclusive");
  EXPECT_NE(cause(r, "spec.containers[2].ports[1].hostPort"), nullptr) << fields(r);
  ASSERT_NE(c = cause(r, "spec.containers[2].volumeMounts[0].name"), nullptr) << fields(r);
  EXPECT_EQ(c->message, "Not found: \"missing\"");
  ASSERT_NE(c = cause(r, "spec.volumes[1].name"), nullptr) << fields(r);
  EXPECT_EQ(c->message, "Duplicate value: \"data\"");
  ASSERT_NE(c = cause(r, "spec.restartPolicy"), nullptr) << fields(r);
  EXPECT_EQ(c->message, "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"");
}

TEST(Pod, AtLeastOneContainer) {
  auto r = admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) { p.initSpec(); })));
  ASSERT_FALSE(r.allowed);
  ASSERT_NE(cause(r, "spec.containers"), nullptr) << fields(r);
}

TEST(Pod, SpecIsImmutableExceptImagesDeadlineAndNewTolerations) {
  auto created = mutated(admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) {
    basic_pod(p);
    auto t = p.getSpec().initTolerations(1);
    t[0].setKey("a");
    t[0].setOperator("Exists");
  }))));
  auto update = [&](const std::function<void(Pod::Builder)>& change) {
    capnp::MallocMessageBuilder msg;
    msg.setRoot(created->as<Pod>());
    change(msg.getRoot<Pod>());
    auto bytes = sdk::serialize(msg);
    return admit_pod(request(Op::kUpdate, "Pod", sdk::Object::from_bytes(bytes.data(), bytes.size()), created));
  };
  EXPECT_TRUE(update([](Pod::Builder p) { p.getSpec().getContainers()[0].setImage("nginx:1.27"); }).allowed);
  EXPECT_TRUE(update([](Pod::Builder p) { p.getSpec().getActiveDeadlineSeconds().setValue(60); }).allowed);
  auto added = update([](Pod::Builder p) {
    auto t = p.getSpec().initTolerations(2);
    t[0].setKey("a");
    t[0].setOperator("Exists");
    t[1].setKey("b");
    t[1].setOperator("Exists");
  });
  EXPECT_TRUE(added.allowed) << fields(added);

  auto removed = update([](Pod::Builder p) { p.getSpec().initTolerations(0); });
  ASSERT_FALSE(removed.allowed);
  auto changed = update([](Pod::Builder p) { p.getSpec().setRestartPolicy("Never"); });
  ASSERT_FALSE(changed.allowed);
  const sdk::FieldCause* c = cause(changed, "spec");
  ASSERT_NE(c, nullptr) << fields(changed);
  EXPECT_EQ(c->reason, "FieldValueForbidden");
  EXPECT_EQ(c->message.rfind("Forbidden: pod updates may not change fields other than", 0), 0u) << c->message;
  auto env = update([](Pod::Builder p) { p.getSpec().getContainers()[0].initEnv(1)[0].setName("X"); });
  EXPECT_FALSE(env.allowed);
  // The status subresource does not touch the spec.
  EXPECT_TRUE(admit_pod(request(Op::kUpdate, "Pod", created, created, "status")).allowed);
}

TEST(Pod, BindingSetsNodeNameAndPodScheduledTrue) {
  auto created = mutated(admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) {
    basic_pod(p);
    auto c = p.initStatus().initConditions(2);
    c[0].setType("Initialized");
    c[0].setStatus("True");
    c[1].setType("PodScheduled");  // an earlier failed attempt
    c[1].setStatus("False");
    c[1].setReason("Unschedulable");
  }))));
  capnp::MallocMessageBuilder msg;
  msg.setRoot(created->as<Pod>());
  msg.getRoot<Pod>().getSpec().setNodeName("node-1");
  auto bytes = sdk::serialize(msg);
  auto bound = mutated(admit_pod(request(Op::kUpdate, "Pod", sdk::Object::from_bytes(bytes.data(), bytes.size()), created, "binding")));
  auto conditions = bound->as<Pod>().getStatus().getConditions();
  ASSERT_EQ(conditions.size(), 2u);
  EXPECT_EQ(conditions[0].getType(), "Initialized");
  EXPECT_EQ(conditions[1].getType(), "PodScheduled");
  EXPECT_EQ(conditions[1].getStatus(), "True");
  EXPECT_EQ(conditions[1].getReason(), "");
  EXPECT_NE(conditions[1].getLastTransitionTime(), "");
  // Outside the binding subresource, spec.nodeName may not change at all.
  EXPECT_FALSE(admit_pod(request(Op::kUpdate, "Pod", sdk::Object::from_bytes(bytes.data(), bytes.size()), created)).allowed);
}

// DefaultTolerationSeconds: the two NoExecute node-condition tolerations, 300 s unless configured.
std::vector<std::string> tolerations_of(const sdk::ObjectPtr& pod) {
  std::vector<std::string> out;
  for (auto t : pod->as<Pod>().getSpec().getTolerations()) {
    std::string s = std::string(t.getKey().cStr()) + "/" + t.getOperator().cStr() + "/" + t.getEffect().cStr();
    if (t.getTolerationSeconds().isValue()) s += "/" + std::to_string(t.getTolerationSeconds().getValue());
    out.push_back(s);
  }
  return out;
}

TEST(Pod, DefaultTolerationSeconds) {
  auto plain = mutated(admit_pod(request(Op::kCreate, "Pod", build<Pod>(basic_pod))));
  EXPECT_EQ(tolerations_of(plain), (std::vector<std::string>{"node.kubernetes.io/not-ready/Exists/NoExecute/300",
                                                             "node.kubernetes.io/unreachable/Exists/NoExecute/300"}));
  // Configured seconds; the pod's own unreachable toleration (no limit) is kept and not doubled.
  auto defaults = TolerationDefaults::parse(R"({"defaultNotReadyTolerationSeconds": 7, "defaultUnreachableTolerationSeconds": 2})");
  auto own = mutated(admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) {
    basic_pod(p);
    auto t = p.getSpec().initTolerations(2);
    t[0].setKey("gpu");
    t[0].setOperator("Exists");
    t[0].setEffect("NoSchedule");
    t[1].setKey("node.kubernetes.io/unreachable");
    t[1].setOperator("Exists");
  })), defaults));
  EXPECT_EQ(tolerations_of(own), (std::vector<std::string>{"gpu/Exists/NoSchedule", "node.kubernetes.io/unreachable/Exists/",
                                                           "node.kubernetes.io/not-ready/Exists/NoExecute/7"}));
  // An empty key with an empty effect tolerates everything: nothing is added.
  auto all = mutated(admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) {
    basic_pod(p);
    p.getSpec().initTolerations(1)[0].setOperator("Exists");
  }))));
  EXPECT_EQ(tolerations_of(all), (std::vector<std::string>{"/Exists/"}));
  // A NoSchedule toleration of the same key does not count.
  auto no_schedule = mutated(admit_pod(request(Op::kCreate, "Pod", build<Pod>([](Pod::Builder p) {
    basic_pod(p);
    auto t = p.getSpec().initTolerations(1)[0];
    t.setKey("node.kubernetes.io/not-ready");
    t.setOperator("Exists");
    t.setEffect("NoSchedule");
  })), defaults));
  EXPECT_EQ(tolerations_of(no_schedule).size(), 3u);
  // Malformed or negative config keeps 300.
  auto bad = TolerationDefaults::parse(R"({"defaultNotReadyTolerationSeconds": -1, "defaultUnreachableTolerationSeconds": "2"})");
  EXPECT_EQ(bad.not_ready_seconds, 300);
  EXPECT_EQ(bad.unreachable_seconds, 300);
  EXPECT_EQ(TolerationDefaults::parse("not json").unreachable_seconds, 300);

  // Pods created without them (before this admission existed) get them on their next update,
  // as upstream's plugin also admits updates; subresources are left alone.
  capnp::MallocMessageBuilder msg;
  msg.setRoot(plain->as<Pod>());
  msg.getRoot<Pod>().getSpec().disownTolerations();
  auto bytes = sdk::serialize(msg);
  auto bare = sdk::Object::from_bytes(bytes.data(), bytes.size());
  auto updated = mutated(admit_pod(request(Op::kUpdate, "Pod", bare, bare), defaults));
  EXPECT_EQ(tolerations_of(updated).size(), 2u);
  auto status = admit_pod(request(Op::kUpdate, "Pod", bare, bare, "status"), defaults);
  EXPECT_TRUE(status.allowed);
  EXPECT_TRUE(status.mutated.empty());
  auto bound = mutated(admit_pod(request(Op::kUpdate, "Pod", bare, bare, "binding"), defaults));
  EXPECT_TRUE(tolerations_of(bound).empty());
}

void labelled_template(core::v1::PodTemplateSpec::Builder t, const char* app) {
  set_labels(t.getMetadata().initLabels(1), {{"app", app}});
  basic_container(t.initSpec().initContainers(1)[0], "nginx", "nginx:1.27");
}

TEST(ReplicaSet, DefaultsAndSelectorMatch) {
  auto ok = admit_replica_set(request(Op::kCreate, "ReplicaSet", build<apps::v1::ReplicaSet>([](auto rs) {
    set_labels(rs.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(rs.getSpec().initTemplate(), "web");
  })));
  ASSERT_TRUE(ok.allowed) << fields(ok);
  auto rs_obj = mutated(ok);
  auto rs = rs_obj->as<apps::v1::ReplicaSet>();
  ASSERT_TRUE(rs.getSpec().getReplicas().isValue());
  EXPECT_EQ(rs.getSpec().getReplicas().getValue(), 1);
  auto tspec = rs.getSpec().getTemplate().getSpec();
  EXPECT_EQ(tspec.getRestartPolicy(), "Always");
  EXPECT_EQ(tspec.getContainers()[0].getImagePullPolicy(), "IfNotPresent");
  EXPECT_EQ(tspec.getServiceAccountName(), "");  // only pods get the default service account

  auto bad = admit_replica_set(request(Op::kCreate, "ReplicaSet", build<apps::v1::ReplicaSet>([](auto rs) {
    set_labels(rs.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(rs.getSpec().initTemplate(), "api");
    rs.getSpec().getTemplate().getSpec().setRestartPolicy("Never");
  })));
  ASSERT_FALSE(bad.allowed);
  const sdk::FieldCause* c = cause(bad, "spec.template.metadata.labels");
  ASSERT_NE(c, nullptr) << fields(bad);
  EXPECT_EQ(c->message, "Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`");
  ASSERT_NE(c = cause(bad, "spec.template.spec.restartPolicy"), nullptr) << fields(bad);
  EXPECT_EQ(c->message, "Unsupported value: \"Never\": supported values: \"Always\"");
}

TEST(ReplicaSet, SelectorRequiredAndNonEmpty) {
  auto missing = admit_replica_set(request(Op::kCreate, "ReplicaSet", build<apps::v1::ReplicaSet>([](auto rs) {
    labelled_template(rs.initSpec().initTemplate(), "web");
  })));
  ASSERT_FALSE(missing.allowed);
  ASSERT_NE(cause(missing, "spec.selector"), nullptr) << fields(missing);
  auto empty = admit_replica_set(request(Op::kCreate, "ReplicaSet", build<apps::v1::ReplicaSet>([](auto rs) {
    rs.initSpec().initSelector();
    labelled_template(rs.getSpec().initTemplate(), "web");
  })));
  ASSERT_FALSE(empty.allowed);
  const sdk::FieldCause* c = cause(empty, "spec.selector");
  ASSERT_NE(c, nullptr) << fields(empty);
  EXPECT_NE(c->message.find("empty selector is invalid"), std::string::npos);
}

TEST(ReplicaSet, MatchExpressions) {
  auto r = admit_replica_set(request(Op::kCreate, "ReplicaSet", build<apps::v1::ReplicaSet>([](auto rs) {
    auto e = rs.initSpec().initSelector().initMatchExpressions(1);
    e[0].setKey("app");
    e[0].setOperator("In");
    auto v = e[0].initValues(2);
    v.set(0, "api");
    v.set(1, "web");
    labelled_template(rs.getSpec().initTemplate(), "web");
  })));
  EXPECT_TRUE(r.allowed) << fields(r);
}

TEST(Deployment, Defaults) {
  auto r = admit_deployment(request(Op::kCreate, "Deployment", build<apps::v1::Deployment>([](auto d) {
    set_labels(d.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(d.getSpec().initTemplate(), "web");
  })));
  ASSERT_TRUE(r.allowed) << fields(r);
  auto deploy_obj = mutated(r);
  auto spec = deploy_obj->as<apps::v1::Deployment>().getSpec();
  EXPECT_EQ(spec.getReplicas().getValue(), 1);
  EXPECT_EQ(spec.getStrategy().getType(), "RollingUpdate");
  ASSERT_TRUE(spec.getStrategy().getRollingUpdate().getMaxUnavailable().isStr());
  EXPECT_EQ(spec.getStrategy().getRollingUpdate().getMaxUnavailable().getStr(), "25%");
  EXPECT_EQ(spec.getStrategy().getRollingUpdate().getMaxSurge().getStr(), "25%");
  EXPECT_EQ(spec.getRevisionHistoryLimit().getValue(), 10);
  EXPECT_EQ(spec.getProgressDeadlineSeconds().getValue(), 600);
  auto c = spec.getTemplate().getSpec().getContainers()[0];
  EXPECT_EQ(c.getTerminationMessagePath(), "/dev/termination-log");
  EXPECT_EQ(spec.getTemplate().getSpec().getDnsPolicy(), "ClusterFirst");
}

TEST(Deployment, ExplicitZeroReplicasKept) {
  auto r = admit_deployment(request(Op::kCreate, "Deployment", build<apps::v1::Deployment>([](auto d) {
    d.initSpec().getReplicas().setValue(0);
    set_labels(d.getSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(d.getSpec().initTemplate(), "web");
  })));
  EXPECT_EQ(mutated(r)->as<apps::v1::Deployment>().getSpec().getReplicas().getValue(), 0);
}

TEST(Deployment, RecreateMustNotCarryRollingUpdate) {
  auto r = admit_deployment(request(Op::kCreate, "Deployment", build<apps::v1::Deployment>([](auto d) {
    set_labels(d.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(d.getSpec().initTemplate(), "other");
    d.getSpec().initStrategy().setType("Recreate");
    d.getSpec().getStrategy().initRollingUpdate().initMaxSurge().setInt(1);
  })));
  ASSERT_FALSE(r.allowed);
  const sdk::FieldCause* c = cause(r, "spec.strategy.rollingUpdate");
  ASSERT_NE(c, nullptr) << fields(r);
  EXPECT_EQ(c->reason, "FieldValueForbidden");
  EXPECT_NE(cause(r, "spec.template.metadata.labels"), nullptr) << fields(r);
}

TEST(DaemonSet, Defaults) {
  auto r = admit_daemon_set(request(Op::kCreate, "DaemonSet", build<apps::v1::DaemonSet>([](auto d) {
    set_labels(d.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(d.getSpec().initTemplate(), "web");
  })));
  ASSERT_TRUE(r.allowed) << fields(r);
  auto ds_obj = mutated(r);
  auto spec = ds_obj->as<apps::v1::DaemonSet>().getSpec();
  EXPECT_EQ(spec.getUpdateStrategy().getType(), "RollingUpdate");
  auto ru = spec.getUpdateStrategy().getRollingUpdate();
  ASSERT_TRUE(ru.getMaxUnavailable().isInt());
  EXPECT_EQ(ru.getMaxUnavailable().getInt(), 1);
  EXPECT_EQ(ru.getMaxSurge().getInt(), 0);
  EXPECT_EQ(spec.getRevisionHistoryLimit().getValue(), 10);
  EXPECT_EQ(spec.getTemplate().getSpec().getRestartPolicy(), "Always");
  auto generation = [](const sdk::ObjectPtr& o) {
    for (auto a : o->as<apps::v1::DaemonSet>().getMetadata().getAnnotations())
      if (a.getKey() == "deprecated.daemonset.template.generation") return std::string(a.getValue().cStr());
    return std::string();
  };
  auto created = mutated(r);
  EXPECT_EQ(generation(created), "1");
  // An update that leaves the template alone keeps the generation; a template change bumps it.
  auto same_tmpl = admit_daemon_set(request(Op::kUpdate, "DaemonSet", created, created));
  EXPECT_EQ(generation(mutated(same_tmpl)), "1");
  auto changed = build<apps::v1::DaemonSet>([&](auto d) {
    d.setSpec(created->as<apps::v1::DaemonSet>().getSpec());
    d.setMetadata(created->as<apps::v1::DaemonSet>().getMetadata());
    d.getSpec().getTemplate().getSpec().getContainers()[0].setImage("nginx:2");
  });
  EXPECT_EQ(generation(mutated(admit_daemon_set(request(Op::kUpdate, "DaemonSet", changed, created)))), "2");
}

TEST(DaemonSet, ValidationMessages) {
  auto both = admit_daemon_set(request(Op::kCreate, "DaemonSet", build<apps::v1::DaemonSet>([](auto d) {
    set_labels(d.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(d.getSpec().initTemplate(), "web");
    auto ru = d.getSpec().initUpdateStrategy().initRollingUpdate();
    ru.initMaxUnavailable().setStr("10%");
    ru.initMaxSurge().setInt(1);
    d.getSpec().getTemplate().getSpec().getActiveDeadlineSeconds().setValue(5);
  })));
  ASSERT_FALSE(both.allowed);
  const sdk::FieldCause* c = cause(both, "spec.updateStrategy.rollingUpdate.maxSurge");
  ASSERT_NE(c, nullptr) << fields(both);
  EXPECT_EQ(c->message, "Invalid value: 1: may not be set when maxUnavailable is non-zero");
  ASSERT_NE(c = cause(both, "spec.template.spec.activeDeadlineSeconds"), nullptr) << fields(both);
  EXPECT_EQ(c->message, "Forbidden: activeDeadlineSeconds in DaemonSet is not Supported");

  auto zero = admit_daemon_set(request(Op::kCreate, "DaemonSet", build<apps::v1::DaemonSet>([](auto d) {
    d.initSpec().initSelector();
    labelled_template(d.getSpec().initTemplate(), "web");
    auto ru = d.getSpec().initUpdateStrategy().initRollingUpdate();
    ru.initMaxUnavailable().setStr("0%");
    ru.initMaxSurge().setStr("200%");
  })));
  ASSERT_FALSE(zero.allowed);
  ASSERT_NE(c = cause(zero, "spec.updateStrategy.rollingUpdate.maxSurge"), nullptr) << fields(zero);
  EXPECT_EQ(c->message, "Invalid value: \"200%\": must not be greater than 100%");
  ASSERT_NE(c = cause(zero, "spec.selector"), nullptr) << fields(zero);
  EXPECT_NE(c->message.find("empty selector is invalid for daemonset"), std::string::npos);

  auto none = admit_daemon_set(request(Op::kCreate, "DaemonSet", build<apps::v1::DaemonSet>([](auto d) {
    set_labels(d.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(d.getSpec().initTemplate(), "web");
    auto ru = d.getSpec().initUpdateStrategy().initRollingUpdate();
    ru.initMaxUnavailable().setInt(0);
  })));
  ASSERT_FALSE(none.allowed);
  ASSERT_NE(c = cause(none, "spec.updateStrategy.rollingUpdate.maxUnavailable"), nullptr) << fields(none);
  EXPECT_EQ(c->message, "Required value: cannot be 0 when maxSurge is 0");

  auto bogus = admit_daemon_set(request(Op::kCreate, "DaemonSet", build<apps::v1::DaemonSet>([](auto d) {
    set_labels(d.initSpec().initSelector().initMatchLabels(1), {{"app", "web"}});
    labelled_template(d.getSpec().initTemplate(), "web");
    d.getSpec().initUpdateStrategy().setType("Recreate");
  })));
  ASSERT_FALSE(bogus.allowed);
  ASSERT_NE(c = cause(bogus, "spec.updateStrategy"), nullptr) << fields(bogus);
  EXPECT_EQ(c->reason, "FieldValueNotSupported");
}

TEST(ControllerRevision, DataIsMandatoryAndImmutable) {
  auto empty = admit_controller_revision(request(Op::kCreate, "ControllerRevision", build<apps::v1::ControllerRevision>([](auto cr) {
    cr.getMetadata().setName("x");
  })));
  ASSERT_FALSE(empty.allowed);
  ASSERT_NE(cause(empty, "data"), nullptr);
  auto v1 = build<apps::v1::ControllerRevision>([](auto cr) {
    cr.setData("{\"a\":1}");
    cr.getRevision().setValue(1);
  });
  auto v2 = build<apps::v1::ControllerRevision>([](auto cr) {
    cr.setData("{\"a\":2}");
    cr.getRevision().setValue(2);
  });
  auto v1b = build<apps::v1::ControllerRevision>([](auto cr) {
    cr.setData("{\"a\":1}");
    cr.getRevision().setValue(3);
  });
  EXPECT_TRUE(admit_controller_revision(request(Op::kCreate, "ControllerRevision", v1)).allowed);
  EXPECT_FALSE(admit_controller_revision(request(Op::kUpdate, "ControllerRevision", v2, v1)).allowed);
  EXPECT_TRUE(admit_controller_revision(request(Op::kUpdate, "ControllerRevision", v1b, v1)).allowed);  // revision may change
}

TEST(PodTemplate, SharesPodSpecRules) {
  auto ok = admit_pod_template(request(Op::kCreate, "PodTemplate", build<core::v1::PodTemplate>([](auto t) {
    labelled_template(t.initTemplate(), "web");
  })));
  ASSERT_TRUE(ok.allowed) << fields(ok);
  EXPECT_EQ(mutated(ok)->as<core::v1::PodTemplate>().getTemplate().getSpec().getSchedulerName(), "default-scheduler");
  auto bad = admit_pod_template(request(Op::kCreate, "PodTemplate", build<core::v1::PodTemplate>([](auto t) {
    basic_container(t.initTemplate().initSpec().initContainers(1)[0], "Bad", "x");
  })));
  ASSERT_FALSE(bad.allowed);
  EXPECT_NE(cause(bad, "template.spec.containers[0].name"), nullptr) << fields(bad);
}

TEST(Node, TaintEffect) {
  auto r = admit_node(request(Op::kCreate, "Node", build<core::v1::Node>([](auto n) {
    auto t = n.initSpec().initTaints(1);
    t[0].setKey("k");
    t[0].setEffect("Sometimes");
  })));
  ASSERT_FALSE(r.allowed);
  EXPECT_NE(cause(r, "spec.taints[0].effect"), nullptr) << fields(r);
}

}  // namespace
}  // namespace capstan::workloads

// ---- StatefulSet

namespace capstan::workloads {
namespace {

using nlohmann::json;

json sts_json() {
  return {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec",
           {{"serviceName", "nginx"},
            {"selector", {{"matchLabels", {{"app", "web"}}}}},
            {"template", {{"metadata", {{"labels", {{"app", "web"}}}}},
                          {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"},
                                                      {"volumeMounts", {{{"name", "data"}, {"mountPath", "/d"}}}}}}}}}}},
            {"volumeClaimTemplates", {{{"metadata", {{"name", "data"}}},
                                       {"spec", {{"accessModes", {"ReadWriteOnce"}},
                                                 {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}}}}}}};
}

TEST(StatefulSet, Defaults) {
  auto r = admit_stateful_set(request(Op::kCreate, "StatefulSet", sdk::testing::object_from_json<apps::v1::StatefulSet>(sts_json())));
  ASSERT_TRUE(r.allowed) << fields(r);
  json out = sdk::testing::json_of<apps::v1::StatefulSet>(r.mutated);
  EXPECT_EQ(out["spec"]["replicas"], 1);
  EXPECT_EQ(out["spec"]["podManagementPolicy"], "OrderedReady");
  EXPECT_EQ(out["spec"]["updateStrategy"], json({{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}}));
  EXPECT_EQ(out["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(out["spec"]["persistentVolumeClaimRetentionPolicy"], json({{"whenDeleted", "Retain"}, {"whenScaled", "Retain"}}));
  auto vct = out["spec"]["volumeClaimTemplates"][0];
  EXPECT_EQ(vct["apiVersion"], "v1");
  EXPECT_EQ(vct["kind"], "PersistentVolumeClaim");
  EXPECT_EQ(vct["spec"]["volumeMode"], "Filesystem");
  EXPECT_EQ(vct["status"]["phase"], "Pending");
  // The template's volumeMounts name a claim, not a volume: not an error here.
}

TEST(StatefulSet, OnlySomeFieldsMayChange) {
  auto created = admit_stateful_set(request(Op::kCreate, "StatefulSet", sdk::testing::object_from_json<apps::v1::StatefulSet>(sts_json())));
  json stored = sdk::testing::json_of<apps::v1::StatefulSet>(created.mutated);
  json next = stored;
  next["spec"]["replicas"] = 5;
  next["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
  next["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 2;
  next["spec"]["revisionHistoryLimit"] = 3;
  next["spec"]["minReadySeconds"] = 5;
  auto old = sdk::testing::object_from_json<apps::v1::StatefulSet>(stored);
  EXPECT_TRUE(admit_stateful_set(request(Op::kUpdate, "StatefulSet", sdk::testing::object_from_json<apps::v1::StatefulSet>(next), old)).allowed);
  next = stored;
  next["spec"]["serviceName"] = "other";
  auto r = admit_stateful_set(request(Op::kUpdate, "StatefulSet", sdk::testing::object_from_json<apps::v1::StatefulSet>(next), old));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(fields(r),
            "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
            "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
            "forbidden\n");
  next = stored;
  next["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "2Gi";
  EXPECT_FALSE(admit_stateful_set(request(Op::kUpdate, "StatefulSet", sdk::testing::object_from_json<apps::v1::StatefulSet>(next), old)).allowed);
}

TEST(StatefulSet, Validation) {
  json bad = sts_json();
  bad["spec"]["podManagementPolicy"] = "Random";
  bad["spec"]["replicas"] = -1;
  bad["spec"]["template"]["metadata"]["labels"]["app"] = "other";
  bad["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  auto r = admit_stateful_set(request(Op::kCreate, "StatefulSet", sdk::testing::object_from_json<apps::v1::StatefulSet>(bad)));
  ASSERT_FALSE(r.allowed);
  EXPECT_EQ(fields(r),
            "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'\n"
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"
            "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match "
            "template `labels`\n"
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"\n");
}

}  // namespace
}  // namespace capstan::workloads
