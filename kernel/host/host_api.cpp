#include "host/host_api.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstring>
#include <future>
#include <thread>

#include "api/api_error.hpp"
#include "api/binding_subresource.hpp"
#include "api/object_service.hpp"
#include "capstan/host.capnp.h"
#include "capstan/machinery/selectors/field_selector.hpp"
#include "capstan/machinery/selectors/label_selector.hpp"
#include "store/event_bus.hpp"

namespace capstan::host {

using nlohmann::json;

namespace {

kj::Array<capnp::word> aligned(const void* data, size_t size) {
  auto words = kj::heapArray<capnp::word>((size + 7) / 8);
  memset(words.begin(), 0, words.size() * 8);
  memcpy(words.begin(), data, size);
  return words;
}

void release(uint8_t* p, size_t) { free(p); }

void give(capstan_owned_bytes* out, const std::string& bytes) {
  out->data = static_cast<uint8_t*>(malloc(bytes.size() ? bytes.size() : 1));
  memcpy(out->data, bytes.data(), bytes.size());
  out->size = bytes.size();
  out->release = &release;
}

std::string to_string(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

capnp::Data::Reader data_of(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(s.data()), s.size());
}

}  // namespace

// ---- watches --------------------------------------------------------------------------------

class PluginWatch {
 public:
  PluginWatch(std::string ns, selectors::LabelSelector labels, selectors::FieldSelector fields, capstan_watch_callback cb,
              void* user)
      : ns_(std::move(ns)), labels_(std::move(labels)), fields_(std::move(fields)), cb_(cb), user_(user) {}

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
        sub->drain(events, 512);
        if (events.empty()) break;
        for (const auto& e : events) {
          if (!ns_.empty() && e.object->namespace_ != ns_) continue;
          if (!labels_.empty() && !labels_.matches([&](std::string_view k) -> const std::string* {
                for (const auto& [lk, lv] : e.object->labels)
                  if (lk == k) return &lv;
                return nullptr;
              }))
            continue;
          if (!fields_.empty() && !fields_.matches([&](std::string_view f) -> std::optional<std::string> {
                if (f == "metadata.name") return e.object->name;
                if (f == "metadata.namespace") return e.object->namespace_;
                for (const auto& [k, v] : e.object->fields)
                  if (k == f) return v;
                return std::nullopt;
              }))
            continue;
          deliver(e.type == store::EventType::kAdded      ? capstan::host::WatchEvent::Type::ADDED
                  : e.type == store::EventType::kModified ? capstan::host::WatchEvent::Type::MODIFIED
                                                          : capstan::host::WatchEvent::Type::DELETED,
                  e.object.get(), e.revision);
        }
      }
      if (sub->cut_off()) {
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
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      cv_.notify_one();
    }
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
  }

  std::shared_ptr<store::Subscription> sub;
  std::thread thread;

 private:
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

  std::string ns_;
  selectors::LabelSelector labels_;
  selectors::FieldSelector fields_;
  capstan_watch_callback cb_;
  void* user_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool signalled_ = false;
  bool stopping_ = false;
};

// ---- HostApi ---------------------------------------------------------------------------------

HostApi::HostApi(api::ObjectService& objects, store::EventBus& bus)
    : objects_(&objects), bus_(&bus), kinds_(objects.kinds()) {}

HostApi::HostApi(const schema::KindRegistry& kinds, HostTransport& remote) : kinds_(kinds), remote_(&remote) {}

HostApi::~HostApi() { stop_all_watches(); }

