#include "capstan/events.hpp"

#include <capnp/any.h>
#include <capnp/message.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::sdk {

namespace {

using machinery::kEvents;
constexpr auto kWindow = std::chrono::minutes(10);  // client-go's maxIntervalInSeconds
constexpr size_t kMaxSimilar = 10;                  // client-go's maxEvents per aggregate
constexpr size_t kQueueLimit = 1000;                // client-go's broadcaster queue
constexpr size_t kCacheLimit = 4096;                // client-go's LRU size
constexpr int kCreateAttempts = 3;
constexpr const char* kCombinedPrefix = "(combined from similar events): ";

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return machinery::format_rfc3339(std::chrono::system_clock::to_time_t(t));
}

std::string text_pointer(capnp::AnyStruct::Reader root, unsigned index) {
  auto pointers = root.getPointerSection();
  if (pointers.size() <= index || pointers[index].isNull()) return "";
  return pointers[index].getAs<capnp::Text>();
}

std::string join_key(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) {
    out.append(p);
    out.push_back('\x1f');  // a separator no field contains
  }
  return out;
}

}  // namespace

ObjectRef ObjectRef::of(const Object& obj, std::string api_version, std::string kind) {
  ObjectRef ref;
  // Every kind's root struct starts with apiVersion @0 and kind @1: the first two pointers.
  auto root = obj.as<capnp::AnyStruct>();
  ref.api_version = api_version.empty() ? text_pointer(root, 0) : std::move(api_version);
  ref.kind = kind.empty() ? text_pointer(root, 1) : std::move(kind);
  auto meta = obj.metadata();
  ref.ns = meta.getNamespace();
  ref.name = meta.getName();
  ref.uid = meta.getUid();
  ref.resource_version = meta.getResourceVersion();
  return ref;
}

ObjectRef ObjectRef::of(capstan::meta::ObjectReference::Reader r) {
  ObjectRef ref;
  ref.api_version = r.getApiVersion();
  ref.kind = r.getKind();
  ref.ns = r.getNamespace();
  ref.name = r.getName();
  ref.uid = r.getUid();
  ref.resource_version = r.getResourceVersion();
  ref.field_path = r.getFieldPath();
  return ref;
}

std::string event_time_now() { return rfc3339(std::chrono::system_clock::now()); }

EventRecorder::EventRecorder(const Host& host, std::string component, std::string source_host)
    : host_(host),
      client_(host, component),
      component_(std::move(component)),
      source_host_(std::move(source_host)),
      clock_([] { return std::chrono::system_clock::now(); }) {}

void EventRecorder::emit(const EventTarget& t, const std::string& type, const std::string& reason,
                         const std::string& message) {
  ObjectRef ref;
  ref.api_version = t.api_version;
  ref.kind = t.kind;
  ref.ns = t.ns;
  ref.name = t.name;
  ref.uid = t.uid;
  ref.field_path = t.field_path;
  record(ref, type, reason, message);
}

void EventRecorder::emit(const ObjectPtr& object, const std::string& kind, const std::string& type,
                         const std::string& reason, const std::string& message, const std::string& field_path) {
  if (!object) return;
  ObjectRef ref = ObjectRef::of(*object, "", kind);
  if (ref.api_version.empty()) ref.api_version = "v1";
  ref.field_path = field_path;
  record(ref, type, reason, message);
}

uint64_t EventRecorder::created() const {
  std::lock_guard l(write_mu_);
  return created_;
}

uint64_t EventRecorder::folded() const {
  std::lock_guard l(write_mu_);
  return folded_;
}

EventRecorder::~EventRecorder() { shutdown(); }

void EventRecorder::set_synchronous(bool synchronous) {
  std::lock_guard l(mu_);
  synchronous_ = synchronous;
}

void EventRecorder::set_clock(Clock clock) {
  std::lock_guard l(mu_);
  clock_ = std::move(clock);
}

void EventRecorder::record(const ObjectRef& involved, std::string_view type, std::string_view reason,
                           std::string message) {
  std::chrono::system_clock::time_point now;
  {
    std::lock_guard l(mu_);
    now = clock_();
  }
  Pending p{involved, std::string(type), std::string(reason), std::move(message), now};
  {
    std::unique_lock l(mu_);
    if (stopped_) return;
    if (!synchronous_) {
      if (queue_.size() >= kQueueLimit) {
        // At most one line per 10 s, with the count: a burst drops thousands at scale.
        ++dropped_;
        const auto now = std::chrono::steady_clock::now();
        if (last_drop_report_ != std::chrono::steady_clock::time_point{} && now - last_drop_report_ < std::chrono::seconds(10))
          return;
        const size_t count = dropped_;
        dropped_ = 0;
        last_drop_report_ = now;
        l.unlock();
        host_.warn(component_ + ": event queue full, dropped " + std::to_string(count) + " event(s), the last " +
                   p.reason + " for " + p.involved.kind + " " + p.involved.name);
        return;
      }
      queue_.push_back(std::move(p));
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
      cv_.notify_all();
      return;
    }
  }
  try {
    write(p);
  } catch (const std::exception& e) {
    host_.warn(component_ + ": writing event: " + e.what());
  }
}

void EventRecorder::flush() {
  std::unique_lock l(mu_);
  cv_.wait(l, [&] { return queue_.empty() && !writing_; });
}

