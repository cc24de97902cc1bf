// core/v1 PersistentVolumeClaim: SetDefaults_PersistentVolumeClaim, the DefaultStorageClass and
// StorageObjectInUseProtection admission plugins (on create), and ValidatePersistentVolumeClaim
// (Update) with release-1.33's default feature gates (RecoverVolumeExpansionFailure on: a bound
// claim's request may go down to just above status.capacity, not to or below it).
#include <algorithm>

#include "capstan/machinery/object_rules.hpp"
#include "capstan/selectors.hpp"
#include "kinds.hpp"
#include "storage_rules.hpp"

namespace capstan::storage_kinds {

using core::v1::PersistentVolumeClaim;
using core::v1::PersistentVolumeClaimSpec;
using Op = sdk::AdmissionRequest::Operation;
namespace field = sdk::field;

namespace {

const std::vector<std::string> kVolumeModes = {"Block", "Filesystem"};

// unversionedvalidation.ValidateLabelSelector's operator and values rules.
void validate_selector(meta::LabelSelector::Reader selector, const std::string& path, Causes& causes) {
  auto exprs = selector.getMatchExpressions();
  for (unsigned i = 0; i < exprs.size(); ++i) {
    auto r = exprs[i];
    const std::string rp = path + ".matchExpressions[" + std::to_string(i) + "]";
    const std::string op = r.getOperator();
    if (op == "In" || op == "NotIn") {
      if (r.getValues().size() == 0) field::required(causes, rp + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (r.getValues().size() > 0)
        field::forbidden(causes, rp + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else {
      field::invalid(causes, rp + ".operator", field::go_quote(op), "not a valid selector operator");
    }
  }
}

template <typename Ref>
void validate_data_source(Ref ref, const std::string& path, Causes& causes) {
  if (ref.getName().size() == 0) field::required(causes, path + ".name");
  if (ref.getKind().size() == 0) field::required(causes, path + ".kind");
  const std::string group = ref.hasApiGroup() ? ref.getApiGroup().cStr() : "";
  if (group.empty() && ref.getKind() != "PersistentVolumeClaim")
    field::invalid(causes, path, field::go_quote(ref.getKind().cStr()), "must be 'PersistentVolumeClaim' when referencing the default apiGroup");
  if (!group.empty())
    for (const auto& m : field::dns1123_subdomain(group)) field::invalid(causes, path + ".apiGroup", field::go_quote(group), m);
}

void validate_spec(PersistentVolumeClaimSpec::Reader spec, const std::string& path, Causes& causes) {
  validate_access_modes(spec.getAccessModes(), path + ".accessModes", "at least 1 access mode is required", causes);
  if (spec.hasSelector()) validate_selector(spec.getSelector(), path + ".selector", causes);
  // Upstream keys the storage request off `resources` (not `resources.requests`).
  const std::string storage_path = path + ".resources[storage]";
  if (auto storage = storage_of(spec.getResources().getRequests())) validate_positive_quantity(*storage, storage_path, causes);
  else field::required(causes, storage_path);
  if (spec.hasStorageClassName() && spec.getStorageClassName().size() > 0)
    validate_class_name(spec.getStorageClassName().cStr(), path + ".storageClassName", causes);
  if (spec.hasVolumeMode() && std::find(kVolumeModes.begin(), kVolumeModes.end(), spec.getVolumeMode().cStr()) == kVolumeModes.end())
    field::not_supported(causes, path + ".volumeMode", field::go_quote(spec.getVolumeMode().cStr()), kVolumeModes);
  if (spec.hasDataSource()) validate_data_source(spec.getDataSource(), path + ".dataSource", causes);
  if (spec.hasDataSourceRef()) {
    auto ref = spec.getDataSourceRef();
    validate_data_source(ref, path + ".dataSourceRef", causes);
    if (ref.hasNamespace() && ref.getNamespace().size() > 0) {
      for (const auto& m : field::dns1123_label(ref.getNamespace().cStr()))
        field::invalid(causes, path + ".dataSourceRef.namespace", field::go_quote(ref.getNamespace().cStr()), m);
      if (spec.hasDataSource())
        field::invalid(causes, path, field::go_quote(path + ".dataSource"), "may not be specified when dataSourceRef.namespace is specified");
    } else if (spec.hasDataSource()) {
      auto ds = spec.getDataSource();
      const bool same = ds.hasApiGroup() == ref.hasApiGroup() && ds.getApiGroup() == ref.getApiGroup() &&
                        ds.getKind() == ref.getKind() && ds.getName() == ref.getName();
      if (!same) field::invalid(causes, path, field::go_quote(path + ".dataSource"), "must match dataSourceRef");
    }
  }
  if (spec.hasVolumeAttributesClassName() && spec.getVolumeAttributesClassName().size() > 0)
    validate_class_name(spec.getVolumeAttributesClassName().cStr(), path + ".volumeAttributesClassName", causes);
}

void set_storage_request(PersistentVolumeClaimSpec::Builder spec, capnp::Text::Reader value) {
  auto requests = spec.getResources().getRequests();
  for (auto e : requests)
    if (e.getKey() == "storage") {
      e.setValue(value);
      return;
    }
}

// ValidatePersistentVolumeClaimUpdate's spec rules.
void validate_update(PersistentVolumeClaim::Reader now, PersistentVolumeClaim::Reader old, Causes& causes) {
  Mutable<PersistentVolumeClaimSpec> a(old.getSpec()), b(now.getSpec());
  // The binder fills volumeName once.
  if (old.getSpec().getVolumeName().size() == 0 && now.getSpec().getVolumeName().size()) a.root.setVolumeName(now.getSpec().getVolumeName());
  // A claim that had no class (nor the beta annotation naming another) may be given one.
  const auto beta = annotation(old.getMetadata().getAnnotations(), kBetaStorageClassAnnotation);
  const bool had_class = old.getSpec().hasStorageClassName(), has_class = now.getSpec().hasStorageClassName();
  if (!had_class && has_class && (!beta || *beta == now.getSpec().getStorageClassName().cStr()))
    b.root.disownStorageClassName();
  // Bound claims may change their storage request (expansion, checked below).
  if (now.getStatus().getPhase() == "Bound") {
    bool old_has = false;
    for (auto e : old.getSpec().getResources().getRequests())
      if (e.getKey() == "storage") {
        set_storage_request(b.root, e.getValue());
        old_has = true;
      }
    (void)old_has;
  }
  if (old.getSpec().hasVolumeAttributesClassName()) b.root.setVolumeAttributesClassName(old.getSpec().getVolumeAttributesClassName());
  else b.root.disownVolumeAttributesClassName();
  if (!machinery::same_value(a.root.asReader(), b.root.asReader()))
    field::forbidden(causes, "spec",
                     "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims");

  const Quantity old_size = storage_of(old.getSpec().getResources().getRequests()).value_or(Quantity());
  const Quantity new_size = storage_of(now.getSpec().getResources().getRequests()).value_or(Quantity());
  const Quantity status_size = storage_of(old.getStatus().getCapacity()).value_or(Quantity());
  if (new_size.compare(old_size) < 0 && new_size.compare(status_size) <= 0)
    field::forbidden(causes, "spec.resources.requests.storage", "field can not be less than status.capacity");

  const std::string old_mode = old.getSpec().hasVolumeMode() ? old.getSpec().getVolumeMode().cStr() : "";
  const std::string new_mode = now.getSpec().hasVolumeMode() ? now.getSpec().getVolumeMode().cStr() : "";
  if (old_mode != new_mode || old.getSpec().hasVolumeMode() != now.getSpec().hasVolumeMode())
    field::invalid(causes, "volumeMode", now.getSpec().hasVolumeMode() ? field::go_quote(new_mode) : "null", "field is immutable");
  if (old.getSpec().hasVolumeAttributesClassName()) {
    if (!now.getSpec().hasVolumeAttributesClassName())
      field::forbidden(causes, "spec.volumeAttributesClassName", "update from non-nil value to nil is forbidden");
    else if (now.getSpec().getVolumeAttributesClassName().size() == 0)
      field::forbidden(causes, "spec.volumeAttributesClassName", "update from non-nil value to an empty string is forbidden");
  }
}

// The claim's class as apihelper.GetPersistentVolumeClaimClass reads it: the beta annotation
// first, then spec.storageClassName.
std::string claim_class(PersistentVolumeClaim::Reader pvc) {
  if (auto beta = annotation(pvc.getMetadata().getAnnotations(), kBetaStorageClassAnnotation)) return *beta;
  return pvc.getSpec().hasStorageClassName() ? pvc.getSpec().getStorageClassName().cStr() : "";
}

// The PersistentVolumeClaimResize admission plugin (it validates after the object's own
// validation): a larger request needs a bound claim whose class (the same before and after)
// exists and sets allowVolumeExpansion: true. "" when allowed, else the refusal.
std::string resize_refusal(PersistentVolumeClaim::Reader now, PersistentVolumeClaim::Reader old,
                           const std::vector<ClassInfo>& classes) {
  const Quantity old_size = storage_of(old.getSpec().getResources().getRequests()).value_or(Quantity());
  const Quantity new_size = storage_of(now.getSpec().getResources().getRequests()).value_or(Quantity());
  if (new_size.compare(old_size) <= 0) return "";
  if (old.getStatus().getPhase() != "Bound") return "Only bound persistent volume claims can be expanded";
  const std::string cls = claim_class(now), old_cls = claim_class(old);
  bool allowed = false;
  if (!cls.empty() && cls == old_cls)
    for (const auto& c : classes)
      if (c.name == cls) allowed = c.allow_expansion;
  if (allowed) return "";
  return "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize";
}

const std::vector<std::string> kResizeStatuses = {"ControllerResizeInProgress", "ControllerResizeInfeasible",
                                                  "NodeResizeInProgress", "NodeResizeInfeasible", "NodeResizePending"};

}  // namespace

std::string default_class(const std::vector<ClassInfo>& classes) {
  const ClassInfo* best = nullptr;
  for (const auto& c : classes) {
    if (!c.is_default) continue;
    // RFC 3339 in UTC with whole seconds sorts as text.
    if (!best || c.created > best->created || (c.created == best->created && c.name < best->name)) best = &c;
  }
  return best ? best->name : "";
}

sdk::AdmissionResult admit_persistent_volume_claim(const sdk::AdmissionRequest& req, const ClassLister& classes) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  Mutable<PersistentVolumeClaim> m(req.object->as<PersistentVolumeClaim>());
  const bool update = req.operation == Op::kUpdate && req.old_object;

  if (req.subresource == "status") {
    Causes causes;
    auto r = m.root.asReader();
    if (r.getStatus().getPhase().size() == 0) m.root.getStatus().setPhase("Pending");
    for (auto e : r.getStatus().getAllocatedResourceStatuses())
      if (std::find(kResizeStatuses.begin(), kResizeStatuses.end(), e.getValue().cStr()) == kResizeStatuses.end())
        field::not_supported(causes, "status.allocatedResourceStatus", field::go_quote(e.getKey().cStr()), kResizeStatuses);
    for (auto e : r.getStatus().getAllocatedResources()) {
      if (e.getKey() != "storage" && std::string_view(e.getKey().cStr()).find('/') == std::string_view::npos)
        field::not_supported(causes, "status.allocatedResources", field::go_quote(e.getKey().cStr()), {"storage"});
    }
    if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
    sdk::AdmissionResult out;
    out.mutated = m.bytes();
    return out;
  }

  auto spec = m.root.getSpec();
  if (!spec.hasVolumeMode()) spec.setVolumeMode("Filesystem");
  if (req.operation == Op::kCreate) {
    // DefaultStorageClass: a claim that names no class (not even "") gets the default one.
    if (!spec.hasStorageClassName() && !annotation(m.root.getMetadata().getAnnotations(), kBetaStorageClassAnnotation)) {
      if (classes) {
        const std::string name = default_class(classes());
        if (!name.empty()) spec.setStorageClassName(name);
      }
    }
    m.root.initStatus().setPhase("Pending");
    machinery::add_finalizer(m.root.getMetadata(), kPvcProtectionFinalizer);
  } else if (m.root.getStatus().getPhase().size() == 0) {
    m.root.getStatus().setPhase("Pending");
  }

  Causes causes;
  validate_spec(m.root.asReader().getSpec(), "spec", causes);
  if (update) validate_update(m.root.asReader(), req.old_object->as<PersistentVolumeClaim>(), causes);
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  if (update && classes) {
    const std::string refusal = resize_refusal(m.root.asReader(), req.old_object->as<PersistentVolumeClaim>(), classes());
    if (!refusal.empty()) {
      sdk::AdmissionResult r;
      r.allowed = false;
      r.code = 403;
      r.reason = "Forbidden";
      r.message = "persistentvolumeclaims " + field::go_quote(req.object->name()) + " is forbidden: " + refusal;
      return r;
    }
  }
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::storage_kinds
