// Informer against an in-process fake of capstan_host_api: initial list, watch events, resync
// re-list with diff, watch/list failures and stop. The fake also serves controller_test.cpp
// through the free functions at the end of its namespace.

#include "capstan/informer.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/host.capnp.h"
#include "capstan/host_service.hpp"
#include "capstan/host_table.hpp"
#include "capstan/machinery/resources.hpp"

namespace capstan::sdk::testing {

using StringMap = std::map<std::string, std::string>;

// A one-resource store (ConfigMaps) served through the host protocol (HostService behind the
// SDK's table). get/list/create/update/delete work; `watch` keeps callbacks that every change is
// delivered to synchronously, replaying the history after the requested revision first, like the
// kernel. Deliveries and unwatch share a mutex so that, as the ABI promises, no callback runs once
// unwatch returns. Finer control than capstan/testing/fake_host.hpp: missed events, failing lists
// and watches.
class FakeApiServer final : private HostService {
 public:
  FakeApiServer()
      : table_(*this, HostTable::Hooks{[this](int, std::string_view message) {
                                         std::lock_guard lock(mu_);
                                         logs_.emplace_back(message);
                                       },
                                       {}}) {}

  const capstan_host_api* api() const { return table_.api(); }

  // Creates or replaces a ConfigMap; notify=false simulates an event the watch missed.
  uint64_t put(const std::string& ns, const std::string& name, const StringMap& data, bool notify = true) {
    std::string bytes;
    bool existed;
    uint64_t rev;
    {
      std::lock_guard lock(mu_);
      rev = ++revision_;
      const std::string key = ns + "/" + name;
      existed = objects_.count(key) > 0;
      bytes = encode(ns, name, data, rev);
      objects_[key] = bytes;
    }
    if (notify) publish(existed ? capstan::host::WatchEvent::Type::MODIFIED : capstan::host::WatchEvent::Type::ADDED,
                        bytes, rev);
    return rev;
  }

  bool remove(const std::string& ns, const std::string& name, bool notify = true) {
    std::string bytes;
    uint64_t rev;
    {
      std::lock_guard lock(mu_);
      auto it = objects_.find(ns + "/" + name);
      if (it == objects_.end()) return false;
      bytes = it->second;
      objects_.erase(it);
      rev = ++revision_;
    }
    if (notify) publish(capstan::host::WatchEvent::Type::DELETED, bytes, rev);
    return true;
  }

  // The watch fell behind: every watch gets one `resync` event and ends.
  void resync() {
    std::lock_guard deliver(deliver_mu_);
    std::map<uint64_t, Watcher> watchers;
    uint64_t rev;
    {
      std::lock_guard lock(mu_);
      watchers.swap(watches_);
      rev = revision_;
    }
    const std::string event = encode_event(capstan::host::WatchEvent::Type::RESYNC, "", rev);
    for (auto& [id, w] : watchers) w.callback(w.user_data, borrowed(event));
  }

  void set_fail_list(bool v) { fail_list_ = v; }
  void set_fail_watch(bool v) { fail_watch_ = v; }
  int list_calls() const { return list_calls_; }
  int watch_calls() const { return watch_calls_; }
  size_t active_watches() const {
    std::lock_guard lock(mu_);
    return watches_.size();
  }
  std::vector<std::string> logs() const {
    std::lock_guard lock(mu_);
    return logs_;
  }

  static std::string encode(const std::string& ns, const std::string& name, const StringMap& data, uint64_t rev) {
    capnp::MallocMessageBuilder m;
    auto cm = m.initRoot<capstan::core::v1::ConfigMap>();
    cm.setApiVersion("v1");
    cm.setKind("ConfigMap");
    auto meta = cm.initMetadata();
    meta.setName(name);
    meta.setNamespace(ns);
    meta.setUid("uid-" + ns + "-" + name);
    meta.setResourceVersion(std::to_string(rev));
    auto entries = cm.initData(static_cast<unsigned>(data.size()));
    unsigned i = 0;
    for (const auto& [k, v] : data) {
      entries[i].setKey(k);
      entries[i].setValue(v);
      ++i;
    }
    return serialize(m);
  }

 private:
  struct Watcher {
    capstan_watch_callback callback;
    void* user_data;
    std::string ns;
  };

