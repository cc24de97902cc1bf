#include "capstan/selectors.hpp"

namespace capstan::sdk {

Labels labels_of(capnp::List<capstan::k8s::StringEntry>::Reader labels) {
  Labels out;
  for (auto e : labels) out[e.getKey()] = e.getValue();
  return out;
}

bool selector_empty(capstan::meta::LabelSelector::Reader selector) {
  return selector.getMatchLabels().size() == 0 && selector.getMatchExpressions().size() == 0;
}

bool selector_matches(capstan::meta::LabelSelector::Reader selector, const Labels& labels) {
  for (auto e : selector.getMatchLabels()) {
    auto it = labels.find(e.getKey());
    if (it == labels.end() || it->second != e.getValue().cStr()) return false;
  }
  for (auto r : selector.getMatchExpressions()) {
    std::string op = r.getOperator();
    auto it = labels.find(r.getKey());
    bool in = false;
    if (it != labels.end())
      for (auto v : r.getValues()) in |= it->second == v.cStr();
    if (op == "In") {
      if (!in) return false;
    } else if (op == "NotIn") {
      if (in) return false;
    } else if (op == "Exists") {
      if (it == labels.end()) return false;
    } else if (op == "DoesNotExist") {
      if (it != labels.end()) return false;
    } else {
      return false;  // an unknown operator selects nothing
    }
  }
  return true;
}

bool selector_matches(capstan::meta::LabelSelector::Reader selector,
                      capnp::List<capstan::k8s::StringEntry>::Reader labels) {
  return selector_matches(selector, labels_of(labels));
}

std::string selector_string(capstan::meta::LabelSelector::Reader selector) {
  std::string out;
  auto add = [&out](const std::string& part) {
    if (!out.empty()) out += ",";
    out += part;
  };
  for (auto e : selector.getMatchLabels()) add(std::string(e.getKey().cStr()) + "=" + e.getValue().cStr());
  for (auto r : selector.getMatchExpressions()) {
    std::string op = r.getOperator().cStr();
    std::string key = r.getKey().cStr();
    if (op == "Exists") {
      add(key);
      continue;
    }
    if (op == "DoesNotExist") {
      add("!" + key);
      continue;
    }
    std::string values;
    for (auto v : r.getValues()) values += (values.empty() ? "" : ",") + std::string(v.cStr());
    add(key + (op == "NotIn" ? " notin (" : " in (") + values + ")");
  }
  return out.empty() ? "<none>" : out;
}

}  // namespace capstan::sdk
