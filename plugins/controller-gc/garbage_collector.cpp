#include "garbage_collector.hpp"

#include <nlohmann/json.hpp>

namespace capstan::gc {

using nlohmann::json;

namespace {
constexpr const char* kOrphan = "orphan";
constexpr const char* kForeground = "foregroundDeletion";

bool has_finalizer(capstan::meta::ObjectMeta::Reader meta, const char* name) {
  for (auto f : meta.getFinalizers())
    if (f == name) return true;
  return false;
}

json owner_reference_json(capstan::meta::OwnerReference::Reader ref) {
  json j = {{"apiVersion", ref.getApiVersion().cStr()}, {"kind", ref.getKind().cStr()},
            {"name", ref.getName().cStr()}, {"uid", ref.getUid().cStr()}};
  if (ref.getController().isValue()) j["controller"] = ref.getController().getValue();
  if (ref.getBlockOwnerDeletion().isValue()) j["blockOwnerDeletion"] = ref.getBlockOwnerDeletion().getValue();
  return j;
}
}  // namespace

GarbageCollector::GarbageCollector(const sdk::Host& host) : host_(host), client_(host, "garbage-collector") {
  controller_ = std::make_unique<sdk::Controller>("garbage-collector", host_,
                                                  [this](const std::string& key) { return reconcile(key); });
}

sdk::Resource GarbageCollector::resource(size_t kind) const {
  return {kinds_[kind].group, kinds_[kind].version, kinds_[kind].plural};
}

void GarbageCollector::start() {
  // Every kind registered by any plugin: all are known once the plugins have initialised.
  kinds_.clear();
  for (auto& k : client_.kinds())
    if (!k.transient) kinds_.push_back(std::move(k));  // access reviews own nothing and are never stored
  for (size_t i = 0; i < kinds_.size(); ++i) {
    auto informer = std::make_unique<sdk::Informer>(client_, resource(i));
    informer->add_handler([this, i](const sdk::ObjectPtr& obj, sdk::EventKind event) { on_event(i, obj, event); });
    controller_->watch(*informer);
    informers_.push_back(std::move(informer));
  }
  for (auto& informer : informers_) informer->start();
  controller_->start();
}

void GarbageCollector::stop() {
  controller_->stop();
  for (auto& informer : informers_) informer->stop();
}

void GarbageCollector::on_event(size_t kind, const sdk::ObjectPtr& obj, sdk::EventKind event) {
  const std::string key = object_key(kind, obj->ns(), obj->name());
  if (event == sdk::EventKind::kDeleted) {
    for (const auto& dependent : graph_.remove(key, obj->uid())) controller_->enqueue(dependent);
    return;
  }
  auto meta = obj->metadata();
  std::vector<std::string> owners;
  for (auto ref : meta.getOwnerReferences()) owners.emplace_back(ref.getUid().cStr());
  graph_.upsert(key, obj->uid(), owners);
  if (!owners.empty() || (meta.hasDeletionTimestamp() && (has_finalizer(meta, kOrphan) || has_finalizer(meta, kForeground))))
    controller_->enqueue(key);
}

sdk::ReconcileResult GarbageCollector::reconcile(const std::string& key) {
  size_t kind;
  std::string ns, name;
  if (!parse_object_key(key, kind, ns, name) || kind >= informers_.size()) return sdk::ReconcileResult::ok();
  auto obj = informers_[kind]->get(ns, name);
  if (!obj) return sdk::ReconcileResult::ok();
  auto meta = obj->metadata();
  if (meta.hasDeletionTimestamp() && (has_finalizer(meta, kOrphan) || has_finalizer(meta, kForeground)))
    return finalize_owner(kind, obj);
  if (meta.getOwnerReferences().size() == 0 || meta.hasDeletionTimestamp()) return sdk::ReconcileResult::ok();
  for (auto ref : meta.getOwnerReferences())
    if (owner_exists(obj, ref)) return sdk::ReconcileResult::ok();
  // The cache may lag: an Orphan deletion releases the dependents just before its owner goes, and
  // the owner's DELETED event can arrive before the released dependent's update. Decide on the
  // live object, as Kubernetes' attemptToDeleteItem does.
  auto live = client_.get(resource(kind), ns, name);
  if (live.status.not_found()) return sdk::ReconcileResult::ok();
  if (!live.status.ok()) return sdk::ReconcileResult::fail(live.status.message);
  if (live.object->uid() != obj->uid()) return sdk::ReconcileResult::ok();
  auto live_meta = live.object->metadata();
  if (live_meta.getOwnerReferences().size() == 0 || live_meta.hasDeletionTimestamp()) return sdk::ReconcileResult::ok();
  for (auto ref : live_meta.getOwnerReferences())
    if (owner_exists(live.object, ref)) return sdk::ReconcileResult::ok();
  // Every owner is gone: the dependent goes too.
  auto s = client_.remove(resource(kind), ns, name, "Background", obj->uid());
  if (!s.ok() && !s.not_found() && !s.conflict()) return sdk::ReconcileResult::fail(s.message);
  return sdk::ReconcileResult::ok();
}

bool GarbageCollector::owner_exists(const sdk::ObjectPtr& dependent, capstan::meta::OwnerReference::Reader ref) {
  const std::string uid = ref.getUid().cStr();
  if (graph_.exists(uid)) return true;
  // The graph may lag the store: ask the kernel before deleting anything.
  std::string api_version = ref.getApiVersion().cStr();
  auto slash = api_version.find('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  for (const auto& k : kinds_) {
    if (k.group != group || k.version != version || k.kind != std::string(ref.getKind().cStr())) continue;
    auto got = client_.get({k.group, k.version, k.plural}, k.namespaced ? dependent->ns() : "", ref.getName().cStr());
    if (got.status.ok()) return got.object->uid() == uid;
    return !got.status.not_found();  // unsure: keep the dependent
  }
  return true;  // an owner of a kind nobody serves: never collect on a guess
}

std::pair<size_t, sdk::ObjectPtr> GarbageCollector::cached(const std::string& key) const {
  size_t kind;
  std::string ns, name;
  if (!parse_object_key(key, kind, ns, name) || kind >= informers_.size()) return {0, nullptr};
  return {kind, informers_[kind]->get(ns, name)};
}

sdk::ReconcileResult GarbageCollector::finalize_owner(size_t kind, const sdk::ObjectPtr& obj) {
  auto meta = obj->metadata();
  const std::string uid = obj->uid();
  auto dependents = graph_.dependents(uid);
  if (has_finalizer(meta, kOrphan)) {
    for (const auto& dkey : dependents) {
      auto [dkind, dep] = cached(dkey);
      if (!dep) continue;
      json refs = json::array();
      for (auto ref : dep->metadata().getOwnerReferences())
        if (ref.getUid() != uid.c_str()) refs.push_back(owner_reference_json(ref));
      json patch = {{"metadata", {{"ownerReferences", refs.empty() ? json(nullptr) : refs}}}};
      auto r = client_.patch(resource(dkind), dep->ns(), dep->name(), "merge", patch.dump());
      if (!r.status.ok() && !r.status.not_found()) return sdk::ReconcileResult::fail(r.status.message);
    }
    auto s = remove_finalizer(kind, obj, kOrphan);
    if (!s.ok() && !s.not_found()) return sdk::ReconcileResult::fail(s.message);
    return sdk::ReconcileResult::ok();
  }
  // Foreground: dependents first, then the owner.
  size_t remaining = 0;
  for (const auto& dkey : dependents) {
    auto [dkind, dep] = cached(dkey);
    if (!dep) continue;
    ++remaining;
    if (!dep->metadata().hasDeletionTimestamp()) {
      auto s = client_.remove(resource(dkind), dep->ns(), dep->name(), "Foreground");
      if (!s.ok() && !s.not_found()) return sdk::ReconcileResult::fail(s.message);
    }
  }
  if (remaining > 0) return sdk::ReconcileResult::after(std::chrono::milliseconds(200));
  auto s = remove_finalizer(kind, obj, kForeground);
  if (!s.ok() && !s.not_found()) return sdk::ReconcileResult::fail(s.message);
  return sdk::ReconcileResult::ok();
}

sdk::Status GarbageCollector::remove_finalizer(size_t kind, const sdk::ObjectPtr& obj, const std::string& finalizer) {
  json rest = json::array();
  for (auto f : obj->metadata().getFinalizers())
    if (f != finalizer.c_str()) rest.push_back(f.cStr());
  // The resourceVersion makes this a compare-and-swap: a concurrent finalizer change wins and we retry.
  json patch = {{"metadata", {{"finalizers", rest.empty() ? json(nullptr) : rest},
                              {"resourceVersion", std::to_string(obj->revision())}}}};
  return client_.patch(resource(kind), obj->ns(), obj->name(), "merge", patch.dump()).status;
}

}  // namespace capstan::gc
