// capstan.kind.v1/policy: LimitRange and ResourceQuota (core/v1) and PodDisruptionBudget
// (policy/v1), their admission of other kinds' writes (limit ranges' defaults and bounds, quota
// charging, disruption budgets on pods/eviction) and the controllers that keep their status.
// One plugin, because quota admission and the quota controller share one ledger (quota_ledger.hpp).
#include <memory>

#include "capstan/core_v1_policy.capnp.h"
#include "capstan/plugin.hpp"
#include "capstan/policy_v1.capnp.h"
#include "capstan/printer_columns.hpp"
#include "policy_admission.hpp"
#include "policy_controllers.hpp"
#include "policy_kinds.hpp"

namespace {

using namespace capstan;

class PolicyPlugin final : public sdk::Plugin {
 public:
  explicit PolicyPlugin(const sdk::Host& host)
      : client_(host, "policy-controllers"),
        controllers_(host, client_, ledger_),
        admission_(client_, ledger_, &controllers_.quotas()) {}
  void start() override { controllers_.start(); }
  void stop() override { controllers_.stop(); }

  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.hook == "limitranger") return admission_.limit_ranger(req);
    if (req.hook == "resourcequota") return admission_.resource_quota(req);
    if (req.hook == "poddisruptionbudget") return admission_.eviction(req);
    if (!req.hook.empty()) return sdk::AdmissionResult::allow();
    if (req.kind == "LimitRange") return policy::admit_limit_range(req);
    if (req.kind == "ResourceQuota") return policy::admit_resource_quota(req);
    if (req.kind == "PodDisruptionBudget") return policy::admit_pod_disruption_budget(req);
    return sdk::AdmissionResult::allow();
  }
  std::vector<std::string> print(const std::string& kind, const sdk::ObjectPtr& obj) override {
    if (kind == "LimitRange") return {std::string(obj->metadata().getCreationTimestamp())};
    if (kind == "ResourceQuota") return policy::print_resource_quota(obj);
    if (kind == "PodDisruptionBudget") return policy::print_pod_disruption_budget(obj);
    return {};
  }

 private:
  sdk::Client client_;
  policy::QuotaLedger ledger_;
  policy::PolicyControllers controllers_;
  policy::PolicyAdmission admission_;
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "policy";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core", "capstan.kind.v1.workloads", "capstan.kind.v1.network?",
                       "capstan.kind.v1.storage?"};
  info.manifest.description("v1 LimitRange and ResourceQuota, policy/v1 PodDisruptionBudget, and their admission");

  sdk::KindSpec lr;
  lr.kind = "LimitRange";
  lr.plural = "limitranges";
  lr.singular = "limitrange";
  lr.short_names = {"limits"};
  lr.schema = capnp::Schema::from<core::v1::LimitRange>();
  // kubectl prints CREATED AT as an RFC 3339 time and no AGE; the kernel adds AGE to kinds without
  // an "Age" column, so this one is there for -o wide only.
  lr.printer_columns = {sdk::computed_column("Created At", "string", "CreationTimestamp of the LimitRange"),
                        sdk::column("Age", "date", ".metadata.creationTimestamp", "Time since creation", 1)};
  lr.admission = true;
  info.manifest.kind(lr);

  sdk::KindSpec rq;
  rq.kind = "ResourceQuota";
  rq.plural = "resourcequotas";
  rq.singular = "resourcequota";
  rq.short_names = {"quota"};
  rq.schema = capnp::Schema::from<core::v1::ResourceQuota>();
  rq.subresources = {{"status"}};
  rq.status_field = "status";
  rq.printer_columns = {sdk::age_column(), sdk::computed_column("Request", "string", "Used and hard requests"),
                        sdk::computed_column("Limit", "string", "Used and hard limits")};
  rq.admission = true;
  info.manifest.kind(rq);

  sdk::KindSpec pdb;
  pdb.group = "policy";
  pdb.version = "v1";
  pdb.kind = "PodDisruptionBudget";
  pdb.plural = "poddisruptionbudgets";
  pdb.singular = "poddisruptionbudget";
  pdb.short_names = {"pdb"};
  pdb.schema = capnp::Schema::from<policy::v1::PodDisruptionBudget>();
  pdb.subresources = {{"status"}};
  pdb.status_field = "status";
  pdb.printer_columns = {sdk::computed_column("Min Available", "string", "The minimum number of pods that must be available"),
                         sdk::computed_column("Max Unavailable", "string", "The maximum number of pods that may be unavailable"),
                         sdk::computed_column("Allowed Disruptions", "integer", "The number of disruptions currently allowed"),
                         sdk::age_column()};
  pdb.admission = true;
  info.manifest.kind(pdb);

  info.manifest.admission_hook({"limitranger", true, {{{""}, {"pods", "persistentvolumeclaims"}, {"CREATE"}}}, 0});
  info.manifest.admission_hook({"resourcequota", false, {{{"*"}, {"*"}, {"CREATE"}}}, 100});
  info.manifest.admission_hook({"poddisruptionbudget", false, {{{""}, {"pods/eviction"}, {"*"}}}, 0});

  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<PolicyPlugin>(host); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
