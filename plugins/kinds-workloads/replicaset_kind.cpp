#include "capstan/apps_v1.capnp.h"
#include "kinds.hpp"
#include "pod_spec.hpp"

namespace capstan::workloads {

using apps::v1::ReplicaSet;
using Op = sdk::AdmissionRequest::Operation;

sdk::AdmissionResult admit_replica_set(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<ReplicaSet> m(req.object->as<ReplicaSet>());
  auto spec = m.root.getSpec();
  if (spec.getReplicas().isUnset()) spec.getReplicas().setValue(1);
  if (spec.hasTemplate()) default_pod_spec(spec.getTemplate().getSpec(), {.for_pod = false});
  Causes causes;
  auto r = spec.asReader();
  require_non_negative(r.getReplicas().getValue(), "spec.replicas", causes);
  require_non_negative(r.getMinReadySeconds(), "spec.minReadySeconds", causes);
  validate_workload_template(r.hasSelector(), r.getSelector(), r.hasTemplate(), r.getTemplate(), "spec", causes);
  if (req.operation == Op::kUpdate && req.old_object) {
    require_selector_unchanged(req.old_object->as<ReplicaSet>().getSpec().getSelector(), r.getSelector(), causes);
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::workloads
