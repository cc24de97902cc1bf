// capstan.kind.v1/core: the core/v1 kinds of this scope.
#include "capstan/core_v1.capnp.h"
#include "capstan/plugin.hpp"
#include "kinds.hpp"

namespace {

using namespace capstan;

class CoreKinds final : public sdk::Plugin {
 public:
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.kind == "Namespace") return kinds::admit_namespace(req);
    if (req.kind == "ConfigMap") return kinds::admit_configmap(req);
    if (req.kind == "Secret") return kinds::admit_secret(req);
    return sdk::AdmissionResult::allow();
  }
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "core";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.manifest.description("core/v1: Namespace, ConfigMap, Secret, Event, ServiceAccount");

  sdk::KindSpec ns;
  ns.kind = "Namespace";
  ns.plural = "namespaces";
  ns.singular = "namespace";
  ns.short_names = {"ns"};
  ns.namespaced = false;
  ns.schema = capnp::Schema::from<core::v1::Namespace>();
  ns.subresources = {{"status"}};
  ns.status_field = "status";
  ns.printer_columns = {{"Status", "string", ".status.phase", "The phase of the namespace"}};
  ns.selectable_fields = {"status.phase"};
  ns.admission = true;
  ns.namespace_scope = true;
  info.manifest.kind(ns);

  sdk::KindSpec cm;
  cm.kind = "ConfigMap";
  cm.plural = "configmaps";
  cm.singular = "configmap";
  cm.short_names = {"cm"};
  cm.schema = capnp::Schema::from<core::v1::ConfigMap>();
  cm.printer_columns = {{"Data", "integer", ".data", "Number of entries in data and binaryData"}};
  cm.admission = true;
  info.manifest.kind(cm);

  sdk::KindSpec secret;
  secret.kind = "Secret";
  secret.plural = "secrets";
  secret.singular = "secret";
  secret.schema = capnp::Schema::from<core::v1::Secret>();
  secret.printer_columns = {{"Type", "string", ".type", "The type of the secret"},
                            {"Data", "integer", ".data", "Number of entries in data"}};
  secret.selectable_fields = {"type"};
  secret.admission = true;
  info.manifest.kind(secret);

  sdk::KindSpec event;
  event.kind = "Event";
  event.plural = "events";
  event.singular = "event";
  event.short_names = {"ev"};
  event.schema = capnp::Schema::from<core::v1::Event>();
  event.printer_columns = {{"Last Seen", "date", ".lastTimestamp", "Time of the last occurrence"},
                           {"Type", "string", ".type", "Normal or Warning"},
                           {"Reason", "string", ".reason", "Why the event happened"},
                           {"Object", "string", ".involvedObject.name", "The object the event is about"},
                           {"Message", "string", ".message", "What happened"}};
  event.selectable_fields = {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                             "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                             "involvedObject.fieldPath", "reason", "reportingComponent", "type"};
  info.manifest.kind(event);

  sdk::KindSpec sa;
  sa.kind = "ServiceAccount";
  sa.plural = "serviceaccounts";
  sa.singular = "serviceaccount";
  sa.short_names = {"sa"};
  sa.schema = capnp::Schema::from<core::v1::ServiceAccount>();
  sa.printer_columns = {{"Secrets", "integer", ".secrets", "Number of secrets"}};
  info.manifest.kind(sa);

  info.create = [](const sdk::Host&, const std::string&) { return std::make_unique<CoreKinds>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
