#include "../kinds-workloads/pod_spec.hpp"
#include "job_rules.hpp"
#include "kinds.hpp"

namespace capstan::batch_kinds {

using Op = sdk::AdmissionRequest::Operation;

namespace {

bool has_label(capnp::List<k8s::StringEntry>::Reader labels, std::string_view key) {
  for (auto e : labels)
    if (std::string_view(e.getKey().cStr()) == key) return true;
  return false;
}

// The registry's validation options for an update (validationOptionsForJob).
JobValidationOptions update_options(Job::Reader old) {
  JobValidationOptions opts;
  auto spec = old.getSpec();
  const bool suspended = spec.getSuspend().isValue() && spec.getSuspend().getValue();
  const bool not_started = !old.getStatus().hasStartTime() || old.getStatus().getStartTime().size() == 0;
  opts.allow_mutable_scheduling_directives = suspended && not_started;
  // Jobs created before the prefixed labels existed are not failed for lacking them.
  opts.require_prefixed_labels = has_label(spec.getTemplate().getMetadata().getLabels(), kJobNameLabel) &&
                                 has_label(spec.getSelector().getMatchLabels(), kControllerUidLabel);
  return opts;
}

}  // namespace

sdk::AdmissionResult admit_job(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Causes causes;
  if (req.subresource == "status") {
    if (req.old_object) validate_job_status_update(req.object->as<Job>(), req.old_object->as<Job>(), causes);
    if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
    return sdk::AdmissionResult::allow();
  }
  workloads::Mutable<Job> m(req.object->as<Job>());
  default_job(m.root);
  if (req.operation == Op::kCreate) {
    generate_selector(m.root);
    validate_job(m.root.asReader(), {}, causes);
  } else if (req.old_object) {
    auto old = req.old_object->as<Job>();
    auto md = m.root.getMetadata();
    if (md.getLabels().size() == 0) md.setLabels(m.root.getSpec().getTemplate().getMetadata().getLabels().asReader());
    validate_job_update(m.root.asReader(), old, update_options(old), causes);
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::batch_kinds
