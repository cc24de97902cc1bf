#include "pod_security_plugin.hpp"

#include <chrono>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/message.hpp"
#include "capstan/machinery/resources.hpp"
#include "namespace_policy.hpp"
#include "pod_checks.hpp"
#include "pod_templates.hpp"

namespace capstan::pod_security {

namespace {

Labels labels_of(meta::ObjectMeta::Reader m) {
  Labels out;
  for (auto l : m.getLabels()) out.emplace_back(l.getKey(), l.getValue());
  return out;
}

// A pod update is checked again only when it can change what the checks see: its spec or the
// annotations they read (upstream skips metadata-only updates the same way).
bool significant_update(core::v1::Pod::Reader pod, core::v1::Pod::Reader old) {
  if (!machinery::same_value(pod.getSpec(), old.getSpec())) return true;
  auto security_annotations = [](meta::ObjectMeta::Reader m) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto a : m.getAnnotations()) {
      std::string k = a.getKey();
      if (k.find("seccomp.security.alpha.kubernetes.io") != std::string::npos ||
          k.rfind("container.apparmor.security.beta.kubernetes.io/", 0) == 0)
        out.emplace_back(k, a.getValue());
    }
    return out;
  };
  return security_annotations(pod.getMetadata()) != security_annotations(old.getMetadata());
}

}  // namespace

PodSecurityPlugin::PodSecurityPlugin(const sdk::Host& host) : client_(host, "pod-security-admission") {}

void PodSecurityPlugin::start() {
  namespaces_ = std::make_unique<sdk::Informer>(client_, sdk::Resource(machinery::kNamespaces));
  namespaces_->start();
  namespaces_->wait_for_sync(std::chrono::seconds(10));
}

void PodSecurityPlugin::stop() {
  if (namespaces_) namespaces_->stop();
}

sdk::AdmissionResult PodSecurityPlugin::admit(const sdk::AdmissionRequest& req) {
  if (!req.object || req.operation == sdk::AdmissionRequest::Operation::kDelete) return sdk::AdmissionResult::allow();
  if (req.hook == kNamespacesHook) {
    auto causes = validate_labels(labels_of(req.object->as<core::v1::Namespace>().getMetadata()));
    if (causes.empty()) return sdk::AdmissionResult::allow();
    return sdk::AdmissionResult::invalid("", std::move(causes));
  }
  if (req.hook == kPodsHook) return admit_pod(req);
  if (req.hook == kWorkloadsHook) return admit_workload(req);
  return sdk::AdmissionResult::allow();
}

std::optional<NamespacePolicy> PodSecurityPlugin::policy_for(const std::string& ns) {
  // The cache first; a namespace created a moment ago may not be there yet.
  sdk::ObjectPtr namespace_object = namespaces_ ? namespaces_->get("", ns) : nullptr;
  if (!namespace_object) {
    auto got = client_.get(machinery::kNamespaces, "", ns);
    if (got.status.ok()) namespace_object = got.object;
  }
  if (!namespace_object) return std::nullopt;
  return policy_of(labels_of(namespace_object->as<core::v1::Namespace>().getMetadata()));
}

sdk::AdmissionResult PodSecurityPlugin::admit_workload(const sdk::AdmissionRequest& req) {
  auto tmpl = pod_template(req.resource.resource, *req.object);
  if (!tmpl) return sdk::AdmissionResult::allow();
  if (req.operation == sdk::AdmissionRequest::Operation::kUpdate && req.old_object) {
    auto old = pod_template(req.resource.resource, *req.old_object);
    if (old && machinery::same_value(*tmpl, *old)) return sdk::AdmissionResult::allow();  // template unchanged
  }
  auto policy = policy_for(std::string(req.object->ns()));
  if (!policy) return sdk::AdmissionResult::allow();
  sdk::AdmissionResult result;
  // One warning per distinct level, enforce first (upstream's order).
  for (const LevelVersion* lv : {&policy->enforce, &policy->warn}) {
    if (lv == &policy->warn && policy->warn.text() == policy->enforce.text()) continue;
    if (auto v = evaluate(lv->level, tmpl->getMetadata(), tmpl->getSpec()); !v.empty())
      result.warnings.push_back("would violate PodSecurity \"" + lv->text() + "\": " + describe(v));
  }
  return result;
}

sdk::AdmissionResult PodSecurityPlugin::admit_pod(const sdk::AdmissionRequest& req) {
  auto pod = req.object->as<core::v1::Pod>();
  if (req.operation == sdk::AdmissionRequest::Operation::kUpdate && req.old_object &&
      !significant_update(pod, req.old_object->as<core::v1::Pod>()))
    return sdk::AdmissionResult::allow();
  auto found = policy_for(std::string(pod.getMetadata().getNamespace()));
  if (!found) return sdk::AdmissionResult::allow();  // the kernel refuses pods of missing namespaces
  const NamespacePolicy& policy = *found;

  sdk::AdmissionResult result;
  if (auto v = evaluate(policy.enforce.level, pod.getMetadata(), pod.getSpec()); !v.empty()) {
    result.allowed = false;
    result.code = 403;
    result.reason = "Forbidden";
    result.message = "pods \"" + std::string(pod.getMetadata().getName()) + "\" is forbidden: violates PodSecurity \"" +
                     policy.enforce.text() + "\": " + describe(v);
    return result;
  }
  if (auto v = evaluate(policy.warn.level, pod.getMetadata(), pod.getSpec()); !v.empty())
    result.warnings.push_back("would violate PodSecurity \"" + policy.warn.text() + "\": " + describe(v));
  return result;
}

}  // namespace capstan::pod_security
