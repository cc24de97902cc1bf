#include "crontab_controller.hpp"

#include <capnp/message.h>

#include <chrono>
#include <sstream>
#include <vector>

#include "capstan/machinery/time.hpp"
#include "crontab.capnp.h"

namespace example::crontab {

using namespace capstan;
using v1::CronTab;

namespace {

std::vector<std::string> fields_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

}  // namespace

CronTabPlugin::CronTabPlugin(const sdk::Host& host)
    : host_(host), client_(host, "crontab-controller"), crontabs_(client_, kCronTabs) {
  controller_ =
      std::make_unique<sdk::Controller>("crontab", host_, [this](const std::string& key) { return reconcile(key); });
  controller_->watch(crontabs_);
}

void CronTabPlugin::start() {
  crontabs_.start();
  controller_->start();
}

void CronTabPlugin::stop() {
  controller_->stop();
  crontabs_.stop();
}

sdk::AdmissionResult CronTabPlugin::admit(const sdk::AdmissionRequest& req) {
  if (req.operation == sdk::AdmissionRequest::Operation::kDelete || !req.object) return sdk::AdmissionResult::allow();
  if (req.subresource == "status") return sdk::AdmissionResult::allow();  // spec cannot change there
  std::string spec = req.object->as<CronTab>().getSpec().getCronSpec();
  auto fields = fields_of(spec);
  if (fields.size() != 5)
    return sdk::AdmissionResult::invalid("", {{"spec.cronSpec", "FieldValueInvalid",
                                               "Invalid value: \"" + spec +
                                                   "\": must have 5 space-separated fields "
                                                   "(minute hour day-of-month month day-of-week), found " +
                                                   std::to_string(fields.size())}});
  return sdk::AdmissionResult::allow();
}

sdk::ReconcileResult CronTabPlugin::reconcile(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto obj = crontabs_.get(ns, name);
  if (!obj) return sdk::ReconcileResult::ok();  // deleted
  auto ct = obj->as<CronTab>();
  if (ct.getMetadata().hasDeletionTimestamp()) return sdk::ReconcileResult::ok();
  auto gen = ct.getMetadata().getGeneration();
  const int64_t generation = gen.isValue() ? gen.getValue() : 0;
  const std::string message = "schedule " + std::string(ct.getSpec().getCronSpec().cStr()) + " accepted";
  auto status = ct.getStatus();
  if (status.getObservedGeneration().isValue() && status.getObservedGeneration().getValue() == generation &&
      status.getMessage() == message.c_str())
    return sdk::ReconcileResult::ok();  // already up to date

  // Copy the object (resourceVersion included: it is the update's precondition) and set status.
  capnp::MallocMessageBuilder m;
  m.setRoot(ct);
  auto st = m.getRoot<CronTab>().getStatus();
  st.setLastScheduleTime(machinery::now_rfc3339());
  st.getObservedGeneration().setValue(generation);
  st.setMessage(message);
  auto r = client_.update(kCronTabs, ns, name, m, "status");
  if (r.status.ok() || r.status.not_found()) return sdk::ReconcileResult::ok();
  if (r.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};  // cache was stale
  return sdk::ReconcileResult::fail("cannot update status of crontab " + key + ": " + r.status.message);
}

}  // namespace example::crontab
