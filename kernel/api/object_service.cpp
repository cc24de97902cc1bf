#include "api/object_service.hpp"

#include <capnp/serialize.h>

#include <algorithm>

#include "api/names.hpp"
#include "api/negotiation.hpp"
#include "capstan/machinery/codec/json_writer.hpp"
#include "capstan/machinery/codec/normal_form.hpp"
#include "capstan/machinery/object_rules.hpp"
#include "capstan/machinery/patch/json_patch.hpp"
#include "capstan/machinery/patch/kind_patch_schema.hpp"
#include "capstan/machinery/patch/merge_patch.hpp"
#include "capstan/machinery/patch/patch_error.hpp"
#include "capstan/machinery/patch/server_side_apply.hpp"
#include "capstan/machinery/patch/strategic_merge_patch.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::api {

using nlohmann::json;

std::string now_rfc3339(int64_t offset_seconds) {
  return machinery::format_rfc3339(machinery::now_seconds() + offset_seconds);
}

namespace {

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string text_of(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

machinery::ObjectKind rules_for(const schema::Kind& kind) {
  return machinery::ObjectKind{kind.api_version(), kind.kind, kind.namespaced, kind.status_field,
                               !kind.status_field.empty() && kind.has_subresource("status")};
}

ApiError from_patch_error(const patch::PatchError& e) {
  ApiError err(e.code, e.reason, e.what());
  for (const auto& [field, message] : e.causes)
    err.causes.push_back({field, e.code == 409 ? "FieldManagerConflict" : "FieldValueInvalid", message});
  return err;
}

// apiVersion and kind of a body, when it states them, must be the URL's (kube-apiserver decodes
// into the URL's type and refuses another); metadata must be an object.
void check_type_meta(const schema::Kind& kind, const json& body) {
  if (!body.is_object()) throw bad_request("the request body must be a JSON or YAML object");
  if (auto v = body.find("apiVersion"); v != body.end() && !v->is_null()) {
    if (!v->is_string() || v->get<std::string>() != kind.api_version())
      throw bad_request("the API version in the data (" + scalar_text(*v) +
                        ") does not match the expected API version (" + kind.api_version() + ")");
  }
  if (auto k = body.find("kind"); k != body.end() && !k->is_null()) {
    if (!k->is_string() || k->get<std::string>() != kind.kind)
      throw bad_request("the kind in the data (" + scalar_text(*k) + ") does not match the expected kind (" +
                        kind.kind + ")");
  }
  if (auto m = body.find("metadata"); m != body.end() && !m->is_null() && !m->is_object())
    throw bad_request("metadata must be an object");
}

// A namespaced object's namespace is the URL's; the body may repeat it but not name another.
void set_namespace(const schema::Kind& kind, meta::ObjectMeta::Builder meta, const std::string& ns) {
  if (kind.namespaced) {
    if (meta.hasNamespace() && meta.getNamespace().size() > 0 && text_of(meta.getNamespace()) != ns)
      throw bad_request("the namespace of the provided object does not match the namespace sent on the request");
    meta.setNamespace(ns);
  } else {
    meta.disownNamespace();
  }
}

// A selectable field's value as field selectors compare it ("" when absent), read in place.
std::string field_text(const schema::SchemaModel& model, capnp::DynamicStruct::Reader root, const std::string& path) {
  capnp::DynamicStruct::Reader current = root;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const schema::FieldInfo* f = model.info(current.getSchema()).find(part);
    if (!f) return "";
    const bool last = dot == std::string::npos;
    switch (f->shape) {
      case schema::Shape::kStruct:
        if (last) return "";
        if (!f->field.getProto().isGroup() && !current.has(f->field)) return "";
        current = current.get(f->field).as<capnp::DynamicStruct>();
        start = dot + 1;
        continue;
      case schema::Shape::kText:
      case schema::Shape::kQuantity:
        return last && current.has(f->field) ? text_of(current.get(f->field).as<capnp::Text>()) : "";
      case schema::Shape::kBool:
        return last ? (current.get(f->field).as<bool>() ? "true" : "false") : "";
      case schema::Shape::kInt:
        return last ? std::to_string(current.get(f->field).as<int64_t>()) : "";
      case schema::Shape::kUInt:
        return last ? std::to_string(current.get(f->field).as<uint64_t>()) : "";
      case schema::Shape::kEnum: {
        if (!last) return "";
        KJ_IF_MAYBE(e, current.get(f->field).as<capnp::DynamicEnum>().getEnumerant()) {
          return e->getProto().getName().cStr();
        }
        return "";
      }
      case schema::Shape::kOptional: {
        if (!last) return "";
        auto group = current.get(f->field).as<capnp::DynamicStruct>();
        KJ_IF_MAYBE(which, group.which()) {
          if (which->getIndex() != f->optional_value.getIndex()) return "";
          auto v = group.get(f->optional_value);
          switch (f->optional_value_shape) {
            case schema::Shape::kBool: return v.as<bool>() ? "true" : "false";
            case schema::Shape::kInt: return std::to_string(v.as<int64_t>());
            case schema::Shape::kUInt: return std::to_string(v.as<uint64_t>());
            case schema::Shape::kText: return text_of(v.as<capnp::Text>());
            default: return "";
          }
        }
        return "";
      }
      default:
        return "";
    }
  }
}

void set_managed_fields(meta::ObjectMeta::Builder meta, const json& entries) {
  if (!entries.is_array() || entries.empty()) {
    meta.disownManagedFields();
    return;
  }
  auto list = meta.initManagedFields(static_cast<unsigned>(entries.size()));
  for (unsigned i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    auto out = list[i];
    auto text = [&](const char* key, auto set) {
      if (auto v = e.find(key); v != e.end() && v->is_string()) set(v->get<std::string>());
    };
    text("manager", [&](const std::string& v) { out.setManager(v); });
    text("operation", [&](const std::string& v) { out.setOperation(v); });
    text("apiVersion", [&](const std::string& v) { out.setApiVersion(v); });
    text("time", [&](const std::string& v) { out.setTime(v); });
    text("fieldsType", [&](const std::string& v) { out.setFieldsType(v); });
    text("subresource", [&](const std::string& v) { out.setSubresource(v); });
    if (auto v = e.find("fieldsV1"); v != e.end() && !v->is_null()) out.setFieldsV1(v->dump());
  }
}

// The served form of an object, in two steps: everything that is costly, outside the store's
// write lock; then, under it, the revision written into the bytes and spliced into the JSON.
struct Prepared {
  ObjectDraft object;  // compact, without resourceVersion
  schema::JsonText json;
  store::Object facts;  // key, namespace, name, uid, labels, fields
};

}  // namespace

