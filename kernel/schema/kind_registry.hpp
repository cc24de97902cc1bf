#pragma once
// Every kind the running kernel serves, as plugins declared them in their manifests. The kernel
// learns each kind's schema here at run time (capnp::SchemaLoader over the nodes the plugin
// exported); it has no compiled-in knowledge of any kind.

#include <capnp/schema-loader.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/machinery/codec/protobuf_codec.hpp"
#include "capstan/machinery/codec/schema_model.hpp"

namespace capstan::schema {

struct PrinterColumn {
  std::string name, type, format, description, json_path;
  int priority = 0;
  bool computed = false;  // from the plugin's printer, not json_path
};

struct SubresourceInfo {
  std::string name, kind, group, version;
  std::vector<std::string> verbs;
  bool connect = false;  // proxied to where the owning plugin says (pods/log, pods/exec)
  bool deletes = false;  // a POST deletes the object (pods/eviction)
  std::string assigns;   // a POST writes its target's name into this field path, once (pods/binding)
};

// Where a kind keeps what its Scale subresource shows (JSON paths such as ".spec.replicas").
struct ScalePaths {
  std::string spec_replicas, status_replicas, label_selector;
};

struct Kind {
  std::string group, version, kind, plural, singular;
  std::vector<std::string> short_names, categories, selectable_fields;
  bool namespaced = false;
  std::vector<PrinterColumn> columns;
  std::vector<SubresourceInfo> subresources;
  std::string status_field;
  capnp::StructSchema schema;
  std::string plugin;  // "type.id" of the plugin that registered it
  bool namespace_scope = false;  // its objects are the namespaces (see plugin.capnp)
  std::string name_rule;  // "" DNS-1123 subdomain, "pathSegment" (plugin.capnp KindInfo.nameRule)
  std::optional<ScalePaths> scale;  // set: the kernel serves <plural>/scale
  // Computes the `computed` columns for a batch of objects (capnp bytes), one row of cells per
  // object; set by the plugin host for kinds whose plugin has a printer.
  std::function<std::vector<std::vector<std::string>>(const std::vector<const std::string*>& objects)> printer;
  bool admission = false;  // the owning plugin admits (defaults/validates) writes of this kind
  bool transient = false;  // answers, not records: create only, nothing stored (plugin.capnp KindInfo.transient)

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "configmaps" or "deployments.apps", as Status details and messages name resources.
  std::string group_resource() const { return group.empty() ? plural : plural + "." + group; }
  bool has_subresource(std::string_view name) const;
  const SubresourceInfo* subresource(std::string_view name) const;
};

class KindRegistry {
 public:
  KindRegistry();

  // Loads a plugin manifest (serialized capstan.plugin.PluginManifest). Throws std::runtime_error
  // with a clear message on a bad schema or a kind that is already served.
  std::vector<Kind*> register_manifest(const std::string& plugin, const void* data, size_t size);

  const Kind* by_resource(std::string_view group, std::string_view version, std::string_view plural) const;
  const Kind* by_kind(std::string_view group, std::string_view version, std::string_view kind) const;
  std::vector<const Kind*> all() const;
  // The kind whose objects are namespaces, if a plugin registered one.
  const Kind* namespace_kind() const;
  // Groups in registration order, each with its versions (first = preferred).
  std::vector<std::pair<std::string, std::vector<std::string>>> groups() const;

  const SchemaModel& model() const { return model_; }
  const JsonCodec& codec() const { return codec_; }
  // application/vnd.kubernetes.protobuf for the kinds whose schemas carry protobuf numbers.
  const ProtobufCodec& protobuf() const { return protobuf_; }
  // A hash of everything registered, for OpenAPI/discovery ETags.
  std::string fingerprint() const;

 private:
  capnp::SchemaLoader loader_;
  SchemaModel model_;
  JsonCodec codec_{model_};
  ProtobufCodec protobuf_{model_};
  mutable std::shared_mutex mutex_;
  std::vector<std::unique_ptr<Kind>> kinds_;
  uint64_t fingerprint_ = 1469598103934665603ull;
};

}  // namespace capstan::schema
