#include "capstan/apps_v1.capnp.h"
#include "kinds.hpp"
#include "pod_spec.hpp"

namespace capstan::workloads {

using apps::v1::Deployment;
using Op = sdk::AdmissionRequest::Operation;

namespace {

bool is_zero(k8s::IntOrString::Reader v) {
  if (v.isInt()) return v.getInt() == 0;
  std::string s = v.getStr();
  return s == "0" || s == "0%";
}

std::string int_or_string(k8s::IntOrString::Reader v) {
  return v.isInt() ? std::to_string(v.getInt()) : quote(v.getStr().cStr());
}

}  // namespace

sdk::AdmissionResult admit_deployment(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<Deployment> m(req.object->as<Deployment>());
  auto spec = m.root.getSpec();
  if (spec.getReplicas().isUnset()) spec.getReplicas().setValue(1);
  auto strategy = spec.getStrategy();
  if (strategy.getType().size() == 0) strategy.setType("RollingUpdate");
  if (strategy.getType() == "RollingUpdate") {
    auto ru = strategy.getRollingUpdate();
    if (!ru.hasMaxUnavailable()) ru.initMaxUnavailable().setStr("25%");
    if (!ru.hasMaxSurge()) ru.initMaxSurge().setStr("25%");
  }
  if (spec.getRevisionHistoryLimit().isUnset()) spec.getRevisionHistoryLimit().setValue(10);
  if (spec.getProgressDeadlineSeconds().isUnset()) spec.getProgressDeadlineSeconds().setValue(600);
  if (spec.hasTemplate()) default_pod_spec(spec.getTemplate().getSpec(), {.for_pod = false});

  Causes causes;
  auto r = spec.asReader();
  require_non_negative(r.getReplicas().getValue(), "spec.replicas", causes);
  validate_workload_template(r.hasSelector(), r.getSelector(), r.hasTemplate(), r.getTemplate(), "spec", causes);
  std::string type = r.getStrategy().getType();
  if (type == "Recreate") {
    if (r.getStrategy().hasRollingUpdate())
      causes.push_back({"spec.strategy.rollingUpdate", "FieldValueForbidden",
                        "Forbidden: may not be specified when strategy `type` is 'Recreate'"});
  } else if (type == "RollingUpdate") {
    auto ru = r.getStrategy().getRollingUpdate();
    if (is_zero(ru.getMaxUnavailable()) && is_zero(ru.getMaxSurge()))
      causes.push_back({"spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid",
                        "Invalid value: " + int_or_string(ru.getMaxUnavailable()) + ": may not be 0 when `maxSurge` is 0"});
  } else {
    causes.push_back({"spec.strategy.type", "FieldValueNotSupported",
                      "Unsupported value: " + quote(type) + ": supported values: \"Recreate\", \"RollingUpdate\""});
  }
  require_non_negative(r.getRevisionHistoryLimit().getValue(), "spec.revisionHistoryLimit", causes);
  if (r.getProgressDeadlineSeconds().getValue() <= r.getMinReadySeconds())
    causes.push_back({"spec.progressDeadlineSeconds", "FieldValueInvalid",
                      "Invalid value: " + std::to_string(r.getProgressDeadlineSeconds().getValue()) +
                          ": must be greater than minReadySeconds"});
  if (req.operation == Op::kUpdate && req.old_object) {
    require_selector_unchanged(req.old_object->as<Deployment>().getSpec().getSelector(), r.getSelector(), causes);
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::workloads
