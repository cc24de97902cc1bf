#include "host/local_host.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <future>
#include <thread>

#include "api/api_error.hpp"
#include "api/object_service.hpp"
#include "api/subresources.hpp"
#include "host/authorization_wire.hpp"

namespace capstan::host {

using nlohmann::json;

namespace {

std::string text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

capnp::Data::Reader data_of(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(s.data()), s.size());
}

void fail(sdk::HostService::Response out, const api::ApiError& e) { sdk::set_status(out, e.code, e.reason, e.what()); }

void answer(sdk::HostService::Response out, const api::WriteOutcome& o) {
  if (o.error) return fail(out, *o.error);
  sdk::set_status(out, o.code ? o.code : 200);
  if (o.object) {
    out.setObject(data_of(o.object->bytes));
    out.setResourceVersion(o.object->revision);
  }
}

// Plugins' writes: server rules, no unknown-field warnings (their objects are typed).
api::WriteOptions options_for(const sdk::HostTarget& t) {
  api::WriteOptions opts;
  opts.field_manager = t.field_manager;
  opts.validation = schema::UnknownFieldPolicy::kIgnore;
  return opts;
}

}  // namespace

// ---- watches --------------------------------------------------------------------------------

// Delivers one plugin watch: drains its subscription on a thread of its own, filters through the
// watch's selection and hands each event to the plugin's callback, in revision order.
class PluginWatch {
 public:
  PluginWatch(api::ObjectService& objects, api::Selection selection, capstan_watch_callback cb, void* user)
      : objects_(objects), selection_(std::move(selection)), cb_(cb), user_(user) {}

  void run() {
    std::vector<store::Event> events;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      cv_.wait(lock, [&] { return stopping_ || signalled_; });
      signalled_ = false;
      if (stopping_) break;
      lock.unlock();
      for (;;) {
        events.clear();
        subscription->drain(events, 512);
        if (events.empty()) break;
        for (const auto& e : events) {
          auto type = selection_.filter(e);
          if (!type) continue;
          deliver(*type == store::EventType::kAdded      ? capstan::host::WatchEvent::Type::ADDED
                  : *type == store::EventType::kModified ? capstan::host::WatchEvent::Type::MODIFIED
                                                         : capstan::host::WatchEvent::Type::DELETED,
                  e.object.get(), e.revision);
        }
      }
      if (subscription->cut_off()) {
        deliver(capstan::host::WatchEvent::Type::RESYNC, nullptr, 0);
        lock.lock();
        break;
      }
      lock.lock();
    }
  }

  void signal() {
    std::lock_guard lock(mutex_);
    signalled_ = true;
    cv_.notify_one();
  }

  void stop() {
    objects_.unwatch(subscription);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      cv_.notify_one();
    }
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
  }

  void deliver(capstan::host::WatchEvent::Type type, const store::Object* obj, uint64_t rev) {
    capnp::MallocMessageBuilder m;
    auto e = m.initRoot<capstan::host::WatchEvent>();
    e.setType(type);
    if (obj) e.setObject(data_of(obj->bytes));
    e.setResourceVersion(rev);
    auto words = capnp::messageToFlatArray(m);
    auto bytes = words.asBytes();
    cb_(user_, capstan_borrowed_bytes{bytes.begin(), bytes.size()});
  }

  std::shared_ptr<store::Subscription> subscription;
  std::thread thread;

 private:
  api::ObjectService& objects_;
  api::Selection selection_;
  capstan_watch_callback cb_;
  void* user_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool signalled_ = false;
  bool stopping_ = false;
};

// ---- LocalHost -------------------------------------------------------------------------------

LocalHost::LocalHost(api::ObjectService& objects) : objects_(objects) {}

LocalHost::~LocalHost() { unwatch_all(); }

const schema::Kind& LocalHost::kind_of(const sdk::HostTarget& t) const {
  const schema::Kind* kind = objects_.kinds().by_resource(t.group, t.version, t.resource);
  if (!kind) throw api::ApiError(404, "NotFound", "the server could not find the requested resource " + t.resource);
  return *kind;
}

template <typename Start>
void LocalHost::wait_for(Start start, Response out) {
  try {
    std::promise<api::WriteOutcome> promise;
    start([&promise](api::WriteOutcome o) { promise.set_value(std::move(o)); });
    answer(out, promise.get_future().get());
  } catch (const api::ApiError& e) {
    fail(out, e);
  }
}

void LocalHost::get(const sdk::HostTarget& t, Response out) {
  try {
    const auto& kind = kind_of(t);
    auto obj = objects_.get(kind, kind.namespaced ? t.ns : "", t.name);
    out.setObject(data_of(obj->bytes));
    out.setResourceVersion(obj->revision);
    sdk::set_status(out, 200);
  } catch (const api::ApiError& e) {
    fail(out, e);
  }
}

void LocalHost::list(const sdk::HostTarget& t, std::string_view label_selector, std::string_view field_selector,
                     Response out) {
  try {
    const auto& kind = kind_of(t);
    uint64_t revision = 0;
    auto items = objects_.list(
        kind, api::Selection::parse(kind, t.ns, std::string(label_selector), std::string(field_selector)), &revision);
    auto list = out.initItems(static_cast<unsigned>(items.size()));
    for (unsigned i = 0; i < items.size(); ++i) list.set(i, data_of(items[i]->bytes));
    out.setResourceVersion(revision);
    sdk::set_status(out, 200);
  } catch (const api::ApiError& e) {
    fail(out, e);
  }
}

