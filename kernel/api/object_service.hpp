#pragma once
// The generic object operations behind every API verb — create, update, patch, delete, get, list
// and watch — for any registered kind. It owns the Kubernetes metadata rules (names, uid,
// generation, resourceVersion, finalizers and deletionTimestamp, managedFields), runs admission
// and writes through the store. Nothing here knows a particular kind. Both the HTTP handlers and
// plugins (through the host) call it.
//
// Objects travel as Cap'n Proto: a request body is decoded once at the edge into an ObjectDraft
// (a plugin's write arrives as one), admitted and stored in that form, and its JSON text is
// written once per stored revision, from the Cap'n Proto form, and shared by every reader. Only
// patches work on JSON, as Kubernetes' do: on the stored revision's JSON text.

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/admission.hpp"
#include "api/api_error.hpp"
#include "api/object_draft.hpp"
#include "api/selection.hpp"
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
  Requester requester;  // who asked (told to admission: RBAC's escalation checks, NodeRestriction)
};

struct DeleteOptions {
  std::string propagation_policy;  // Background | Foreground | Orphan
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::string subresource;  // the action subresource asking for the deletion (eviction), told to admission
};

struct WriteOutcome {
  int code = 200;                   // 200 or 201
  store::ObjectPtr object;          // the resulting object
  std::optional<ApiError> error;
  std::vector<std::string> warnings;
};

using WriteDone = std::function<void(WriteOutcome)>;

enum class PatchType { kMerge, kJson, kStrategic, kApply };

// An object decoded from a client's body, with what decoding had to say.
struct DecodedObject {
  ObjectDraft draft;
  std::vector<std::string> warnings;  // unknown fields under fieldValidation=Warn
};

// Where a watch starts: the objects to send first (a watch without resourceVersion) and the
// subscription that delivers the events after them, or `expired` when the requested revision is
// older than the event window.
struct WatchStart {
  bool expired = false;
  uint64_t oldest_resumable = 0;
  std::vector<store::ObjectPtr> initial;
  std::shared_ptr<store::Subscription> subscription;
};

class ObjectService {
 public:
  ObjectService(schema::KindRegistry& kinds, store::Store& store, Admission* admission);

  // Decodes a JSON body against the kind's schema: throws ApiError (400 for undecodable bodies,
  // mismatched apiVersion/kind and strict unknown fields, 422 for missing required fields).
  DecodedObject decode(const schema::Kind& kind, const nlohmann::json& body, schema::UnknownFieldPolicy policy) const;
  // The same for a protobuf body (the `k8s\0` magic and a runtime.Unknown envelope), decoded
  // straight into the Cap'n Proto form: 415 for a kind without protobuf numbers, 400 naming the
  // field for malformed input or an envelope of another kind.
  DecodedObject decode_protobuf(const schema::Kind& kind, std::string_view body, schema::UnknownFieldPolicy policy) const;
  // A plugin's object bytes: throws ApiError for bytes that are not an object of the kind.
  ObjectDraft from_bytes(const schema::Kind& kind, std::string_view bytes) const;

  // Each write calls `done` exactly once: synchronously when it fails early or is a dry run,
  // otherwise from the store's committer once the write is durable.
  void create(const schema::Kind& kind, const std::string& ns, DecodedObject object, const WriteOptions& opts,
              WriteDone done);
  void update(const schema::Kind& kind, const std::string& ns, const std::string& name, DecodedObject object,
              const std::string& subresource, const WriteOptions& opts, WriteDone done);
  void patch(const schema::Kind& kind, const std::string& ns, const std::string& name, PatchType type,
             const nlohmann::json& patch, const std::string& subresource, const WriteOptions& opts, WriteDone done);
  // Read-modify-write of the main resource on its JSON form (Kubernetes' GuaranteedUpdate):
  // `compute` maps the live object to the new one and is re-run on a conflict;
  // expected_revision != 0 is a precondition. `subresource` ("scale") is what admission is told.
  using Compute = std::function<std::optional<nlohmann::json>(const nlohmann::json& live)>;
  void update_with(const schema::Kind& kind, const std::string& ns, const std::string& name, Compute compute,
                   uint64_t expected_revision, const WriteOptions& opts, WriteDone done,
                   const std::string& subresource = "");
  // The same on the Cap'n Proto form: `change` edits a copy of the live object in place and
  // returns false to refuse (throwing ApiError says why).
  using Change = std::function<void(ObjectDraft& object)>;
  void update_in_place(const schema::Kind& kind, const std::string& ns, const std::string& name, Change change,
                       uint64_t expected_revision, const WriteOptions& opts, WriteDone done,
                       const std::string& subresource);
  void remove(const schema::Kind& kind, const std::string& ns, const std::string& name, const DeleteOptions& del,
              const WriteOptions& opts, WriteDone done, int attempt = 0);

