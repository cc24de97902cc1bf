// capstan.controller.v1/cronjob: the CronJob controller.
#include "cronjob_controller.hpp"

namespace capstan::cronjob {
namespace {

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.controller.v1";
  info.id = "cronjob";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.batch"};
  info.manifest.description("CronJob controller: creates Jobs on a cron schedule");
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<CronJobController>(host); };
  return info;
}

}  // namespace
}  // namespace capstan::cronjob

CAPSTAN_PLUGIN(capstan::cronjob::make_info)
