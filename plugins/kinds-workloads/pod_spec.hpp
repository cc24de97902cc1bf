#pragma once

#include "capstan/selectors.hpp"
// Rules shared by every kind that carries a pod spec (Pod, PodTemplate, ReplicaSet, Deployment):
// kube-apiserver's defaulting and validation of PodSpec, label selectors, and a few helpers.

#include <capnp/message.h>

#include <algorithm>
#include <cstring>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/message.hpp"
#include "capstan/machinery/utf8.hpp"
#include "capstan/meta.capnp.h"
#include "capstan/plugin.hpp"

namespace capstan::workloads {

using Causes = std::vector<sdk::FieldCause>;
using core::v1::PodSpec;
using core::v1::PodTemplateSpec;
using meta::LabelSelector;

using machinery::Mutable;

struct PodDefaultOptions {
  // Only pods (not templates) get what kube-apiserver's admission adds to pods: the `default`
  // service account, priority 0 and requests copied from limits.
  bool for_pod = true;
};

// Fills in the defaults kube-apiserver applies to a PodSpec.
void default_pod_spec(PodSpec::Builder spec, const PodDefaultOptions& opts = {});

struct PodValidateOptions {
  bool for_pod = true;  // images are required in pods, optional in templates
  // When set, the only restartPolicy accepted (workload templates must say Always).
  std::vector<std::string> restart_policies = {"Always", "OnFailure", "Never"};
};

// Validates a (defaulted) PodSpec; `path` is where it sits ("spec", "spec.template.spec").
void validate_pod_spec(PodSpec::Reader spec, const std::string& path, Causes& causes,
                       const PodValidateOptions& opts = {});

// Guaranteed, Burstable or BestEffort, from the containers' requests and limits.
std::string qos_class(PodSpec::Reader spec);

// Whether `selector` selects an object with `labels` (empty selector: everything).
using sdk::selector_matches;
using sdk::selector_empty;
void validate_selector(LabelSelector::Reader selector, const std::string& path, Causes& causes);

// Validates a workload's selector against its pod template (the ReplicaSet/Deployment rules):
// selector non-empty, matching the template labels, template spec valid with restartPolicy Always.
void validate_workload_template(bool has_selector, LabelSelector::Reader selector, bool has_template,
                                PodTemplateSpec::Reader tmpl, const std::string& spec_path, Causes& causes);

// `field: Invalid value: N: must be greater than or equal to 0` when value < 0.
void require_non_negative(int64_t value, const std::string& field, Causes& causes);
// A workload's selector cannot change after creation.
void require_selector_unchanged(LabelSelector::Reader old, LabelSelector::Reader now, Causes& causes);

// Go's %#v of a map[string]string, as Kubernetes quotes labels in messages.
std::string go_map(capnp::List<k8s::StringEntry>::Reader labels);
using machinery::quote;  // Go's %q, for values in messages

using machinery::same_value;

}  // namespace capstan::workloads
