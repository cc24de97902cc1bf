#include <map>

#include "capstan/core_v1.capnp.h"
#include "kinds.hpp"
#include "validation.hpp"

namespace capstan::kinds {

using capstan::core::v1::Secret;

sdk::AdmissionResult admit_secret(const sdk::AdmissionRequest& req) {
  if (req.operation == sdk::AdmissionRequest::Operation::kDelete) return sdk::AdmissionResult::allow();
  auto secret = req.object->as<Secret>();
  std::vector<sdk::FieldCause> causes;
  check_keys(secret.getData(), "data", causes);
  check_keys(secret.getStringData(), "stringData", causes);
  if (req.operation == sdk::AdmissionRequest::Operation::kUpdate && req.old_object) {
    auto old = req.old_object->as<Secret>();
    if (old.getType() != secret.getType() && secret.hasType())
      causes.push_back({"type", "FieldValueInvalid", "Invalid value: \"" + std::string(secret.getType().cStr()) +
                                                         "\": field is immutable"});
    if (old.getImmutable().isValue() && old.getImmutable().getValue()) {
      bool same = old.getData().size() == secret.getData().size() && secret.getStringData().size() == 0;
      for (unsigned i = 0; same && i < old.getData().size(); ++i)
        same = old.getData()[i].getKey() == secret.getData()[i].getKey() &&
               old.getData()[i].getValue() == secret.getData()[i].getValue();
      if (!same) causes.push_back({"data", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set"});
    }
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));

  const bool needs_type = !secret.hasType() || secret.getType().size() == 0;
  if (!needs_type && secret.getStringData().size() == 0 && !secret.hasStringData()) return sdk::AdmissionResult::allow();
  // stringData is write-only: fold it into data (its values win) and drop it.
  std::map<std::string, std::string> data;
  for (auto e : secret.getData()) data[e.getKey()] = std::string(reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size());
  for (auto e : secret.getStringData()) data[e.getKey()] = e.getValue();
  Mutable<Secret> m(secret);
  if (needs_type) m.root.setType(req.old_object ? std::string(req.old_object->as<Secret>().getType()) : "Opaque");
  if (m.root.getType().size() == 0) m.root.setType("Opaque");
  auto list = m.root.initData(static_cast<unsigned>(data.size()));
  unsigned i = 0;
  for (auto& [k, v] : data) {
    list[i].setKey(k);
    list[i].setValue(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(v.data()), v.size()));
    ++i;
  }
  m.root.disownStringData();
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

}  // namespace capstan::kinds
