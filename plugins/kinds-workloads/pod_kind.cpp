#include "kinds.hpp"
#include "default_tolerations.hpp"
#include "pod_spec.hpp"

#include "capstan/machinery/time.hpp"

namespace capstan::workloads {

using core::v1::Pod;
using Op = sdk::AdmissionRequest::Operation;

namespace {

const char* const kPodUpdateForbidden =
    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
    "tolerations)";

// Whether `next` differs from `old` only where a running pod may change.
// binding: the write comes through the binding subresource, which alone may set spec.nodeName.
bool allowed_pod_update(PodSpec::Reader next, PodSpec::Reader old, bool binding) {
  capnp::MallocMessageBuilder scratch;
  scratch.setRoot(next);
  auto t = scratch.getRoot<PodSpec>();
  if (binding && old.getNodeName().size() == 0) {
    if (old.hasNodeName()) t.setNodeName(old.getNodeName());
    else t.disownNodeName();
  }
  auto copy_images = [](capnp::List<core::v1::Container>::Builder to, capnp::List<core::v1::Container>::Reader from) {
    if (to.size() != from.size()) return;
    for (unsigned i = 0; i < to.size(); ++i) to[i].setImage(from[i].getImage());
  };
  copy_images(t.getContainers(), old.getContainers());
  copy_images(t.getInitContainers(), old.getInitContainers());
  if (old.getActiveDeadlineSeconds().isValue()) t.getActiveDeadlineSeconds().setValue(old.getActiveDeadlineSeconds().getValue());
  else {
    t.getActiveDeadlineSeconds().setValue(0);  // clear the bits a union member leaves behind
    t.getActiveDeadlineSeconds().setUnset();
  }
  // Tolerations may only be added: every old one must still be there.
  auto now = next.getTolerations();
  for (auto o : old.getTolerations()) {
    bool found = false;
    for (auto n : now) found |= same_value(o, n);
    if (!found) return false;
  }
  if (old.hasTolerations()) t.setTolerations(old.getTolerations());
  else t.disownTolerations();
  return same_value(t.asReader(), old);
}

// Graceful deletion as the Kubernetes pod strategy decides it: a pod that runs on a node is kept
// (marked with deletionTimestamp) for its grace period, so the node agent can stop its containers
// and then delete it with grace 0; a pod not yet bound or already finished goes at once.
sdk::AdmissionResult admit_pod_delete(const sdk::AdmissionRequest& req) {
  auto result = sdk::AdmissionResult::allow();
  if (!req.old_object) return result;
  auto pod = req.old_object->as<Pod>();
  if (pod.getSpec().getNodeName().size() == 0) return result;
  std::string phase = pod.getStatus().getPhase();
  if (phase == "Succeeded" || phase == "Failed") return result;
  int64_t grace = 30;
  auto spec_grace = pod.getSpec().getTerminationGracePeriodSeconds();
  if (spec_grace.isValue()) grace = spec_grace.getValue();
  if (req.grace_period_seconds) grace = *req.grace_period_seconds;
  if (grace <= 0) return result;
  result.retain = true;
  result.grace_period_seconds = grace;
  return result;
}

// The binding also records PodScheduled=True, in the same write, as Kubernetes' binding storage
// does: the scheduler needs no second write per pod, and the node agent never races one.
void mark_scheduled(core::v1::PodStatus::Builder status) {
  auto old = status.asReader().getConditions();
  uint32_t keep = 0;
  for (auto c : old) keep += c.getType() != "PodScheduled";
  auto list = capnp::Orphanage::getForMessageContaining(status).newOrphan<capnp::List<core::v1::PodCondition>>(keep + 1);
  uint32_t i = 0;
  for (auto c : old)
    if (c.getType() != "PodScheduled") list.get().setWithCaveats(i++, c);
  auto scheduled = list.get()[i];
  scheduled.setType("PodScheduled");
  scheduled.setStatus("True");
  scheduled.setLastTransitionTime(machinery::now_rfc3339());
  status.adoptConditions(std::move(list));
}

}  // namespace

sdk::AdmissionResult admit_pod(const sdk::AdmissionRequest& req, const TolerationDefaults& tolerations) {
  if (req.operation == Op::kDelete) return admit_pod_delete(req);
  if (!req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();
  Mutable<Pod> m(req.object->as<Pod>());
  auto spec = m.root.getSpec();
  default_pod_spec(spec);
  // DefaultTolerationSeconds runs on creates and updates of pods proper, not their subresources.
  if (req.subresource.empty()) add_default_tolerations(spec, tolerations);
  Causes causes;
  validate_pod_spec(spec.asReader(), "spec", causes);
  if (req.operation == Op::kUpdate && req.old_object) {
    auto old = req.old_object->as<Pod>().getSpec();
    if (!allowed_pod_update(spec.asReader(), old, req.subresource == "binding")) causes.push_back({"spec", "FieldValueForbidden", kPodUpdateForbidden});
  }
  if (!causes.empty()) return sdk::AdmissionResult::invalid("", std::move(causes));
  if (req.subresource == "binding" && req.old_object && req.old_object->as<Pod>().getSpec().getNodeName().size() == 0)
    mark_scheduled(m.root.getStatus());
  if (req.operation == Op::kCreate) {
    auto status = m.root.getStatus();
    if (status.getPhase().size() == 0) status.setPhase("Pending");
    status.setQosClass(qos_class(spec.asReader()));
  }
  sdk::AdmissionResult r;
  r.mutated = m.bytes();
  return r;
}

}  // namespace capstan::workloads
