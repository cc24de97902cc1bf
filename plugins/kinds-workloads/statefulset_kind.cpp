// apps/v1 StatefulSet: kube-apiserver's defaulting (SetDefaults_StatefulSet, and
// SetDefaults_PersistentVolumeClaim for each volumeClaimTemplate) and validation
// (ValidateStatefulSet, ValidateStatefulSetUpdate, ValidateStatefulSetStatus) with its messages.
// Like upstream, the template's pod spec is not validated here beyond restartPolicy and
// activeDeadlineSeconds: its volumeMounts name claims that only the pods will have as volumes.
#include "capstan/apps_v1.capnp.h"
#include "capstan/core_v1_storage.capnp.h"
#include "kinds.hpp"
#include "pod_spec.hpp"

namespace capstan::workloads {

using apps::v1::StatefulSet;
using Op = sdk::AdmissionRequest::Operation;

namespace {

void set_defaults(StatefulSet::Builder sts) {
  auto spec = sts.getSpec();
  if (spec.getPodManagementPolicy().size() == 0) spec.setPodManagementPolicy("OrderedReady");
  auto strategy = spec.getUpdateStrategy();
  if (strategy.getType().size() == 0) {
    strategy.setType("RollingUpdate");
    if (!strategy.hasRollingUpdate()) strategy.initRollingUpdate();
  }
  if (strategy.getType() == "RollingUpdate" && strategy.hasRollingUpdate()) {
    auto ru = strategy.getRollingUpdate();
    if (ru.getPartition().isUnset()) ru.getPartition().setValue(0);
  }
  auto policy = spec.getPersistentVolumeClaimRetentionPolicy();  // inits it when absent
  if (policy.getWhenDeleted().size() == 0) policy.setWhenDeleted("Retain");
  if (policy.getWhenScaled().size() == 0) policy.setWhenScaled("Retain");
  if (spec.getReplicas().isUnset()) spec.getReplicas().setValue(1);
  if (spec.getRevisionHistoryLimit().isUnset()) spec.getRevisionHistoryLimit().setValue(10);
  if (spec.hasTemplate()) default_pod_spec(spec.getTemplate().getSpec(), {.for_pod = false});
  // The embedded claims are defaulted as claims (and written with their TypeMeta, as the API
  // server writes them).
  for (auto pvc : spec.getVolumeClaimTemplates()) {
    pvc.setApiVersion("v1");
    pvc.setKind("PersistentVolumeClaim");
    if (!pvc.getSpec().hasVolumeMode()) pvc.getSpec().setVolumeMode("Filesystem");
    if (pvc.getStatus().getPhase().size() == 0) pvc.getStatus().setPhase("Pending");
  }
}

void validate_spec(apps::v1::StatefulSetSpec::Reader spec, Causes& causes) {
  const std::string policy = spec.getPodManagementPolicy();
  if (policy.empty()) causes.push_back({"spec.podManagementPolicy", "FieldValueRequired", "Required value"});
  else if (policy != "OrderedReady" && policy != "Parallel")
    causes.push_back({"spec.podManagementPolicy", "FieldValueInvalid",
                      "Invalid value: " + quote(policy) + ": must be 'OrderedReady' or 'Parallel'"});

  auto strategy = spec.getUpdateStrategy();
  const std::string type = strategy.getType();
  if (type.empty()) {
    causes.push_back({"spec.updateStrategy", "FieldValueRequired", "Required value"});
  } else if (type == "OnDelete") {
    if (strategy.hasRollingUpdate())
      causes.push_back({"spec.updateStrategy.rollingUpdate", "FieldValueInvalid",
                        "Invalid value: \"\": only allowed for updateStrategy 'RollingUpdate'"});
  } else if (type == "RollingUpdate") {
    if (strategy.hasRollingUpdate() && strategy.getRollingUpdate().getPartition().isValue())
      require_non_negative(strategy.getRollingUpdate().getPartition().getValue(), "spec.updateStrategy.rollingUpdate.partition", causes);
  } else {
    causes.push_back({"spec.updateStrategy", "FieldValueInvalid",
                      "Invalid value: " + quote(type) + ": must be 'RollingUpdate' or 'OnDelete'"});
  }

  auto retention = spec.getPersistentVolumeClaimRetentionPolicy();
  for (auto [value, name] : {std::pair{std::string(retention.getWhenDeleted().cStr()), "whenDeleted"},
                             {std::string(retention.getWhenScaled().cStr()), "whenScaled"}})
    if (value != "Retain" && value != "Delete")
      causes.push_back({std::string("spec.persistentVolumeClaimRetentionPolicy.") + name, "FieldValueNotSupported",
                        "Unsupported value: " + quote(value) + ": supported values: \"Retain\", \"Delete\""});

  require_non_negative(spec.getReplicas().getValue(), "spec.replicas", causes);
  if (spec.hasOrdinals()) require_non_negative(spec.getOrdinals().getStart(), "spec.ordinals.start", causes);

  if (!spec.hasSelector()) {
    causes.push_back({"spec.selector", "FieldValueRequired", "Required value"});
  } else {
    validate_selector(spec.getSelector(), "spec.selector", causes);
    if (selector_empty(spec.getSelector()))
      causes.push_back({"spec.selector", "FieldValueInvalid",
                        "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: "
                        "empty selector is invalid for statefulset"});
  }
  auto tmpl = spec.getTemplate();
  if (spec.hasSelector() && !selector_empty(spec.getSelector()) &&
      !selector_matches(spec.getSelector(), tmpl.getMetadata().getLabels()))
    causes.push_back({"spec.template.metadata.labels", "FieldValueInvalid",
                      "Invalid value: " + go_map(tmpl.getMetadata().getLabels()) + ": `selector` does not match template `labels`"});
  const std::string restart = tmpl.getSpec().getRestartPolicy();
  if (restart != "Always")
    causes.push_back({"spec.template.spec.restartPolicy", "FieldValueNotSupported",
                      "Unsupported value: " + quote(restart) + ": supported values: \"Always\""});
  if (tmpl.getSpec().getActiveDeadlineSeconds().isValue())
    causes.push_back({"spec.template.spec.activeDeadlineSeconds", "FieldValueForbidden",
                      "Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"});
}

void validate_status(apps::v1::StatefulSetStatus::Reader st, Causes& causes) {
  const int64_t replicas = st.getReplicas().getValue();
  require_non_negative(replicas, "status.replicas", causes);
  require_non_negative(st.getReadyReplicas(), "status.readyReplicas", causes);
  require_non_negative(st.getCurrentReplicas(), "status.currentReplicas", causes);
  require_non_negative(st.getUpdatedReplicas(), "status.updatedReplicas", causes);
  require_non_negative(st.getAvailableReplicas().getValue(), "status.availableReplicas", causes);
  require_non_negative(st.getObservedGeneration(), "status.observedGeneration", causes);
  if (st.getCollisionCount().isValue()) require_non_negative(st.getCollisionCount().getValue(), "status.collisionCount", causes);
  auto over = [&](int64_t v, const char* field, const char* than) {
    causes.push_back({std::string("status.") + field, "FieldValueInvalid",
                      "Invalid value: " + std::to_string(v) + ": cannot be greater than status." + than});
  };
  if (st.getReadyReplicas() > replicas) over(st.getReadyReplicas(), "readyReplicas", "replicas");
  if (st.getCurrentReplicas() > replicas) over(st.getCurrentReplicas(), "currentReplicas", "replicas");
  if (st.getUpdatedReplicas() > replicas) over(st.getUpdatedReplicas(), "updatedReplicas", "replicas");
  if (st.getAvailableReplicas().getValue() > st.getReadyReplicas())
    over(st.getAvailableReplicas().getValue(), "availableReplicas", "readyReplicas");
}

}  // namespace

sdk::AdmissionResult admit_stateful_set(const sdk::AdmissionRequest& req) {
  if (req.operation == Op::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") {
    Causes causes;
    validate_status(req.object->as<StatefulSet>().getStatus(), causes);
    if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
    return sdk::AdmissionResult::allow();
  }
  Mutable<StatefulSet> m(req.object->as<StatefulSet>());
  set_defaults(m.root);
  Causes causes;
  auto r = m.root.asReader();
  validate_spec(r.getSpec(), causes);
  if (req.operation == Op::kUpdate && req.old_object) {
    // Only these fields may change; everything else of the spec (selector, serviceName,
    // volumeClaimTemplates, podManagementPolicy) is fixed at creation.
    auto old = req.old_object->as<StatefulSet>().getSpec();
    Mutable<apps::v1::StatefulSetSpec> clone(r.getSpec());
    auto c = clone.root;
    if (old.getReplicas().isValue()) c.getReplicas().setValue(old.getReplicas().getValue());
    else c.getReplicas().setUnset();
    c.setTemplate(old.getTemplate());
    c.setUpdateStrategy(old.getUpdateStrategy());
    c.setMinReadySeconds(old.getMinReadySeconds());
    if (old.hasOrdinals()) c.setOrdinals(old.getOrdinals());
    else c.disownOrdinals();
    if (old.getRevisionHistoryLimit().isValue()) c.getRevisionHistoryLimit().setValue(old.getRevisionHistoryLimit().getValue());
    else c.getRevisionHistoryLimit().setUnset();
    if (old.hasPersistentVolumeClaimRetentionPolicy())
      c.setPersistentVolumeClaimRetentionPolicy(old.getPersistentVolumeClaimRetentionPolicy());
    else c.disownPersistentVolumeClaimRetentionPolicy();
    if (!same_value(c.asReader(), old))
      causes.push_back({"spec", "FieldValueForbidden",
                        "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                        "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
                        "'minReadySeconds' are forbidden"});
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  sdk::AdmissionResult out;
  out.mutated = m.bytes();
  return out;
}

}  // namespace capstan::workloads