ObjectService::ObjectService(schema::KindRegistry& kinds, store::Store& store, Admission* admission)
    : kinds_(kinds), store_(store), admission_(admission) {}

std::string ObjectService::key(const schema::Kind& kind, const std::string& ns, const std::string& name) const {
  return store::object_key(kind.group, kind.plural, kind.namespaced ? ns : "", name);
}

std::string ObjectService::prefix(const schema::Kind& kind, const std::string& ns) const {
  std::string p = store::resource_prefix(kind.group, kind.plural);
  if (kind.namespaced && !ns.empty()) p += ns + "/";
  return p;
}

// ---- decoding --------------------------------------------------------------------------------

DecodedObject ObjectService::decode(const schema::Kind& kind, const json& body, schema::UnknownFieldPolicy policy) const {
  check_type_meta(kind, body);
  DecodedObject out{ObjectDraft(kind), {}};
  schema::DecodeReport report;
  kinds_.codec().decode(body, out.draft.root(), report);
  finish_decode(kind, report, policy, out);
  return out;
}

DecodedObject ObjectService::decode_protobuf(const schema::Kind& kind, std::string_view body,
                                             schema::UnknownFieldPolicy policy) const {
  if (!kinds_.protobuf().supports(kind.schema))
    throw ApiError(415, "UnsupportedMediaType", unsupported_media_type_message(false));
  DecodedObject out{ObjectDraft(kind), {}};
  schema::DecodeReport report;
  kinds_.protobuf().decode_object(body, out.draft.root(), kind.api_version(), kind.kind, report);
  // Unknown field numbers are reported as `spec.#33`; they follow fieldValidation as unknown
  // JSON fields do (docs/api-compatibility.md).
  finish_decode(kind, report, policy, out);
  // Go's decoder leaves maps in wire order; the stored form has them sorted, as the JSON
  // decoder's.
  schema::normalize(kinds_.model(), out.draft.root());
  return out;
}

void ObjectService::finish_decode(const schema::Kind& kind, const schema::DecodeReport& report,
                                  schema::UnknownFieldPolicy policy, DecodedObject& out) const {
  const std::string prefix = kind.kind + " in version \"" + kind.version + "\" cannot be handled as a " + kind.kind + ": ";
  if (!report.type_errors.empty()) {
    ApiError e(400, "BadRequest", prefix + report.type_errors.front().message);
    for (const auto& t : report.type_errors) e.causes.push_back({t.field, t.reason, t.message});
    throw e;
  }
  if (!report.unknown_fields.empty() && policy != schema::UnknownFieldPolicy::kIgnore) {
    std::string list;
    for (const auto& f : report.unknown_fields) {
      if (!list.empty()) list += ", ";
      list += "unknown field \"" + f + "\"";
    }
    if (policy == schema::UnknownFieldPolicy::kStrict) {
      ApiError e(400, "BadRequest", prefix + "strict decoding error: " + list);
      for (const auto& f : report.unknown_fields) e.causes.push_back({f, "FieldValueInvalid", "unknown field \"" + f + "\""});
      throw e;
    }
    for (const auto& f : report.unknown_fields) out.warnings.push_back("unknown field \"" + f + "\"");
  }
  if (!report.missing_required.empty()) {
    std::vector<Cause> causes;
    for (const auto& m : report.missing_required) causes.push_back({m.field, "FieldValueRequired", "Required value"});
    throw invalid(kind.kind, kind.group, out.draft.name(), std::move(causes));
  }
  machinery::set_type_meta(rules_for(kind), out.draft.root());
}