const capstan_host_api* HostApi::table_for(const std::string& plugin) {
  std::lock_guard lock(mutex_);
  auto& ctx = contexts_[plugin];
  if (!ctx) {
    ctx = std::make_unique<Context>();
    ctx->self = this;
    ctx->plugin = plugin;
    auto& t = ctx->table;
    memset(&t, 0, sizeof t);
    t.struct_size = sizeof(capstan_host_api);
    t.host_context = ctx.get();
    t.call = [](void* c, capstan_borrowed_bytes req, capstan_owned_bytes* resp) -> capstan_status {
      auto* ctx = static_cast<Context*>(c);
      try {
        give(resp, ctx->self->serve(std::string(reinterpret_cast<const char*>(req.data), req.size)));
        return CAPSTAN_OK;
      } catch (const std::exception& e) {
        give(resp, e.what());
        return CAPSTAN_ERROR;
      }
    };
    t.watch = [](void* c, capstan_borrowed_bytes req, capstan_watch_callback cb, void* user,
                 uint64_t* id) -> capstan_status {
      auto* ctx = static_cast<Context*>(c);
      try {
        *id = ctx->self->start_watch(std::string(reinterpret_cast<const char*>(req.data), req.size), cb, user);
        return CAPSTAN_OK;
      } catch (const std::exception& e) {
        spdlog::warn("plugin {}: watch refused: {}", ctx->plugin, e.what());
        return CAPSTAN_ERROR;
      }
    };
    t.unwatch = [](void* c, uint64_t id) { static_cast<Context*>(c)->self->stop_watch(id); };
    t.invoke = [](void* c, const char* target, capstan_borrowed_bytes req, capstan_owned_bytes* resp) -> capstan_status {
      auto* ctx = static_cast<Context*>(c);
      std::string response;
      capstan_status status = CAPSTAN_NOT_FOUND;
      try {
        if (ctx->self->invoker_)
          status = ctx->self->invoker_(target ? target : "", std::string(reinterpret_cast<const char*>(req.data), req.size),
                                       response);
      } catch (const std::exception& e) {
        response = e.what();
        status = CAPSTAN_ERROR;
      }
      give(resp, response);
      return status;
    };
    t.log = [](void* c, int level, const char* message) {
      auto* ctx = static_cast<Context*>(c);
      spdlog::log(static_cast<spdlog::level::level_enum>(std::clamp(level, 0, 5)), "[{}] {}", ctx->plugin,
                  message ? message : "");
    };
  }
  return &ctx->table;
}