  static capstan_borrowed_bytes borrowed(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  static kj::Array<capnp::word> aligned(capstan_borrowed_bytes b) {
    auto words = kj::heapArray<capnp::word>((b.size + 7) / 8);
    std::memset(words.begin(), 0, words.size() * sizeof(capnp::word));
    if (b.size) std::memcpy(words.begin(), b.data, b.size);
    return words;
  }

  static std::string encode_event(capstan::host::WatchEvent::Type type, const std::string& object, uint64_t rev) {
    capnp::MallocMessageBuilder m;
    auto ev = m.initRoot<capstan::host::WatchEvent>();
    ev.setType(type);
    if (!object.empty())
      ev.setObject(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(object.data()), object.size()));
    ev.setResourceVersion(rev);
    return serialize(m);
  }

  static std::string ns_of(const std::string& object) {
    auto words = aligned(borrowed(object));
    capnp::FlatArrayMessageReader r(words.asPtr());
    return r.getRoot<capstan::core::v1::ConfigMap>().getMetadata().getNamespace();
  }

  void publish(capstan::host::WatchEvent::Type type, const std::string& object, uint64_t rev) {
    std::lock_guard deliver(deliver_mu_);
    const std::string event = encode_event(type, object, rev);
    std::map<uint64_t, Watcher> watchers;
    {
      std::lock_guard lock(mu_);
      history_.push_back({rev, event, ns_of(object)});
      watchers = watches_;
    }
    const std::string ns = ns_of(object);
    for (auto& [id, w] : watchers)
      if (w.ns.empty() || w.ns == ns) w.callback(w.user_data, borrowed(event));
  }

  static void set_object(Response r, const std::string& bytes) {
    r.setObject(capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size()));
  }

  // Takes ns/name/data out of a ConfigMap the client sent.
  static void decode(capnp::Data::Reader d, std::string& ns, std::string& name, StringMap& data) {
    auto words = aligned({d.begin(), d.size()});
    capnp::FlatArrayMessageReader r(words.asPtr());
    auto cm = r.getRoot<capstan::core::v1::ConfigMap>();
    ns = cm.getMetadata().getNamespace();
    name = cm.getMetadata().getName();
    for (auto e : cm.getData()) data[e.getKey()] = e.getValue();
  }

  // ---- the host protocol
  void get(const HostTarget& t, Response out) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(t.ns + "/" + t.name);
    if (it == objects_.end()) return set_status(out, 404, "NotFound", "NotFound");
    set_status(out, 200);
    set_object(out, it->second);
  }

  void list(const HostTarget& t, std::string_view, std::string_view, Response out) override {
    ++list_calls_;
    if (fail_list_) return set_status(out, 500, "InternalError", "InternalError");
    std::lock_guard lock(mu_);
    std::vector<std::string> items;
    for (const auto& [key, bytes] : objects_)
      if (t.ns.empty() || key.rfind(t.ns + "/", 0) == 0) items.push_back(bytes);
    set_status(out, 200);
    out.setResourceVersion(revision_);
    auto list = out.initItems(static_cast<unsigned>(items.size()));
    for (unsigned i = 0; i < items.size(); ++i)
      list.set(i, capnp::Data::Reader(reinterpret_cast<const capnp::byte*>(items[i].data()), items[i].size()));
  }

  void write(capnp::Data::Reader object, bool create, Response out) {
    std::string ons, oname;
    StringMap data;
    decode(object, ons, oname, data);
    bool exists;
    {
      std::lock_guard lock(mu_);
      exists = objects_.count(ons + "/" + oname) > 0;
    }
    if (create && exists) return set_status(out, 409, "AlreadyExists", "AlreadyExists");
    if (!create && !exists) return set_status(out, 404, "NotFound", "NotFound");
    const uint64_t rev = put(ons, oname, data);
    set_status(out, create ? 201 : 200);
    set_object(out, encode(ons, oname, data, rev));
    out.setResourceVersion(rev);
  }

  void create(const HostTarget&, capnp::Data::Reader object, Response out) override { write(object, true, out); }
  void update(const HostTarget&, capnp::Data::Reader object, std::string_view, Response out) override {
    write(object, false, out);
  }
  void remove(const HostTarget& t, const HostDelete&, Response out) override {
    if (remove(t.ns, t.name)) set_status(out, 200);
    else set_status(out, 404, "NotFound", "NotFound");
  }
  void patch(const HostTarget&, std::string_view, std::string_view, std::string_view, Response out) override {
    set_status(out, 400, "BadRequest", "BadRequest");
  }
  void post_subresource(const HostTarget&, std::string_view, std::string_view, Response out) override {
    set_status(out, 400, "BadRequest", "BadRequest");
  }
  void list_kinds(Response out) override { set_status(out, 400, "BadRequest", "BadRequest"); }

  uint64_t watch(capstan::host::WatchRequest::Reader req, capstan_watch_callback cb, void* user) override {
    ++watch_calls_;
    if (fail_watch_) throw std::runtime_error("watch refused");
    const uint64_t from = req.getResourceVersion();
    const std::string ns = req.getNamespace();
    std::lock_guard deliver(deliver_mu_);
    std::vector<HistoryEntry> replay;
    uint64_t id;
    {
      std::lock_guard lock(mu_);
      id = next_id_++;
      watches_[id] = Watcher{cb, user, ns};
      if (from != 0)
        for (const auto& h : history_)
          if (h.revision > from && (ns.empty() || h.ns == ns)) replay.push_back(h);
    }
    for (const auto& h : replay) cb(user, borrowed(h.event));
    return id;
  }

  void unwatch(uint64_t id) override {
    std::lock_guard deliver(deliver_mu_);
    std::lock_guard lock(mu_);
    watches_.erase(id);
  }

  struct HistoryEntry {
    uint64_t revision;
    std::string event;
    std::string ns;
  };

  HostTable table_;
  uint64_t next_id_ = 1;
  mutable std::mutex mu_;   // store state
  std::mutex deliver_mu_;   // one delivery at a time; unwatch waits for it
  std::map<std::string, std::string> objects_;  // "ns/name" -> ConfigMap bytes
  uint64_t revision_ = 100;
  std::vector<HistoryEntry> history_;
  std::map<uint64_t, Watcher> watches_;
  std::vector<std::string> logs_;
  std::atomic<bool> fail_list_{false}, fail_watch_{false};
  std::atomic<int> list_calls_{0}, watch_calls_{0};
};

