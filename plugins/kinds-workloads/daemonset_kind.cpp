// apps/v1 DaemonSet and ControllerRevision: kube-apiserver's defaulting (SetDefaults_DaemonSet) and
// validation (ValidateDaemonSet, ValidateControllerRevision) with its messages.
#include "capstan/apps_v1.capnp.h"
#include "kinds.hpp"
#include "pod_spec.hpp"

#include <cstdlib>
#include <map>

namespace capstan::workloads {

using apps::v1::ControllerRevision;
using apps::v1::DaemonSet;
using Op = sdk::AdmissionRequest::Operation;

namespace {

std::string int_or_string(k8s::IntOrString::Reader v) {
  return v.isInt() ? std::to_string(v.getInt()) : quote(v.getStr().cStr());
}

// intstr value as validation reads it: an int, or a percentage's number (-1: not a percentage).
int64_t int_or_percent(k8s::IntOrString::Reader v, bool& is_percent, bool& bad) {
  is_percent = false;
  bad = false;
  if (v.isInt()) return v.getInt();
  std::string s = v.getStr();
  if (s.empty() || s.back() != '%') {
    bad = true;
    return 0;
  }
  is_percent = true;
  try {
    size_t used = 0;
    int64_t n = std::stoll(s.substr(0, s.size() - 1), &used);
    if (used != s.size() - 1) bad = true;
    return n;
  } catch (...) {
    bad = true;
    return 0;
  }
}

// ValidatePositiveIntOrPercent and IsNotMoreThan100Percent; returns the value (0 when invalid).
int64_t validate_int_or_percent(k8s::IntOrString::Reader v, const std::string& path, Causes& causes) {
  bool pct = false, bad = false;
  int64_t n = int_or_percent(v, pct, bad);
  if (bad) {
    causes.push_back({path, "FieldValueInvalid",
                      "Invalid value: " + int_or_string(v) +
                          ": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or "
                          "'93%', regex used for validation is '[0-9]+%')"});
    return 0;
  }
  if (n < 0) {
    causes.push_back({path, "FieldValueInvalid", "Invalid value: " + int_or_string(v) + ": must be greater than or equal to 0"});
    return 0;
  }
  if (pct && n > 100) {
    causes.push_back({path, "FieldValueInvalid", "Invalid value: " + int_or_string(v) + ": must not be greater than 100%"});
  }
  return n;
}

// The registry strategy's TemplateGeneration, which apps/v1 keeps in an annotation: 1 on create,
// one more than before whenever an update changes the template.
void set_template_generation(DaemonSet::Builder ds, const sdk::AdmissionRequest& req) {
  const std::string key = "deprecated.daemonset.template.generation";
  int64_t gen = 1;
  if (req.operation == Op::kUpdate && req.old_object) {
    auto old = req.old_object->as<DaemonSet>();
    gen = 0;
    for (auto a : old.getMetadata().getAnnotations())
      if (a.getKey() == key) gen = std::strtoll(a.getValue().cStr(), nullptr, 10);
    if (!same_value(old.getSpec().getTemplate(), ds.asReader().getSpec().getTemplate())) ++gen;
  }
  std::map<std::string, std::string> ann = sdk::labels_of(ds.asReader().getMetadata().getAnnotations());
  ann[key] = std::to_string(gen);
  auto list = ds.getMetadata().initAnnotations(static_cast<unsigned>(ann.size()));
  unsigned i = 0;
  for (const auto& [k, v] : ann) {
    list[i].setKey(k);
    list[i++].setValue(v);
  }
}

}  // namespace

sdk::AdmissionResult admit_daemon_set(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<DaemonSet> m(req.object->as<DaemonSet>());
  auto spec = m.root.getSpec();
  auto strategy = spec.getUpdateStrategy();
  if (strategy.getType().size() == 0) strategy.setType("RollingUpdate");
  if (strategy.getType() == "RollingUpdate") {
    auto ru = strategy.getRollingUpdate();
    if (!ru.hasMaxUnavailable()) ru.initMaxUnavailable().setInt(1);
    if (!ru.hasMaxSurge()) ru.initMaxSurge().setInt(0);
  }
  if (spec.getRevisionHistoryLimit().isUnset()) spec.getRevisionHistoryLimit().setValue(10);
  if (spec.hasTemplate()) default_pod_spec(spec.getTemplate().getSpec(), {.for_pod = false});
  set_template_generation(m.root, req);

  Causes causes;
  auto r = spec.asReader();
  validate_workload_template(r.hasSelector(), r.getSelector(), r.hasTemplate(), r.getTemplate(), "spec", causes);
  for (auto& c : causes) {  // the shared rule words its message for deployments
    const std::string from = "empty selector is invalid for deployment";
    if (auto at = c.message.find(from); at != std::string::npos)
      c.message.replace(at, from.size(), "empty selector is invalid for daemonset");
  }
  if (r.hasTemplate() && r.getTemplate().getSpec().getActiveDeadlineSeconds().isValue())
    causes.push_back({"spec.template.spec.activeDeadlineSeconds", "FieldValueForbidden",
                      "Forbidden: activeDeadlineSeconds in DaemonSet is not Supported"});
  require_non_negative(r.getMinReadySeconds(), "spec.minReadySeconds", causes);
  std::string type = r.getUpdateStrategy().getType();
  if (type == "RollingUpdate") {
    auto ru = r.getUpdateStrategy().getRollingUpdate();
    const std::string p = "spec.updateStrategy.rollingUpdate";
    int64_t unavailable = validate_int_or_percent(ru.getMaxUnavailable(), p + ".maxUnavailable", causes);
    int64_t surge = validate_int_or_percent(ru.getMaxSurge(), p + ".maxSurge", causes);
    if (unavailable != 0 && surge != 0)
      causes.push_back({p + ".maxSurge", "FieldValueInvalid",
                        "Invalid value: " + int_or_string(ru.getMaxSurge()) + ": may not be set when maxUnavailable is non-zero"});
    else if (unavailable == 0 && surge == 0)
      causes.push_back({p + ".maxUnavailable", "FieldValueRequired", "Required value: cannot be 0 when maxSurge is 0"});
  } else if (type != "OnDelete") {
    causes.push_back({"spec.updateStrategy", "FieldValueNotSupported",
                      "Unsupported value: " + quote(type) + ": supported values: \"OnDelete\", \"RollingUpdate\""});
  }
  require_non_negative(r.getRevisionHistoryLimit().getValue(), "spec.revisionHistoryLimit", causes);
  if (req.operation == Op::kUpdate && req.old_object)
    require_selector_unchanged(req.old_object->as<DaemonSet>().getSpec().getSelector(), r.getSelector(), causes);
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

sdk::AdmissionResult admit_controller_revision(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  auto cr = req.object->as<ControllerRevision>();
  Causes causes;
  if (!cr.hasData() || cr.getData().size() == 0) causes.push_back({"data", "FieldValueRequired", "Required value: data is mandatory"});
  if (cr.getRevision().isValue()) require_non_negative(cr.getRevision().getValue(), "revision", causes);
  if (req.operation == Op::kUpdate && req.old_object) {
    auto old = req.old_object->as<ControllerRevision>();
    if (std::string_view(old.getData().cStr()) != std::string_view(cr.getData().cStr()))
      causes.push_back({"data", "FieldValueInvalid", "Invalid value: \"\": field is immutable"});
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  return sdk::AdmissionResult::allow();
}

}  // namespace capstan::workloads