void EventRecorder::shutdown() {
  {
    std::lock_guard l(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventRecorder::run() {
  std::unique_lock l(mu_);
  for (;;) {
    cv_.wait(l, [&] { return stopped_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopped, and everything queued was written
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    l.unlock();
    try {
      write(p);
    } catch (const std::exception& e) {
      host_.warn(component_ + ": writing event: " + e.what());
    }
    l.lock();
    writing_ = false;
    cv_.notify_all();
  }
}

std::string EventRecorder::unique_name(const std::string& base) {
  // client-go uses the creation time in nanoseconds; two events in one nanosecond (or a clock
  // going back) must still get distinct names, so the suffix only grows.
  uint64_t nanos = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  if (nanos <= last_suffix_) nanos = last_suffix_ + 1;
  last_suffix_ = nanos;
  char hex[24];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  return base + "." + hex;
}

void EventRecorder::prune(std::chrono::system_clock::time_point now) {
  if (seen_.size() > kCacheLimit) {
    for (auto it = seen_.begin(); it != seen_.end();) it = now - it->second.last > kWindow ? seen_.erase(it) : ++it;
    // Still full of recent events: start over rather than grow without bound.
    if (seen_.size() > kCacheLimit) seen_.clear();
  }
  if (similar_.size() > kCacheLimit) similar_.clear();
}

void EventRecorder::write(const Pending& p) {
  std::lock_guard l(write_mu_);
  const ObjectRef& o = p.involved;
  prune(p.when);

  // Aggregation: count the distinct messages of this (source, object, type, reason).
  const std::string aggregate_key = join_key({component_, source_host_, o.kind, o.ns, o.name, o.uid, o.api_version,
                                              p.type, p.reason});
  std::string key = join_key({component_, source_host_, o.kind, o.ns, o.name, o.field_path, o.uid, o.api_version,
                              p.type, p.reason, p.message});
  std::string message = p.message;
  auto& similar = similar_[aggregate_key];
  for (auto it = similar.messages.begin(); it != similar.messages.end();)
    it = p.when - it->second > kWindow ? similar.messages.erase(it) : ++it;
  similar.messages[p.message] = p.when;
  if (similar.messages.size() >= kMaxSimilar) {
    similar.messages.erase(p.message);  // the set never grows past the limit
    message = kCombinedPrefix + p.message;
    key = aggregate_key;
  }

  // A repeat within the window: bump the existing Event.
  auto it = seen_.find(key);
  if (it != seen_.end() && p.when - it->second.last <= kWindow) {
    Seen& seen = it->second;
    const int32_t count = seen.count + 1;
    nlohmann::json body = {{"count", count}, {"lastTimestamp", rfc3339(p.when)}, {"message", message}};
    auto r = client_.patch(kEvents, seen.ns, seen.name, "merge", body.dump());
    if (r.status.ok()) {
      seen.count = count;
      seen.last = p.when;
      ++folded_;
      return;
    }
    if (!r.status.not_found()) {
      host_.warn(component_ + ": updating event " + seen.ns + "/" + seen.name + ": " + r.status.message);
      return;
    }
    // The Event is gone (deleted or expired): write it anew, keeping its history, as client-go does.
    if (create(p, message, count, seen.first_timestamp, seen)) return;
    seen_.erase(key);
    return;
  }

  Seen seen;
  if (create(p, message, 1, rfc3339(p.when), seen)) seen_[key] = std::move(seen);
}

bool EventRecorder::create(const Pending& p, const std::string& message, int32_t count,
                           const std::string& first_timestamp, Seen& seen) {
  const ObjectRef& o = p.involved;
  const std::string ns = o.ns.empty() ? "default" : o.ns;
  const std::string last = rfc3339(p.when);
  for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
    const std::string name = unique_name(o.name);
    capnp::MallocMessageBuilder m;
    auto ev = m.initRoot<core::v1::Event>();
    ev.setApiVersion("v1");
    ev.setKind("Event");
    auto meta = ev.initMetadata();
    meta.setName(name);
    meta.setNamespace(ns);
    // Unset rather than empty, so the JSON form omits them as Kubernetes does.
    auto ref = ev.initInvolvedObject();
    if (!o.kind.empty()) ref.setKind(o.kind);
    if (!o.ns.empty()) ref.setNamespace(o.ns);
    if (!o.name.empty()) ref.setName(o.name);
    if (!o.uid.empty()) ref.setUid(o.uid);
    if (!o.api_version.empty()) ref.setApiVersion(o.api_version);
    if (!o.resource_version.empty()) ref.setResourceVersion(o.resource_version);
    if (!o.field_path.empty()) ref.setFieldPath(o.field_path);
    ev.setReason(p.reason);
    ev.setMessage(message);
    auto source = ev.initSource();
    source.setComponent(component_);
    if (!source_host_.empty()) source.setHost(source_host_);
    ev.setFirstTimestamp(first_timestamp);
    ev.setLastTimestamp(last);
    ev.setCount(count);
    ev.setType(p.type);
    ev.setReportingComponent(component_);
    if (!source_host_.empty()) ev.setReportingInstance(source_host_);
    auto r = client_.create(kEvents, ns, m);
    if (r.status.ok()) {
      ++created_;
      seen.ns = ns;
      seen.name = name;
      seen.count = count;
      seen.first_timestamp = first_timestamp;
      seen.last = p.when;
      return true;
    }
    if (r.status.already_exists()) continue;
    // A namespace being deleted refuses new Events (403/404): nothing to retry.
    if (r.status.code != 403 && !r.status.not_found())
      host_.warn(component_ + ": event " + p.reason + " for " + o.kind + " " + ns + "/" + o.name + ": " +
                 r.status.message);
    return false;
  }
  return false;
}

}  // namespace capstan::sdk
