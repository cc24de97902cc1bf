#include "field_errors.hpp"

namespace capstan::batch_kinds {

std::string go_quote_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? " " : "") + go_quote(values[i]);
  return out + "]";
}

std::string go_label_selector(meta::LabelSelector::Reader selector, bool present) {
  if (!present) return "\"null\"";
  std::string out = "v1.LabelSelector{MatchLabels:" + go_map(selector.getMatchLabels()) + ", MatchExpressions:";
  auto exprs = selector.getMatchExpressions();
  if (exprs.size() == 0) return out + "[]v1.LabelSelectorRequirement(nil)}";
  out += "[]v1.LabelSelectorRequirement{";
  for (unsigned i = 0; i < exprs.size(); ++i) {
    auto e = exprs[i];
    out += std::string(i ? ", " : "") + "v1.LabelSelectorRequirement{Key:" + go_quote(e.getKey().cStr()) +
           ", Operator:" + go_quote(e.getOperator().cStr()) + ", Values:";
    if (e.getValues().size() == 0) {
      out += "[]string(nil)}";
    } else {
      out += "[]string{";
      for (unsigned k = 0; k < e.getValues().size(); ++k) out += (k ? ", " : "") + go_quote(e.getValues()[k].cStr());
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

void non_negative(Causes& causes, const std::string& field, int64_t value) {
  if (value < 0) invalid(causes, field, std::to_string(value), "must be greater than or equal to 0");
}

}  // namespace capstan::batch_kinds
