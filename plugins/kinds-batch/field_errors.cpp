#include "field_errors.hpp"

#include <cstdio>

namespace capstan::batch_kinds {

namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

bool is_dns1123_label(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (char c : s)
    if (!lower_alnum(c) && c != '-') return false;
  return true;
}

const char* const kLabelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* const kSubdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* const kQualifiedNameMessage =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
    "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

}  // namespace

std::string go_quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string go_quote_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? " " : "") + go_quote(values[i]);
  return out + "]";
}

std::string supported_values(const std::vector<std::string>& values) {
  std::string out = "supported values: ";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + go_quote(values[i]);
  return out;
}

std::string go_map(capnp::List<k8s::StringEntry>::Reader labels) {
  if (labels.size() == 0) return "map[string]string(nil)";
  std::map<std::string, std::string> sorted;
  for (auto e : labels) sorted[e.getKey()] = e.getValue();
  std::string out = "map[string]string{";
  bool first = true;
  for (auto& [k, v] : sorted) {
    out += (first ? "" : ", ") + go_quote(k) + ":" + go_quote(v);
    first = false;
  }
  return out + "}";
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

std::string dns1123_label_error(std::string_view s) {
  if (s.size() > 63) return "must be no more than 63 characters";
  if (!is_dns1123_label(s)) return kLabelMessage;
  return "";
}

std::vector<std::string> dns1123_subdomain_errors(std::string_view s) {
  std::vector<std::string> errs;
  if (s.size() > 253) errs.push_back("must be no more than 253 characters");
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!is_dns1123_label(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      errs.push_back(kSubdomainMessage);
      break;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return errs;
}

std::vector<std::string> qualified_name_errors(std::string_view value) {
  std::vector<std::string> errs;
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = value.find('/', start);
    parts.push_back(value.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string_view name;
  if (parts.size() == 1) {
    name = parts[0];
  } else if (parts.size() == 2) {
    if (parts[0].empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      auto msgs = dns1123_subdomain_errors(parts[0]);
      for (auto& x : msgs) errs.push_back("prefix part " + x);
    }
    name = parts[1];
  } else {
    errs.push_back(std::string("a qualified name ") + kQualifiedNameMessage +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (name.empty()) errs.push_back("name part must be non-empty");
  else if (name.size() > 63) errs.push_back("name part must be no more than 63 characters");
  bool ok = !name.empty() && alnum(name.front()) && alnum(name.back());
  for (char c : name)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') ok = false;
  if (!ok) errs.push_back(std::string("name part ") + kQualifiedNameMessage);
  return errs;
}

}  // namespace capstan::batch_kinds
