// stable.example.com/v1 CronTab: a third-party plugin built only against the installed Capstan SDK.
// It registers the kind (schema, printer columns, status subresource), validates spec.cronSpec in
// admission, and runs a controller that acknowledges each schedule in the status subresource.
#include <capnp/message.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"
#include "capstan/plugin.hpp"
#include "crontab.capnp.h"

namespace {

using namespace capstan;
using example::crontab::v1::CronTab;

const sdk::Resource kCronTabs{"stable.example.com", "v1", "crontabs"};

std::vector<std::string> fields_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

std::string now_rfc3339() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class CronTabPlugin final : public sdk::Plugin {
 public:
  explicit CronTabPlugin(const sdk::Host& host)
      : host_(host), client_(host, "crontab-controller"), crontabs_(client_, kCronTabs) {
    controller_ = std::make_unique<sdk::Controller>("crontab", host_,
                                                    [this](const std::string& key) { return reconcile(key); });
    controller_->watch(crontabs_);
  }

  void start() override {
    crontabs_.start();
    controller_->start();
  }

  void stop() override {
    controller_->stop();
    crontabs_.stop();
  }

  // spec.cronSpec must be five space-separated fields.
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.operation == sdk::AdmissionRequest::Operation::kDelete || !req.object) return sdk::AdmissionResult::allow();
    if (req.subresource == "status") return sdk::AdmissionResult::allow();  // spec cannot change there
    std::string spec = req.object->as<CronTab>().getSpec().getCronSpec();
    auto fields = fields_of(spec);
    if (fields.size() != 5)
      return sdk::AdmissionResult::invalid(
          "", {{"spec.cronSpec", "FieldValueInvalid",
                "Invalid value: \"" + spec + "\": must have 5 space-separated fields "
                "(minute hour day-of-month month day-of-week), found " + std::to_string(fields.size())}});
    return sdk::AdmissionResult::allow();
  }

 private:
  // Level-based: whatever happened, make status describe the current spec and generation.
  sdk::ReconcileResult reconcile(const std::string& key) {
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
    st.setLastScheduleTime(now_rfc3339());
    st.getObservedGeneration().setValue(generation);
    st.setMessage(message);
    auto r = client_.update(kCronTabs, ns, name, m, "status");
    if (r.status.ok() || r.status.not_found()) return sdk::ReconcileResult::ok();
    if (r.status.conflict()) return sdk::ReconcileResult{true, std::chrono::milliseconds{0}, {}};  // cache was stale
    return sdk::ReconcileResult::fail("cannot update status of crontab " + key + ": " + r.status.message);
  }

  const sdk::Host& host_;
  sdk::Client client_;
  sdk::Informer crontabs_;
  std::unique_ptr<sdk::Controller> controller_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "crontab";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};  // CronTabs live in namespaces
  info.manifest.description("stable.example.com/v1 CronTab (example third-party plugin)");

  sdk::KindSpec k;
  k.group = "stable.example.com";
  k.version = "v1";
  k.kind = "CronTab";
  k.plural = "crontabs";
  k.singular = "crontab";
  k.short_names = {"ct"};
  k.categories = {"all"};
  k.namespaced = true;
  k.schema = capnp::Schema::from<CronTab>();
  k.subresources = {{"status"}};
  k.status_field = "status";
  k.printer_columns = {{"Spec", "string", ".spec.cronSpec", "The cron schedule"},
                       {"Image", "string", ".spec.image", "The image to run"},
                       {"Replicas", "integer", ".spec.replicas", "Copies to run on each tick"}};
  k.admission = true;
  info.manifest.kind(k);

  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<CronTabPlugin>(host); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
