#include "field_errors.hpp"

#include <map>

namespace capstan::batch_kinds {

std::string go_quote_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? " " : "") + quote(values[i]);
  return out + "]";
}

std::string supported_values(const std::vector<std::string>& values) {
  std::string out = "supported values: ";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + quote(values[i]);
  return out;
}

std::string go_label_selector(meta::LabelSelector::Reader selector, bool present) {
  if (!present) return "\"null\"";
  std::string out = "v1.LabelSelector{MatchLabels:" + go_map(selector.getMatchLabels()) + ", MatchExpressions:";
  auto exprs = selector.getMatchExpressions();
  if (exprs.size() == 0) return out + "[]v1.LabelSelectorRequirement(nil)}";
  out += "[]v1.LabelSelectorRequirement{";
  for (unsigned i = 0; i < exprs.size(); ++i) {
    auto e = exprs[i];
    out += std::string(i ? ", " : "") + "v1.LabelSelectorRequirement{Key:" + quote(e.getKey().cStr()) +
           ", Operator:" + quote(e.getOperator().cStr()) + ", Values:";
    if (e.getValues().size() == 0) {
      out += "[]string(nil)}";
    } else {
      out += "[]string{";
      for (unsigned k = 0; k < e.getValues().size(); ++k) out += (k ? ", " : "") + quote(e.getValues()[k].cStr());
      out += "}}";
    }
  }
  return out + "}}";
}

std::string go_int32_list(capnp::List<int32_t>::Reader values, bool present) {
  if (!present) return "[]int32(nil)";
  std::string out = "[]int32{";
  for (unsigned i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "}";
}

void required(Causes& causes, const std::string& field, const std::string& detail) {
  causes.push_back({field, "FieldValueRequired", detail.empty() ? "Required value" : "Required value: " + detail});
}

void invalid(Causes& causes, const std::string& field, const std::string& value, const std::string& detail) {
  std::string m = "Invalid value";
  if (!value.empty()) m += ": " + value;
  if (!detail.empty()) m += ": " + detail;
  causes.push_back({field, "FieldValueInvalid", m});
}

void not_supported(Causes& causes, const std::string& field, const std::string& value,
                   const std::vector<std::string>& supported) {
  causes.push_back({field, "FieldValueNotSupported", "Unsupported value: " + value + ": " + supported_values(supported)});
}

void duplicate(Causes& causes, const std::string& field, const std::string& value) {
  causes.push_back({field, "FieldValueDuplicate", "Duplicate value: " + value});
}

void too_many(Causes& causes, const std::string& field, size_t actual, size_t max) {
  causes.push_back({field, "FieldValueTooMany",
                    "Too many: " + std::to_string(actual) + ": must have at most " + std::to_string(max) +
                        (max == 1 ? " item" : " items")});
}

void too_long(Causes& causes, const std::string& field, size_t max) {
  causes.push_back({field, "FieldValueTooLong", "Too long: may not be more than " + std::to_string(max) + " bytes"});
}

void forbidden(Causes& causes, const std::string& field, const std::string& detail) {
  causes.push_back({field, "FieldValueForbidden", "Forbidden: " + detail});
}

void non_negative(Causes& causes, const std::string& field, int64_t value) {
  if (value < 0) invalid(causes, field, std::to_string(value), "must be greater than or equal to 0");
}

}  // namespace capstan::batch_kinds
