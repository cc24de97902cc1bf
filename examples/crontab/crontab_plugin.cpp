// stable.example.com/v1 CronTab: a third-party plugin built only against the installed Capstan SDK.
// Its entry point: the kind it registers (schema, printer columns, status subresource). What the
// plugin does is in crontab_controller.cpp.
#include "capstan/plugin.hpp"
#include "crontab.capnp.h"
#include "crontab_controller.hpp"

namespace {

using namespace capstan;
using example::crontab::CronTabPlugin;
using example::crontab::v1::CronTab;

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