ObjectDraft ObjectService::from_bytes(const schema::Kind& kind, std::string_view bytes) const {
  try {
    ObjectDraft draft = ObjectDraft::copy_of(kind, bytes);
    auto root = draft.reader();
    auto api_version = root.get("apiVersion").as<capnp::Text>();
    auto kind_name = root.get("kind").as<capnp::Text>();
    if (api_version.size() > 0 && text_of(api_version) != kind.api_version())
      throw bad_request("the API version in the data (" + text_of(api_version) +
                        ") does not match the expected API version (" + kind.api_version() + ")");
    if (kind_name.size() > 0 && text_of(kind_name) != kind.kind)
      throw bad_request("the kind in the data (" + text_of(kind_name) + ") does not match the expected kind (" +
                        kind.kind + ")");
    machinery::set_type_meta(rules_for(kind), draft.root());
    schema::normalize(kinds_.model(), draft.root());
    return draft;
  } catch (const kj::Exception& e) {
    throw bad_request(std::string("the object is not a valid ") + kind.kind + ": " + e.getDescription().cStr());
  }
}

// ---- the served form ---------------------------------------------------------------------------

store::ObjectPtr ObjectService::build_object(const schema::Kind& kind, const std::string& key, uint64_t revision,
                                             const ObjectDraft& object) const {
  ObjectDraft compact = object.compacted();
  auto meta = compact.meta();
  if (revision != 0) meta.setResourceVersion(std::to_string(revision));
  auto out = std::make_shared<store::Object>();
  out->key = key;
  out->revision = revision;
  out->bytes = compact.bytes();
  out->json = schema::write_json(kinds_.model(), compact.reader()).text;
  auto m = compact.meta();
  out->namespace_ = text_of(m.getNamespace());
  out->name = text_of(m.getName());
  out->uid = text_of(m.getUid());
  for (auto l : m.getLabels()) out->labels.emplace_back(text_of(l.getKey()), text_of(l.getValue()));
  for (const auto& field : kind.selectable_fields)
    out->fields.emplace_back(field, field_text(kinds_.model(), compact.reader(), field));
  return out;
}

const schema::Kind* ObjectService::kind_of_key(const std::string& key) const {
  // /<group|core>/<resource>/...
  auto a = key.find('/', 1);
  if (a == std::string::npos) return nullptr;
  auto b = key.find('/', a + 1);
  if (b == std::string::npos) return nullptr;
  std::string group = key.substr(1, a - 1);
  if (group == "core") group.clear();
  std::string resource = key.substr(a + 1, b - a - 1);
  for (const auto* k : kinds_.all())
    if (k->group == group && k->plural == resource) return k;
  return nullptr;
}

store::ObjectPtr ObjectService::rehydrate(const std::string& key, uint64_t revision, std::string&& bytes) const {
  const schema::Kind* kind = kind_of_key(key);
  if (!kind) return nullptr;
  auto out = std::make_shared<store::Object>();
  out->key = key;
  out->revision = revision;
  out->bytes = std::move(bytes);
  StoredView view(*out, kind->schema);
  out->json = schema::write_json(kinds_.model(), view.root()).text;
  auto m = view.meta();
  out->namespace_ = text_of(m.getNamespace());
  out->name = text_of(m.getName());
  out->uid = text_of(m.getUid());
  for (auto l : m.getLabels()) out->labels.emplace_back(text_of(l.getKey()), text_of(l.getValue()));
  for (const auto& field : kind->selectable_fields)
    out->fields.emplace_back(field, field_text(kinds_.model(), view.root(), field));
  return out;
}

