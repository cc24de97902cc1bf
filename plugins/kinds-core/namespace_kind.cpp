#include "capstan/core_v1.capnp.h"
#include "kinds.hpp"
#include "validation.hpp"

namespace capstan::kinds {

using capstan::core::v1::Namespace;

namespace {
constexpr const char* kFinalizer = "kubernetes";
}  // namespace

sdk::AdmissionResult admit_namespace(const sdk::AdmissionRequest& req) {
  using Op = sdk::AdmissionRequest::Operation;
  if (req.operation == Op::kCreate) {
    auto ns = req.object->as<Namespace>();
    std::string name = ns.getMetadata().getName();
    // ValidateNamespaceName: a DNS-1123 label.
    std::vector<sdk::FieldCause> causes;
    for (const auto& problem : machinery::is_dns1123_label(name))
      causes.push_back({"metadata.name", "FieldValueInvalid", "Invalid value: " + machinery::quote(name) + ": " + problem});
    if (!causes.empty()) return sdk::AdmissionResult::invalid("", causes);
    Mutable<Namespace> m(ns);
    m.root.initStatus().setPhase("Active");
    auto fin = m.root.initSpec().initFinalizers(1);
    fin.set(0, kFinalizer);
    sdk::AdmissionResult r;
    r.mutated = m.bytes();
    return r;
  }
  if (req.operation == Op::kDelete) {
    // Deleting a namespace first empties it: mark it Terminating and hold it with a finalizer
    // that the namespace controller removes once nothing is left inside.
    auto ns = req.old_object->as<Namespace>();
    Mutable<Namespace> m(ns);
    auto meta = m.root.getMetadata();
    bool has = false;
    for (auto f : meta.getFinalizers()) has |= f == kFinalizer;
    if (!has) {
      auto old = meta.getFinalizers();
      std::vector<std::string> fins;
      for (auto f : old) fins.emplace_back(f.cStr());
      fins.emplace_back(kFinalizer);
      auto list = meta.initFinalizers(static_cast<unsigned>(fins.size()));
      for (unsigned i = 0; i < fins.size(); ++i) list.set(i, fins[i]);
    }
    m.root.getStatus().setPhase("Terminating");
    sdk::AdmissionResult r;
    r.mutated = m.bytes();
    return r;
  }
  if (req.operation == Op::kUpdate && req.object && req.old_object) {
    // The phase follows deletion; users cannot flip it back.
    auto ns = req.object->as<Namespace>();
    auto old = req.old_object->as<Namespace>();
    if (old.getMetadata().hasDeletionTimestamp() && ns.getStatus().getPhase() != "Terminating") {
      Mutable<Namespace> m(ns);
      m.root.getStatus().setPhase("Terminating");
      sdk::AdmissionResult r;
      r.mutated = m.bytes();
      return r;
    }
  }
  return sdk::AdmissionResult::allow();
}

}  // namespace capstan::kinds
