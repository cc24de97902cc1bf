// storage.k8s.io/v1 CSIDriver, CSINode and VolumeAttachment: their defaulting
// (SetDefaults_CSIDriver) and validation (ValidateCSIDriver, ValidateCSINode,
// ValidateVolumeAttachment and their updates).
#include <algorithm>
#include <map>
#include <set>

#include "capstan/storage_v1.capnp.h"
#include "kinds.hpp"
#include "storage_rules.hpp"

namespace capstan::storage_kinds {

using storage::v1::CSIDriver;
using storage::v1::CSINode;
using storage::v1::VolumeAttachment;
using Op = sdk::AdmissionRequest::Operation;
namespace field = sdk::field;

namespace {

const std::vector<std::string> kFsGroupPolicies = {"File", "None", "ReadWriteOnceWithFSType"};
const std::vector<std::string> kLifecycleModes = {"Persistent", "Ephemeral"};

template <typename Group>
std::string bool_value(Group g) {
  return g.isValue() ? (g.getValue() ? "true" : "false") : "null";
}

void validate_driver_spec(storage::v1::CSIDriverSpec::Reader spec, Causes& causes) {
  // Upstream's field path spells it "attachedRequired".
  if (spec.getAttachRequired().isUnset()) field::required(causes, "spec.attachedRequired");
  if (spec.getPodInfoOnMount().isUnset()) field::required(causes, "spec.podInfoOnMount");
  if (spec.getStorageCapacity().isUnset()) field::required(causes, "spec.storageCapacity");
  if (spec.hasFsGroupPolicy() &&
      std::find(kFsGroupPolicies.begin(), kFsGroupPolicies.end(), spec.getFsGroupPolicy().cStr()) == kFsGroupPolicies.end())
    field::not_supported(causes, "spec.fsGroupPolicy", field::go_quote(spec.getFsGroupPolicy().cStr()), kFsGroupPolicies);
  std::set<std::string> audiences;
  auto tokens = spec.getTokenRequests();
  for (unsigned i = 0; i < tokens.size(); ++i) {
    const std::string p = "spec.tokenRequests[" + std::to_string(i) + "]";
    const std::string aud = tokens[i].getAudience();
    if (!audiences.insert(aud).second) {
      field::duplicate(causes, p + ".audience", field::go_quote(aud));
      continue;
    }
    if (tokens[i].getExpirationSeconds().isValue()) {
      const int64_t s = tokens[i].getExpirationSeconds().getValue();
      if (s < 600) field::invalid(causes, p + ".expirationSeconds", std::to_string(s), "may not specify a duration less than 10 minutes");
      if (s > (int64_t{1} << 32))
        field::invalid(causes, p + ".expirationSeconds", std::to_string(s), "may not specify a duration larger than 2^32 seconds");
    }
  }
  for (auto m : spec.getVolumeLifecycleModes())
    if (m != "Persistent" && m != "Ephemeral")
      field::not_supported(causes, "spec.volumeLifecycleModes", field::go_quote(m.cStr()), kLifecycleModes);
  if (spec.getSeLinuxMount().isUnset()) field::required(causes, "spec.seLinuxMount");
  if (spec.getNodeAllocatableUpdatePeriodSeconds().isValue() && spec.getNodeAllocatableUpdatePeriodSeconds().getValue() < 10)
    field::invalid(causes, "spec.nodeAllocatableUpdatePeriodSeconds",
                   std::to_string(spec.getNodeAllocatableUpdatePeriodSeconds().getValue()),
                   "must be greater than or equal to 10 seconds");
}

}  // namespace

sdk::AdmissionResult admit_csi_driver(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<CSIDriver> m(req.object->as<CSIDriver>());
  auto spec = m.root.getSpec();
  if (spec.getAttachRequired().isUnset()) spec.getAttachRequired().setValue(true);
  if (spec.getPodInfoOnMount().isUnset()) spec.getPodInfoOnMount().setValue(false);
  if (spec.getStorageCapacity().isUnset()) spec.getStorageCapacity().setValue(false);
  if (!spec.hasFsGroupPolicy()) spec.setFsGroupPolicy("ReadWriteOnceWithFSType");
  if (spec.getVolumeLifecycleModes().size() == 0) spec.initVolumeLifecycleModes(1).set(0, "Persistent");
  if (spec.getRequiresRepublish().isUnset()) spec.getRequiresRepublish().setValue(false);
  if (spec.getSeLinuxMount().isUnset()) spec.getSeLinuxMount().setValue(false);

  Causes causes;
  auto r = m.root.asReader();
  validate_csi_driver_name(r.getMetadata().getName().cStr(), "metadata.name", causes);
  validate_driver_spec(r.getSpec(), causes);
  if (req.operation == Op::kUpdate && req.old_object) {
    auto old = req.old_object->as<CSIDriver>().getSpec();
    if (bool_value(old.getAttachRequired()) != bool_value(r.getSpec().getAttachRequired()))
      field::invalid(causes, "spec.attachedRequired", bool_value(r.getSpec().getAttachRequired()), "field is immutable");
    std::vector<std::string> a, b;
    for (auto x : old.getVolumeLifecycleModes()) a.push_back(x);
    for (auto x : r.getSpec().getVolumeLifecycleModes()) b.push_back(x);
    if (a != b) {
      std::string v = "[]storage.VolumeLifecycleMode{";
      for (size_t i = 0; i < b.size(); ++i) v += (i ? ", " : "") + field::go_quote(b[i]);
      field::invalid(causes, "spec.volumeLifecycleModes", v + "}", "field is immutable");
    }
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

sdk::AdmissionResult admit_csi_node(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  auto node = req.object->as<CSINode>();
  Causes causes;
  // ValidateNodeName is a DNS subdomain.
  for (const auto& msg : field::dns1123_subdomain(node.getMetadata().getName().cStr()))
    field::invalid(causes, "metadata.name", field::go_quote(node.getMetadata().getName().cStr()), msg);
  std::set<std::string> names;
  auto drivers = node.getSpec().getDrivers();
  for (unsigned i = 0; i < drivers.size(); ++i) {
    auto d = drivers[i];
    const std::string p = "spec.drivers[" + std::to_string(i) + "]";
    validate_csi_driver_name(d.getName().cStr(), p + ".name", causes);
    const std::string id = d.getNodeID();
    if (id.empty()) field::required(causes, p + ".nodeID");
    if (id.size() > 192) field::invalid(causes, p + ".nodeID", field::go_quote(id), "must be 192 characters or less");
    if (d.hasAllocatable() && d.getAllocatable().getCount().isValue() && d.getAllocatable().getCount().getValue() < 0)
      field::invalid(causes, p + ".allocatable.count", std::to_string(d.getAllocatable().getCount().getValue()),
                     "must be greater than or equal to 0");
    if (!names.insert(d.getName()).second) field::duplicate(causes, p + ".name", field::go_quote(d.getName().cStr()));
    std::set<std::string> keys;
    for (auto k : d.getTopologyKeys()) {
      const std::string key = k;
      if (key.empty()) field::required(causes, p);
      if (!keys.insert(key).second) field::duplicate(causes, p, field::go_quote(key));
      for (const auto& msg : field::qualified_name(key)) field::invalid(causes, p, field::go_quote(key), msg);
    }
  }
  if (req.operation == Op::kUpdate && req.old_object) {
    // An entry for a driver keeps its nodeID and topology keys (allocatable may change: the
    // MutableCSINodeAllocatableCount gate is off in 1.33, so it may not either).
    for (auto o : req.old_object->as<CSINode>().getSpec().getDrivers())
      for (auto d : drivers)
        if (o.getName() == d.getName() && !machinery::same_value(o, d))
          field::invalid(causes, "spec.drivers", "", "field is immutable");
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  return sdk::AdmissionResult::allow();
}

sdk::AdmissionResult admit_volume_attachment(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  auto va = req.object->as<VolumeAttachment>();
  Causes causes;
  for (const auto& msg : field::dns1123_subdomain(va.getMetadata().getName().cStr()))
    field::invalid(causes, "metadata.name", field::go_quote(va.getMetadata().getName().cStr()), msg);
  auto spec = va.getSpec();
  if (spec.getAttacher().size() == 0) field::required(causes, "spec.attacher");
  auto src = spec.getSource();
  if (!src.hasInlineVolumeSpec() && !src.hasPersistentVolumeName()) {
    field::required(causes, "spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName");
  } else if (src.hasInlineVolumeSpec() && src.hasPersistentVolumeName()) {
    field::forbidden(causes, "spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName");
  } else if (src.hasPersistentVolumeName() && src.getPersistentVolumeName().size() == 0) {
    field::required(causes, "spec.source.persistentVolumeName", "must specify non empty persistentVolumeName");
  }
  for (const auto& msg : field::dns1123_subdomain(spec.getNodeName().cStr()))
    field::invalid(causes, "spec.nodeName", field::go_quote(spec.getNodeName().cStr()), msg);
  size_t meta = 0;
  for (auto e : va.getStatus().getAttachmentMetadata()) meta += e.getKey().size() + e.getValue().size();
  if (meta > 256 * 1024) field::too_long(causes, "status.attachmentMetadata", 256 * 1024);
  auto error = [&](bool has, storage::v1::VolumeError::Reader e, const std::string& p) {
    if (!has) return;
    if (e.getMessage().size() > 1024) field::too_long(causes, p + ".message", 256 * 1024);
    if (e.getErrorCode().isValue() && e.getErrorCode().getValue() < 0)
      field::invalid(causes, p + ".errorCode", std::to_string(e.getErrorCode().getValue()),
                     "must be between 0 and 2147483647, inclusive");
  };
  error(va.getStatus().hasAttachError(), va.getStatus().getAttachError(), "status.attachError");
  error(va.getStatus().hasDetachError(), va.getStatus().getDetachError(), "status.detachError");
  if (spec.getSource().hasPersistentVolumeName() || spec.getAttacher().size() > 0) {
    // ValidateVolumeAttachmentV1: the attacher is a CSI driver name.
    if (spec.getAttacher().size() > 0) validate_csi_driver_name(spec.getAttacher().cStr(), "spec.attacher", causes);
    if (src.hasPersistentVolumeName() && src.getPersistentVolumeName().size() > 0)
      for (const auto& msg : field::dns1123_subdomain(src.getPersistentVolumeName().cStr()))
        field::invalid(causes, "spec.source.persistentVolumeName", field::go_quote(src.getPersistentVolumeName().cStr()), msg);
  }
  if (req.operation == Op::kUpdate && req.old_object &&
      !machinery::same_value(req.old_object->as<VolumeAttachment>().getSpec(), spec))
    field::invalid(causes, "spec", "", "field is immutable");
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  return sdk::AdmissionResult::allow();
}

}  // namespace capstan::storage_kinds
