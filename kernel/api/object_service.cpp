#include "api/object_service.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "capstan/machinery/patch/kind_patch_schema.hpp"
#include "api/names.hpp"
#include "capstan/machinery/patch/json_patch.hpp"
#include "capstan/machinery/patch/merge_patch.hpp"
#include "capstan/machinery/patch/patch_error.hpp"
#include "capstan/machinery/patch/server_side_apply.hpp"
#include "capstan/machinery/patch/strategic_merge_patch.hpp"
#include "capstan/machinery/selectors/field_selector.hpp"
#include "capstan/machinery/selectors/label_selector.hpp"

namespace capstan::api {

using nlohmann::json;

std::string now_rfc3339(int64_t offset_seconds) {
  std::time_t t = std::time(nullptr) + offset_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string new_uid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  char buf[40];
  snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
           static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
           static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

namespace {

std::string random_suffix() {
  static constexpr char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937 rng{std::random_device{}()};
  std::string s(5, 'x');
  for (auto& c : s) c = kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

const json* path_value(const json& obj, const std::string& dotted) {
  const json* cur = &obj;
  size_t start = 0;
  while (start <= dotted.size()) {
    size_t dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// Fields whose change bumps metadata.generation: everything but metadata and status.
bool spec_changed(const json& a, const json& b, const std::string& status_field) {
  auto skip = [&](const std::string& k) {
    return k == "metadata" || k == "apiVersion" || k == "kind" || (!status_field.empty() && k == status_field);
  };
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (skip(it.key())) continue;
    auto o = b.find(it.key());
    if (o == b.end() || *o != it.value()) return true;
  }
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (skip(it.key())) continue;
    if (a.find(it.key()) == a.end()) return true;
  }
  return false;
}

// Equality ignoring the fields every write touches anyway (without copying either object: this
// runs on every update).
bool same_object(const json& a, const json& b) {
  if (!a.is_object() || !b.is_object() || a.size() != b.size()) return a == b;
  for (auto it = a.begin(); it != a.end(); ++it) {
    auto other = b.find(it.key());
    if (other == b.end()) return false;
    if (it.key() != "metadata" || !it->is_object() || !other->is_object()) {
      if (*it != *other) return false;
      continue;
    }
    auto ignored = [](const std::string& k) { return k == "resourceVersion" || k == "managedFields"; };
    size_t compared = 0, others = 0;
    for (auto m = it->begin(); m != it->end(); ++m) {
      if (ignored(m.key())) continue;
      ++compared;
      auto o = other->find(m.key());
      if (o == other->end() || *m != *o) return false;
    }
    for (auto m = other->begin(); m != other->end(); ++m) others += !ignored(m.key());
    if (compared != others) return false;
  }
  return true;
}

ApiError from_patch_error(const patch::PatchError& e) {
  ApiError err(e.code, e.reason, e.what());
  for (const auto& [field, message] : e.causes) err.causes.push_back({field, e.code == 409 ? "FieldManagerConflict" : "FieldValueInvalid", message});
  return err;
}

// metadata.<field> as a string: "" when absent or null; a 400 (as the decoder would answer) when
// it has another type. json::value() threw nlohmann's type_error here, which escaped the
// service without calling `done`.
std::string meta_string(const schema::Kind& kind, const json& meta, const char* field) {
  auto it = meta.find(field);
  if (it == meta.end() || it->is_null()) return "";
  if (!it->is_string())
    throw bad_request(kind.kind + " in version \"" + kind.version + "\" cannot be handled as a " + kind.kind +
                      ": json: cannot unmarshal " + std::string(it->type_name()) + " into field metadata." + field +
                      " of type string");
  return it->get<std::string>();
}

void check_type_meta(const schema::Kind& kind, json& body) {
  if (!body.is_object()) throw bad_request("the request body must be a JSON or YAML object");
  if (auto v = body.find("apiVersion"); v != body.end() && !v->is_null()) {
    if (!v->is_string() || v->get<std::string>() != kind.api_version())
      throw bad_request("the API version in the data (" + scalar_text(*v) + ") does not match the expected API version (" +
                        kind.api_version() + ")");
  }
  if (auto k = body.find("kind"); k != body.end() && !k->is_null()) {
    if (!k->is_string() || k->get<std::string>() != kind.kind)
      throw bad_request("the kind in the data (" + scalar_text(*k) + ") does not match the expected kind (" + kind.kind + ")");
  }
  body["apiVersion"] = kind.api_version();
  body["kind"] = kind.kind;
  auto& meta = body["metadata"];
  if (meta.is_null()) meta = json::object();
  if (!meta.is_object()) throw bad_request("metadata must be an object");
}

void set_namespace(const schema::Kind& kind, json& meta, const std::string& ns) {
  if (kind.namespaced) {
    if (auto n = meta.find("namespace"); n != meta.end() && n->is_string() && !n->get<std::string>().empty() &&
                                         n->get<std::string>() != ns)
      throw bad_request("the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
}

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

json ObjectService::canonicalize(const schema::Kind& kind, const json& body, schema::UnknownFieldPolicy policy,
                                 std::vector<std::string>& warnings) const {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(kind.schema);
  schema::DecodeReport report;
  kinds_.codec().decode(body, root, report);
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
    for (const auto& f : report.unknown_fields) warnings.push_back("unknown field \"" + f + "\"");
  }
  if (!report.missing_required.empty()) {
    std::vector<Cause> causes;
    for (const auto& m : report.missing_required) causes.push_back({m.field, "FieldValueRequired", "Required value"});
    std::string name;
    if (auto n = path_value(body, "metadata.name"); n && n->is_string()) name = n->get<std::string>();
    throw invalid(kind.kind, kind.group, name, std::move(causes));
  }
  return kinds_.codec().encode(root.asReader());
}

store::ObjectPtr ObjectService::build_object(const schema::Kind& kind, const std::string& key, uint64_t revision,
                                             json object) const {
  auto out = std::make_shared<store::Object>();
  out->key = key;
  out->revision = revision;
  auto& meta = object["metadata"];
  if (revision != 0) meta["resourceVersion"] = std::to_string(revision);
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(kind.schema);
  schema::DecodeReport report;
  kinds_.codec().decode(object, root, report);
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  out->bytes.assign(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  out->json = object.dump();
  if (auto v = meta.find("namespace"); v != meta.end() && v->is_string()) out->namespace_ = v->get<std::string>();
  if (auto v = meta.find("name"); v != meta.end() && v->is_string()) out->name = v->get<std::string>();
  if (auto v = meta.find("uid"); v != meta.end() && v->is_string()) out->uid = v->get<std::string>();
  if (auto v = meta.find("labels"); v != meta.end() && v->is_object())
    for (auto it = v->begin(); it != v->end(); ++it) out->labels.emplace_back(it.key(), scalar_text(it.value()));
  for (const auto& field : kind.selectable_fields) {
    const json* v = path_value(object, field);
    out->fields.emplace_back(field, v ? scalar_text(*v) : "");
  }
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
  auto words = kj::heapArray<capnp::word>((bytes.size() + 7) / 8);
  memset(words.begin(), 0, words.size() * 8);
  memcpy(words.begin(), bytes.data(), bytes.size());
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 30;
  capnp::FlatArrayMessageReader reader(words, options);
  json object = kinds_.codec().encode(reader.getRoot<capnp::DynamicStruct>(kind->schema));
  auto out = build_object(*kind, key, revision, std::move(object));
  return out;
}

void ObjectService::check_namespace_open(const schema::Kind& kind, const std::string& ns) const {
  if (!kind.namespaced) return;
  const schema::Kind* scope = kinds_.namespace_kind();
  if (scope == nullptr) return;  // no plugin manages namespaces: any name is accepted
  auto obj = store_.get_latest(key(*scope, "", ns));
  if (!obj) throw not_found(scope->group_resource(), ns);
  if (obj->json.find("\"deletionTimestamp\"") != std::string::npos) {
    auto meta = json::parse(obj->json)["metadata"];
    if (meta.contains("deletionTimestamp"))
      throw ApiError(403, "Forbidden",
                     kind.group_resource() + " is forbidden: unable to create new content in namespace " + ns +
                         " because it is being terminated")
          .with_details("", kind.group, kind.plural);
  }
}

void ObjectService::create(const schema::Kind& kind, const std::string& ns, json body, const WriteOptions& opts,
                           WriteDone done) {
  WriteOutcome outcome;
  try {
    check_type_meta(kind, body);
    auto& meta = body["metadata"];
    // A namespaced object needs a namespace (as Kubernetes' ValidateObjectMeta requires). Without
    // this check POST /api/v1/configmaps stored "/core/configmaps/<name>" with no namespace.
    if (kind.namespaced && ns.empty())
      throw invalid(kind.kind, kind.group, meta_string(kind, meta, "name"),
                    {{"metadata.namespace", "FieldValueRequired", "Required value"}});
    set_namespace(kind, meta, ns);
    std::string name = meta_string(kind, meta, "name");
    if (name.empty()) {
      std::string generate = meta_string(kind, meta, "generateName");
      if (generate.empty())
        throw invalid(kind.kind, kind.group, "", {{"metadata.name", "FieldValueRequired", "Required value: name or generateName is required"}});
      name = generate + random_suffix();
      meta["name"] = name;
    }
    if (auto problem = validate_object_name(name); !problem.empty())
      throw invalid(kind.kind, kind.group, name, {{"metadata.name", "FieldValueInvalid", "Invalid value: \"" + name + "\": " + problem}});
    check_namespace_open(kind, ns);
    meta["uid"] = new_uid();
    meta["creationTimestamp"] = now_rfc3339();
    meta["generation"] = 1;
    for (const char* f : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}) meta.erase(f);
    if (!opts.keep_managed_fields) meta.erase("managedFields");
    if (!kind.status_field.empty() && kind.has_subresource("status")) body.erase(kind.status_field);

    json object = canonicalize(kind, body, opts.validation, outcome.warnings);
    if (admission_) admission_->admit(kind, Operation::kCreate, "", object, nullptr, opts.dry_run, outcome.warnings);
    if (!opts.field_manager.empty()) {
      patch::KindPatchSchema ps(kinds_.model(), kind.schema);
      object = patch::record_update_manager(nullptr, object, ps, {opts.field_manager, false, kind.api_version(), now_rfc3339(), ""});
    }
    const std::string k = key(kind, ns, name);
    if (opts.dry_run) {
      if (store_.get_latest(k)) throw already_exists(kind.group_resource(), name);
      outcome.code = 201;
      outcome.object = build_object(kind, k, 0, std::move(object));
      return done(std::move(outcome));
    }
    store::WriteOp op;
    op.kind = store::WriteOp::kCreate;
    op.key = k;
    op.build = [this, &kind, k, object = std::move(object)](uint64_t rev, const store::ObjectPtr&) {
      return build_object(kind, k, rev, object);
    };
    auto warnings = outcome.warnings;
    auto immediate = store_.submit(std::move(op), [done, warnings, &kind, name](store::WriteResult r) {
      WriteOutcome o;
      o.warnings = warnings;
      if (r.code == store::WriteCode::kOk) {
        o.code = 201;
        o.object = r.object;
      } else {
        o.error = ApiError(500, "InternalError", r.message);
      }
      done(std::move(o));
    });
    if (immediate) {
      if (immediate->code == store::WriteCode::kAlreadyExists) throw already_exists(kind.group_resource(), name);
      throw ApiError(500, "InternalError", immediate->message);
    }
  } catch (const ApiError& e) {
    outcome.error = e;
    done(std::move(outcome));
  } catch (const patch::PatchError& e) {
    outcome.error = from_patch_error(e);
    done(std::move(outcome));
  }
}

void ObjectService::update(const schema::Kind& kind, const std::string& ns, const std::string& name, json body,
                           const std::string& subresource, const WriteOptions& opts, WriteDone done) {
  try {
    check_type_meta(kind, body);
    auto& meta = body["metadata"];
    set_namespace(kind, meta, ns);
    std::string body_name = meta_string(kind, meta, "name");
    if (body_name.empty()) meta["name"] = name;
    else if (body_name != name)
      throw bad_request("the name of the object (" + body_name + ") does not match the name on the URL (" + name + ")");
    const std::string k = key(kind, ns, name);
    auto current = store_.get_latest(k);
    if (!current) throw not_found(kind.group_resource(), name);
    uint64_t expected = 0;
    if (auto rv = meta.find("resourceVersion"); rv != meta.end() && rv->is_string() && !rv->get<std::string>().empty()) {
      try {
        expected = std::stoull(rv->get<std::string>());
      } catch (...) {
        throw bad_request("invalid resourceVersion: " + rv->get<std::string>());
      }
      if (expected != current->revision)
        throw conflict(kind.group_resource(), name,
                       "the object has been modified; please apply your changes to the latest version and try again");
    }
    std::function<std::optional<json>(const json&)> recompute;
    if (expected == 0) recompute = [body](const json&) { return std::optional<json>(body); };
    write_update(kind, ns, name, current, std::move(body), subresource, opts, {}, std::move(done), 0, recompute);
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
    WriteOptions o = opts;
    auto apply = [this, &kind, type, patch_doc, patch_schema, o](const json& live) -> std::optional<json> {
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
      if (meta_string(kind, meta, "name").empty()) meta["name"] = name;
      WriteOptions create_opts = opts;
      create_opts.field_manager.clear();  // managedFields already carry the Apply entry
      create_opts.keep_managed_fields = true;
      return create(kind, ns, std::move(body), create_opts, std::move(done));
    }
    json live = json::parse(current->json);
    auto updated = apply(live);
    if (!updated || !updated->is_object()) throw bad_request("the patch did not produce an object");
    // A patch never renames or moves an object.
    auto& meta = (*updated)["metadata"];
    if (!meta.is_object()) meta = json::object();
    meta["name"] = name;
    if (kind.namespaced) meta["namespace"] = ns;
    meta.erase("resourceVersion");
    write_update(kind, ns, name, current, std::move(*updated), subresource, opts, {}, std::move(done), 0,
                 [apply, name, ns, ns_needed = kind.namespaced](const json& live) -> std::optional<json> {
                   auto u = apply(live);
                   if (u && u->is_object()) {
                     auto& m = (*u)["metadata"];
                     if (!m.is_object()) m = json::object();
                     m["name"] = name;
                     if (ns_needed) m["namespace"] = ns;
                     m.erase("resourceVersion");
                   }
                   return u;
                 },
                 std::move(live));
    (void)type;
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
    json live = json::parse(current->json);
    auto updated = compute(live);
    if (!updated) throw bad_request("the update did not produce an object");
    write_update(kind, ns, name, current, std::move(*updated), subresource, opts, {}, std::move(done), 0,
                 expected_revision == 0 ? compute : Compute(), std::move(live));
  } catch (const ApiError& e) {
    WriteOutcome o;
    o.error = e;
    done(std::move(o));
  }
}

void ObjectService::write_update(const schema::Kind& kind, const std::string& ns, const std::string& name,
                                 const store::ObjectPtr& current, json updated, const std::string& subresource,
                                 const WriteOptions& opts, std::vector<std::string> warnings, WriteDone done,
                                 int attempt, std::function<std::optional<json>(const json& live)> recompute,
                                 std::optional<json> parsed_current) {
  WriteOutcome outcome;
  outcome.warnings = warnings;
  try {
    json old = parsed_current ? std::move(*parsed_current) : json::parse(current->json);
    json next;
    const bool has_status_subresource = !kind.status_field.empty() && kind.has_subresource("status");
    if (subresource == kind.status_field && !subresource.empty()) {
      next = old;
      if (auto s = updated.find(kind.status_field); s != updated.end()) next[kind.status_field] = *s;
      else next.erase(kind.status_field);
    } else if (!subresource.empty() && subresource != "scale" && subresource != "binding") {
      throw ApiError(404, "NotFound", "the server could not find the requested resource (subresource " + subresource + ")");
    } else {
      // The main resource, or a kernel-served view of it (scale, binding) that changes part of it.
      next = std::move(updated);
      check_type_meta(kind, next);
      if (has_status_subresource) {
        if (auto s = old.find(kind.status_field); s != old.end()) next[kind.status_field] = *s;
        else next.erase(kind.status_field);
      }
    }
    auto& meta = next["metadata"];
    const auto& old_meta = old["metadata"];
    for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "name", "namespace"}) {
      if (auto v = old_meta.find(f); v != old_meta.end()) meta[f] = *v;
      else meta.erase(f);
    }
    if (meta.find("managedFields") == meta.end() || meta["managedFields"].is_null()) {
      if (auto v = old_meta.find("managedFields"); v != old_meta.end()) meta["managedFields"] = *v;
    }
    meta.erase("resourceVersion");
    meta["generation"] = old_meta.value("generation", int64_t{1});

    // A binding sets one string field of the stored (already canonical) object: no re-encoding, and
    // no managedFields entry, as Kubernetes' binding storage writes the pod directly. It is the
    // scheduler's one write per pod.
    const bool binding = subresource == "binding";
    if (!binding) next = canonicalize(kind, next, opts.validation, outcome.warnings);
    if (admission_) admission_->admit(kind, Operation::kUpdate, subresource, next, &old, opts.dry_run, outcome.warnings);
    if (spec_changed(old, next, kind.status_field)) next["metadata"]["generation"] = old_meta.value("generation", int64_t{1}) + 1;
    if (!opts.field_manager.empty() && !binding) {
      patch::KindPatchSchema ps(kinds_.model(), kind.schema);
      next = patch::record_update_manager(old, next, ps,
                                          {opts.field_manager, false, kind.api_version(), now_rfc3339(), subresource});
    }
    const std::string k = key(kind, ns, name);
    if (same_object(old, next)) {
      // Kubernetes does not write (or bump resourceVersion for) a no-op update.
      outcome.object = current;
      return done(std::move(outcome));
    }
    const auto& next_meta = next["metadata"];
    const bool finalized = next_meta.contains("deletionTimestamp") &&
                           (!next_meta.contains("finalizers") || next_meta["finalizers"].empty());
    if (opts.dry_run) {
      outcome.object = build_object(kind, k, current->revision, std::move(next));
      return done(std::move(outcome));
    }
    store::WriteOp op;
    op.kind = finalized ? store::WriteOp::kDelete : store::WriteOp::kUpdate;
    op.key = k;
    op.expected_revision = current->revision;
    op.build = [this, &kind, k, next = std::move(next)](uint64_t rev, const store::ObjectPtr&) {
      return build_object(kind, k, rev, next);
    };
    auto immediate = store_.submit(std::move(op), [done, warnings = outcome.warnings](store::WriteResult r) {
      WriteOutcome o;
      o.warnings = warnings;
      if (r.code == store::WriteCode::kOk) o.object = r.object;
      else o.error = ApiError(500, "InternalError", r.message);
      done(std::move(o));
    });
    if (!immediate) return;
    if (immediate->code == store::WriteCode::kNotFound) throw not_found(kind.group_resource(), name);
    // Unconditional writes (no resourceVersion) are retried against the live object, as
    // Kubernetes' GuaranteedUpdate does. 8 attempts was too few: with a handful of concurrent
    // writers on a busy host a descheduled writer lost every round and its merge patch failed
    // with 409 (ObjectServiceTest.ConcurrentPatchesAreNotLost). Each retry is one stack frame.
    if (immediate->code == store::WriteCode::kConflict && recompute && attempt < 100 && immediate->previous) {
      auto live = immediate->previous;
      json parsed = json::parse(live->json);
      auto again = recompute(parsed);
      if (!again) throw conflict(kind.group_resource(), name, "the object has been modified");
      return write_update(kind, ns, name, live, std::move(*again), subresource, opts, warnings, std::move(done),
                          attempt + 1, recompute, std::move(parsed));
    }
    if (immediate->code == store::WriteCode::kConflict)
      throw conflict(kind.group_resource(), name,
                     "the object has been modified; please apply your changes to the latest version and try again");
    throw ApiError(500, "InternalError", immediate->message);
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
    json old = json::parse(current->json);
    json object = old;
    DeleteAdmission graceful;
    graceful.grace_period_seconds = del.grace_period_seconds;
    if (admission_) admission_->admit(kind, Operation::kDelete, "", object, &old, opts.dry_run, outcome.warnings, &graceful);
    auto& meta = object["metadata"];
    if (graceful.retain) {
      // Graceful deletion: the owner keeps the object until its grace period is over or a later
      // delete (with grace 0) removes it; a second delete may only shorten the grace period.
      int64_t grace = graceful.retain_grace_seconds;
      if (!meta.contains("deletionTimestamp") || grace < meta.value("deletionGracePeriodSeconds", int64_t{0})) {
        meta["deletionTimestamp"] = now_rfc3339(grace);
        meta["deletionGracePeriodSeconds"] = grace;
      }
    }
    // Orphan and Foreground keep the object with a finalizer that the garbage collector plugin
    // removes once it has released or deleted the dependents (as kube-apiserver does).
    if ((del.propagation_policy == "Orphan" || del.propagation_policy == "Foreground") && !meta.contains("deletionTimestamp")) {
      const std::string finalizer = del.propagation_policy == "Orphan" ? "orphan" : "foregroundDeletion";
      auto& list = meta["finalizers"];
      if (!list.is_array()) list = json::array();
      if (std::find(list.begin(), list.end(), finalizer) == list.end()) list.push_back(finalizer);
    }
    const bool has_finalizers = meta.contains("finalizers") && meta["finalizers"].is_array() && !meta["finalizers"].empty();
    if (has_finalizers || graceful.retain) {
      // Deletion waits for the finalizers (or the grace period): mark the object and keep it.
      if (!meta.contains("deletionTimestamp")) {
        meta["deletionTimestamp"] = now_rfc3339();
        meta["deletionGracePeriodSeconds"] = del.grace_period_seconds.value_or(0);
      }
      if (same_object(old, object)) {
        outcome.object = current;
        return done(std::move(outcome));
      }
      if (opts.dry_run) {
        outcome.object = build_object(kind, k, current->revision, std::move(object));
        return done(std::move(outcome));
      }
      store::WriteOp op;
      op.kind = store::WriteOp::kUpdate;
      op.key = k;
      op.expected_revision = current->revision;
      op.build = [this, &kind, k, object](uint64_t rev, const store::ObjectPtr&) { return build_object(kind, k, rev, object); };
      auto immediate = store_.submit(std::move(op), [done, warnings = outcome.warnings](store::WriteResult r) {
        WriteOutcome o;
        o.warnings = warnings;
        if (r.code == store::WriteCode::kOk) o.object = r.object;
        else o.error = ApiError(500, "InternalError", r.message);
        done(std::move(o));
      });
      if (immediate) {
        if (immediate->code == store::WriteCode::kConflict && attempt < 8)
          return remove(kind, ns, name, del, opts, std::move(done), attempt + 1);
        if (immediate->code == store::WriteCode::kConflict)
          throw conflict(kind.group_resource(), name, "the object has been modified; please try again");
        if (immediate->code == store::WriteCode::kNotFound) throw not_found(kind.group_resource(), name);
        throw ApiError(500, "InternalError", immediate->message);
      }
      return;
    }
    if (opts.dry_run) {
      outcome.object = current;
      return done(std::move(outcome));
    }
    store::WriteOp op;
    op.kind = store::WriteOp::kDelete;
    op.key = k;
    op.expected_revision = current->revision;
    op.build = [this, &kind, k, old](uint64_t rev, const store::ObjectPtr&) { return build_object(kind, k, rev, old); };
    auto immediate = store_.submit(std::move(op), [done, warnings = outcome.warnings](store::WriteResult r) {
      WriteOutcome o;
      o.warnings = warnings;
      if (r.code == store::WriteCode::kOk) o.object = r.object;
      else o.error = ApiError(500, "InternalError", r.message);
      done(std::move(o));
    });
    if (immediate) {
      if (immediate->code == store::WriteCode::kConflict && attempt < 8)
          return remove(kind, ns, name, del, opts, std::move(done), attempt + 1);
        if (immediate->code == store::WriteCode::kConflict)
          throw conflict(kind.group_resource(), name, "the object has been modified; please try again");
      if (immediate->code == store::WriteCode::kNotFound) throw not_found(kind.group_resource(), name);
      throw ApiError(500, "InternalError", immediate->message);
    }
  } catch (const ApiError& e) {
    outcome.error = e;
    done(std::move(outcome));
  }
}

void ObjectService::check_field_selector(const schema::Kind& kind, const selectors::FieldSelector& selector) const {
  for (const auto& r : selector.requirements()) {
    if (r.field == "metadata.name" || r.field == "metadata.namespace") continue;
    if (std::find(kind.selectable_fields.begin(), kind.selectable_fields.end(), r.field) != kind.selectable_fields.end())
      continue;
    throw bad_request("field label not supported: " + r.field);
  }
}

store::ObjectPtr ObjectService::get(const schema::Kind& kind, const std::string& ns, const std::string& name) const {
  auto obj = store_.get(key(kind, ns, name));
  if (!obj) throw not_found(kind.group_resource(), name);
  return obj;
}

std::vector<store::ObjectPtr> ObjectService::list(const schema::Kind& kind, const std::string& ns,
                                                  const std::string& label_selector, const std::string& field_selector,
                                                  uint64_t* revision) const {
  selectors::LabelSelector labels;
  selectors::FieldSelector fields;
  try {
    labels = selectors::LabelSelector::parse(label_selector);
    fields = selectors::FieldSelector::parse(field_selector);
  } catch (const selectors::SelectorError& e) {
    throw bad_request(e.what());
  }
  check_field_selector(kind, fields);
  auto all = store_.list(prefix(kind, ns), revision);
  if (labels.empty() && fields.empty()) return all;
  std::vector<store::ObjectPtr> out;
  try {
    for (auto& obj : all) {
      if (!labels.empty() && !labels.matches([&](std::string_view key) -> const std::string* {
            for (const auto& [k, v] : obj->labels)
              if (k == key) return &v;
            return nullptr;
          }))
        continue;
      if (!fields.empty() && !fields.matches([&](std::string_view field) -> std::optional<std::string> {
            if (field == "metadata.name") return obj->name;
            if (field == "metadata.namespace") return obj->namespace_;
            for (const auto& [k, v] : obj->fields)
              if (k == field) return v;
            return std::nullopt;
          }))
        continue;
      out.push_back(obj);
    }
  } catch (const selectors::SelectorError& e) {
    throw bad_request(e.what());
  }
  return out;
}

}  // namespace capstan::api
