// Kubernetes field selectors (k8s.io/apimachinery/pkg/fields).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capstan/machinery/selectors/selector_error.hpp"

namespace capstan::selectors {

struct FieldRequirement {
  std::string field;
  bool equal;         // true for `=`/`==`, false for `!=`
  std::string value;  // unescaped
};

class FieldSelector {
 public:
  FieldSelector() = default;  // empty: matches everything

  // `k=v`, `k==v`, `k!=v`, comma = AND; values may escape `\,` `\=` `\\` (an unescaped `,`/`=` in a value or any other
  // escape is an error). Like Go, whitespace is NOT trimmed (`a = b` is field "a " with value " b"), the field name
  // is taken verbatim up to the first operator, and empty terms (`a=b,,c=d`) are skipped. Throws SelectorError.
  static FieldSelector parse(std::string_view text);

  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  bool empty() const { return requirements_.empty(); }

  // lookup(field) returns the object's value for that field, "" when the object has no value, or nullopt when the
  // kind does not support the field (then matches() throws SelectorError("field label not supported: <field>")).
  // Every requirement's field is checked for support, even after a mismatch.
  bool matches(const std::function<std::optional<std::string>(std::string_view field)>& lookup) const;

  // "a=b,c!=d" with values re-escaped.
  std::string to_string() const;

 private:
  std::vector<FieldRequirement> requirements_;
};

// fields.EscapeValue / fields.UnescapeValue.
std::string escape_field_value(std::string_view v);
std::string unescape_field_value(std::string_view v);  // throws SelectorError

}  // namespace capstan::selectors
