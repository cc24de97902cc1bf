#include "capstan/machinery/selectors/field_selector.hpp"

#include "capstan/machinery/utf8.hpp"

namespace capstan::selectors {
namespace {

// fields.splitTerms: split on commas not preceded by an (unescaped) backslash.
std::vector<std::string_view> split_terms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_slash) {
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

}  // namespace

std::string escape_field_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

std::string unescape_field_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_slash = false;
  for (char c : s) {
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=')
        throw SelectorError("invalid field selector: invalid escape sequence: \\" + machinery::excerpt(std::string(1, c)));
      out += c;
      in_slash = false;
      continue;
    }
    if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      throw SelectorError(std::string("invalid field selector: unescaped character in value: ") + c);
    } else {
      out += c;
    }
  }
  if (in_slash) throw SelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

FieldSelector FieldSelector::parse(std::string_view text) {
  FieldSelector sel;
  for (std::string_view term : split_terms(text)) {
    if (term.empty()) continue;
    // fields.splitTerm: the first occurrence of "!=", "==" or "=" (checked in that order at each position).
    size_t at = std::string_view::npos, op_len = 0;
    bool equal = true;
    for (size_t i = 0; i < term.size(); ++i) {
      std::string_view rest = term.substr(i);
      if (rest.starts_with("!=")) {
        at = i, op_len = 2, equal = false;
      } else if (rest.starts_with("==")) {
        at = i, op_len = 2;
      } else if (rest.starts_with("=")) {
        at = i, op_len = 1;
      } else {
        continue;
      }
      break;
    }
    if (at == std::string_view::npos)
      throw SelectorError("invalid selector: '" + machinery::excerpt(text) + "'; can't understand '" +
                       machinery::excerpt(term) + "'");
    sel.requirements_.push_back(
        FieldRequirement{std::string(term.substr(0, at)), equal, unescape_field_value(term.substr(at + op_len))});
  }
  return sel;
}

bool FieldSelector::matches(const std::function<std::optional<std::string>(std::string_view field)>& lookup) const {
  bool result = true;
  for (const auto& r : requirements_) {
    std::optional<std::string> v = lookup(r.field);
    if (!v) throw SelectorError("field label not supported: " + machinery::excerpt(r.field));
    if ((*v == r.value) != r.equal) result = false;
  }
  return result;
}

std::string FieldSelector::to_string() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ',';
    out += r.field;
    out += r.equal ? "=" : "!=";
    out += escape_field_value(r.value);
  }
  return out;
}

}  // namespace capstan::selectors
