// capstan.controller.v1/job: the Job controller and the TTL-after-finished controller.
#include "job_controller.hpp"

namespace capstan::job {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "job";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.batch", "capstan.kind.v1.workloads"};
  info.manifest.description("Job controller: runs pods to completion per Job; deletes finished Jobs after their TTL");
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<JobController>(host); };
  return info;
}

}  // namespace
}  // namespace capstan::job

CAPSTAN_PLUGIN(capstan::job::make_info)
