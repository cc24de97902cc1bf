#include "capstan/testing/fake_host.hpp"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <random>
#include <stdexcept>

#include "capstan/apps_v1.capnp.h"
#include "capstan/coordination_v1.capnp.h"
#include "capstan/core_v1.capnp.h"
#include "capstan/host.capnp.h"
#include "capstan/plugin.capnp.h"
#include "capstan/machinery/patch/json_patch.hpp"
#include "capstan/machinery/patch/merge_patch.hpp"
#include "capstan/machinery/patch/strategic_merge_patch.hpp"
#include "capstan/machinery/selectors/field_selector.hpp"
#include "capstan/machinery/selectors/label_selector.hpp"
#include "capstan/machinery/codec/json_codec.hpp"
#include "capstan/machinery/codec/schema_model.hpp"
#include "capstan/machinery/object_rules.hpp"
#include "capstan/machinery/patch/kind_patch_schema.hpp"

namespace capstan::sdk::testing {

namespace {

using WT = capstan::host::WatchEvent::Type;

// One model for every fake: it only caches per-schema facts, and is thread-safe.
schema::SchemaModel& model() {
  static schema::SchemaModel m;
  return m;
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

kj::Array<capnp::word> aligned(const void* data, size_t size) {
  auto words = kj::heapArray<capnp::word>((size + 7) / 8);
  std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
  if (size) std::memcpy(words.begin(), data, size);
  return words;
}

capnp::Data::Reader as_data(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(s.data()), s.size());
}

std::string group_key(const Resource& r) { return r.group + "/" + r.resource; }

std::string gr(const FakeKind& k) { return k.resource.group.empty() ? k.resource.resource : k.resource.resource + "." + k.resource.group; }

Status error(int code, std::string reason, std::string message) {
  Status s;
  s.code = code;
  s.reason = std::move(reason);
  s.message = std::move(message);
  return s;
}

Status not_found(const FakeKind& k, const std::string& name) {
  return error(404, "NotFound", gr(k) + " \"" + name + "\" not found");
}

Status conflict(const FakeKind& k, const std::string& name, const std::string& why) {
  return error(409, "Conflict", "Operation cannot be fulfilled on " + gr(k) + " \"" + name + "\": " + why);
}

const json* at_path(const json& object, std::string_view path) {
  const json* cur = &object;
  while (!path.empty()) {
    auto dot = path.find('.');
    std::string part(path.substr(0, dot));
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(part);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return cur;
}

std::optional<std::string> field_value(const json& object, std::string_view path) {
  const json* v = at_path(object, path);
  if (!v || v->is_null()) return std::string();
  if (v->is_string()) return v->get<std::string>();
  if (v->is_boolean()) return v->get<bool>() ? "true" : "false";
  if (v->is_number()) return v->dump();
  return std::nullopt;
}

bool matches(const json& object, const selectors::LabelSelector& labels, const selectors::FieldSelector& fields) {
  const json* l = at_path(object, "metadata.labels");
  if (!labels.matches(l ? *l : json())) return false;
  return fields.matches([&](std::string_view f) { return field_value(object, f); });
}

machinery::ObjectKind rules_for(const FakeKind& k) {
  return machinery::ObjectKind{k.resource.group.empty() ? k.resource.version : k.resource.group + "/" + k.resource.version,
                               k.kind, k.namespaced, "status", k.status_subresource};
}

// A Cap'n Proto message of a kind, read from bytes or built from JSON.
struct Message {
  kj::Array<capnp::word> words;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader;
  capnp::MallocMessageBuilder builder;
  capnp::DynamicStruct::Builder root;

  Message(const FakeKind& k, const std::string& bytes) {
    words = aligned(bytes.data(), bytes.size());
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1ull << 30;
    reader = std::make_unique<capnp::FlatArrayMessageReader>(words, options);
    builder.setRoot(reader->getRoot<capnp::DynamicStruct>(k.schema));
    root = builder.getRoot<capnp::DynamicStruct>(k.schema);
  }
  std::string bytes() { return serialize(builder); }
};

void set_status(HostService::Response r, const Status& s) {
  auto st = r.initStatus();
  st.setCode(s.code);
  st.setReason(s.reason);
  st.setMessage(s.message);
}

}  // namespace

struct FakeHost::Watcher {
  uint64_t id = 0;
  std::string resource_key;
  std::string ns;
  selectors::LabelSelector labels;
  selectors::FieldSelector fields;
  capstan_watch_callback callback = nullptr;
  void* user_data = nullptr;

