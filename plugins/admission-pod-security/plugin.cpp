// capstan.admission.v1/pod-security: Pod Security admission (the pod-security.kubernetes.io
// namespace labels with the privileged, baseline and restricted levels).
#include "capstan/plugin.hpp"
#include "pod_security_plugin.hpp"
#include "pod_templates.hpp"

namespace {

using namespace capstan;

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.admission.v1";
  info.id = "pod-security";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core", "capstan.kind.v1.workloads"};
  info.manifest.description("Pod Security admission: the pod-security.kubernetes.io namespace labels");
  sdk::AdmissionHookSpec pods;
  pods.name = pod_security::PodSecurityPlugin::kPodsHook;
  pods.rules = {{{""}, {"pods"}, {"CREATE", "UPDATE"}}};
  info.manifest.admission_hook(pods);
  sdk::AdmissionHookSpec namespaces;
  namespaces.name = pod_security::PodSecurityPlugin::kNamespacesHook;
  namespaces.rules = {{{""}, {"namespaces"}, {"CREATE", "UPDATE"}}};
  info.manifest.admission_hook(namespaces);
  sdk::AdmissionHookSpec workloads;
  workloads.name = pod_security::PodSecurityPlugin::kWorkloadsHook;
  for (const auto& r : pod_security::kTemplateResources)
    workloads.rules.push_back({{r.group}, {r.resource}, {"CREATE", "UPDATE"}});
  info.manifest.admission_hook(workloads);
  info.create = [](const sdk::Host& host, const std::string&) {
    return std::make_unique<pod_security::PodSecurityPlugin>(host);
  };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