void ObjectService::submit(store::WriteOp::Kind op_kind, const schema::Kind& kind, const std::string& key,
                           ObjectDraft object, uint64_t expected_revision, int success_code,
                           std::vector<std::string> warnings, WriteDone done,
                           std::function<void(const store::WriteResult& refused)> on_refused) {
  // Everything costly happens here, outside the store's write lock.
  auto prepared = std::make_shared<Prepared>(Prepared{object.compacted(), {}, {}});
  schema::JsonWriteOptions json_options;
  json_options.resource_version_slot = true;
  prepared->json = schema::write_json(kinds_.model(), prepared->object.reader(), json_options);
  auto& facts = prepared->facts;
  auto m = prepared->object.meta();
  facts.key = key;
  facts.namespace_ = text_of(m.getNamespace());
  facts.name = text_of(m.getName());
  facts.uid = text_of(m.getUid());
  for (auto l : m.getLabels()) facts.labels.emplace_back(text_of(l.getKey()), text_of(l.getValue()));
  for (const auto& field : kind.selectable_fields)
    facts.fields.emplace_back(field, field_text(kinds_.model(), prepared->object.reader(), field));

  store::WriteOp op;
  op.kind = op_kind;
  op.key = key;
  op.expected_revision = expected_revision;
  op.build = [prepared](uint64_t revision, const store::ObjectPtr&) {
    // Under the store's write lock: only the revision is added.
    auto out = std::make_shared<store::Object>(prepared->facts);
    out->revision = revision;
    const std::string rv = std::to_string(revision);
    prepared->object.meta().setResourceVersion(rv);
    out->bytes = prepared->object.bytes();
    if (prepared->json.resource_version_at != std::string::npos) {
      out->json.reserve(prepared->json.text.size() + rv.size());
      out->json.append(prepared->json.text, 0, prepared->json.resource_version_at);
      out->json += rv;
      out->json.append(prepared->json.text, prepared->json.resource_version_at, std::string::npos);
    } else {
      out->json = prepared->json.text;
    }
    return store::ObjectPtr(std::move(out));
  };
  auto immediate = store_.submit(std::move(op), [done, warnings, success_code](store::WriteResult r) {
    WriteOutcome o;
    o.warnings = warnings;
    if (r.code == store::WriteCode::kOk) {
      o.code = success_code;
      o.object = r.object;
    } else if (r.code == store::WriteCode::kStorageFull) {
      // As kube-apiserver answers etcd's "mvcc: database space exceeded": 500, the storage's
      // message, no reason (StatusReasonUnknown).
      o.error = ApiError(500, "", r.message);
    } else {
      o.error = ApiError(500, "InternalError", r.message);
    }
    done(std::move(o));
  });
  if (immediate) on_refused(*immediate);
}

// ---- writes ----------------------------------------------------------------------------------

void ObjectService::admit(const schema::Kind& kind, Operation op, const std::string& subresource, ObjectDraft& object,
                          const store::Object* old, bool dry_run, std::vector<std::string>& warnings,
                          DeleteAdmission* del, const Requester* requester) const {
  if (!admission_) return;
  admission_->admit(kind, op, subresource, object, old, dry_run, warnings, del, requester);
  // A plugin's object may hold its maps in any order; the stored form is the normal one.
  if (object.take_replaced()) schema::normalize(kinds_.model(), object.root());
}

void ObjectService::check_namespace_open(const schema::Kind& kind, const std::string& ns) const {
  if (!kind.namespaced) return;
  const schema::Kind* scope = kinds_.namespace_kind();
  if (scope == nullptr) return;  // no plugin manages namespaces: any name is accepted
  auto obj = store_.get_latest(key(*scope, "", ns));
  if (!obj) throw not_found(scope->group_resource(), ns);
  if (StoredView(*obj, scope->schema).meta().hasDeletionTimestamp())
    throw ApiError(403, "Forbidden",
                   kind.group_resource() + " is forbidden: unable to create new content in namespace " + ns +
                       " because it is being terminated")
        .with_details("", kind.group, kind.plural);
}

void ObjectService::record_managed_fields(const schema::Kind& kind, const store::Object* current, ObjectDraft& next,
                                          const WriteOptions& opts, const std::string& subresource) const {
  if (opts.field_manager.empty()) return;
  patch::KindPatchSchema ps(kinds_.model(), kind.schema);
  const json old = current ? json::parse(current->json) : json(nullptr);
  json result = patch::record_update_manager(old, kinds_.codec().encode(next.reader()), ps,
                                             {opts.field_manager, false, kind.api_version(), now_rfc3339(), subresource});
  const json* entries = nullptr;
  if (auto m = result.find("metadata"); m != result.end() && m->is_object())
    if (auto f = m->find("managedFields"); f != m->end()) entries = &*f;
  set_managed_fields(next.meta(), entries ? *entries : json());
}

