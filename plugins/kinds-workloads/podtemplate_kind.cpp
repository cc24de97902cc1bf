#include "kinds.hpp"
#include "pod_spec.hpp"

namespace capstan::workloads {

using core::v1::PodTemplate;
using Op = sdk::AdmissionRequest::Operation;

sdk::AdmissionResult admit_pod_template(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<PodTemplate> m(req.object->as<PodTemplate>());
  auto spec = m.root.getTemplate().getSpec();
  default_pod_spec(spec, {.for_pod = false});
  Causes causes;
  validate_pod_spec(spec.asReader(), "template.spec", causes, {.for_pod = false});
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

}  // namespace capstan::workloads
