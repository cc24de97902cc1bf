#include "policy_kinds.hpp"

#include <capnp/message.h>

#include "capstan/core_v1_policy.capnp.h"
#include "capstan/policy_v1.capnp.h"
#include "limit_ranger.hpp"

namespace capstan::policy {

using Op = sdk::AdmissionRequest::Operation;
using Causes = std::vector<sdk::FieldCause>;

namespace {

std::string quoted(const Quantity& q) { return "\"" + q.to_string() + "\""; }

void invalid(Causes& causes, const std::string& path, const Quantity& value, const std::string& message) {
  causes.push_back({path, "FieldValueInvalid", "Invalid value: " + quoted(value) + ": " + message});
}

std::string int_or_string(k8s::IntOrString::Reader v) { return v.isInt() ? std::to_string(v.getInt()) : std::string(v.getStr()); }

}  // namespace

sdk::AdmissionResult admit_limit_range(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  capnp::MallocMessageBuilder msg;
  msg.setRoot(req.object->as<core::v1::LimitRange>());
  auto lr = msg.getRoot<core::v1::LimitRange>();
  Causes causes;
  auto limits = lr.getSpec().getLimits();
  for (unsigned i = 0; i < limits.size(); ++i) {
    auto item = limits[i];
    auto ir = item.asReader();
    LimitItem li{std::string(ir.getType()), read_list(ir.getMax()), read_list(ir.getMin()), read_list(ir.getDefault()),
                 read_list(ir.getDefaultRequest()), read_list(ir.getMaxLimitRequestRatio())};
    default_limit_range_item(li);  // SetDefaults_LimitRangeItem, before validation as upstream decodes
    if (li.type == "Container") {
      set_list([&](unsigned n) { return item.initDefault(n); }, li.default_limit);
      set_list([&](unsigned n) { return item.initDefaultRequest(n); }, li.default_request);
    }
    const std::string path = "spec.limits[" + std::to_string(i) + "]";
    if (li.type.empty()) causes.push_back({path + ".type", "FieldValueRequired", "Required value"});
    if (li.type == "Pod") {
      if (!li.default_limit.empty())
        causes.push_back({path + ".default", "FieldValueForbidden", "Forbidden: may not be specified when `type` is 'Pod'"});
      if (!li.default_request.empty())
        causes.push_back({path + ".defaultRequest", "FieldValueForbidden", "Forbidden: may not be specified when `type` is 'Pod'"});
    }
    auto find = [](const ResourceList& l, const std::string& k) { auto it = l.find(k); return it == l.end() ? nullptr : &it->second; };
    for (const auto& [k, min] : li.min)
      if (auto max = find(li.max, k); max && *max < min)
        invalid(causes, path + ".min[" + k + "]", min, "min value " + min.to_string() + " is greater than max value " + max->to_string());
    for (const auto& [k, dr] : li.default_request) {
      auto max = find(li.max, k);
      auto min = find(li.min, k);
      auto def = find(li.default_limit, k);
      if (min && dr < *min)
        invalid(causes, path + ".defaultRequest[" + k + "]", dr,
                "min value " + min->to_string() + " is greater than default request value " + dr.to_string());
      if (max && *max < dr)
        invalid(causes, path + ".defaultRequest[" + k + "]", dr,
                "default request value " + dr.to_string() + " is greater than max value " + max->to_string());
      if (def && *def < dr)
        invalid(causes, path + ".defaultRequest[" + k + "]", dr,
                "default request value " + dr.to_string() + " is greater than default limit value " + def->to_string());
    }
    for (const auto& [k, d] : li.default_limit) {
      auto max = find(li.max, k);
      auto min = find(li.min, k);
      if (min && d < *min)
        invalid(causes, path + ".default[" + k + "]", d, "min value " + min->to_string() + " is greater than default value " + d.to_string());
      if (max && *max < d)
        invalid(causes, path + ".default[" + k + "]", d, "default value " + d.to_string() + " is greater than max value " + max->to_string());
    }
    const Quantity one = Quantity::from_int64(1, Quantity::Format::kDecimalSI);
    for (const auto& [k, r] : li.max_limit_request_ratio)
      if (r < one) invalid(causes, path + ".maxLimitRequestRatio[" + k + "]", r, "ratio " + r.to_string() + " is less than 1");
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", causes);
  sdk::AdmissionResult out;
  out.mutated = sdk::serialize(msg);
  return out;
}

sdk::AdmissionResult admit_resource_quota(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object || req.subresource == "status") return sdk::AdmissionResult::allow();
  auto q = req.object->as<core::v1::ResourceQuota>();
  Causes causes;
  for (auto e : q.getSpec().getHard()) {
    const std::string path = "spec.hard[" + std::string(e.getKey()) + "]";
    auto v = Quantity::parse(std::string(e.getValue()));
    if (v && v->sign() < 0) invalid(causes, path, *v, "must be greater than or equal to 0");
  }
  static const std::vector<std::string> scopes = {"Terminating", "NotTerminating", "BestEffort", "NotBestEffort",
                                                  "PriorityClass", "CrossNamespacePodAffinity", "VolumeAttributesClass"};
  auto list = q.getSpec().getScopes();
  for (unsigned i = 0; i < list.size(); ++i) {
    const std::string s = list[i];
    if (std::find(scopes.begin(), scopes.end(), s) == scopes.end())
      causes.push_back({"spec.scopes", "FieldValueInvalid", "Invalid value: \"" + s + "\": unsupported scope"});
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", causes);
  return sdk::AdmissionResult::allow();
}

sdk::AdmissionResult admit_pod_disruption_budget(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object || req.subresource == "status") return sdk::AdmissionResult::allow();
  auto spec = req.object->as<policy::v1::PodDisruptionBudget>().getSpec();
  Causes causes;
  if (spec.hasMinAvailable() && spec.hasMaxUnavailable())
    causes.push_back({"spec", "FieldValueInvalid", "Invalid value: \"{...}\": minAvailable and maxUnavailable cannot be both set"});
  auto check = [&](k8s::IntOrString::Reader v, const std::string& path) {
    if (v.isInt()) {
      if (v.getInt() < 0)
        causes.push_back({path, "FieldValueInvalid", "Invalid value: " + std::to_string(v.getInt()) + ": must be greater than or equal to 0"});
      return;
    }
    const std::string s = v.getStr();
    int percent = -1;
    if (!s.empty() && s.back() == '%') try {
        size_t used = 0;
        percent = std::stoi(s.substr(0, s.size() - 1), &used);
        if (used != s.size() - 1) percent = -1;
      } catch (...) {
      }
    if (percent < 0)
      causes.push_back({path, "FieldValueInvalid", "Invalid value: \"" + s + "\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"});
    else if (percent > 100)
      causes.push_back({path, "FieldValueInvalid", "Invalid value: \"" + s + "\": must not be greater than 100%"});
  };
  if (spec.hasMinAvailable()) check(spec.getMinAvailable(), "spec.minAvailable");
  if (spec.hasMaxUnavailable()) check(spec.getMaxUnavailable(), "spec.maxUnavailable");
  if (spec.hasUnhealthyPodEvictionPolicy()) {
    const std::string p = spec.getUnhealthyPodEvictionPolicy();
    if (p != "IfHealthyBudget" && p != "AlwaysAllow")
      causes.push_back({"spec.unhealthyPodEvictionPolicy", "FieldValueNotSupported",
                        "Unsupported value: \"" + p + "\": supported values: \"AlwaysAllow\", \"IfHealthyBudget\""});
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", causes);
  return sdk::AdmissionResult::allow();
}

std::vector<std::string> print_resource_quota(const sdk::ObjectPtr& obj) {
  auto q = obj->as<core::v1::ResourceQuota>();
  const ResourceList hard = read_list(q.getStatus().getHard());
  const ResourceList used = read_list(q.getStatus().getUsed());
  std::string request, limit;
  for (auto e : q.getSpec().getHard()) (void)e;
  for (const auto& [name, spec] : read_list(q.getSpec().getHard())) {
    (void)spec;
    auto u = used.find(name);
    auto h = hard.find(name);
    std::string cell = name + ": " + (u == used.end() ? "0" : u->second.to_string()) + "/" +
                       (h == hard.end() ? "0" : h->second.to_string());
    std::string& column = name.rfind("limits.", 0) == 0 ? limit : request;
    column += (column.empty() ? "" : ", ") + cell;
  }
  return {request, limit};
}

std::vector<std::string> print_pod_disruption_budget(const sdk::ObjectPtr& obj) {
  auto p = obj->as<policy::v1::PodDisruptionBudget>();
  auto spec = p.getSpec();
  return {spec.hasMinAvailable() ? int_or_string(spec.getMinAvailable()) : "N/A",
          spec.hasMaxUnavailable() ? int_or_string(spec.getMaxUnavailable()) : "N/A",
          std::to_string(p.getStatus().getDisruptionsAllowed())};
}

}  // namespace capstan::policy
