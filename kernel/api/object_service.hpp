#pragma once
// The generic object operations behind every API verb — create, update, patch, delete, get and
// list — for any registered kind. It owns the Kubernetes metadata rules (names, uid, generation,
// resourceVersion, finalizers and deletionTimestamp, managedFields), decodes and validates
// against the kind's schema, runs admission, and writes through the store. Nothing here knows a
// particular kind. Both the HTTP handlers and plugins (through the host API) call it.

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/admission.hpp"
#include "capstan/machinery/selectors/field_selector.hpp"
#include "api/api_error.hpp"
#include "capstan/machinery/codec/json_codec.hpp"
#include "schema/kind_registry.hpp"
#include "store/store.hpp"

namespace capstan::api {

struct WriteOptions {
  bool dry_run = false;
  schema::UnknownFieldPolicy validation = schema::UnknownFieldPolicy::kWarn;
  std::string field_manager;
  bool force = false;  // server-side apply
  bool keep_managed_fields = false;  // create from server-side apply: managedFields already computed
};

struct DeleteOptions {
  std::string propagation_policy;  // Background | Foreground | Orphan
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
};

struct WriteOutcome {
  int code = 200;                   // 200 or 201
  store::ObjectPtr object;          // the resulting object
  std::optional<ApiError> error;
  std::vector<std::string> warnings;
};

using WriteDone = std::function<void(WriteOutcome)>;

enum class PatchType { kMerge, kJson, kStrategic, kApply };

class ObjectService {
 public:
  ObjectService(schema::KindRegistry& kinds, store::Store& store, Admission* admission);

  // Each write calls `done` exactly once: synchronously when it fails early or is a dry run,
  // otherwise from the store's committer once the write is durable.
  void create(const schema::Kind& kind, const std::string& ns, nlohmann::json body, const WriteOptions& opts,
              WriteDone done);
  void update(const schema::Kind& kind, const std::string& ns, const std::string& name, nlohmann::json body,
              const std::string& subresource, const WriteOptions& opts, WriteDone done);
  void patch(const schema::Kind& kind, const std::string& ns, const std::string& name, PatchType type,
             const nlohmann::json& patch, const std::string& subresource, const WriteOptions& opts, WriteDone done);
  // Read-modify-write of the main resource (Kubernetes' GuaranteedUpdate): `compute` maps the live
  // object to the new one and is re-run on a conflict; expected_revision != 0 is a precondition.
  using Compute = std::function<std::optional<nlohmann::json>(const nlohmann::json& live)>;
  // `subresource` ("", "scale", "binding") is what admission is told.
  void update_with(const schema::Kind& kind, const std::string& ns, const std::string& name, Compute compute,
                   uint64_t expected_revision, const WriteOptions& opts, WriteDone done,
                   const std::string& subresource = "");
  void remove(const schema::Kind& kind, const std::string& ns, const std::string& name, const DeleteOptions& del,
              const WriteOptions& opts, WriteDone done, int attempt = 0);

  // Throws ApiError(400) naming a field the kind cannot be selected by.
  void check_field_selector(const schema::Kind& kind, const selectors::FieldSelector& selector) const;
  store::ObjectPtr get(const schema::Kind& kind, const std::string& ns, const std::string& name) const;
  // Throws ApiError(400) for a bad selector.
  std::vector<store::ObjectPtr> list(const schema::Kind& kind, const std::string& ns, const std::string& label_selector,
                                     const std::string& field_selector, uint64_t* revision) const;

  // Builds the stored form of an object read back from disk (capnp bytes -> JSON), or nullptr
  // if its kind is not registered.
  store::ObjectPtr rehydrate(const std::string& key, uint64_t revision, std::string&& bytes) const;
  // The kind a store key belongs to.
  const schema::Kind* kind_of_key(const std::string& key) const;

  // Decodes `body` against the kind's schema: throws ApiError (400 for undecodable bodies and
  // strict unknown fields, 422 for missing required fields); appends warnings.
  nlohmann::json canonicalize(const schema::Kind& kind, const nlohmann::json& body, schema::UnknownFieldPolicy policy,
                              std::vector<std::string>& warnings) const;
  std::string key(const schema::Kind& kind, const std::string& ns, const std::string& name) const;
  std::string prefix(const schema::Kind& kind, const std::string& ns) const;
  schema::KindRegistry& kinds() { return kinds_; }
  void set_admission(Admission* admission) { admission_ = admission; }
  store::Store& store() { return store_; }

 private:
  // Namespaced objects live only in namespaces that exist and are not being deleted.
  void check_namespace_open(const schema::Kind& kind, const std::string& ns) const;
  // Everything between a computed new object and the store: admission, canonical form, write.
  void write_update(const schema::Kind& kind, const std::string& ns, const std::string& name,
                    const store::ObjectPtr& current, nlohmann::json updated, const std::string& subresource,
                    const WriteOptions& opts, std::vector<std::string> warnings, WriteDone done, int attempt,
                    std::function<std::optional<nlohmann::json>(const nlohmann::json& live)> recompute,
                    std::optional<nlohmann::json> parsed_current = std::nullopt);  // `current` parsed, when the caller has it
  store::ObjectPtr build_object(const schema::Kind& kind, const std::string& key, uint64_t revision,
                                nlohmann::json object) const;

  schema::KindRegistry& kinds_;
  store::Store& store_;
  Admission* admission_;
};

// RFC 3339 UTC "now" with second precision, as Kubernetes writes timestamps.
std::string now_rfc3339(int64_t offset_seconds = 0);
std::string new_uid();

}  // namespace capstan::api