// The fake, for controller_test.cpp.
std::shared_ptr<FakeApiServer> make_fake_api_server() { return std::make_shared<FakeApiServer>(); }
const capstan_host_api* fake_api(FakeApiServer& f) { return f.api(); }
uint64_t fake_put(FakeApiServer& f, const std::string& ns, const std::string& name, const StringMap& data) {
  return f.put(ns, name, data);
}
std::vector<std::string> fake_logs(FakeApiServer& f) { return f.logs(); }

// Polls a condition that another thread makes true; tests only.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

namespace {

using namespace std::chrono_literals;

using machinery::kConfigMaps;

std::string value_of(const ObjectPtr& obj, const std::string& key) {
  for (auto e : obj->as<capstan::core::v1::ConfigMap>().getData())
    if (key == e.getKey().cStr()) return e.getValue();
  return {};
}

// Records handler calls as "kind key".
class Recorder {
 public:
  Informer::Handler handler() {
    return [this](const ObjectPtr& obj, EventKind kind) {
      std::lock_guard lock(mu_);
      events_.push_back(std::string(to_string(kind)) + " " + obj->key());
    };
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  bool has(const std::string& e) const {
    auto ev = events();
    return std::find(ev.begin(), ev.end(), e) != ev.end();
  }
  size_t count() const { return events().size(); }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> events_;
};

class InformerTest : public ::testing::Test {
 protected:
  FakeApiServer fake;
  Host host{fake.api()};
  Client client{host};
};

TEST_F(InformerTest, InitialListDeliversAddedAndSyncs) {
  fake.put("a", "one", {{"k", "1"}});
  fake.put("a", "two", {{"k", "2"}});
  fake.put("b", "three", {{"k", "3"}});
  Informer inf(client, kConfigMaps);
  Recorder rec;
  inf.add_handler(rec.handler());
  EXPECT_FALSE(inf.has_synced());
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(3s));
  EXPECT_TRUE(inf.has_synced());

  auto ev = rec.events();
  std::sort(ev.begin(), ev.end());
  EXPECT_EQ(ev, (std::vector<std::string>{"added a/one", "added a/two", "added b/three"}));

