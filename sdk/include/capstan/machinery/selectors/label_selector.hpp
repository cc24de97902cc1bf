// Kubernetes label selectors (k8s.io/apimachinery/pkg/labels), string syntax and metav1.LabelSelector.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "capstan/machinery/selectors/selector_error.hpp"

namespace capstan::selectors {

enum class LabelOperator {
  Equals,        // a=b
  DoubleEquals,  // a==b
  NotEquals,     // a!=b   (also matches objects without label a)
  In,            // a in (x,y)
  NotIn,         // a notin (x,y)   (also matches objects without label a)
  Exists,        // a
  DoesNotExist,  // !a
  GreaterThan,   // a>5   (label must exist and parse as an integer; string syntax only, as in Kubernetes)
  LessThan,      // a<5
};

struct LabelRequirement {
  std::string key;
  LabelOperator op;
  std::vector<std::string> values;  // sorted, de-duplicated (a set, as in Kubernetes)
};

class LabelSelector {
 public:
  LabelSelector() = default;  // empty: matches everything

  // Parses the `?labelSelector=` syntax exactly like labels.Parse: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
  // `a notin (x)`, `a`, `!a`, `a>1`, `a<1`; comma = AND; whitespace tolerant; "" = everything.
  // Requirements are sorted by key (stable), as Kubernetes does.
  // Throws SelectorError("unable to parse requirement: ...") — unlike Go, *every* parse error carries that prefix.
  static LabelSelector parse(std::string_view text);

  // metav1.LabelSelector {matchLabels, matchExpressions[{key, operator In|NotIn|Exists|DoesNotExist, values}]},
  // following metav1.LabelSelectorAsSelector:
  //   * JSON null (a nil selector)       -> a selector that matches NOTHING (empty() == false, to_string() == "");
  //   * {} / no requirements             -> everything;
  //   * matchLabels become `k=v` requirements.
  // Throws SelectorError on malformed input or invalid keys/values/operators.
  static LabelSelector from_json(const nlohmann::json& sel);

  // lookup(key) returns a pointer to the label's value, or nullptr if the object does not have the label.
  bool matches(const std::function<const std::string*(std::string_view key)>& lookup) const;
  // labels_object: {"k":"v",...}, null, or anything else (treated as no labels; non-string values count as absent).
  bool matches(const nlohmann::json& labels_object) const;

  bool empty() const { return !nothing_ && requirements_.empty(); }
  bool matches_nothing() const { return nothing_; }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

  // Canonical string form, as labels.Selector.String(): "app=web,tier in (a,b)". Re-parses to an equal selector.
  std::string to_string() const;

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

// Validation helpers shared with other modules (label keys/values on objects are validated the same way).
// Return "" when valid, otherwise the Kubernetes-style reason(s).
std::string validate_label_key(std::string_view key);     // qualified name: [dns-subdomain "/"] name(<=63)
std::string validate_label_value(std::string_view value);  // <=63, may be empty

}  // namespace capstan::selectors