void ObjectService::create(const schema::Kind& kind, const std::string& ns, DecodedObject decoded,
                           const WriteOptions& opts, WriteDone done) {
  WriteOutcome outcome;
  outcome.warnings = std::move(decoded.warnings);
  try {
    ObjectDraft& object = decoded.draft;
    auto meta = object.meta();
    // A namespaced object needs a namespace (as Kubernetes' ValidateObjectMeta requires). Without
    // this check POST /api/v1/configmaps stored "/core/configmaps/<name>" with no namespace.
    if (kind.namespaced && ns.empty())
      throw invalid(kind.kind, kind.group, object.name(), {{"metadata.namespace", "FieldValueRequired", "Required value"}});
    set_namespace(kind, meta, ns);
    if (kind.transient) return answer_transient(kind, object, opts, outcome, done);
    std::string name = object.name();
    const std::string generate = text_of(meta.getGenerateName());
    const bool generated = name.empty() && !generate.empty();
    if (name.empty()) {
      if (generate.empty())
        throw invalid(kind.kind, kind.group, "",
                      {{"metadata.name", "FieldValueRequired", "Required value: name or generateName is required"}});
      name = generate + machinery::random_name_suffix();
      meta.setName(name);
    }
    if (auto problem = validate_name_by_rule(kind.name_rule, name); !problem.empty())
      throw invalid(kind.kind, kind.group, name,
                    {{"metadata.name", "FieldValueInvalid", "Invalid value: \"" + name + "\": " + problem}});
    check_namespace_open(kind, ns);
    machinery::prepare_create(rules_for(kind), object.root(),
                              {machinery::new_uid(), now_rfc3339(), opts.keep_managed_fields});
    admit(kind, Operation::kCreate, "", object, nullptr, opts.dry_run, outcome.warnings, nullptr, &opts.requester);
    record_managed_fields(kind, nullptr, object, opts, "");
    const std::string k = key(kind, ns, name);
    if (opts.dry_run) {
      if (store_.get_latest(k)) throw already_exists(kind.group_resource(), name);
      outcome.code = 201;
      outcome.object = build_object(kind, k, 0, object);
      return done(std::move(outcome));
    }
    // A generated name that is taken is generated again, as kube-apiserver (1.32+) retries, so a
    // controller's create does not fail on a collision.
    for (int attempt = 0;; ++attempt) {
      const std::string current_name = text_of(object.meta().getName());
      const bool may_retry = generated && attempt < 8;
      std::optional<store::WriteResult> refused;
      submit(store::WriteOp::kCreate, kind, key(kind, ns, current_name), may_retry ? object.clone() : std::move(object),
             0, 201, outcome.warnings, done, [&](const store::WriteResult& r) { refused = r; });
      if (!refused) return;
      if (refused->code == store::WriteCode::kAlreadyExists && may_retry) {
        object.meta().setName(generate + machinery::random_name_suffix());
        continue;
      }
      if (refused->code == store::WriteCode::kAlreadyExists) throw already_exists(kind.group_resource(), current_name);
      throw ApiError(500, "InternalError", refused->message);
    }
  } catch (const ApiError& e) {
    outcome.error = e;
    done(std::move(outcome));
  } catch (const patch::PatchError& e) {
    outcome.error = from_patch_error(e);
    done(std::move(outcome));
  }
}

void ObjectService::answer_transient(const schema::Kind& kind, ObjectDraft& object, const WriteOptions& opts,
                                     WriteOutcome& outcome, const WriteDone& done) {
  // As kube-apiserver's access reviews and TokenReview: no name needed, nothing stored, no
  // uid or timestamps; the owner's admission fills the answer in (status) or refuses.
  admit(kind, Operation::kCreate, "", object, nullptr, opts.dry_run, outcome.warnings, nullptr, &opts.requester);
  outcome.code = 201;
  outcome.object = build_object(kind, key(kind, text_of(object.meta().getNamespace()), object.name()), 0, object);
  done(std::move(outcome));
}

void ObjectService::update(const schema::Kind& kind, const std::string& ns, const std::string& name,
                           DecodedObject decoded, const std::string& subresource, const WriteOptions& opts,
                           WriteDone done) {
  try {
    auto meta = decoded.draft.meta();
    set_namespace(kind, meta, ns);
    const std::string body_name = decoded.draft.name();
    if (body_name.empty()) meta.setName(name);
    else if (body_name != name)
      throw bad_request("the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")");
    const std::string k = key(kind, ns, name);
    auto current = store_.get_latest(k);
    if (!current) throw not_found(kind.group_resource(), name);
    uint64_t expected = 0;
    if (meta.getResourceVersion().size() > 0) {
      const std::string rv = text_of(meta.getResourceVersion());
      try {
        size_t used = 0;
        expected = std::stoull(rv, &used);
        if (used != rv.size()) throw std::invalid_argument(rv);
      } catch (...) {
        throw bad_request("invalid resourceVersion: " + rv);
      }
      if (expected != current->revision)
        throw conflict(kind.group_resource(), name,
                       "the object has been modified; please apply your changes to the latest version and try again");
    }
    Recompute recompute;
    if (expected == 0) {
      // An unconditional update is retried against the live object with the same body.
      recompute = [&kind, body = decoded.draft.bytes(), warnings = decoded.warnings](const store::ObjectPtr&) {
        return std::optional<DecodedObject>(DecodedObject{ObjectDraft::copy_of(kind, body), warnings});
      };
    }
    write_update(kind, name, current, std::move(decoded), subresource, opts, std::move(done), 0, std::move(recompute));
  } catch (const ApiError& e) {
    WriteOutcome o;
    o.error = e;
    done(std::move(o));
  }
}