std::string HostApi::encode(const schema::Kind& kind, const json& object) const {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(kind.schema);
  schema::DecodeReport report;
  kinds_.codec().decode(object, root, report);
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

json HostApi::decode(const schema::Kind& kind, const void* data, size_t size) const {
  auto words = aligned(data, size);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 30;
  capnp::FlatArrayMessageReader reader(words, options);
  return kinds_.codec().encode(reader.getRoot<capnp::DynamicStruct>(kind.schema));
}

std::string HostApi::serve(const std::string& request_bytes) {
  if (remote_) return remote_->serve(request_bytes);
  auto words = aligned(request_bytes.data(), request_bytes.size());
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 30;
  capnp::FlatArrayMessageReader reader(words, options);
  auto req = reader.getRoot<capstan::host::HostRequest>();

  capnp::MallocMessageBuilder out;
  auto resp = out.initRoot<capstan::host::HostResponse>();
  auto fail = [&](const api::ApiError& e) {
    auto st = resp.initStatus();
    st.setCode(e.code);
    st.setReason(e.reason);
    st.setMessage(e.what());
  };
  try {
    if (req.isListKinds()) {
      auto all = objects_->kinds().all();
      auto kinds = resp.initKinds(static_cast<unsigned>(all.size()));
      for (unsigned i = 0; i < all.size(); ++i) {
        kinds[i].setGroup(all[i]->group);
        kinds[i].setVersion(all[i]->version);
        kinds[i].setKind(all[i]->kind);
        kinds[i].setPlural(all[i]->plural);
        kinds[i].setNamespaced(all[i]->namespaced);
      }
      resp.initStatus().setCode(200);
    } else {
      auto r = req.getResource();
      const schema::Kind* kind =
          objects_->kinds().by_resource(to_string(r.getGroup()), to_string(r.getVersion()), to_string(r.getResource()));
      if (!kind)
        throw api::ApiError(404, "NotFound", "the server could not find the requested resource " + to_string(r.getResource()));
      const std::string ns = kind->namespaced ? to_string(req.getNamespace()) : "";
      const std::string name = to_string(req.getName());
      api::WriteOptions opts;
      opts.field_manager = to_string(req.getFieldManager());
      opts.validation = schema::UnknownFieldPolicy::kIgnore;
      std::promise<api::WriteOutcome> promise;
      auto done = [&promise](api::WriteOutcome o) { promise.set_value(std::move(o)); };
      bool is_write = true;
      switch (req.which()) {
        case capstan::host::HostRequest::GET: {
          is_write = false;
          auto obj = objects_->get(*kind, ns, name);
          resp.setObject(data_of(obj->bytes));
          resp.setResourceVersion(obj->revision);
          resp.initStatus().setCode(200);
          break;
        }
        case capstan::host::HostRequest::LIST: {
          is_write = false;
          uint64_t rev = 0;
          auto l = req.getList();
          auto items = objects_->list(*kind, ns, to_string(l.getLabelSelector()), to_string(l.getFieldSelector()), &rev);
          auto list = resp.initItems(static_cast<unsigned>(items.size()));
          for (unsigned i = 0; i < items.size(); ++i) list.set(i, data_of(items[i]->bytes));
          resp.setResourceVersion(rev);
          resp.initStatus().setCode(200);
          break;
        }
        case capstan::host::HostRequest::CREATE: {
          auto d = req.getCreate();
          objects_->create(*kind, ns, decode(*kind, d.begin(), d.size()), opts, done);
          break;
        }
        case capstan::host::HostRequest::UPDATE: {
          auto u = req.getUpdate();
          json body = decode(*kind, u.getObject().begin(), u.getObject().size());
          std::string target = name.empty() ? body["metadata"].value("name", "") : name;
          objects_->update(*kind, ns, target, std::move(body), to_string(u.getSubresource()), opts, done);
          break;
        }
        case capstan::host::HostRequest::PATCH: {
          auto p = req.getPatch();
          std::string t = to_string(p.getPatchType());
          api::PatchType type = t == "json"        ? api::PatchType::kJson
                                : t == "strategic" ? api::PatchType::kStrategic
                                                   : api::PatchType::kMerge;
          json doc = json::parse(to_string(p.getBody()));
          objects_->patch(*kind, ns, name, type, doc, to_string(p.getSubresource()), opts, done);
          break;
        }
        case capstan::host::HostRequest::DELETE: {
          auto d = req.getDelete();
          api::DeleteOptions del;
          del.propagation_policy = to_string(d.getPropagationPolicy());
          del.precondition_uid = to_string(d.getPreconditionUid());
          if (d.getGracePeriodSeconds() >= 0) del.grace_period_seconds = d.getGracePeriodSeconds();
          objects_->remove(*kind, ns, name, del, opts, done);
          break;
        }
        case capstan::host::HostRequest::BIND: {
          if (kind->binding_path.empty())
            throw api::ApiError(404, "NotFound", kind->group_resource() + " has no binding subresource");
          api::bind_object(*objects_, *kind, ns, name, to_string(req.getBind()), opts, done);
          break;
        }
        default:
          throw api::ApiError(400, "BadRequest", "unknown host request");
      }
      if (is_write) {
        auto outcome = promise.get_future().get();
        if (outcome.error) {
          fail(*outcome.error);
        } else {
          resp.initStatus().setCode(outcome.code);
          resp.setObject(data_of(outcome.object->bytes));
          resp.setResourceVersion(outcome.object->revision);
        }
      }
    }
  } catch (const api::ApiError& e) {
    fail(e);
  } catch (const std::exception& e) {
    fail(api::ApiError(500, "InternalError", e.what()));
  }
  auto words_out = capnp::messageToFlatArray(out);
  auto bytes = words_out.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

uint64_t HostApi::start_watch(const std::string& request_bytes, capstan_watch_callback cb, void* user) {
  if (remote_) return remote_->start_watch(request_bytes, cb, user);
  auto words = aligned(request_bytes.data(), request_bytes.size());
  capnp::FlatArrayMessageReader reader(words);
  auto req = reader.getRoot<capstan::host::WatchRequest>();
  auto r = req.getResource();
  const schema::Kind* kind =
      objects_->kinds().by_resource(to_string(r.getGroup()), to_string(r.getVersion()), to_string(r.getResource()));
  if (!kind) throw std::runtime_error("no such resource: " + to_string(r.getResource()));
  std::string ns = kind->namespaced ? to_string(req.getNamespace()) : "";
  auto fields = selectors::FieldSelector::parse(to_string(req.getFieldSelector()));
  objects_->check_field_selector(*kind, fields);  // throws for a field the kind cannot be selected by
  auto watch = std::make_shared<PluginWatch>(ns, selectors::LabelSelector::parse(to_string(req.getLabelSelector())),
                                             std::move(fields), cb, user);
  uint64_t after = req.getResourceVersion();
  if (after == 0) after = objects_->store().revision();
  std::weak_ptr<PluginWatch> weak = watch;
  std::shared_ptr<store::Subscription> sub;
  auto result = bus_->subscribe(objects_->prefix(*kind, ns), after, [weak] {
    if (auto w = weak.lock()) w->signal();
  }, sub);
  watch->sub = sub;
  if (result == store::EventBus::SubscribeResult::kExpired) {
    // Tell the plugin at once that it must list again.
    capnp::MallocMessageBuilder m;
    m.initRoot<capstan::host::WatchEvent>().setType(capstan::host::WatchEvent::Type::RESYNC);
    auto w = capnp::messageToFlatArray(m);
    auto b = w.asBytes();
    cb(user, capstan_borrowed_bytes{b.begin(), b.size()});
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

void HostApi::stop_watch(uint64_t id) {
  if (remote_) return remote_->stop_watch(id);
  std::shared_ptr<PluginWatch> w;
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    w = it->second;
    watches_.erase(it);
  }
  bus_->unsubscribe(w->sub);
  w->stop();
}

void HostApi::stop_all_watches() {
  if (remote_) return remote_->stop_all_watches();
  std::map<uint64_t, std::shared_ptr<PluginWatch>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(watches_);
  }
  for (auto& [id, w] : all) {
    bus_->unsubscribe(w->sub);
    w->stop();
  }
}

void HostApi::set_admitter(const std::string& plugin, const capstan_plugin_descriptor* d, void* state) {
  std::lock_guard lock(mutex_);
  admitters_[plugin] = Admitter{d, state};
}

void HostApi::admit(const schema::Kind& kind, api::Operation op, const std::string& subresource, json& object,
                    const json* old_object, bool dry_run, std::vector<std::string>& warnings,
                    api::DeleteAdmission* del) {
  if (!kind.admission) return;
  Admitter admitter{};
  {
    std::lock_guard lock(mutex_);
    auto it = admitters_.find(kind.plugin);
    if (it == admitters_.end()) return;
    admitter = it->second;
  }
  if (!admitter.descriptor->on_admit) return;
  capnp::MallocMessageBuilder m;
  auto req = m.initRoot<capstan::host::AdmissionRequest>();
  req.setOperation(op == api::Operation::kCreate   ? capstan::host::AdmissionRequest::Operation::CREATE
                   : op == api::Operation::kUpdate ? capstan::host::AdmissionRequest::Operation::UPDATE
                                                   : capstan::host::AdmissionRequest::Operation::DELETE);
  auto r = req.initResource();
  r.setGroup(kind.group);
  r.setVersion(kind.version);
  r.setResource(kind.plural);
  req.setKind(kind.kind);
  req.setSubresource(subresource);
  req.setDryRun(dry_run);
  if (del && del->grace_period_seconds) req.setGracePeriodSeconds(*del->grace_period_seconds);
  std::string obj_bytes = encode(kind, object);
  req.setObject(data_of(obj_bytes));
  std::string old_bytes;
  if (old_object) {
    old_bytes = encode(kind, *old_object);
    req.setOldObject(data_of(old_bytes));
  }
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  capstan_owned_bytes response{nullptr, 0, nullptr};
  auto status = admitter.descriptor->on_admit(admitter.state, capstan_borrowed_bytes{bytes.begin(), bytes.size()}, &response);
  std::string resp_bytes;
  if (response.data) {
    resp_bytes.assign(reinterpret_cast<const char*>(response.data), response.size);
    if (response.release) response.release(response.data, response.size);
  }
  if (status != CAPSTAN_OK)
    throw api::ApiError(500, "InternalError", "admission plugin " + kind.plugin + " failed: " + resp_bytes);
  auto rw = aligned(resp_bytes.data(), resp_bytes.size());
  capnp::FlatArrayMessageReader reader(rw);
  auto resp = reader.getRoot<capstan::host::AdmissionResponse>();
  for (auto w : resp.getWarnings()) warnings.push_back(to_string(w));
  if (!resp.getAllowed()) {
    auto st = resp.getStatus();
    api::ApiError e(st.getCode() ? st.getCode() : 422, st.hasReason() ? to_string(st.getReason()) : "Invalid",
                    to_string(st.getMessage()));
    for (auto c : st.getCauses()) e.causes.push_back({to_string(c.getField()), to_string(c.getReason()), to_string(c.getMessage())});
    if (e.reason == "Invalid" && !e.causes.empty() && e.code == 422) {
      std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
      api::ApiError inv = api::invalid(kind.kind, kind.group, name, e.causes);
      throw inv;
    }
    e.with_details(object.contains("metadata") ? object["metadata"].value("name", "") : "", kind.group, kind.plural);
    throw e;
  }
  if (del && resp.getRetain()) {
    del->retain = true;
    del->retain_grace_seconds = std::max<int64_t>(resp.getGracePeriodSeconds(), 0);
  }
  if (resp.hasObject() && resp.getObject().size() > 0) {
    json mutated = decode(kind, resp.getObject().begin(), resp.getObject().size());
    object = std::move(mutated);
  }
}

}  // namespace capstan::host
