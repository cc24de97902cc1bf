#pragma once
// Where a workload keeps the pod it will create — the template Pod Security admission checks on
// Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs and PodTemplates (upstream's
// PodSpecExtractor). Their violations are warned about, never refused: the pods themselves are
// checked when the controller creates them.

#include <optional>
#include <string>

#include "capstan/core_v1.capnp.h"
#include "capstan/object.hpp"

namespace capstan::pod_security {

// The resources whose objects hold a pod template: {group, plural}.
struct TemplateResource {
  const char* group;
  const char* resource;
};
inline constexpr TemplateResource kTemplateResources[] = {
    {"apps", "deployments"}, {"apps", "replicasets"}, {"apps", "statefulsets"}, {"apps", "daemonsets"},
    {"batch", "jobs"},       {"batch", "cronjobs"},   {"", "podtemplates"}};

// The pod template of an object of `resource`, or nothing for another resource.
std::optional<core::v1::PodTemplateSpec::Reader> pod_template(const std::string& resource, const sdk::Object& object);

}  // namespace capstan::pod_security
