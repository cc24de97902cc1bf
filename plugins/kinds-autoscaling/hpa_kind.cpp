#include "hpa_kind.hpp"

#include <capnp/message.h>

#include <algorithm>

#include "capstan/autoscaling_v2.capnp.h"

namespace capstan::autoscaling_kinds {

using autoscaling::v2::HorizontalPodAutoscaler;
using Op = sdk::AdmissionRequest::Operation;
using Causes = std::vector<sdk::FieldCause>;

namespace {

std::string quote(const std::string& s) { return "\"" + s + "\""; }

// GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: the unset parts of a rule get the defaults.
void default_rules(autoscaling::v2::HPAScalingRules::Builder rules, bool up) {
  if (rules.getStabilizationWindowSeconds().isUnset()) rules.getStabilizationWindowSeconds().setValue(up ? 0 : 300);
  if (rules.getSelectPolicy().isUnset()) rules.getSelectPolicy().setValue("Max");
  if (rules.getPolicies().size() == 0) {
    if (up) {
      auto p = rules.initPolicies(2);
      p[0].setType("Pods");
      p[0].setValue(4);
      p[0].setPeriodSeconds(15);
      p[1].setType("Percent");
      p[1].setValue(100);
      p[1].setPeriodSeconds(15);
    } else {
      auto p = rules.initPolicies(1);
      p[0].setType("Percent");
      p[0].setValue(100);
      p[0].setPeriodSeconds(15);
    }
  }
}

void validate_target(autoscaling::v2::MetricTarget::Reader t, const std::string& path, bool utilization_ok, Causes& causes) {
  const std::string type = t.getType();
  if (type.empty()) {
    causes.push_back({path + ".type", "FieldValueRequired", "Required value: must specify a metric target type"});
  } else if (type != "Utilization" && type != "Value" && type != "AverageValue") {
    causes.push_back({path + ".type", "FieldValueNotSupported",
                      "Unsupported value: " + quote(type) + ": supported values: \"AverageValue\", \"Utilization\", \"Value\""});
  }
  if (type == "Utilization" && t.getAverageUtilization().isUnset())
    causes.push_back({path + ".averageUtilization", "FieldValueRequired",
                      "Required value: must populate target.averageUtilization when target.type is Utilization"});
  if (type == "AverageValue" && !t.hasAverageValue())
    causes.push_back({path + ".averageValue", "FieldValueRequired",
                      "Required value: must populate target.averageValue when target.type is AverageValue"});
  if (type == "Value" && !t.hasValue())
    causes.push_back({path + ".value", "FieldValueRequired", "Required value: must populate target.value when target.type is Value"});
  if (t.getAverageUtilization().isValue() && t.getAverageUtilization().getValue() < 1)
    causes.push_back({path + ".averageUtilization", "FieldValueInvalid",
                      "Invalid value: " + std::to_string(t.getAverageUtilization().getValue()) + ": must be greater than 0"});
  if (!utilization_ok && t.getAverageUtilization().isValue())
    causes.push_back({path + ".averageUtilization", "FieldValueForbidden",
                      "Forbidden: may not be set unless the metric is a resource metric"});
}

void validate_rules(autoscaling::v2::HPAScalingRules::Reader r, const std::string& path, Causes& causes) {
  if (r.getStabilizationWindowSeconds().isValue()) {
    int32_t w = r.getStabilizationWindowSeconds().getValue();
    if (w < 0 || w > 3600)
      causes.push_back({path + ".stabilizationWindowSeconds", "FieldValueInvalid",
                        "Invalid value: " + std::to_string(w) + (w < 0 ? ": must be greater than or equal to zero"
                                                                      : ": must be less than or equal to 3600")});
  }
  if (r.getSelectPolicy().isValue()) {
    std::string p = r.getSelectPolicy().getValue();
    if (p != "Max" && p != "Min" && p != "Disabled")
      causes.push_back({path + ".selectPolicy", "FieldValueNotSupported",
                        "Unsupported value: " + quote(p) + ": supported values: \"Disabled\", \"Max\", \"Min\""});
  }
  auto policies = r.getPolicies();
  for (unsigned i = 0; i < policies.size(); ++i) {
    const std::string pp = path + ".policies[" + std::to_string(i) + "]";
    std::string type = policies[i].getType();
    if (type != "Pods" && type != "Percent")
      causes.push_back({pp + ".type", "FieldValueNotSupported",
                        "Unsupported value: " + quote(type) + ": supported values: \"Percent\", \"Pods\""});
    if (policies[i].getValue() <= 0)
      causes.push_back({pp + ".value", "FieldValueInvalid",
                        "Invalid value: " + std::to_string(policies[i].getValue()) + ": must be greater than zero"});
    int32_t period = policies[i].getPeriodSeconds();
    if (period <= 0 || period > 1800)
      causes.push_back({pp + ".periodSeconds", "FieldValueInvalid",
                        "Invalid value: " + std::to_string(period) +
                            (period <= 0 ? ": must be greater than zero" : ": must be less than or equal to 1800")});
  }
}

}  // namespace

sdk::AdmissionResult admit_hpa(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  capnp::MallocMessageBuilder m;
  m.setRoot(req.object->as<HorizontalPodAutoscaler>());
  auto spec = m.getRoot<HorizontalPodAutoscaler>().getSpec();
  // SetDefaults_HorizontalPodAutoscaler.
  if (spec.getMinReplicas().isUnset()) spec.getMinReplicas().setValue(1);
  if (spec.getMetrics().size() == 0) {
    auto metric = spec.initMetrics(1)[0];
    metric.setType("Resource");
    auto res = metric.initResource();
    res.setName("cpu");
    res.initTarget().setType("Utilization");
    res.getTarget().getAverageUtilization().setValue(80);
  }
  if (spec.hasBehavior()) {
    auto b = spec.getBehavior();
    default_rules(b.hasScaleUp() ? b.getScaleUp() : b.initScaleUp(), true);
    default_rules(b.hasScaleDown() ? b.getScaleDown() : b.initScaleDown(), false);
  }

  Causes causes;
  auto r = spec.asReader();
  auto ref = r.getScaleTargetRef();
  if (ref.getKind().size() == 0) causes.push_back({"spec.scaleTargetRef.kind", "FieldValueRequired", "Required value"});
  if (ref.getName().size() == 0) causes.push_back({"spec.scaleTargetRef.name", "FieldValueRequired", "Required value"});
  const int32_t min = r.getMinReplicas().getValue();
  const int32_t max = r.getMaxReplicas().isValue() ? r.getMaxReplicas().getValue() : 0;
  if (min < 1)
    causes.push_back({"spec.minReplicas", "FieldValueInvalid",
                      "Invalid value: " + std::to_string(min) + ": must be greater than or equal to 1"});
  if (max < 1)
    causes.push_back({"spec.maxReplicas", "FieldValueInvalid", "Invalid value: " + std::to_string(max) + ": must be greater than 0"});
  if (max < min)
    causes.push_back({"spec.maxReplicas", "FieldValueInvalid",
                      "Invalid value: " + std::to_string(max) + ": must be greater than or equal to `minReplicas`"});
  auto metrics = r.getMetrics();
  for (unsigned i = 0; i < metrics.size(); ++i) {
    const std::string p = "spec.metrics[" + std::to_string(i) + "]";
    auto ms = metrics[i];
    std::string type = ms.getType();
    auto populated = [&](bool has, const char* field) {
      if (!has)
        causes.push_back({p + "." + field, "FieldValueRequired", "Required value: must populate information for the given metric source"});
      return has;
    };
    if (type == "Resource") {
      if (populated(ms.hasResource(), "resource")) {
        if (ms.getResource().getName().size() == 0)
          causes.push_back({p + ".resource.name", "FieldValueRequired", "Required value: must specify a resource name"});
        validate_target(ms.getResource().getTarget(), p + ".resource.target", true, causes);
      }
    } else if (type == "ContainerResource") {
      if (populated(ms.hasContainerResource(), "containerResource")) {
        auto cr = ms.getContainerResource();
        if (cr.getName().size() == 0)
          causes.push_back({p + ".containerResource.name", "FieldValueRequired", "Required value: must specify a resource name"});
        if (cr.getContainer().size() == 0)
          causes.push_back({p + ".containerResource.container", "FieldValueRequired", "Required value: must specify a container"});
        validate_target(cr.getTarget(), p + ".containerResource.target", true, causes);
      }
    } else if (type == "Pods") {
      if (populated(ms.hasPods(), "pods")) validate_target(ms.getPods().getTarget(), p + ".pods.target", false, causes);
    } else if (type == "Object") {
      if (populated(ms.hasObject(), "object")) validate_target(ms.getObject().getTarget(), p + ".object.target", false, causes);
    } else if (type == "External") {
      if (populated(ms.hasExternal(), "external")) validate_target(ms.getExternal().getTarget(), p + ".external.target", false, causes);
    } else if (type.empty()) {
      causes.push_back({p + ".type", "FieldValueRequired", "Required value: must specify a metric source type"});
    } else {
      causes.push_back({p + ".type", "FieldValueNotSupported",
                        "Unsupported value: " + quote(type) +
                            ": supported values: \"ContainerResource\", \"External\", \"Object\", \"Pods\", \"Resource\""});
    }
  }
  if (r.hasBehavior()) {
    validate_rules(r.getBehavior().getScaleUp(), "spec.behavior.scaleUp", causes);
    validate_rules(r.getBehavior().getScaleDown(), "spec.behavior.scaleDown", causes);
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = sdk::serialize(m);
  return out;
}

std::vector<std::string> print_hpa(const sdk::ObjectPtr& obj) {
  auto hpa = obj->as<HorizontalPodAutoscaler>();
  auto spec = hpa.getSpec();
  auto status = hpa.getStatus();
  const std::string reference = std::string(spec.getScaleTargetRef().getKind().cStr()) + "/" + spec.getScaleTargetRef().getName().cStr();
  // formatHPAMetrics: one entry per metric, the first two shown, then " + N more...".
  std::vector<std::string> list;
  auto specs = spec.getMetrics();
  auto statuses = status.getCurrentMetrics();
  for (unsigned i = 0; i < specs.size(); ++i) {
    auto s = specs[i];
    std::string type = s.getType();
    auto target_of = [](autoscaling::v2::MetricTarget::Reader t, bool average) {
      return std::string(average ? t.getAverageValue().cStr() : t.getValue().cStr());
    };
    if (type == "Resource" || type == "ContainerResource") {
      bool container = type == "ContainerResource";
      std::string name = container ? s.getContainerResource().getName().cStr() : s.getResource().getName().cStr();
      auto t = container ? s.getContainerResource().getTarget() : s.getResource().getTarget();
      bool has_status = i < statuses.size() && (container ? statuses[i].hasContainerResource() : statuses[i].hasResource());
      auto cur = has_status ? (container ? statuses[i].getContainerResource().getCurrent() : statuses[i].getResource().getCurrent())
                            : autoscaling::v2::MetricValueStatus::Reader();
      std::string current = "<unknown>";
      if (t.hasAverageValue()) {
        if (has_status && cur.hasAverageValue()) current = cur.getAverageValue();
        list.push_back(name + ": " + current + "/" + target_of(t, true));
      } else {
        if (has_status && cur.getAverageUtilization().isValue()) current = std::to_string(cur.getAverageUtilization().getValue()) + "%";
        std::string target = t.getAverageUtilization().isValue() ? std::to_string(t.getAverageUtilization().getValue()) + "%" : "<auto>";
        list.push_back(name + ": " + current + "/" + target);
      }
    } else if (type == "Pods") {
      std::string current = i < statuses.size() && statuses[i].hasPods() && statuses[i].getPods().getCurrent().hasAverageValue()
                                ? std::string(statuses[i].getPods().getCurrent().getAverageValue().cStr()) : "<unknown>";
      list.push_back(current + "/" + target_of(s.getPods().getTarget(), true));
    } else if (type == "Object" || type == "External") {
      bool object = type == "Object";
      auto t = object ? s.getObject().getTarget() : s.getExternal().getTarget();
      bool has = i < statuses.size() && (object ? statuses[i].hasObject() : statuses[i].hasExternal());
      auto cur = has ? (object ? statuses[i].getObject().getCurrent() : statuses[i].getExternal().getCurrent())
                     : autoscaling::v2::MetricValueStatus::Reader();
      if (t.hasAverageValue()) {
        std::string current = has && cur.hasAverageValue() ? std::string(cur.getAverageValue().cStr()) : "<unknown>";
        list.push_back(current + "/" + target_of(t, true) + " (avg)");
      } else {
        std::string current = has && cur.hasValue() ? std::string(cur.getValue().cStr()) : "<unknown>";
        list.push_back(current + "/" + target_of(t, false));
      }
    } else {
      list.push_back("<unknown type>");
    }
  }
  std::string targets;
  const size_t shown = std::min<size_t>(list.size(), 2);
  for (size_t i = 0; i < shown; ++i) targets += (i ? ", " : "") + list[i];
  if (list.size() > 2) targets += " + " + std::to_string(list.size() - 2) + " more...";
  if (list.empty()) targets = "<none>";
  std::string min = spec.getMinReplicas().isValue() ? std::to_string(spec.getMinReplicas().getValue()) : "<unset>";
  std::string max = std::to_string(spec.getMaxReplicas().isValue() ? spec.getMaxReplicas().getValue() : 0);
  return {reference, targets, min, max, std::to_string(status.getCurrentReplicas())};
}

}  // namespace capstan::autoscaling_kinds
