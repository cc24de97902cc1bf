#include <set>

#include "capstan/core_v1.capnp.h"
#include "kinds.hpp"
#include "validation.hpp"

namespace capstan::kinds {

using capstan::core::v1::ConfigMap;

sdk::AdmissionResult admit_configmap(const sdk::AdmissionRequest& req) {
  if (req.operation == sdk::AdmissionRequest::Operation::kDelete) return sdk::AdmissionResult::allow();
  auto cm = req.object->as<ConfigMap>();
  std::vector<sdk::FieldCause> causes;
  check_keys(cm.getData(), "data", causes);
  check_keys(cm.getBinaryData(), "binaryData", causes);
  std::set<std::string> keys;
  for (auto e : cm.getData()) keys.insert(e.getKey());
  for (auto e : cm.getBinaryData())
    if (keys.count(e.getKey()))
      causes.push_back({"binaryData", "FieldValueInvalid",
                        "Invalid value: \"" + std::string(e.getKey().cStr()) + "\": duplicate of key present in data"});
  if (req.operation == sdk::AdmissionRequest::Operation::kUpdate && req.old_object) {
    auto old = req.old_object->as<ConfigMap>();
    if (old.getImmutable().isValue() && old.getImmutable().getValue()) {
      auto same = [](auto a, auto b) {
        if (a.size() != b.size()) return false;
        for (unsigned i = 0; i < a.size(); ++i)
          if (a[i].getKey() != b[i].getKey() || a[i].getValue() != b[i].getValue()) return false;
        return true;
      };
      if (!same(cm.getData(), old.getData()) || !same(cm.getBinaryData(), old.getBinaryData()))
        causes.push_back({"data", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set"});
      if (!cm.getImmutable().isValue() || !cm.getImmutable().getValue())
        causes.push_back({"immutable", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set"});
    }
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  return sdk::AdmissionResult::allow();
}

}  // namespace capstan::kinds
