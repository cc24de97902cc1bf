#include "schema/kind_registry.hpp"

#include <capnp/serialize.h>
#include <kj/array.h>

#include <stdexcept>

#include "capstan/machinery/message.hpp"
#include "capstan/plugin.capnp.h"

namespace capstan::schema {

namespace {
std::string str(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }
std::vector<std::string> strs(capnp::List<capnp::Text>::Reader l) {
  std::vector<std::string> out;
  for (auto t : l) out.push_back(str(t));
  return out;
}
}  // namespace

bool Kind::has_subresource(std::string_view name) const { return subresource(name) != nullptr; }

const SubresourceInfo* Kind::subresource(std::string_view name) const {
  for (const auto& s : subresources)
    if (s.name == name) return &s;
  return nullptr;
}

KindRegistry::KindRegistry() = default;

std::vector<Kind*> KindRegistry::register_manifest(const std::string& plugin, const void* data, size_t size) {
  if (size % sizeof(capnp::word) != 0) throw std::runtime_error("plugin " + plugin + ": manifest is not word-aligned");
  machinery::MessageReader reader(data, size);  // the plugin's bytes carry no alignment promise
  auto manifest = reader.root<capstan::plugin::PluginManifest>();

  std::unique_lock lock(mutex_);
  try {
    for (auto node : manifest.getSchemaNodes()) loader_.load(node);
  } catch (const kj::Exception& e) {
    throw std::runtime_error("plugin " + plugin + ": schema rejected: " + std::string(e.getDescription().cStr()));
  }
  std::vector<Kind*> added;
  for (auto k : manifest.getKinds()) {
    auto kind = std::make_unique<Kind>();
    kind->group = str(k.getGroup());
    kind->version = str(k.getVersion());
    kind->kind = str(k.getKind());
    kind->plural = str(k.getPlural());
    kind->singular = str(k.getSingular());
    kind->short_names = strs(k.getShortNames());
    kind->categories = strs(k.getCategories());
    kind->selectable_fields = strs(k.getSelectableFields());
    kind->namespaced = k.getNamespaced();
    kind->status_field = str(k.getStatusField());
    kind->admission = k.getAdmission();
    kind->namespace_scope = k.getNamespaceScope();
    kind->name_rule = str(k.getNameRule());
    kind->transient = k.getTransient();
    if (k.hasScale()) {
      auto s = k.getScale();
      kind->scale = ScalePaths{str(s.getSpecReplicasPath()), str(s.getStatusReplicasPath()), str(s.getLabelSelectorPath())};
      if (!kind->has_subresource("scale"))
        kind->subresources.push_back({"scale", "Scale", "autoscaling", "v1", {"get", "patch", "update"}});
    }
    kind->plugin = plugin;
    for (auto c : k.getPrinterColumns())
      kind->columns.push_back({str(c.getName()), str(c.getType()), str(c.getFormat()), str(c.getDescription()),
                               str(c.getJsonPath()), c.getPriority(), c.getComputed()});
    for (auto s : k.getSubresources())
      kind->subresources.push_back({str(s.getName()), str(s.getKind()), str(s.getGroup()), str(s.getVersion()),
                                    strs(s.getVerbs()), s.getConnect(), s.getDeletes(), str(s.getAssigns())});
    // ABI 1.2 compatibility: a plugin built before action subresources declared its binding
    // through KindInfo.bindingPath; it reads as the assigning subresource 1.3 declares itself.
    if (k.hasBindingPath() && !kind->has_subresource("binding"))
      kind->subresources.push_back({"binding", "Binding", "", "v1", {"create"}, false, false, str(k.getBindingPath())});
    if (kind->kind.empty() || kind->plural.empty() || kind->version.empty())
      throw std::runtime_error("plugin " + plugin + ": a kind needs kind, plural and version");
    for (const auto& existing : kinds_) {
      if (existing->group == kind->group && existing->version == kind->version &&
          (existing->plural == kind->plural || existing->kind == kind->kind))
        throw std::runtime_error("plugin " + plugin + ": kind " + kind->kind + " (" + kind->group_resource() + "/" +
                                 kind->version + ") is already served by plugin " + existing->plugin);
    }
    try {
      kind->schema = loader_.get(k.getRootStructId()).asStruct();
    } catch (const kj::Exception& e) {
      throw std::runtime_error("plugin " + plugin + ": kind " + kind->kind + ": root struct " +
                               std::to_string(k.getRootStructId()) + " not found in its schema nodes");
    }
    for (const char* required : {"apiVersion", "kind", "metadata"}) {
      if (kind->schema.findFieldByName(required) == nullptr)
        throw std::runtime_error("plugin " + plugin + ": kind " + kind->kind + ": root struct lacks field " + required);
    }
    for (char c : kind->group + "/" + kind->version + "/" + kind->kind) fingerprint_ = (fingerprint_ ^ c) * 1099511628211ull;
    added.push_back(kind.get());
    kinds_.push_back(std::move(kind));
  }
  for (char c : plugin) fingerprint_ = (fingerprint_ ^ c) * 1099511628211ull;
  fingerprint_ = (fingerprint_ ^ size) * 1099511628211ull;
  return added;
}

const Kind* KindRegistry::by_resource(std::string_view group, std::string_view version, std::string_view plural) const {
  std::shared_lock lock(mutex_);
  for (const auto& k : kinds_)
    if (k->group == group && k->version == version && k->plural == plural) return k.get();
  return nullptr;
}

const Kind* KindRegistry::by_kind(std::string_view group, std::string_view version, std::string_view kind) const {
  std::shared_lock lock(mutex_);
  for (const auto& k : kinds_)
    if (k->group == group && k->version == version && k->kind == kind) return k.get();
  return nullptr;
}

const Kind* KindRegistry::namespace_kind() const {
  std::shared_lock lock(mutex_);
  for (const auto& k : kinds_)
    if (k->namespace_scope) return k.get();
  return nullptr;
}

std::vector<const Kind*> KindRegistry::all() const {
  std::shared_lock lock(mutex_);
  std::vector<const Kind*> out;
  for (const auto& k : kinds_) out.push_back(k.get());
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> KindRegistry::groups() const {
  std::shared_lock lock(mutex_);
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& k : kinds_) {
    auto it = std::find_if(out.begin(), out.end(), [&](auto& g) { return g.first == k->group; });
    if (it == out.end()) {
      out.push_back({k->group, {k->version}});
    } else if (std::find(it->second.begin(), it->second.end(), k->version) == it->second.end()) {
      it->second.push_back(k->version);
    }
  }
  return out;
}

std::string KindRegistry::fingerprint() const {
  std::shared_lock lock(mutex_);
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fingerprint_));
  return buf;
}

}  // namespace capstan::schema
