// RemoteHost: host calls as REST requests (see remote_host.hpp).
#include "host/remote_host.hpp"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "capstan/host.capnp.h"
#include "http/client.hpp"
#include "schema/kind_registry.hpp"

namespace capstan::host {

using json = nlohmann::json;

namespace {

kj::Array<capnp::word> aligned(const void* data, size_t size) {
  auto words = kj::heapArray<capnp::word>((size + sizeof(capnp::word) - 1) / sizeof(capnp::word));
  if (size) memcpy(words.begin(), data, size);
  return words;
}

std::string text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

capnp::Data::Reader data_of(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(s.data()), s.size());
}

std::string flat(capnp::MessageBuilder& m) {
  auto words = capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// JSON -> the kind's Cap'n Proto bytes (what plugins read).
std::string to_capnp(const schema::KindRegistry& kinds, const schema::Kind& kind, json object) {
  object["apiVersion"] = kind.api_version();
  object["kind"] = kind.kind;
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<capnp::DynamicStruct>(kind.schema);
  schema::DecodeReport report;
  kinds.codec().decode(object, root, report);
  return flat(message);
}

json to_json(const schema::KindRegistry& kinds, const schema::Kind& kind, capnp::Data::Reader d) {
  auto words = aligned(d.begin(), d.size());
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1ull << 30;
  capnp::FlatArrayMessageReader reader(words, options);
  return kinds.codec().encode(reader.getRoot<capnp::DynamicStruct>(kind.schema));
}

uint64_t revision_of(const json& object) {
  try {
    auto rv = object.at("metadata").value("resourceVersion", "0");
    return std::stoull(rv.empty() ? "0" : rv);
  } catch (...) {
    return 0;
  }
}

void set_status(sdk::HostService::Response resp, int code, const std::string& reason,
                const std::string& message) {
  auto st = resp.initStatus();
  st.setCode(code);
  st.setReason(reason);
  st.setMessage(message);
}

// A non-2xx answer: the server's Status, or what we can say about the body.
void set_error(sdk::HostService::Response resp, const http::ClientResponse& r) {
  try {
    auto st = json::parse(r.body);
    set_status(resp, st.value("code", r.status), st.value("reason", ""), st.value("message", ""));
  } catch (...) {
    set_status(resp, r.status, r.status == 404 ? "NotFound" : "InternalError", r.body.substr(0, 512));
  }
}

}  // namespace

std::string url_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string rest_collection_path(const schema::Kind& kind, const std::string& ns) {
  std::string p = kind.group.empty() ? "/api/" + kind.version : "/apis/" + kind.group + "/" + kind.version;
  if (kind.namespaced && !ns.empty()) p += "/namespaces/" + ns;
  return p + "/" + kind.plural;
}

// ---- watches --------------------------------------------------------------------------------

class RemoteWatch {
 public:
  RemoteWatch(const schema::KindRegistry& kinds, const schema::Kind& kind, http::HttpClient& client,
              std::string base_target, uint64_t after, capstan_watch_callback cb, void* user)
      : kinds_(kinds), kind_(kind), client_(client), base_(std::move(base_target)), rv_(after), cb_(cb), user_(user) {}