  std::mutex m;
  std::condition_variable cv;
  std::deque<std::string> queue;  // serialized WatchEvents
  bool held = false;
  bool stop = false;
  bool busy = false;
  std::thread thread;

  void run() {
    std::unique_lock l(m);
    for (;;) {
      cv.wait(l, [&] { return stop || (!held && !queue.empty()); });
      if (stop) return;
      std::string ev = std::move(queue.front());
      queue.pop_front();
      busy = true;
      l.unlock();
      callback(user_data, {reinterpret_cast<const uint8_t*>(ev.data()), ev.size()});
      l.lock();
      busy = false;
      cv.notify_all();
    }
  }
};

FakeHost::FakeHost()
    : table_(*this, HostTable::Hooks{[this](int, std::string_view message) {
                                       std::lock_guard l(mu_);
                                       logs_.emplace_back(message);
                                     },
                                     {}}),
      host_(table_.api()) {

  add_kind({{"", "v1", "pods"}, "Pod", true, capnp::Schema::from<core::v1::Pod>(), true, {"binding", "spec.nodeName"}});
  add_kind({{"", "v1", "nodes"}, "Node", false, capnp::Schema::from<core::v1::Node>(), true, ""});
  add_kind({{"", "v1", "namespaces"}, "Namespace", false, capnp::Schema::from<core::v1::Namespace>(), true, ""});
  add_kind({{"", "v1", "configmaps"}, "ConfigMap", true, capnp::Schema::from<core::v1::ConfigMap>(), false, ""});
  add_kind({{"", "v1", "events"}, "Event", true, capnp::Schema::from<core::v1::Event>(), false, ""});
  add_kind({{"apps", "v1", "replicasets"}, "ReplicaSet", true, capnp::Schema::from<apps::v1::ReplicaSet>(), true, ""});
  add_kind({{"apps", "v1", "deployments"}, "Deployment", true, capnp::Schema::from<apps::v1::Deployment>(), true, ""});
  add_kind({{"coordination.k8s.io", "v1", "leases"}, "Lease", true,
            capnp::Schema::from<coordination::v1::Lease>(), false, ""});
}

FakeHost::~FakeHost() {
  std::vector<uint64_t> ids;
  {
    std::lock_guard l(mu_);
    for (auto& [id, w] : watchers_) ids.push_back(id);
  }
  for (auto id : ids) unwatch(id);
}

void FakeHost::add_kind(FakeKind kind) {
  std::lock_guard l(mu_);
  kinds_[group_key(kind.resource)] = std::move(kind);
}

const FakeKind* FakeHost::kind_for(const Resource& r) const {
  auto it = kinds_.find(group_key(r));
  return it == kinds_.end() ? nullptr : &it->second;
}

json FakeHost::to_json(const FakeKind& k, const std::string& bytes) const {
  auto words = aligned(bytes.data(), bytes.size());
  capnp::FlatArrayMessageReader reader(words);
  schema::JsonCodec codec(model());
  return codec.encode(reader.getRoot<capnp::DynamicStruct>(k.schema));
}

std::string FakeHost::to_bytes(const FakeKind& k, const json& object) const {
  capnp::MallocMessageBuilder m;
  auto root = m.initRoot<capnp::DynamicStruct>(k.schema);
  schema::DecodeReport report;
  schema::JsonCodec codec(model());
  codec.decode(object, root, report);
  if (!report.type_errors.empty())
    throw std::runtime_error(report.type_errors.front().field + ": " + report.type_errors.front().message);
  return serialize(m);
}

std::string FakeHost::key_of(const FakeKind& k, const std::string& ns, const std::string& name) {
  return (k.namespaced ? ns : std::string()) + "/" + name;
}

// ---------------------------------------------------------------------------------------------
// Writes

FakeHost::Outcome FakeHost::do_create(const FakeKind& k, const std::string& ns_in, const std::string& bytes,
                                      bool as_given) {
  Message m(k, bytes);
  auto meta = machinery::metadata(m.root);
  std::string ns = ns_in.empty() ? std::string(meta.getNamespace().cStr()) : ns_in;
  if (k.namespaced) {
    if (ns.empty()) return {error(422, "Invalid", "metadata.namespace: Required value"), {}};
    meta.setNamespace(ns);
  } else {
    ns.clear();
  }
  std::string name = meta.getName().cStr();
  auto& bucket = objects_[group_key(k.resource)];
  if (name.empty()) {
    const std::string generate = meta.getGenerateName().cStr();
    if (generate.empty()) return {error(422, "Invalid", "metadata.name: Required value: name or generateName is required"), {}};
    static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";  // Kubernetes' rand.String alphabet
    static std::mt19937 rng(12345);
    do {
      name = generate;
      for (int i = 0; i < 5; ++i) name += kAlphabet[rng() % (sizeof kAlphabet - 1)];
    } while (bucket.count(key_of(k, ns, name)));
    meta.setName(name);
  }
  const std::string key = key_of(k, ns, name);
  auto existing = bucket.find(key);
  if (existing != bucket.end() && !as_given) return {error(409, "AlreadyExists", gr(k) + " \"" + name + "\" already exists"), {}};
  char uid[48];
  std::snprintf(uid, sizeof uid, "00000000-0000-4000-8000-%012llu", static_cast<unsigned long long>(++uid_counter_));
  if (!as_given) {
    machinery::prepare_create(rules_for(k), m.root, {uid, now_rfc3339(), false});
  } else {
    // As given (status included), with the metadata a create would fill.
    machinery::set_type_meta(rules_for(k), m.root);
    meta = machinery::metadata(m.root);
    if (existing != bucket.end()) meta.setUid(existing->second.object["metadata"].value("uid", ""));
    else if (meta.getUid().size() == 0) meta.setUid(uid);
    if (meta.getCreationTimestamp().size() == 0) meta.setCreationTimestamp(now_rfc3339());
    if (!meta.getGeneration().isValue()) meta.getGeneration().setValue(1);
  }
  const uint64_t rev = ++revision_;
  machinery::metadata(m.root).setResourceVersion(std::to_string(rev));
  Stored s;
  s.bytes = m.bytes();
  s.object = to_json(k, s.bytes);
  s.rev = rev;
  const bool replaced = existing != bucket.end();
  std::optional<json> previous;
  if (replaced) previous = existing->second.object;
  bucket[key] = s;
  publish(k, replaced ? static_cast<int>(WT::MODIFIED) : static_cast<int>(WT::ADDED), s.object, previous, s.bytes, rev);
  Outcome out;
  out.status.code = 201;
  out.object = s;
  return out;
}

FakeHost::Outcome FakeHost::store_update(const FakeKind& k, const std::string& key, Stored& old, const std::string& next) {
  Message before(k, old.bytes);
  Message after(k, next);
  if (machinery::same_object(before.root.asReader(), after.root.asReader())) return {Status{}, old};
  const uint64_t rev = ++revision_;
  if (machinery::finalized(machinery::metadata(after.root.asReader()))) {
    Stored last = old;
    objects_[group_key(k.resource)].erase(key);
    publish(k, static_cast<int>(WT::DELETED), last.object, std::nullopt, last.bytes, rev);
    last.rev = rev;
    return {Status{}, last};
  }
  machinery::metadata(after.root).setResourceVersion(std::to_string(rev));
  Stored s;
  s.bytes = after.bytes();
  s.object = to_json(k, s.bytes);
  s.rev = rev;
  json previous = old.object;
  old = s;
  publish(k, static_cast<int>(WT::MODIFIED), s.object, previous, s.bytes, rev);
  return {Status{}, s};
}

FakeHost::Outcome FakeHost::do_update(const FakeKind& k, const std::string& ns, const std::string& name,
                                      const std::string& bytes, const std::string& subresource, bool check_rv) {
  auto& bucket = objects_[group_key(k.resource)];
  const std::string key = key_of(k, ns, name);
  auto it = bucket.find(key);
  if (it == bucket.end()) return {not_found(k, name), {}};
  if (!subresource.empty() && subresource != "status" && subresource != k.assigns.subresource)
    return {error(404, "NotFound", "the server could not find the requested resource"), {}};
  Message old(k, it->second.bytes);
  Message next(k, bytes);
  if (check_rv) {
    const std::string rv = machinery::metadata(next.root.asReader()).getResourceVersion();
    if (!rv.empty() && rv != std::to_string(it->second.rev))
      return {conflict(k, name, "the object has been modified; please apply your changes to the latest version and try again"), {}};
  }
  const auto rules = rules_for(k);
  machinery::prepare_update(rules, old.root.asReader(), next.root, subresource);
  machinery::update_generation(rules, old.root.asReader(), next.root);
  return store_update(k, key, it->second, next.bytes());
}

FakeHost::Outcome FakeHost::do_delete(const FakeKind& k, const std::string& ns, const std::string& name,
                                      const std::string& policy, const std::string& uid) {
  auto& bucket = objects_[group_key(k.resource)];
  const std::string key = key_of(k, ns, name);
  auto it = bucket.find(key);
  if (it == bucket.end()) return {not_found(k, name), {}};
  const std::string current_uid = it->second.object["metadata"].value("uid", "");
  if (!uid.empty() && uid != current_uid)
    return {conflict(k, name, "Precondition failed: UID in precondition: " + uid + ", UID in object meta: " + current_uid), {}};
  Message m(k, it->second.bytes);
  auto meta = machinery::metadata(m.root);
  if ((policy == "Orphan" || policy == "Foreground") && !meta.hasDeletionTimestamp())
    machinery::add_finalizer(meta, policy == "Orphan" ? "orphan" : "foregroundDeletion");
  if (machinery::has_finalizers(meta.asReader())) {
    machinery::mark_for_deletion(meta, now_rfc3339(), 0);
    return store_update(k, key, it->second, m.bytes());
  }
  Stored last = it->second;
  bucket.erase(it);
  const uint64_t rev = ++revision_;
  publish(k, static_cast<int>(WT::DELETED), last.object, std::nullopt, last.bytes, rev);
  return {Status{}, last};
}

// ---------------------------------------------------------------------------------------------
// Watches

void FakeHost::offer(Watcher& w, const Record& rec) {
  if (w.resource_key != rec.resource_key) return;
  if (!w.ns.empty() && w.ns != rec.ns) return;
  int type = rec.type;
  const bool now = matches(rec.object, w.labels, w.fields);
  if (rec.type == static_cast<int>(WT::MODIFIED) && rec.previous) {
    const bool before = matches(*rec.previous, w.labels, w.fields);
    if (!before && !now) return;
    if (!before) type = static_cast<int>(WT::ADDED);
    if (!now) type = static_cast<int>(WT::DELETED);
  } else if (!now) {
    return;
  }
  capnp::MallocMessageBuilder m;
  auto ev = m.initRoot<capstan::host::WatchEvent>();
  ev.setType(static_cast<WT>(type));
  ev.setObject(as_data(rec.bytes));
  ev.setResourceVersion(rec.rev);
  std::lock_guard l(w.m);
  w.queue.push_back(serialize(m));
  w.cv.notify_all();
}

void FakeHost::publish(const FakeKind& k, int type, const json& object, const std::optional<json>& previous,
                       const std::string& bytes, uint64_t rev) {
  Record rec{group_key(k.resource), type, object["metadata"].value("namespace", ""), object, previous, bytes, rev};
  for (auto& [id, w] : watchers_) offer(*w, rec);
  history_.push_back(std::move(rec));
}

uint64_t FakeHost::watch(capstan::host::WatchRequest::Reader req, capstan_watch_callback cb, void* user_data) {
  Resource r{req.getResource().getGroup(), req.getResource().getVersion(), req.getResource().getResource()};
  std::lock_guard l(mu_);
  if (!kind_for(r)) throw std::runtime_error("unknown resource " + group_key(r));
  auto w = std::make_shared<Watcher>();
  w->id = next_watch_id_++;
  w->resource_key = group_key(r);
  w->ns = req.getNamespace();
  w->labels = selectors::LabelSelector::parse(req.getLabelSelector().cStr());
  w->fields = selectors::FieldSelector::parse(req.getFieldSelector().cStr());
  w->callback = cb;
  w->user_data = user_data;
  w->held = held_.count(w->resource_key) > 0;
  const uint64_t from = req.getResourceVersion();
  if (from > 0)
    for (const auto& rec : history_)
      if (rec.rev > from) offer(*w, rec);
  w->thread = std::thread([w] { w->run(); });
  watchers_[w->id] = w;
  calls_.push_back({"watch", r, w->ns, "", "", json()});
  return w->id;
}

void FakeHost::unwatch(uint64_t id) {
  std::shared_ptr<Watcher> w;
  {
    std::lock_guard l(mu_);
    auto it = watchers_.find(id);
    if (it == watchers_.end()) return;
    w = it->second;
    watchers_.erase(it);
  }
  {
    std::lock_guard l(w->m);
    w->stop = true;
  }
  w->cv.notify_all();
  if (w->thread.get_id() == std::this_thread::get_id()) w->thread.detach();
  else if (w->thread.joinable()) w->thread.join();
}

void FakeHost::hold_watch_events(const Resource& r) {
  std::lock_guard l(mu_);
  held_.insert(group_key(r));
  for (auto& [id, w] : watchers_) {
    if (w->resource_key != group_key(r)) continue;
    std::lock_guard wl(w->m);
    w->held = true;
  }
}

void FakeHost::release_watch_events(const Resource& r) {
  std::lock_guard l(mu_);
  held_.erase(group_key(r));
  for (auto& [id, w] : watchers_) {
    if (w->resource_key != group_key(r)) continue;
    std::lock_guard wl(w->m);
    w->held = false;
    w->cv.notify_all();
  }
}

void FakeHost::resync_watches() {
  std::lock_guard l(mu_);
  capnp::MallocMessageBuilder m;
  auto ev = m.initRoot<capstan::host::WatchEvent>();
  ev.setType(WT::RESYNC);
  ev.setResourceVersion(revision_);
  const std::string bytes = serialize(m);
  for (auto& [id, w] : watchers_) {
    std::lock_guard wl(w->m);
    w->queue.push_back(bytes);
    w->cv.notify_all();
  }
}

bool FakeHost::wait_delivered(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::shared_ptr<Watcher>> ws;
  {
    std::lock_guard l(mu_);
    for (auto& [id, w] : watchers_) ws.push_back(w);
  }
  for (auto& w : ws) {
    std::unique_lock l(w->m);
    if (!w->cv.wait_until(l, deadline, [&] { return w->stop || ((w->held || w->queue.empty()) && !w->busy); }))
      return false;
  }
  return true;
}

size_t FakeHost::active_watches() const {
  std::lock_guard l(mu_);
  return watchers_.size();
}

// ---------------------------------------------------------------------------------------------
// The host protocol

bool FakeHost::intercept(FakeCall call, Response out) {
  Reactor reactor;
  {
    std::lock_guard l(mu_);
    calls_.push_back(call);
    reactor = reactor_;
  }
  if (!reactor) return false;
  auto s = reactor(call);
  if (!s) return false;
  set_status(out, *s);
  return true;
}

void FakeHost::respond(const Outcome& outcome, Response out) const {
  set_status(out, outcome.status);
  if (outcome.status.ok() && outcome.object) {
    out.setObject(as_data(outcome.object->bytes));
    out.setResourceVersion(outcome.object->rev);
  }
}

namespace {
Resource resource_of(const HostTarget& t) { return {t.group, t.version, t.resource}; }
std::string bytes_of(capnp::Data::Reader d) { return std::string(reinterpret_cast<const char*>(d.begin()), d.size()); }
}  // namespace

void FakeHost::get(const HostTarget& t, Response out) {
  if (intercept({"get", resource_of(t), t.ns, t.name, "", json()}, out)) return;
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(resource_of(t));
  if (!k) return set_status(out, error(404, "NotFound", "the server could not find the requested resource"));
  auto& bucket = objects_[group_key(k->resource)];
  auto it = bucket.find(key_of(*k, t.ns, t.name));
  respond(it == bucket.end() ? Outcome{not_found(*k, t.name), {}} : Outcome{Status{}, it->second}, out);
}

void FakeHost::list(const HostTarget& t, std::string_view label_selector, std::string_view field_selector,
                    Response out) {
  if (intercept({"list", resource_of(t), t.ns, "", "", json()}, out)) return;
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(resource_of(t));
  if (!k) return set_status(out, error(404, "NotFound", "the server could not find the requested resource"));
  try {
    auto labels = selectors::LabelSelector::parse(label_selector);
    auto fields = selectors::FieldSelector::parse(field_selector);
    std::vector<const Stored*> items;
    for (const auto& [key, s] : objects_[group_key(k->resource)]) {
      if (!t.ns.empty() && s.object["metadata"].value("namespace", "") != t.ns) continue;
      if (matches(s.object, labels, fields)) items.push_back(&s);
    }
    auto list = out.initItems(static_cast<unsigned>(items.size()));
    for (unsigned i = 0; i < items.size(); ++i) list.set(i, as_data(items[i]->bytes));
    out.setResourceVersion(revision_);
    set_status(out, Status{});
  } catch (const selectors::SelectorError& e) {
    set_status(out, error(400, "BadRequest", e.what()));
  }
}

void FakeHost::create(const HostTarget& t, capnp::Data::Reader object, Response out) {
  const FakeKind* k = nullptr;
  {
    std::lock_guard l(mu_);
    k = kind_for(resource_of(t));
  }
  const std::string bytes = bytes_of(object);
  if (intercept({"create", resource_of(t), t.ns, t.name, "", k ? to_json(*k, bytes) : json()}, out)) return;
  if (!k) return set_status(out, error(404, "NotFound", "the server could not find the requested resource"));
  std::lock_guard l(mu_);
  respond(do_create(*k, t.ns, bytes, false), out);
}

void FakeHost::update(const HostTarget& t, capnp::Data::Reader object, std::string_view subresource, Response out) {
  const FakeKind* k = nullptr;
  {
    std::lock_guard l(mu_);
    k = kind_for(resource_of(t));
  }
  const std::string bytes = bytes_of(object);
  if (intercept({"update", resource_of(t), t.ns, t.name, std::string(subresource), k ? to_json(*k, bytes) : json()}, out))
    return;
  if (!k) return set_status(out, error(404, "NotFound", "the server could not find the requested resource"));
  std::lock_guard l(mu_);
  respond(do_update(*k, t.ns, t.name, bytes, std::string(subresource), true), out);
}

void FakeHost::patch(const HostTarget& t, std::string_view type, std::string_view body, std::string_view subresource,
                     Response out) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (intercept({"patch", resource_of(t), t.ns, t.name, std::string(subresource), doc}, out)) return;
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(resource_of(t));
  if (!k) return set_status(out, error(404, "NotFound", "the server could not find the requested resource"));
  auto& bucket = objects_[group_key(k->resource)];
  auto it = bucket.find(key_of(*k, t.ns, t.name));
  if (it == bucket.end()) return respond({not_found(*k, t.name), {}}, out);
  if (doc.is_discarded()) return respond({error(400, "BadRequest", "the patch is not valid JSON"), {}}, out);
  try {
    json patched;
    if (type == "merge") {
      patched = patch::apply_merge_patch(it->second.object, doc);
    } else if (type == "strategic") {
      patch::KindPatchSchema ps(model(), k->schema);
      patched = patch::apply_strategic_merge_patch(it->second.object, doc, ps);
    } else if (type == "json") {
      patched = patch::apply_json_patch(it->second.object, doc);
    } else {
      throw patch::PatchError(415, "UnsupportedMediaType", "unknown patch type " + std::string(type));
    }
    // A resourceVersion the patch itself sets is a precondition; otherwise none.
    const std::string rv = patched["metadata"].value("resourceVersion", "");
    if (!rv.empty() && rv != std::to_string(it->second.rev))
      return respond({conflict(*k, t.name, "the object has been modified; please apply your changes to the latest version and try again"), {}}, out);
    respond(do_update(*k, t.ns, t.name, to_bytes(*k, patched), std::string(subresource), false), out);
  } catch (const patch::PatchError& e) {
    respond({error(e.code, e.reason, e.what()), {}}, out);
  } catch (const std::runtime_error& e) {
    respond({error(400, "BadRequest", e.what()), {}}, out);
  }
}

void FakeHost::remove(const HostTarget& t, const HostDelete& options, Response out) {
  if (intercept({"delete", resource_of(t), t.ns, t.name, "", json()}, out)) return;
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(resource_of(t));
  if (!k) return set_status(out, error(404, "NotFound", "the server could not find the requested resource"));
  respond(do_delete(*k, t.ns, t.name, options.propagation_policy, options.precondition_uid), out);
}

void FakeHost::post_subresource(const HostTarget& t, std::string_view subresource, std::string_view body,
                                Response out) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (intercept({"post", resource_of(t), t.ns, t.name, std::string(subresource), doc}, out)) return;
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(resource_of(t));
  if (!k || k->assigns.path.empty() || subresource != k->assigns.subresource)
    return set_status(out, error(404, "NotFound", "the server could not find the requested resource"));
  auto& bucket = objects_[group_key(k->resource)];
  auto it = bucket.find(key_of(*k, t.ns, t.name));
  if (it == bucket.end()) return respond({not_found(*k, t.name), {}}, out);
  const json target = doc.is_object() ? at(doc, "target.name") : json();
  if (!target.is_string() || target.get<std::string>().empty())
    return respond({error(422, "Invalid", "Binding \"" + t.name + "\" is invalid: target.name: Required value"), {}}, out);
  json next = it->second.object;
  json* cur = &next;
  std::string_view path = k->assigns.path;
  while (true) {
    auto dot = path.find('.');
    cur = &(*cur)[std::string(path.substr(0, dot))];
    if (dot == std::string_view::npos) break;
    path = path.substr(dot + 1);
  }
  if (cur->is_string() && !cur->get<std::string>().empty() && *cur != target)
    return respond({conflict(*k, t.name, "pod " + t.name + " is already assigned to node \"" + cur->get<std::string>() + "\""), {}},
                   out);
  *cur = target;
  Outcome o = do_update(*k, t.ns, t.name, to_bytes(*k, next), k->assigns.subresource, false);
  o.object.reset();  // answered with a Status
  respond(o, out);
}