  ASSERT_NE(inf.get("a", "two"), nullptr);
  EXPECT_EQ(value_of(inf.get("a", "two"), "k"), "2");
  EXPECT_EQ(inf.get("a", "missing"), nullptr);
  EXPECT_EQ(inf.list().size(), 3u);
  EXPECT_EQ(inf.list("a").size(), 2u);
  EXPECT_EQ(inf.list("b").size(), 1u);
  auto matching = inf.list_matching([](const ObjectPtr& o) { return value_of(o, "k") == "3"; });
  ASSERT_EQ(matching.size(), 1u);
  EXPECT_EQ(matching[0]->name(), "three");
  EXPECT_EQ(inf.last_revision(), 103u);
  EXPECT_TRUE(eventually([&] { return fake.active_watches() == 1; }));
  inf.stop();
}

TEST_F(InformerTest, NamespacedInformerSeesOnlyItsNamespace) {
  fake.put("a", "one", {});
  fake.put("b", "two", {});
  Informer inf(client, kConfigMaps, "a");
  Recorder rec;
  inf.add_handler(rec.handler());
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(3s));
  ASSERT_TRUE(eventually([&] { return fake.active_watches() == 1; }));
  fake.put("b", "three", {});
  fake.put("a", "four", {});
  ASSERT_TRUE(eventually([&] { return rec.has("added a/four"); }));
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"added a/one", "added a/four"}));
  EXPECT_EQ(inf.list().size(), 2u);
}

TEST_F(InformerTest, WatchEventsUpdateTheCache) {
  fake.put("a", "one", {{"k", "1"}});
  Informer inf(client, kConfigMaps);
  Recorder rec;
  inf.add_handler(rec.handler());
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(3s));
  // Changes made before the watch is registered are replayed from the list's revision.
  fake.put("a", "two", {{"k", "2"}});
  ASSERT_TRUE(eventually([&] { return inf.get("a", "two") != nullptr; }));
  EXPECT_TRUE(rec.has("added a/two"));

  const ObjectPtr before = inf.get("a", "one");
  const uint64_t rev = fake.put("a", "one", {{"k", "changed"}});
  ASSERT_TRUE(eventually([&] { return value_of(inf.get("a", "one"), "k") == "changed"; }));
  EXPECT_TRUE(rec.has("modified a/one"));
  EXPECT_EQ(inf.get("a", "one")->revision(), rev);
  EXPECT_EQ(value_of(before, "k"), "1") << "cached objects are replaced, never mutated";

  fake.remove("a", "two");
  ASSERT_TRUE(eventually([&] { return inf.get("a", "two") == nullptr; }));
  EXPECT_TRUE(rec.has("deleted a/two"));
  EXPECT_EQ(inf.list().size(), 1u);
  EXPECT_EQ(inf.list_count(), 1u) << "no relist without a reason";
  EXPECT_EQ(rec.events(),
            (std::vector<std::string>{"added a/one", "added a/two", "modified a/one", "deleted a/two"}));
}