  void run() {
    auto last_contact = std::chrono::steady_clock::now();
    while (!stopping_) {
      auto target = base_ + "&resourceVersion=" + std::to_string(rv_);
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
        stream_ = client_.open_stream(target);
      }
      std::string error_body;
      bool resync = false;
      int status = client_.run_stream(*stream_, [&](const std::string& line) {
        last_contact = std::chrono::steady_clock::now();
        return on_line(line, resync);
      }, &error_body);
      if (stopping_) break;
      if (status == 410 || resync) {
        deliver(capstan::host::WatchEvent::Type::RESYNC, "", 0);
        break;
      }
      if (status == 200) last_contact = std::chrono::steady_clock::now();
      if (status != 0 && status != 200) spdlog::warn("watch {}: HTTP {}: {}", kind_.plural, status, error_body.substr(0, 200));
      // An unreachable server for long enough: the plugin lists again once it answers.
      if (std::chrono::steady_clock::now() - last_contact > std::chrono::seconds(60)) {
        deliver(capstan::host::WatchEvent::Type::RESYNC, "", 0);
        break;
      }
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(status == 200 ? 0 : 500), [&] { return stopping_.load(); });
    }
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      cv_.notify_all();
      if (stream_) client_.cancel(*stream_);
    }
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
  }

  std::thread thread;

 private:
  bool on_line(const std::string& line, bool& resync) {
    json e;
    try {
      e = json::parse(line);
    } catch (...) {
      return true;  // not a watch event: ignore
    }
    std::string type = e.value("type", "");
    const json& obj = e.contains("object") ? e["object"] : json();
    if (type == "ERROR") {
      int code = obj.is_object() ? obj.value("code", 0) : 0;
      if (code == 410) resync = true;
      return false;
    }
    if (type == "BOOKMARK") {
      rv_ = std::max(rv_, revision_of(obj));
      return true;
    }
    auto t = type == "ADDED"      ? capstan::host::WatchEvent::Type::ADDED
             : type == "MODIFIED" ? capstan::host::WatchEvent::Type::MODIFIED
             : type == "DELETED"  ? capstan::host::WatchEvent::Type::DELETED
                                  : capstan::host::WatchEvent::Type::BOOKMARK;
    if (t == capstan::host::WatchEvent::Type::BOOKMARK) return true;
    uint64_t rv = revision_of(obj);
    // A DELETED event carries the object as it was; the watch resumes after the delete's revision.
    rv_ = std::max(rv_, rv);
    try {
      deliver(t, to_capnp(kinds_, kind_, obj), rv);
    } catch (const std::exception& ex) {
      spdlog::warn("watch {}: cannot decode an event: {}", kind_.plural, ex.what());
    }
    return !stopping_;
  }

  void deliver(capstan::host::WatchEvent::Type type, const std::string& object, uint64_t rev) {
    capnp::MallocMessageBuilder m;
    auto e = m.initRoot<capstan::host::WatchEvent>();
    e.setType(type);
    if (!object.empty()) e.setObject(data_of(object));
    e.setResourceVersion(rev);
    auto bytes = flat(m);
    cb_(user_, capstan_borrowed_bytes{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  }

  const schema::KindRegistry& kinds_;
  const schema::Kind& kind_;
  http::HttpClient& client_;
  std::string base_;
  uint64_t rv_;
  capstan_watch_callback cb_;
  void* user_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<http::HttpClient::Stream> stream_;
  std::atomic<bool> stopping_{false};
};

// ---- RemoteHost ------------------------------------------------------------------------------

RemoteHost::RemoteHost(const schema::KindRegistry& kinds, http::HttpClient& client) : kinds_(kinds), client_(client) {}

RemoteHost::~RemoteHost() { unwatch_all(); }

const schema::Kind& RemoteHost::kind_of(const sdk::HostTarget& t) const {
  const schema::Kind* kind = kinds_.by_resource(t.group, t.version, t.resource);
  if (!kind) throw NotServed("the server could not find the requested resource " + t.resource);
  return *kind;
}

namespace {

std::string manager_query(const sdk::HostTarget& t) {
  return t.field_manager.empty() ? "" : "fieldManager=" + url_escape(t.field_manager);
}

std::string with_query(std::string path, const std::string& q) { return q.empty() ? path : path + "?" + q; }

std::string object_path(const schema::Kind& kind, const std::string& ns, const std::string& name,
                        std::string_view sub = {}) {
  return rest_collection_path(kind, ns) + "/" + url_escape(name) + (sub.empty() ? "" : "/" + std::string(sub));
}

}  // namespace

// Every call: a 404 for a kind the agent does not know, 503 when the server cannot be reached.
template <typename Call>
void RemoteHost::guarded(Response out, Call call) {
  try {
    call();
  } catch (const NotServed& e) {
    set_status(out, 404, "NotFound", e.what());
  } catch (const std::exception& e) {
    set_status(out, 503, "ServiceUnavailable", e.what());
  }
}

// Answers an object (get/create/update/patch/delete).
void RemoteHost::answer_object(const schema::Kind& kind, const http::ClientResponse& res, Response out) const {
  if (res.status < 200 || res.status >= 300) return set_error(out, res);
  json obj = json::parse(res.body);
  if (obj.value("kind", "") == "Status") {  // a delete answered with a Status: the object is gone
    set_status(out, res.status, "", "");
    return;
  }
  out.setObject(data_of(to_capnp(kinds_, kind, obj)));
  out.setResourceVersion(revision_of(obj));
  set_status(out, res.status, "", "");
}

void RemoteHost::get(const sdk::HostTarget& t, Response out) {
  guarded(out, [&] {
    const auto& kind = kind_of(t);
    answer_object(kind, client_.request("GET", object_path(kind, t.ns, t.name)), out);
  });
}

void RemoteHost::list(const sdk::HostTarget& t, std::string_view label_selector, std::string_view field_selector,
                      Response out) {
  guarded(out, [&] {
    const auto& kind = kind_of(t);
    std::string q;
    if (!label_selector.empty()) q += "labelSelector=" + url_escape(std::string(label_selector));
    if (!field_selector.empty()) q += (q.empty() ? "" : "&") + std::string("fieldSelector=") + url_escape(std::string(field_selector));
    auto res = client_.request("GET", with_query(rest_collection_path(kind, kind.namespaced ? t.ns : ""), q));
    if (res.status != 200) return set_error(out, res);
    json list = json::parse(res.body);
    const json& items = list["items"];
    auto out_items = out.initItems(static_cast<unsigned>(items.size()));
    for (unsigned i = 0; i < items.size(); ++i) out_items.set(i, data_of(to_capnp(kinds_, kind, items[i])));
    out.setResourceVersion(revision_of(list));
    set_status(out, 200, "", "");
  });
}

void RemoteHost::create(const sdk::HostTarget& t, capnp::Data::Reader object, Response out) {
  guarded(out, [&] {
    const auto& kind = kind_of(t);
    json body = to_json(kinds_, kind, object);
    answer_object(kind, client_.request("POST", with_query(rest_collection_path(kind, kind.namespaced ? t.ns : ""),
                                                           manager_query(t)), body.dump()), out);
  });
}

void RemoteHost::update(const sdk::HostTarget& t, capnp::Data::Reader object, std::string_view subresource,
                        Response out) {
  guarded(out, [&] {
    const auto& kind = kind_of(t);
    json body = to_json(kinds_, kind, object);
    std::string name = t.name.empty() ? body["metadata"].value("name", "") : t.name;
    answer_object(kind, client_.request("PUT", with_query(object_path(kind, t.ns, name, subresource), manager_query(t)),
                                        body.dump()), out);
  });
}

void RemoteHost::patch(const sdk::HostTarget& t, std::string_view patch_type, std::string_view body,
                       std::string_view subresource, Response out) {
  guarded(out, [&] {
    const auto& kind = kind_of(t);
    std::string type = patch_type == "json"        ? "application/json-patch+json"
                       : patch_type == "strategic" ? "application/strategic-merge-patch+json"
                                                   : "application/merge-patch+json";
    answer_object(kind, client_.request("PATCH", with_query(object_path(kind, t.ns, t.name, subresource), manager_query(t)),
                                        std::string(body), type), out);
  });
}

void RemoteHost::remove(const sdk::HostTarget& t, const sdk::HostDelete& d, Response out) {
  guarded(out, [&] {
    const auto& kind = kind_of(t);
    json opts = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
    if (!d.propagation_policy.empty()) opts["propagationPolicy"] = d.propagation_policy;
    if (!d.precondition_uid.empty()) opts["preconditions"] = {{"uid", d.precondition_uid}};
    if (d.grace_period_seconds >= 0) opts["gracePeriodSeconds"] = d.grace_period_seconds;
    answer_object(kind, client_.request("DELETE", object_path(kind, t.ns, t.name), opts.dump()), out);
  });
}

void RemoteHost::post_subresource(const sdk::HostTarget& t, std::string_view subresource, std::string_view body,
                                  Response out) {
  guarded(out, [&] {
    const auto& kind = kind_of(t);
    auto res = client_.request("POST", object_path(kind, t.ns, t.name, subresource), std::string(body));
    if (res.status < 200 || res.status >= 300) set_error(out, res);
    else set_status(out, res.status, "", "");
  });
}

void RemoteHost::list_kinds(Response out) {
  auto all = kinds_.all();
  auto list = out.initKinds(static_cast<unsigned>(all.size()));
  for (unsigned i = 0; i < all.size(); ++i) {
    list[i].setGroup(all[i]->group);
    list[i].setVersion(all[i]->version);
    list[i].setKind(all[i]->kind);
    list[i].setPlural(all[i]->plural);
    list[i].setNamespaced(all[i]->namespaced);
  }
  set_status(out, 200, "", "");
}

uint64_t RemoteHost::watch(capstan::host::WatchRequest::Reader req, capstan_watch_callback cb, void* user) {
  auto r = req.getResource();
  const schema::Kind* kind = kinds_.by_resource(text(r.getGroup()), text(r.getVersion()), text(r.getResource()));
  if (!kind) throw std::runtime_error("no such resource: " + text(r.getResource()));
  std::string ns = kind->namespaced ? text(req.getNamespace()) : "";
  std::string selectors;
  if (req.getLabelSelector().size()) selectors += "&labelSelector=" + url_escape(text(req.getLabelSelector()));
  if (req.getFieldSelector().size()) selectors += "&fieldSelector=" + url_escape(text(req.getFieldSelector()));
  uint64_t after = req.getResourceVersion();
  if (after == 0) {
    // "From now": the current revision is the one a list answers with.
    auto res = client_.request("GET", rest_collection_path(*kind, ns) + "?limit=1" + selectors);
    if (res.status != 200) throw std::runtime_error("cannot start a watch on " + kind->plural + ": HTTP " + std::to_string(res.status));
    after = revision_of(json::parse(res.body));
  }
  auto base = rest_collection_path(*kind, ns) + "?watch=1&allowWatchBookmarks=true" + selectors;
  auto watch = std::make_shared<RemoteWatch>(kinds_, *kind, client_, base, after, cb, user);
  std::lock_guard lock(mutex_);
  uint64_t id = next_watch_++;
  watches_[id] = watch;
  watch->thread = std::thread([watch] { watch->run(); });
  return id;
}

void RemoteHost::unwatch(uint64_t id) {
  std::shared_ptr<RemoteWatch> w;
  {
    std::lock_guard lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    w = it->second;
    watches_.erase(it);
  }
  w->stop();
}

void RemoteHost::unwatch_all() {
  std::map<uint64_t, std::shared_ptr<RemoteWatch>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(watches_);
  }
  for (auto& [id, w] : all) w->stop();
}

}  // namespace capstan::host
