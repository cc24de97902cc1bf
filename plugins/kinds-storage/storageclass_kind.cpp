// storage.k8s.io/v1 StorageClass: SetDefaults_StorageClass (reclaimPolicy Delete,
// volumeBindingMode Immediate) and ValidateStorageClass(Update): provisioner, parameters and
// reclaimPolicy cannot change, volumeBindingMode is immutable.
#include <algorithm>

#include "capstan/storage_v1.capnp.h"
#include "kinds.hpp"
#include "storage_rules.hpp"

namespace capstan::storage_kinds {

using storage::v1::StorageClass;
using Op = sdk::AdmissionRequest::Operation;
namespace field = sdk::field;

namespace {

constexpr size_t kMaxParameterSize = 256 * 1024;
constexpr size_t kMaxParameters = 512;
const std::vector<std::string> kReclaimPolicies = {"Delete", "Retain"};
const std::vector<std::string> kBindingModes = {"Immediate", "WaitForFirstConsumer"};

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

void validate(StorageClass::Reader sc, Causes& causes) {
  const std::string provisioner = sc.getProvisioner();
  if (provisioner.empty()) {
    field::required(causes, "provisioner");
  } else {
    std::string lower = provisioner;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& m : field::qualified_name(lower)) field::invalid(causes, "provisioner", field::go_quote(lower), m);
  }
  auto params = sc.getParameters();
  if (params.size() > kMaxParameters) {
    field::too_many(causes, "parameters", params.size(), kMaxParameters);
  } else {
    size_t total = 0;
    for (auto p : params) {
      if (p.getKey().size() == 0) field::invalid(causes, "parameters", "\"\"", "field can not be empty.");
      total += p.getKey().size() + p.getValue().size();
    }
    if (total > kMaxParameterSize) field::too_long(causes, "parameters", kMaxParameterSize);
  }
  const std::string reclaim = sc.hasReclaimPolicy() ? sc.getReclaimPolicy().cStr() : "";
  if (!reclaim.empty() && !contains(kReclaimPolicies, reclaim))
    field::not_supported(causes, "reclaimPolicy", field::go_quote(reclaim), kReclaimPolicies);
  if (!sc.hasVolumeBindingMode()) field::required(causes, "volumeBindingMode");
  else if (!contains(kBindingModes, sc.getVolumeBindingMode().cStr()))
    field::not_supported(causes, "volumeBindingMode", field::go_quote(sc.getVolumeBindingMode().cStr()), kBindingModes);
  auto terms = sc.getAllowedTopologies();
  for (unsigned i = 0; i < terms.size(); ++i) {
    const std::string tp = "allowedTopologies[" + std::to_string(i) + "]";
    auto exprs = terms[i].getMatchLabelExpressions();
    if (exprs.size() == 0) field::required(causes, tp + ".matchLabelExpressions", "must have at least one label selector");
    for (unsigned j = 0; j < exprs.size(); ++j) {
      const std::string ep = tp + ".matchLabelExpressions[" + std::to_string(j) + "]";
      for (const auto& m : field::qualified_name(exprs[j].getKey().cStr()))
        field::invalid(causes, ep + ".key", field::go_quote(exprs[j].getKey().cStr()), m);
      if (exprs[j].getValues().size() == 0) field::required(causes, ep + ".values", "must specify as least one value");
    }
  }
}

}  // namespace

sdk::AdmissionResult admit_storage_class(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<StorageClass> m(req.object->as<StorageClass>());
  if (!m.root.hasReclaimPolicy()) m.root.setReclaimPolicy("Delete");
  if (!m.root.hasVolumeBindingMode()) m.root.setVolumeBindingMode("Immediate");
  Causes causes;
  auto sc = m.root.asReader();
  for (const auto& msg : field::dns1123_subdomain(sc.getMetadata().getName().cStr()))
    field::invalid(causes, "metadata.name", field::go_quote(sc.getMetadata().getName().cStr()), msg);
  validate(sc, causes);
  if (req.operation == Op::kUpdate && req.old_object) {
    auto old = req.old_object->as<StorageClass>();
    if (!machinery::same_value(old, sc)) {
      // Parameters compare as maps: order does not matter.
      std::map<std::string, std::string> a, b;
      for (auto p : old.getParameters()) a[p.getKey()] = p.getValue();
      for (auto p : sc.getParameters()) b[p.getKey()] = p.getValue();
      if (a != b) field::forbidden(causes, "parameters", "updates to parameters are forbidden.");
      if (old.getProvisioner() != sc.getProvisioner())
        field::forbidden(causes, "provisioner", "updates to provisioner are forbidden.");
      if (old.getReclaimPolicy() != sc.getReclaimPolicy())
        field::forbidden(causes, "reclaimPolicy", "updates to reclaimPolicy are forbidden.");
      if (old.getVolumeBindingMode() != sc.getVolumeBindingMode())
        field::invalid(causes, "volumeBindingMode", field::go_quote(sc.getVolumeBindingMode().cStr()), "field is immutable");
    }
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::storage_kinds