TEST_F(InformerTest, ResyncRelistsAndConverges) {
  fake.put("a", "gone", {{"k", "1"}});
  fake.put("a", "changed", {{"k", "1"}});
  fake.put("a", "same", {{"k", "1"}});
  Informer inf(client, kConfigMaps);
  inf.set_relist_backoff(5ms, 50ms);
  Recorder rec;
  inf.add_handler(rec.handler());
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(3s));
  ASSERT_TRUE(eventually([&] { return fake.active_watches() == 1; }));

  // Changes the watch never delivered (it fell behind).
  fake.remove("a", "gone", /*notify=*/false);
  fake.put("a", "changed", {{"k", "2"}}, /*notify=*/false);
  fake.put("a", "new", {{"k", "1"}}, /*notify=*/false);
  EXPECT_EQ(rec.count(), 3u);
  fake.resync();

  ASSERT_TRUE(eventually([&] { return rec.count() >= 6; }));
  EXPECT_TRUE(rec.has("deleted a/gone"));
  EXPECT_TRUE(rec.has("modified a/changed"));
  EXPECT_TRUE(rec.has("added a/new"));
  EXPECT_FALSE(rec.has("modified a/same")) << "an unchanged object is not reported";
  EXPECT_EQ(inf.get("a", "gone"), nullptr);
  EXPECT_EQ(value_of(inf.get("a", "changed"), "k"), "2");
  EXPECT_NE(inf.get("a", "new"), nullptr);
  EXPECT_EQ(inf.list_count(), 2u);

  // A new watch continues from the relist.
  ASSERT_TRUE(eventually([&] { return fake.active_watches() == 1; }));
  fake.put("a", "after", {});
  ASSERT_TRUE(eventually([&] { return rec.has("added a/after"); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rec.count(), 7u);
}

TEST_F(InformerTest, WatchThatCannotStartRelistsWithBackoff) {
  fake.put("a", "one", {});
  fake.set_fail_watch(true);
  Informer inf(client, kConfigMaps);
  inf.set_relist_backoff(10ms, 40ms);
  Recorder rec;
  inf.add_handler(rec.handler());
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(3s)) << "the list succeeded, so the cache is synced";
  ASSERT_TRUE(eventually([&] { return inf.list_count() >= 3; }));
  // A change during the outage is found by a relist.
  fake.put("a", "two", {}, /*notify=*/false);
  ASSERT_TRUE(eventually([&] { return rec.has("added a/two"); }));
  fake.set_fail_watch(false);
  ASSERT_TRUE(eventually([&] { return fake.active_watches() == 1; }));
  fake.put("a", "three", {});
  ASSERT_TRUE(eventually([&] { return rec.has("added a/three"); }));
  // Back-off: 10+20+40+40... ms between attempts, not a tight loop.
  EXPECT_LT(fake.watch_calls(), 100);
  bool warned = false;
  for (const auto& l : fake.logs()) warned |= l.find("watch failed") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST_F(InformerTest, ListFailureDelaysSyncUntilAListSucceeds) {
  fake.put("a", "one", {});
  fake.set_fail_list(true);
  Informer inf(client, kConfigMaps);
  inf.set_relist_backoff(10ms, 20ms);
  inf.start();
  EXPECT_FALSE(inf.wait_for_sync(80ms));
  EXPECT_GE(fake.list_calls(), 2);
  fake.set_fail_list(false);
  ASSERT_TRUE(inf.wait_for_sync(3s));
  EXPECT_NE(inf.get("a", "one"), nullptr);
}

TEST_F(InformerTest, StopEndsTheWatchAndHandlers) {
  fake.put("a", "one", {});
  Recorder rec;
  {
    Informer inf(client, kConfigMaps);
    inf.add_handler(rec.handler());
    inf.start();
    ASSERT_TRUE(inf.wait_for_sync(3s));
    ASSERT_TRUE(eventually([&] { return fake.active_watches() == 1; }));
    inf.stop();
    EXPECT_EQ(fake.active_watches(), 0u);
    fake.put("a", "two", {});
    EXPECT_EQ(rec.count(), 1u);
    EXPECT_NE(inf.get("a", "one"), nullptr) << "the cache stays readable after stop";
  }
  EXPECT_EQ(rec.count(), 1u);
}

TEST_F(InformerTest, LateHandlerCatchesUp) {
  fake.put("a", "one", {});
  fake.put("a", "two", {});
  Informer inf(client, kConfigMaps);
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(3s));
  Recorder rec;
  auto id = inf.add_handler(rec.handler());
  EXPECT_EQ(rec.events(), (std::vector<std::string>{"added a/one", "added a/two"}));
  inf.remove_handler(id);
  ASSERT_TRUE(eventually([&] { return fake.active_watches() == 1; }));
  fake.put("a", "three", {});
  ASSERT_TRUE(eventually([&] { return inf.get("a", "three") != nullptr; }));
  EXPECT_EQ(rec.count(), 2u);
}

TEST_F(InformerTest, HandlersSeeEventsInOrderAndNeverConcurrently) {
  Informer inf(client, kConfigMaps);
  std::atomic<int> in_handler{0}, overlaps{0};
  std::vector<uint64_t> revisions;
  inf.add_handler([&](const ObjectPtr& obj, EventKind) {
    if (in_handler.fetch_add(1) != 0) ++overlaps;
    revisions.push_back(obj->revision());
    in_handler.fetch_sub(1);
  });
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(3s));
  ASSERT_TRUE(eventually([&] { return fake.active_watches() == 1; }));
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) fake.put("a", "o" + std::to_string(i % 5), {{"i", std::to_string(i)}});
  });
  writer.join();
  ASSERT_TRUE(eventually([&] { return revisions.size() >= 50u; }));
  inf.stop();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_TRUE(std::is_sorted(revisions.begin(), revisions.end()));
}

}  // namespace
}  // namespace capstan::sdk::testing