void ObjectService::patch(const schema::Kind& kind, const std::string& ns, const std::string& name, PatchType type,
                          const json& patch_doc, const std::string& subresource, const WriteOptions& opts,
                          WriteDone done) {
  try {
    auto patch_schema = std::make_shared<patch::KindPatchSchema>(kinds_.model(), kind.schema);
    const WriteOptions o = opts;
    auto apply = [&kind, type, patch_doc, patch_schema, o](const json& live) -> std::optional<json> {
      try {
        switch (type) {
          case PatchType::kMerge: return patch::apply_merge_patch(live, patch_doc);
          case PatchType::kJson: return patch::apply_json_patch(live, patch_doc);
          case PatchType::kStrategic: return patch::apply_strategic_merge_patch(live, patch_doc, *patch_schema);
          case PatchType::kApply:
            return patch::server_side_apply(live, patch_doc, *patch_schema,
                                            {o.field_manager, o.force, kind.api_version(), now_rfc3339(), ""});
        }
      } catch (const patch::PatchError& e) {
        throw from_patch_error(e);
      }
      return std::nullopt;
    };
    const std::string k = key(kind, ns, name);
    auto current = store_.get_latest(k);
    if (!current) {
      if (type != PatchType::kApply) throw not_found(kind.group_resource(), name);
      if (opts.field_manager.empty()) throw bad_request("PATCH with application/apply-patch+yaml requires fieldManager");
      // Server-side apply creates what does not exist yet.
      json body = apply(nullptr).value_or(json::object());
      if (!body.is_object()) throw bad_request("the applied configuration must be an object");
      auto& meta = body["metadata"];
      if (!meta.is_object()) meta = json::object();
      if (!meta.contains("name") || meta["name"].is_null() || meta["name"] == "") meta["name"] = name;
      WriteOptions create_opts = opts;
      create_opts.field_manager.clear();  // managedFields already carry the Apply entry
      create_opts.keep_managed_fields = true;
      return create(kind, ns, decode(kind, body, opts.validation), create_opts, std::move(done));
    }
    // The patched JSON, with the identity a patch cannot change, decoded into the kind.
    auto patched = [this, &kind, apply, name, ns, policy = opts.validation](const json& live) -> std::optional<DecodedObject> {
      auto u = apply(live);
      if (!u || !u->is_object()) throw bad_request("the patch did not produce an object");
      auto& m = (*u)["metadata"];
      if (!m.is_object()) m = json::object();
      m["name"] = name;
      if (kind.namespaced) m["namespace"] = ns;
      m.erase("resourceVersion");
      return decode(kind, *u, policy);
    };
    auto first = patched(json::parse(current->json));
    write_update(kind, name, current, std::move(*first), subresource, opts, std::move(done), 0,
                 [patched](const store::ObjectPtr& live) { return patched(json::parse(live->json)); });
  } catch (const ApiError& e) {
    WriteOutcome o;
    o.error = e;
    done(std::move(o));
  }
}

void ObjectService::update_with(const schema::Kind& kind, const std::string& ns, const std::string& name,
                                Compute compute, uint64_t expected_revision, const WriteOptions& opts, WriteDone done,
                                const std::string& subresource) {
  try {
    auto current = store_.get_latest(key(kind, ns, name));
    if (!current) throw not_found(kind.group_resource(), name);
    if (expected_revision != 0 && expected_revision != current->revision)
      throw conflict(kind.group_resource(), name,
                     "the object has been modified; please apply your changes to the latest version and try again");
    auto computed = [this, &kind, compute, policy = opts.validation](const store::ObjectPtr& live) -> std::optional<DecodedObject> {
      auto updated = compute(json::parse(live->json));
      if (!updated) throw bad_request("the update did not produce an object");
      return decode(kind, *updated, policy);
    };
    auto first = computed(current);
    write_update(kind, name, current, std::move(*first), subresource, opts, std::move(done), 0,
                 expected_revision == 0 ? Recompute(computed) : Recompute());
  } catch (const ApiError& e) {
    WriteOutcome o;
    o.error = e;
    done(std::move(o));
  }
}