void FakeHost::list_kinds(Response out) {
  if (intercept({"listKinds", {}, "", "", "", json()}, out)) return;
  std::lock_guard l(mu_);
  auto list = out.initKinds(static_cast<unsigned>(kinds_.size()));
  unsigned i = 0;
  for (const auto& [key, kind] : kinds_) {
    auto ki = list[i++];
    ki.setGroup(kind.resource.group);
    ki.setVersion(kind.resource.version);
    ki.setKind(kind.kind);
    ki.setPlural(kind.resource.resource);
    ki.setNamespaced(kind.namespaced);
    ki.setRootStructId(kind.schema.getProto().getId());
  }
  set_status(out, Status{});
}

// ---------------------------------------------------------------------------------------------
// Direct access

json FakeHost::put(const Resource& r, const json& object) {
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(r);
  if (!k) throw std::runtime_error("unknown resource " + group_key(r));
  json o = object;
  std::string ns = o.contains("metadata") ? o["metadata"].value("namespace", "") : "";
  if (k->namespaced && ns.empty()) ns = "default";
  auto out = do_create(*k, ns, to_bytes(*k, o), true);
  if (!out.status.ok()) throw std::runtime_error(out.status.message);
  return out.object->object;
}

json FakeHost::patch(const Resource& r, const std::string& ns, const std::string& name, const json& merge_patch) {
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(r);
  if (!k) throw std::runtime_error("unknown resource " + group_key(r));
  auto& bucket = objects_[group_key(k->resource)];
  auto it = bucket.find(key_of(*k, ns, name));
  if (it == bucket.end()) throw std::runtime_error(group_key(r) + " " + ns + "/" + name + " not found");
  json next = patch::apply_merge_patch(it->second.object, merge_patch);
  // Status included: the direct write bypasses the status subresource split.
  Message old(*k, it->second.bytes);
  Message updated(*k, to_bytes(*k, next));
  machinery::update_generation(rules_for(*k), old.root.asReader(), updated.root);
  auto out = store_update(*k, it->first, it->second, updated.bytes());
  if (!out.status.ok()) throw std::runtime_error(out.status.message);
  return out.object->object;
}