void LocalHost::create(const sdk::HostTarget& t, capnp::Data::Reader object, Response out) {
  wait_for([&](api::WriteDone done) {
    const auto& kind = kind_of(t);
    api::DecodedObject decoded{objects_.from_bytes(kind, {reinterpret_cast<const char*>(object.begin()), object.size()}), {}};
    objects_.create(kind, kind.namespaced ? t.ns : "", std::move(decoded), options_for(t), std::move(done));
  }, out);
}

void LocalHost::update(const sdk::HostTarget& t, capnp::Data::Reader object, std::string_view subresource,
                       Response out) {
  wait_for([&](api::WriteDone done) {
    const auto& kind = kind_of(t);
    api::DecodedObject decoded{objects_.from_bytes(kind, {reinterpret_cast<const char*>(object.begin()), object.size()}), {}};
    const std::string name = t.name.empty() ? decoded.draft.name() : t.name;
    objects_.update(kind, kind.namespaced ? t.ns : "", name, std::move(decoded), std::string(subresource),
                    options_for(t), std::move(done));
  }, out);
}

void LocalHost::patch(const sdk::HostTarget& t, std::string_view patch_type, std::string_view body,
                      std::string_view subresource, Response out) {
  wait_for([&](api::WriteDone done) {
    const auto& kind = kind_of(t);
    api::PatchType type = patch_type == "json"        ? api::PatchType::kJson
                          : patch_type == "strategic" ? api::PatchType::kStrategic
                                                      : api::PatchType::kMerge;
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded()) throw api::bad_request("the patch is not JSON");
    objects_.patch(kind, kind.namespaced ? t.ns : "", t.name, type, doc, std::string(subresource), options_for(t),
                   std::move(done));
  }, out);
}

void LocalHost::remove(const sdk::HostTarget& t, const sdk::HostDelete& options, Response out) {
  wait_for([&](api::WriteDone done) {
    const auto& kind = kind_of(t);
    api::DeleteOptions del;
    del.propagation_policy = options.propagation_policy;
    del.precondition_uid = options.precondition_uid;
    if (options.grace_period_seconds >= 0) del.grace_period_seconds = options.grace_period_seconds;
    objects_.remove(kind, kind.namespaced ? t.ns : "", t.name, del, options_for(t), std::move(done));
  }, out);
}

void LocalHost::post_subresource(const sdk::HostTarget& t, std::string_view subresource, std::string_view body,
                                 Response out) {
  wait_for([&](api::WriteDone done) {
    const auto& kind = kind_of(t);
    json doc = json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_discarded()) throw api::bad_request("the " + std::string(subresource) + " body is not JSON");
    api::post_subresource(objects_, kind, kind.namespaced ? t.ns : "", t.name, std::string(subresource), doc,
                          options_for(t), std::move(done));
  }, out);
}

void LocalHost::list_kinds(Response out) {
  auto all = objects_.kinds().all();
  auto kinds = out.initKinds(static_cast<unsigned>(all.size()));
  for (unsigned i = 0; i < all.size(); ++i) {
    kinds[i].setGroup(all[i]->group);
    kinds[i].setVersion(all[i]->version);
    kinds[i].setKind(all[i]->kind);
    kinds[i].setPlural(all[i]->plural);
    kinds[i].setNamespaced(all[i]->namespaced);
    kinds[i].setTransient(all[i]->transient);
  }
  sdk::set_status(out, 200);
}

void LocalHost::authorize(capstan::host::AuthorizationRequest::Reader request, Response out) {
  const auth::Authorizer* authorizer = authorizer_.load();
  if (!authorizer) return sdk::set_status(out, 503, "ServiceUnavailable", "the authorizers are not ready yet");
  const auth::User user = read_user(request.getUser());
  if (request.getRulesReview())
    write_rules(authorizer->rules_for(user, std::string(request.getNamespace().cStr())), out.initAuthorization());
  else
    write_decision(authorizer->authorize(user, read_attributes(request)), out.initAuthorization());
  sdk::set_status(out, 200);
}

uint64_t LocalHost::watch(capstan::host::WatchRequest::Reader req, capstan_watch_callback cb, void* user) {
  auto r = req.getResource();
  const schema::Kind* kind = objects_.kinds().by_resource(text(r.getGroup()), text(r.getVersion()), text(r.getResource()));
  if (!kind) throw std::runtime_error("no such resource: " + text(r.getResource()));
  auto selection = api::Selection::parse(*kind, text(req.getNamespace()), text(req.getLabelSelector()),
                                         text(req.getFieldSelector()));
  auto watch = std::make_shared<PluginWatch>(objects_, selection, cb, user);
  std::weak_ptr<PluginWatch> weak = watch;
  auto start = objects_.watch(*kind, selection, req.getResourceVersion(), /*send_initial=*/false, [weak] {
    if (auto w = weak.lock()) w->signal();
  });
  watch->subscription = start.subscription;
  if (start.expired) {
    // Tell the plugin at once that it must list again.
    watch->deliver(capstan::host::WatchEvent::Type::RESYNC, nullptr, 0);
    objects_.unwatch(start.subscription);
    std::lock_guard lock(mutex_);
    return next_watch_++;  // nothing to deliver: unwatch of this id is a no-op
  }
  std::lock_guard lock(mutex_);
  uint64_t id = next_watch_++;
  watches_[id] = watch;
  watch->thread = std::thread([watch] { watch->run(); });
  watch->signal();
  return id;
}

void LocalHost::unwatch(uint64_t id) {
  std::shared_ptr<PluginWatch> w;
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    w = it->second;
    watches_.erase(it);
  }
  w->stop();
}

void LocalHost::unwatch_all() {
  std::map<uint64_t, std::shared_ptr<PluginWatch>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(watches_);
  }
  for (auto& [id, w] : all) w->stop();
}

}  // namespace capstan::host
