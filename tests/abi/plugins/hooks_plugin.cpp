// An admission-hook plugin, built with the SDK: it owns ConfigMaps (its own admission annotates
// them) and declares two admission hooks for them — a mutating one that labels every new
// ConfigMap, and a validating one that refuses a ConfigMap named "forbidden" and checks that the
// owner and the mutating hook ran before it (the kernel's order).
#include <capnp/message.h>

#include "capstan/core_v1.capnp.h"
#include "capstan/plugin.hpp"

namespace {

using namespace capstan;

bool has_entry(capnp::List<k8s::StringEntry>::Reader list, const char* key) {
  for (auto e : list)
    if (e.getKey() == key) return true;
  return false;
}

// Adds key=value to a string map, keeping what is there.
std::string with_entry(const sdk::ObjectPtr& obj, bool label, const char* key, const char* value) {
  capnp::MallocMessageBuilder m;
  m.setRoot(obj->as<core::v1::ConfigMap>());
  auto meta = m.getRoot<core::v1::ConfigMap>().getMetadata();
  auto old = label ? meta.asReader().getLabels() : meta.asReader().getAnnotations();
  std::vector<std::pair<std::string, std::string>> entries;
  for (auto e : old) entries.emplace_back(e.getKey(), e.getValue());
  entries.emplace_back(key, value);
  auto list = label ? meta.initLabels(static_cast<unsigned>(entries.size()))
                    : meta.initAnnotations(static_cast<unsigned>(entries.size()));
  for (unsigned i = 0; i < entries.size(); ++i) {
    list[i].setKey(entries[i].first);
    list[i].setValue(entries[i].second);
  }
  return sdk::serialize(m);
}

class HooksPlugin : public sdk::Plugin {
 public:
  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (!req.object) return sdk::AdmissionResult::allow();
    auto meta = req.object->as<core::v1::ConfigMap>().getMetadata();
    sdk::AdmissionResult r;
    if (req.hook.empty()) {  // the owner
      if (req.operation == sdk::AdmissionRequest::Operation::kCreate)
        r.mutated = with_entry(req.object, false, "owner", std::string(meta.getLabels().size() ? "after-hook" : "first").c_str());
      return r;
    }
    if (req.hook == "label") {
      r.mutated = with_entry(req.object, true, "mutated", "yes");
      return r;
    }
    if (req.hook == "check") {
      if (meta.getName() == "forbidden") {
        r.allowed = false;
        r.code = 403;
        r.reason = "Forbidden";
        r.message = "configmaps \"forbidden\" is forbidden: refused by the check hook";
        return r;
      }
      if (req.operation == sdk::AdmissionRequest::Operation::kCreate &&
          (!has_entry(meta.getLabels(), "mutated") || !has_entry(meta.getAnnotations(), "owner"))) {
        r.allowed = false;
        r.code = 500;
        r.reason = "InternalError";
        r.message = "the check hook ran before the mutating hook or the owner";
      }
    }
    return r;
  }
};

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.test.v1";
  info.id = "hooks";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.manifest.description("ABI test: admission hooks");
  sdk::KindSpec cm;
  cm.kind = "ConfigMap";
  cm.plural = "configmaps";
  cm.singular = "configmap";
  cm.schema = capnp::Schema::from<core::v1::ConfigMap>();
  cm.admission = true;
  info.manifest.kind(cm);
  info.manifest.admission_hook({"check", false, {{{""}, {"configmaps"}, {"CREATE", "UPDATE"}}}, 0});
  info.manifest.admission_hook({"label", true, {{{""}, {"configmaps"}, {"CREATE"}}}, 0});
  // Never matches: a subresource ConfigMaps do not have.
  info.manifest.admission_hook({"never", true, {{{"*"}, {"configmaps/status"}, {"*"}}}, 0});
  info.create = [](const sdk::Host&, const std::string&) { return std::make_unique<HooksPlugin>(); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
