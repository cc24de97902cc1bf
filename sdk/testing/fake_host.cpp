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

#include "capstan/machinery/patch/kind_patch_schema.hpp"
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

json without_rv(json o) {
  if (o.contains("metadata")) o["metadata"].erase("resourceVersion");
  return o;
}

bool spec_changed(const json& a, const json& b) {
  json x = a, y = b;
  for (auto* o : {&x, &y}) {
    o->erase("metadata");
    o->erase("status");
  }
  return x != y;
}

void set_status(capstan::host::HostResponse::Builder r, const Status& s) {
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

FakeHost::FakeHost() : host_(&api_) {
  std::memset(&api_, 0, sizeof api_);
  api_.struct_size = sizeof api_;
  api_.host_context = this;
  api_.call = &FakeHost::call_thunk;
  api_.watch = &FakeHost::watch_thunk;
  api_.unwatch = &FakeHost::unwatch_thunk;
  api_.log = &FakeHost::log_thunk;
  api_.invoke = &FakeHost::invoke_thunk;

  add_kind({{"", "v1", "pods"}, "Pod", true, capnp::Schema::from<core::v1::Pod>(), true, "spec.nodeName"});
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
  for (auto id : ids) stop_watch(id);
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

FakeHost::Outcome FakeHost::do_create(const FakeKind& k, const std::string& ns_in, json object, bool as_given) {
  auto& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string ns = ns_in.empty() ? meta.value("namespace", "") : ns_in;
  if (k.namespaced) {
    if (ns.empty()) return {error(422, "Invalid", "metadata.namespace: Required value"), {}};
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
    ns.clear();
  }
  std::string name = meta.value("name", "");
  if (name.empty()) {
    std::string generate = meta.value("generateName", "");
    if (generate.empty()) return {error(422, "Invalid", "metadata.name: Required value: name or generateName is required"), {}};
    static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";  // Kubernetes' rand.String alphabet
    static std::mt19937 rng(12345);
    do {
      name = generate;
      for (int i = 0; i < 5; ++i) name += kAlphabet[rng() % (sizeof kAlphabet - 1)];
    } while (objects_[group_key(k.resource)].count(key_of(k, ns, name)));
    meta["name"] = name;
  }
  auto& bucket = objects_[group_key(k.resource)];
  const std::string key = key_of(k, ns, name);
  auto existing = bucket.find(key);
  if (existing != bucket.end() && !as_given) return {error(409, "AlreadyExists", gr(k) + " \"" + name + "\" already exists"), {}};
  char uid[48];
  std::snprintf(uid, sizeof uid, "00000000-0000-4000-8000-%012llu", static_cast<unsigned long long>(++uid_counter_));
  if (existing != bucket.end()) {
    meta["uid"] = existing->second.object["metadata"]["uid"];
  } else if (!as_given || !meta.contains("uid")) {
    meta["uid"] = uid;
  }
  if (!as_given || !meta.contains("creationTimestamp")) meta["creationTimestamp"] = now_rfc3339();
  if (!as_given || !meta.contains("generation")) meta["generation"] = 1;
  if (!as_given) {
    meta.erase("deletionTimestamp");
    meta.erase("deletionGracePeriodSeconds");
    if (k.status_subresource) object.erase("status");
  }
  object["apiVersion"] = k.resource.group.empty() ? k.resource.version : k.resource.group + "/" + k.resource.version;
  object["kind"] = k.kind;
  const uint64_t rev = ++revision_;
  meta["resourceVersion"] = std::to_string(rev);
  Stored s;
  try {
    s.bytes = to_bytes(k, object);
  } catch (const std::exception& e) {
    return {error(400, "BadRequest", e.what()), {}};
  }
  s.object = to_json(k, s.bytes);  // canonical form
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

FakeHost::Outcome FakeHost::store_update(const FakeKind& k, const std::string& key, Stored& old, json next) {
  if (without_rv(old.object) == without_rv(next)) return {Status{}, old};
  auto& meta = next["metadata"];
  const bool finalized =
      meta.contains("deletionTimestamp") && (!meta.contains("finalizers") || meta["finalizers"].empty());
  const uint64_t rev = ++revision_;
  if (finalized) {
    json last = old.object;
    const std::string bytes = old.bytes;
    objects_[group_key(k.resource)].erase(key);
    publish(k, static_cast<int>(WT::DELETED), last, std::nullopt, bytes, rev);
    return {Status{}, Stored{last, bytes, rev}};
  }
  meta["resourceVersion"] = std::to_string(rev);
  Stored s;
  try {
    s.bytes = to_bytes(k, next);
  } catch (const std::exception& e) {
    return {error(400, "BadRequest", e.what()), {}};
  }
  s.object = to_json(k, s.bytes);
  s.rev = rev;
  json previous = old.object;
  old = s;
  publish(k, static_cast<int>(WT::MODIFIED), s.object, previous, s.bytes, rev);
  return {Status{}, s};
}

FakeHost::Outcome FakeHost::do_update(const FakeKind& k, const std::string& ns, const std::string& name, json updated,
                                      const std::string& subresource, bool check_rv) {
  auto& bucket = objects_[group_key(k.resource)];
  const std::string key = key_of(k, ns, name);
  auto it = bucket.find(key);
  if (it == bucket.end()) return {not_found(k, name), {}};
  const json& old = it->second.object;
  if (check_rv) {
    std::string rv = updated.contains("metadata") ? updated["metadata"].value("resourceVersion", "") : "";
    if (!rv.empty() && rv != std::to_string(it->second.rev))
      return {conflict(k, name, "the object has been modified; please apply your changes to the latest version and try again"), {}};
  }
  json next;
  if (subresource == "status") {
    next = old;
    if (updated.contains("status")) next["status"] = updated["status"];
    else next.erase("status");
  } else if (!subresource.empty()) {
    return {error(404, "NotFound", "the server could not find the requested resource"), {}};
  } else {
    next = std::move(updated);
    if (k.status_subresource) {
      if (old.contains("status")) next["status"] = old["status"];
      else next.erase("status");
    }
  }
  auto& meta = next["metadata"];
  const auto& old_meta = old["metadata"];
  for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "name", "namespace"}) {
    if (auto v = old_meta.find(f); v != old_meta.end()) meta[f] = *v;
    else meta.erase(f);
  }
  next["apiVersion"] = old["apiVersion"];
  next["kind"] = old["kind"];
  meta["generation"] = old_meta.value("generation", int64_t{1}) + (spec_changed(old, next) ? 1 : 0);
  return store_update(k, key, it->second, std::move(next));
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
  json object = it->second.object;
  auto& meta = object["metadata"];
  if ((policy == "Orphan" || policy == "Foreground") && !meta.contains("deletionTimestamp")) {
    const std::string finalizer = policy == "Orphan" ? "orphan" : "foregroundDeletion";
    auto& list = meta["finalizers"];
    if (!list.is_array()) list = json::array();
    if (std::find(list.begin(), list.end(), finalizer) == list.end()) list.push_back(finalizer);
  }
  const bool has_finalizers = meta.contains("finalizers") && meta["finalizers"].is_array() && !meta["finalizers"].empty();
  if (has_finalizers) {
    if (!meta.contains("deletionTimestamp")) {
      meta["deletionTimestamp"] = now_rfc3339();
      meta["deletionGracePeriodSeconds"] = 0;
    }
    return store_update(k, key, it->second, std::move(object));
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

uint64_t FakeHost::start_watch(const void* data, size_t size, capstan_watch_callback cb, void* user_data) {
  auto words = aligned(data, size);
  capnp::FlatArrayMessageReader reader(words);
  auto req = reader.getRoot<capstan::host::WatchRequest>();
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

void FakeHost::stop_watch(uint64_t id) {
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
// The ABI

capstan_status FakeHost::call_thunk(void* ctx, capstan_borrowed_bytes request, capstan_owned_bytes* response) {
  auto* self = static_cast<FakeHost*>(ctx);
  std::string out;
  try {
    out = self->handle_call(request.data, request.size);
  } catch (const std::exception& e) {
    self->log_thunk(ctx, 4, (std::string("fake host: ") + e.what()).c_str());
    return CAPSTAN_ERROR;
  }
  response->data = static_cast<uint8_t*>(std::malloc(out.size() ? out.size() : 1));
  std::memcpy(response->data, out.data(), out.size());
  response->size = out.size();
  response->release = [](uint8_t* d, size_t) { std::free(d); };
  return CAPSTAN_OK;
}

capstan_status FakeHost::watch_thunk(void* ctx, capstan_borrowed_bytes request, capstan_watch_callback cb,
                                     void* user_data, uint64_t* watch_id) {
  try {
    *watch_id = static_cast<FakeHost*>(ctx)->start_watch(request.data, request.size, cb, user_data);
    return CAPSTAN_OK;
  } catch (const std::exception&) {
    return CAPSTAN_ERROR;
  }
}

void FakeHost::unwatch_thunk(void* ctx, uint64_t id) { static_cast<FakeHost*>(ctx)->stop_watch(id); }

void FakeHost::log_thunk(void* ctx, int, const char* message) {
  auto* self = static_cast<FakeHost*>(ctx);
  std::lock_guard l(self->mu_);
  self->logs_.emplace_back(message);
}

capstan_status FakeHost::invoke_thunk(void*, const char*, capstan_borrowed_bytes, capstan_owned_bytes*) {
  return CAPSTAN_NOT_FOUND;
}

std::string FakeHost::handle_call(const void* data, size_t size) {
  auto words = aligned(data, size);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 30;
  capnp::FlatArrayMessageReader reader(words, options);
  auto req = reader.getRoot<capstan::host::HostRequest>();
  FakeCall call;
  call.resource = {req.getResource().getGroup(), req.getResource().getVersion(), req.getResource().getResource()};
  call.ns = req.getNamespace();
  call.name = req.getName();

  capnp::MallocMessageBuilder m;
  auto resp = m.initRoot<capstan::host::HostResponse>();

  const FakeKind* k = nullptr;
  {
    std::lock_guard l(mu_);
    k = kind_for(call.resource);
  }
  switch (req.which()) {
    case capstan::host::HostRequest::GET: call.verb = "get"; break;
    case capstan::host::HostRequest::LIST: call.verb = "list"; break;
    case capstan::host::HostRequest::CREATE:
      call.verb = "create";
      if (k) call.object = to_json(*k, std::string(reinterpret_cast<const char*>(req.getCreate().begin()), req.getCreate().size()));
      break;
    case capstan::host::HostRequest::UPDATE:
      call.verb = "update";
      call.subresource = req.getUpdate().getSubresource();
      if (k)
        call.object = to_json(*k, std::string(reinterpret_cast<const char*>(req.getUpdate().getObject().begin()),
                                              req.getUpdate().getObject().size()));
      break;
    case capstan::host::HostRequest::DELETE: call.verb = "delete"; break;
    case capstan::host::HostRequest::PATCH:
      call.verb = "patch";
      call.subresource = req.getPatch().getSubresource();
      call.object = json::parse(req.getPatch().getBody().cStr(), nullptr, false);
      break;
    case capstan::host::HostRequest::LIST_KINDS: call.verb = "listKinds"; break;
    case capstan::host::HostRequest::BIND: call.verb = "bind"; break;
    default: call.verb = "unknown"; break;
  }

  Reactor reactor;
  {
    std::lock_guard l(mu_);
    calls_.push_back(call);
    reactor = reactor_;
  }
  if (reactor) {
    if (auto s = reactor(call)) {
      set_status(resp, *s);
      return serialize(m);
    }
  }

  std::lock_guard l(mu_);
  if (call.verb == "listKinds") {
    auto list = resp.initKinds(static_cast<unsigned>(kinds_.size()));
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
    set_status(resp, Status{});
    return serialize(m);
  }
  if (!k) {
    set_status(resp, error(404, "NotFound", "the server could not find the requested resource"));
    return serialize(m);
  }
  Outcome out;
  try {
    if (call.verb == "get") {
      auto& bucket = objects_[group_key(k->resource)];
      auto it = bucket.find(key_of(*k, call.ns, call.name));
      if (it == bucket.end()) out.status = not_found(*k, call.name);
      else out.object = it->second;
    } else if (call.verb == "list") {
      auto labels = selectors::LabelSelector::parse(req.getList().getLabelSelector().cStr());
      auto fields = selectors::FieldSelector::parse(req.getList().getFieldSelector().cStr());
      std::vector<const Stored*> items;
      for (const auto& [key, s] : objects_[group_key(k->resource)]) {
        if (!call.ns.empty() && s.object["metadata"].value("namespace", "") != call.ns) continue;
        if (matches(s.object, labels, fields)) items.push_back(&s);
      }
      auto list = resp.initItems(static_cast<unsigned>(items.size()));
      for (unsigned i = 0; i < items.size(); ++i) list.set(i, as_data(items[i]->bytes));
      resp.setResourceVersion(revision_);
    } else if (call.verb == "create") {
      out = do_create(*k, call.ns, call.object, false);
    } else if (call.verb == "update") {
      out = do_update(*k, call.ns, call.name, call.object, call.subresource, true);
    } else if (call.verb == "patch") {
      auto& bucket = objects_[group_key(k->resource)];
      auto it = bucket.find(key_of(*k, call.ns, call.name));
      if (it == bucket.end()) {
        out.status = not_found(*k, call.name);
      } else if (call.object.is_discarded()) {
        out.status = error(400, "BadRequest", "the patch is not valid JSON");
      } else {
        const std::string type = req.getPatch().getPatchType();
        json patched;
        if (type == "merge") {
          patched = patch::apply_merge_patch(it->second.object, call.object);
        } else if (type == "strategic") {
          patch::KindPatchSchema ps(model(), k->schema);
          patched = patch::apply_strategic_merge_patch(it->second.object, call.object, ps);
        } else if (type == "json") {
          patched = patch::apply_json_patch(it->second.object, call.object);
        } else {
          throw patch::PatchError(415, "UnsupportedMediaType", "unknown patch type " + type);
        }
        // A resourceVersion the patch itself sets is a precondition; otherwise none.
        const std::string rv = patched["metadata"].value("resourceVersion", "");
        if (!rv.empty() && rv != std::to_string(it->second.rev))
          out.status = conflict(*k, call.name, "the object has been modified; please apply your changes to the latest version and try again");
        else
          out = do_update(*k, call.ns, call.name, std::move(patched), call.subresource, false);
      }
    } else if (call.verb == "delete") {
      out = do_delete(*k, call.ns, call.name, req.getDelete().getPropagationPolicy(), req.getDelete().getPreconditionUid());
    } else if (call.verb == "bind") {
      auto& bucket = objects_[group_key(k->resource)];
      auto it = bucket.find(key_of(*k, call.ns, call.name));
      const std::string target = req.getBind();
      if (k->binding_path.empty()) {
        out.status = error(404, "NotFound", "the server could not find the requested resource");
      } else if (it == bucket.end()) {
        out.status = not_found(*k, call.name);
      } else {
        json next = it->second.object;
        json* cur = &next;
        std::string_view path = k->binding_path;
        while (true) {
          auto dot = path.find('.');
          cur = &(*cur)[std::string(path.substr(0, dot))];
          if (dot == std::string_view::npos) break;
          path = path.substr(dot + 1);
        }
        if (cur->is_string() && !cur->get<std::string>().empty()) {
          out.status = conflict(*k, call.name, "pod " + call.name + " is already assigned to node \"" + cur->get<std::string>() + "\"");
        } else {
          *cur = target;
          out = store_update(*k, key_of(*k, call.ns, call.name), it->second, std::move(next));
        }
      }
    }
  } catch (const patch::PatchError& e) {
    out.status = error(e.code, e.reason, e.what());
  } catch (const selectors::SelectorError& e) {
    out.status = error(400, "BadRequest", e.what());
  }
  set_status(resp, out.status);
  if (out.status.ok() && out.object) {
    resp.setObject(as_data(out.object->bytes));
    resp.setResourceVersion(out.object->rev);
  }
  return serialize(m);
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
  auto out = do_create(*k, ns, std::move(o), true);
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
  if (spec_changed(it->second.object, next))
    next["metadata"]["generation"] = it->second.object["metadata"].value("generation", int64_t{1}) + 1;
  auto out = store_update(*k, it->first, it->second, std::move(next));
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
