// capstan.kind.v1/autoscaling: HorizontalPodAutoscaler (autoscaling/v2) with kube-apiserver's
// defaulting and validation and kubectl's printer columns. autoscaling/v1 is not served: see
// README.md (the kernel serves one version per kind and has no conversion between versions).
#include "capstan/autoscaling_v2.capnp.h"
#include "capstan/plugin.hpp"
#include "capstan/printer_columns.hpp"
#include "hpa_kind.hpp"

namespace {

using namespace capstan;

class AutoscalingKinds final : public sdk::Plugin {
 public:
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.kind == "HorizontalPodAutoscaler") return autoscaling_kinds::admit_hpa(req);
    return sdk::AdmissionResult::allow();
  }
  std::vector<std::string> print(const std::string& kind, const sdk::ObjectPtr& obj) override {
    if (kind == "HorizontalPodAutoscaler") return autoscaling_kinds::print_hpa(obj);
    return {};
  }
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "autoscaling";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};
  info.manifest.description("autoscaling/v2: HorizontalPodAutoscaler");

  sdk::KindSpec hpa;
  hpa.group = "autoscaling";
  hpa.version = "v2";
  hpa.kind = "HorizontalPodAutoscaler";
  hpa.plural = "horizontalpodautoscalers";
  hpa.singular = "horizontalpodautoscaler";
  hpa.short_names = {"hpa"};
  hpa.categories = {"all"};
  hpa.schema = capnp::Schema::from<autoscaling::v2::HorizontalPodAutoscaler>();
  hpa.subresources = {{"status"}};
  hpa.status_field = "status";
  hpa.printer_columns = {sdk::computed_column("Reference", "string", "The scale target as kind/name"),
                         sdk::computed_column("Targets", "string", "Current and target value of each metric"),
                         sdk::computed_column("MinPods", "string", "The lower limit of replicas"),
                         sdk::computed_column("MaxPods", "integer", "The upper limit of replicas"),
                         sdk::computed_column("Replicas", "integer", "Current number of replicas"),
                         sdk::age_column()};
  hpa.admission = true;
  info.manifest.kind(hpa);

  info.create = [](const sdk::Host&, const std::string&) { return std::make_unique<AutoscalingKinds>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