bool FakeHost::erase(const Resource& r, const std::string& ns, const std::string& name) {
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(r);
  if (!k) return false;
  auto& bucket = objects_[group_key(k->resource)];
  auto it = bucket.find(key_of(*k, ns, name));
  if (it == bucket.end()) return false;
  Stored last = it->second;
  bucket.erase(it);
  publish(*k, static_cast<int>(WT::DELETED), last.object, std::nullopt, last.bytes, ++revision_);
  return true;
}

std::optional<json> FakeHost::get(const Resource& r, const std::string& ns, const std::string& name) const {
  std::lock_guard l(mu_);
  const FakeKind* k = kind_for(r);
  if (!k) return std::nullopt;
  auto b = objects_.find(group_key(k->resource));
  if (b == objects_.end()) return std::nullopt;
  auto it = b->second.find(key_of(*k, ns, name));
  if (it == b->second.end()) return std::nullopt;
  return it->second.object;
}

std::vector<json> FakeHost::list(const Resource& r, const std::string& ns, const std::string& label_selector) const {
  std::lock_guard l(mu_);
  std::vector<json> out;
  auto b = objects_.find(group_key(r));
  if (b == objects_.end()) return out;
  auto labels = selectors::LabelSelector::parse(label_selector);
  for (const auto& [key, s] : b->second) {
    if (!ns.empty() && s.object["metadata"].value("namespace", "") != ns) continue;
    if (matches(s.object, labels, selectors::FieldSelector())) out.push_back(s.object);
  }
  return out;
}

uint64_t FakeHost::revision() const {
  std::lock_guard l(mu_);
  return revision_;
}

std::vector<FakeCall> FakeHost::calls() const {
  std::lock_guard l(mu_);
  return calls_;
}

size_t FakeHost::count_calls(const std::string& verb, const std::string& resource) const {
  std::lock_guard l(mu_);
  return std::count_if(calls_.begin(), calls_.end(),
                       [&](const FakeCall& c) { return c.verb == verb && c.resource.resource == resource; });
}

void FakeHost::clear_calls() {
  std::lock_guard l(mu_);
  calls_.clear();
}

void FakeHost::set_reactor(Reactor reactor) {
  std::lock_guard l(mu_);
  reactor_ = std::move(reactor);
}

std::vector<std::string> FakeHost::logs() const {
  std::lock_guard l(mu_);
  return logs_;
}

json FakeHost::at(const json& object, std::string_view path) {
  const json* v = at_path(object, path);
  return v ? *v : json();
}

bool FakeHost::eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace capstan::sdk::testing