void ObjectService::update_in_place(const schema::Kind& kind, const std::string& ns, const std::string& name,
                                    Change change, uint64_t expected_revision, const WriteOptions& opts, WriteDone done,
                                    const std::string& subresource) {
  try {
    auto current = store_.get_latest(key(kind, ns, name));
    if (!current) throw not_found(kind.group_resource(), name);
    if (expected_revision != 0 && expected_revision != current->revision)
      throw conflict(kind.group_resource(), name,
                     "the object has been modified; please apply your changes to the latest version and try again");
    auto changed = [&kind, change](const store::ObjectPtr& live) -> std::optional<DecodedObject> {
      DecodedObject d{ObjectDraft::copy_of(kind, live->bytes), {}};
      change(d.draft);
      return d;
    };
    auto first = changed(current);
    write_update(kind, name, current, std::move(*first), subresource, opts, std::move(done), 0,
                 expected_revision == 0 ? Recompute(changed) : Recompute());
  } catch (const ApiError& e) {
    WriteOutcome o;
    o.error = e;
    done(std::move(o));
  }
}

void ObjectService::write_update(const schema::Kind& kind, const std::string& name, const store::ObjectPtr& current,
                                 DecodedObject next, const std::string& subresource, const WriteOptions& opts,
                                 WriteDone done, int attempt, Recompute recompute) {
  WriteOutcome outcome;
  outcome.warnings = std::move(next.warnings);
  try {
    // The status subresource, the kernel-served scale, or an assigning subresource (binding).
    const schema::SubresourceInfo* sub = subresource.empty() ? nullptr : kind.subresource(subresource);
    const bool assigning = sub && !sub->assigns.empty();
    if (!subresource.empty() && subresource != kind.status_field && !(subresource == "scale" && kind.scale) && !assigning)
      throw ApiError(404, "NotFound", "the server could not find the requested resource (subresource " + subresource + ")");
    const auto rules = rules_for(kind);
    StoredView old(*current, kind.schema);
    ObjectDraft& object = next.draft;
    machinery::prepare_update(rules, old.root(), object.root(), subresource);
    admit(kind, Operation::kUpdate, subresource, object, current.get(), opts.dry_run, outcome.warnings, nullptr,
          &opts.requester);
    machinery::update_generation(rules, old.root(), object.root());
    if (machinery::same_object(old.root(), object.reader())) {
      // Kubernetes does not write (or bump resourceVersion for) a no-op update.
      outcome.object = current;
      return done(std::move(outcome));
    }
    // An assignment (a binding) writes one field and no managedFields entry, as Kubernetes'
    // binding storage does.
    if (!assigning) record_managed_fields(kind, current.get(), object, opts, subresource);
    const bool finalized = machinery::finalized(object.meta());
    const std::string k = current->key;
    if (opts.dry_run) {
      outcome.object = build_object(kind, k, current->revision, object);
      return done(std::move(outcome));
    }
    std::optional<store::WriteResult> refused;
    submit(finalized ? store::WriteOp::kDelete : store::WriteOp::kUpdate, kind, k, std::move(object),
           current->revision, 200, outcome.warnings, done, [&](const store::WriteResult& r) { refused = r; });
    if (!refused) return;
    if (refused->code == store::WriteCode::kNotFound) throw not_found(kind.group_resource(), name);
    // Unconditional writes are retried against the live object, as Kubernetes' GuaranteedUpdate
    // does. 8 attempts was too few: with a handful of concurrent writers on a busy host a
    // descheduled writer lost every round (ObjectServiceTest.ConcurrentPatchesAreNotLost).
    if (refused->code == store::WriteCode::kConflict && recompute && attempt < 100 && refused->previous) {
      auto live = refused->previous;
      auto again = recompute(live);
      if (!again) throw conflict(kind.group_resource(), name, "the object has been modified");
      return write_update(kind, name, live, std::move(*again), subresource, opts, std::move(done), attempt + 1,
                          std::move(recompute));
    }
    if (refused->code == store::WriteCode::kConflict)
      throw conflict(kind.group_resource(), name,
                     "the object has been modified; please apply your changes to the latest version and try again");
    throw ApiError(500, "InternalError", refused->message);
  } catch (const ApiError& e) {
    outcome.error = e;
    done(std::move(outcome));
  } catch (const patch::PatchError& e) {
    outcome.error = from_patch_error(e);
    done(std::move(outcome));
  }
}