  store::ObjectPtr get(const schema::Kind& kind, const std::string& ns, const std::string& name) const;
  std::vector<store::ObjectPtr> list(const schema::Kind& kind, const Selection& selection, uint64_t* revision) const;
  // Lists and subscribes in one step. after_revision 0: from now, with the current objects as
  // `initial` when send_initial. on_ready runs on the publisher's thread (it must only schedule).
  WatchStart watch(const schema::Kind& kind, const Selection& selection, uint64_t after_revision, bool send_initial,
                   std::function<void()> on_ready) const;
  void unwatch(const std::shared_ptr<store::Subscription>& subscription) const;

  // Builds the served form of an object read back from disk, or nullptr if its kind is not
  // registered.
  store::ObjectPtr rehydrate(const std::string& key, uint64_t revision, std::string&& bytes) const;
  // The kind a store key belongs to.
  const schema::Kind* kind_of_key(const std::string& key) const;
  // The JSON form of an object (a parsed copy of its shared text).
  nlohmann::json to_json(const store::Object& object) const { return nlohmann::json::parse(object.json); }

  std::string key(const schema::Kind& kind, const std::string& ns, const std::string& name) const;
  std::string prefix(const schema::Kind& kind, const std::string& ns) const;
  schema::KindRegistry& kinds() { return kinds_; }
  const schema::KindRegistry& kinds() const { return kinds_; }
  void set_admission(Admission* admission) { admission_ = admission; }
  store::Store& store() { return store_; }

 private:
  using Recompute = std::function<std::optional<DecodedObject>(const store::ObjectPtr& live)>;
  // Turns what decoding reported into the API's answer (400, 422 or warnings).
  void finish_decode(const schema::Kind& kind, const schema::DecodeReport& report, schema::UnknownFieldPolicy policy,
                     DecodedObject& out) const;
  // Runs admission; a mutated object is put back in normal form.
  void admit(const schema::Kind& kind, Operation op, const std::string& subresource, ObjectDraft& object,
             const store::Object* old, bool dry_run, std::vector<std::string>& warnings,
             DeleteAdmission* del = nullptr, const Requester* requester = nullptr) const;
  // The create of a transient kind (an access review): admission answers, nothing is stored.
  void answer_transient(const schema::Kind& kind, ObjectDraft& object, const WriteOptions& opts, WriteOutcome& outcome,
                        const WriteDone& done);
  // Namespaced objects live only in namespaces that exist and are not being deleted.
  void check_namespace_open(const schema::Kind& kind, const std::string& ns) const;
  // Everything between a new version of an object and the store: the rules, admission,
  // generation, managedFields and the write; conflicts of unconditional writes re-run recompute.
  void write_update(const schema::Kind& kind, const std::string& name, const store::ObjectPtr& current,
                    DecodedObject next, const std::string& subresource, const WriteOptions& opts, WriteDone done,
                    int attempt, Recompute recompute);
  void record_managed_fields(const schema::Kind& kind, const store::Object* current, ObjectDraft& next,
                             const WriteOptions& opts, const std::string& subresource) const;
  void submit(store::WriteOp::Kind op_kind, const schema::Kind& kind, const std::string& key, ObjectDraft object,
              uint64_t expected_revision, int success_code, std::vector<std::string> warnings, WriteDone done,
              std::function<void(const store::WriteResult& refused)> on_refused);
  // The served form of a stored object: bytes, JSON text, and what selection reads.
  store::ObjectPtr build_object(const schema::Kind& kind, const std::string& key, uint64_t revision,
                                const ObjectDraft& object) const;

  schema::KindRegistry& kinds_;
  store::Store& store_;
  Admission* admission_;
};

// RFC 3339 UTC "now" with second precision, as Kubernetes writes timestamps.
std::string now_rfc3339(int64_t offset_seconds = 0);

}  // namespace capstan::api