void ObjectService::remove(const schema::Kind& kind, const std::string& ns, const std::string& name,
                           const DeleteOptions& del, const WriteOptions& opts, WriteDone done, int attempt) {
  WriteOutcome outcome;
  try {
    const std::string k = key(kind, ns, name);
    auto current = store_.get_latest(k);
    if (!current) throw not_found(kind.group_resource(), name);
    if (!del.precondition_uid.empty() && del.precondition_uid != current->uid)
      throw conflict(kind.group_resource(), name,
                     "Precondition failed: UID in precondition: " + del.precondition_uid + ", UID in object meta: " + current->uid);
    if (!del.precondition_resource_version.empty() && del.precondition_resource_version != std::to_string(current->revision))
      throw conflict(kind.group_resource(), name,
                     "Precondition failed: ResourceVersion in precondition: " + del.precondition_resource_version +
                         ", ResourceVersion in object meta: " + std::to_string(current->revision));
    ObjectDraft object = ObjectDraft::copy_of(kind, current->bytes);
    DeleteAdmission graceful;
    graceful.grace_period_seconds = del.grace_period_seconds;
    admit(kind, Operation::kDelete, del.subresource, object, current.get(), opts.dry_run, outcome.warnings, &graceful,
          &opts.requester);
    auto meta = object.meta();
    if (graceful.retain) {
      // Graceful deletion: the owner keeps the object until its grace period is over or a later
      // delete (with grace 0) removes it; a second delete may only shorten the grace period.
      const int64_t grace = graceful.retain_grace_seconds;
      auto current_grace = meta.getDeletionGracePeriodSeconds();
      const int64_t had = current_grace.isValue() ? current_grace.getValue() : 0;
      if (!meta.hasDeletionTimestamp() || grace < had) {
        meta.setDeletionTimestamp(now_rfc3339(grace));
        meta.getDeletionGracePeriodSeconds().setValue(grace);
      }
    }
    // Orphan and Foreground keep the object with a finalizer that the garbage collector plugin
    // removes once it has released or deleted the dependents (as kube-apiserver does).
    if ((del.propagation_policy == "Orphan" || del.propagation_policy == "Foreground") && !meta.hasDeletionTimestamp())
      machinery::add_finalizer(meta, del.propagation_policy == "Orphan" ? "orphan" : "foregroundDeletion");
    auto retry = [&](const store::WriteResult& r) {
      if (r.code == store::WriteCode::kConflict && attempt < 8) return remove(kind, ns, name, del, opts, done, attempt + 1);
      if (r.code == store::WriteCode::kConflict)
        throw conflict(kind.group_resource(), name, "the object has been modified; please try again");
      if (r.code == store::WriteCode::kNotFound) throw not_found(kind.group_resource(), name);
      throw ApiError(500, "InternalError", r.message);
    };
    if (machinery::has_finalizers(meta.asReader()) || graceful.retain) {
      // Deletion waits for the finalizers (or the grace period): mark the object and keep it.
      machinery::mark_for_deletion(meta, now_rfc3339(), del.grace_period_seconds.value_or(0));
      StoredView old(*current, kind.schema);
      if (machinery::same_object(old.root(), object.reader())) {
        outcome.object = current;
        return done(std::move(outcome));
      }
      if (opts.dry_run) {
        outcome.object = build_object(kind, k, current->revision, object);
        return done(std::move(outcome));
      }
      std::optional<store::WriteResult> refused;
      submit(store::WriteOp::kUpdate, kind, k, std::move(object), current->revision, 200, outcome.warnings, done,
             [&](const store::WriteResult& r) { refused = r; });
      if (refused) retry(*refused);
      return;
    }
    if (opts.dry_run) {
      outcome.object = current;
      return done(std::move(outcome));
    }
    // The deletion's event carries the last state, at the deletion's revision.
    std::optional<store::WriteResult> refused;
    submit(store::WriteOp::kDelete, kind, k, ObjectDraft::copy_of(kind, current->bytes), current->revision, 200,
           outcome.warnings, done, [&](const store::WriteResult& r) { refused = r; });
    if (refused) retry(*refused);
  } catch (const ApiError& e) {
    outcome.error = e;
    done(std::move(outcome));
  }
}

// ---- reads -----------------------------------------------------------------------------------

store::ObjectPtr ObjectService::get(const schema::Kind& kind, const std::string& ns, const std::string& name) const {
  auto obj = store_.get(key(kind, ns, name));
  if (!obj) throw not_found(kind.group_resource(), name);
  return obj;
}

std::vector<store::ObjectPtr> ObjectService::list(const schema::Kind& kind, const Selection& selection,
                                                  uint64_t* revision) const {
  auto all = store_.list(prefix(kind, selection.ns), revision);
  if (selection.selects_everything()) return all;
  std::vector<store::ObjectPtr> out;
  for (auto& obj : all)
    if (selection.matches(*obj)) out.push_back(obj);
  return out;
}

WatchStart ObjectService::watch(const schema::Kind& kind, const Selection& selection, uint64_t after_revision,
                                bool send_initial, std::function<void()> on_ready) const {
  WatchStart out;
  uint64_t after = after_revision;
  if (after == 0) {
    if (send_initial) out.initial = list(kind, selection, &after);
    else after = store_.revision();
  }
  auto result = store_.bus().subscribe(prefix(kind, selection.ns), after, std::move(on_ready), out.subscription);
  if (result == store::EventBus::SubscribeResult::kExpired) {
    out.expired = true;
    out.oldest_resumable = store_.bus().oldest_resumable();
  }
  return out;
}

void ObjectService::unwatch(const std::shared_ptr<store::Subscription>& subscription) const {
  if (subscription) store_.bus().unsubscribe(subscription);
}

}  // namespace capstan::api
