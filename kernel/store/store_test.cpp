// Store: optimistic concurrency, visibility of queued writes, durability and group commit.

#include "store/store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

namespace capstan::store {
namespace {

// A minimal object: bytes carry a payload so durability can be checked after reopening.
ObjectPtr make_object(const std::string& key, uint64_t revision, const std::string& payload,
                      const std::string& uid = "uid-1") {
  auto o = std::make_shared<Object>();
  o->key = key;
  o->revision = revision;
  o->bytes = payload;
  o->json = "{\"payload\":\"" + payload + "\"}";
  o->name = key.substr(key.rfind('/') + 1);
  o->uid = uid;
  return o;
}

WriteOp create_op(const std::string& key, const std::string& payload, const std::string& uid = "uid-1") {
  WriteOp op;
  op.kind = WriteOp::kCreate;
  op.key = key;
  op.build = [key, payload, uid](uint64_t rev, const ObjectPtr&) { return make_object(key, rev, payload, uid); };
  return op;
}

WriteOp update_op(const std::string& key, const std::string& payload, uint64_t expected_revision = 0,
                  std::string expected_uid = {}) {
  WriteOp op;
  op.kind = WriteOp::kUpdate;
  op.key = key;
  op.expected_revision = expected_revision;
  op.expected_uid = std::move(expected_uid);
  op.build = [key, payload](uint64_t rev, const ObjectPtr& cur) {
    return make_object(key, rev, payload, cur ? cur->uid : "");
  };
  return op;
}

WriteOp delete_op(const std::string& key, uint64_t expected_revision = 0) {
  WriteOp op;
  op.kind = WriteOp::kDelete;
  op.key = key;
  op.expected_revision = expected_revision;
  op.build = [key](uint64_t rev, const ObjectPtr& cur) { return make_object(key, rev, cur->bytes, cur->uid); };
  return op;
}

Store::Rehydrate plain_rehydrate() {
  return [](const std::string& key, uint64_t revision, std::string&& bytes) {
    auto o = std::make_shared<Object>();
    o->key = key;
    o->revision = revision;
    o->bytes = std::move(bytes);
    return ObjectPtr(o);
  };
}

class TempDb {
 public:
  TempDb() {
    char tmpl[] = "/tmp/capstan_store_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string path() const { return dir_ + "/store.db"; }

 private:
  std::string dir_;
};

class MemStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store.open(plain_rehydrate()); }
  EventBus bus;
  Store store{"", bus};
};

TEST_F(MemStoreTest, CreateGetAndListByPrefix) {
  ASSERT_EQ(store.write(create_op("/core/configmaps/a/one", "1")).code, WriteCode::kOk);
  ASSERT_EQ(store.write(create_op("/core/configmaps/a/two", "2")).code, WriteCode::kOk);
  ASSERT_EQ(store.write(create_op("/core/configmaps/b/one", "3")).code, WriteCode::kOk);
  ASSERT_EQ(store.write(create_op("/core/secrets/a/one", "4")).code, WriteCode::kOk);

  auto got = store.get("/core/configmaps/a/two");
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->bytes, "2");
  EXPECT_EQ(got->revision, 2u);
  EXPECT_EQ(store.get("/core/configmaps/a/three"), nullptr);

  uint64_t rev = 0;
  auto in_a = store.list("/core/configmaps/a/", &rev);
  ASSERT_EQ(in_a.size(), 2u);
  EXPECT_EQ(in_a[0]->key, "/core/configmaps/a/one");  // key order
  EXPECT_EQ(in_a[1]->key, "/core/configmaps/a/two");
  EXPECT_EQ(rev, 4u);
  EXPECT_EQ(store.list("/core/configmaps/").size(), 3u);
  EXPECT_EQ(store.count("/core/configmaps/"), 3u);
  EXPECT_EQ(store.list("/core/").size(), 4u);
  EXPECT_EQ(store.list("/apps/").size(), 0u);
  EXPECT_EQ(store.revision(), 4u);
}

TEST_F(MemStoreTest, ImmediateRefusals) {
  ASSERT_EQ(store.write(create_op("/core/configmaps/ns/x", "v1", "uid-x")).code, WriteCode::kOk);
  const uint64_t rev = store.get("/core/configmaps/ns/x")->revision;

  bool called = false;
  auto cb = [&called](WriteResult) { called = true; };

  auto r = store.submit(create_op("/core/configmaps/ns/x", "again"), cb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kAlreadyExists);
  ASSERT_NE(r->previous, nullptr);
  EXPECT_EQ(r->previous->revision, rev);

  r = store.submit(update_op("/core/configmaps/ns/missing", "v"), cb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kNotFound);

  r = store.submit(delete_op("/core/configmaps/ns/missing"), cb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kNotFound);

  r = store.submit(update_op("/core/configmaps/ns/x", "v2", rev + 1), cb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kConflict);

  r = store.submit(update_op("/core/configmaps/ns/x", "v2", 0, "another-uid"), cb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kConflict);

  r = store.submit(delete_op("/core/configmaps/ns/x", rev + 7), cb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kConflict);

  // A failing build is refused too, and consumes no revision.
  WriteOp bad = create_op("/core/configmaps/ns/y", "v");
  bad.build = [](uint64_t, const ObjectPtr&) -> ObjectPtr { throw std::runtime_error("boom"); };
  r = store.submit(std::move(bad), cb);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kFailed);
  EXPECT_EQ(r->message, "boom");

  EXPECT_FALSE(called) << "refused writes must not call done";
  EXPECT_EQ(store.revision(), rev);

  // The right preconditions succeed.
  auto ok = store.write(update_op("/core/configmaps/ns/x", "v2", rev, "uid-x"));
  ASSERT_EQ(ok.code, WriteCode::kOk);
  EXPECT_EQ(ok.object->revision, rev + 1);
  ASSERT_NE(ok.previous, nullptr);
  EXPECT_EQ(ok.previous->bytes, "v1");
  EXPECT_EQ(store.get("/core/configmaps/ns/x")->bytes, "v2");
}

TEST_F(MemStoreTest, RevisionsStrictlyIncreaseAcrossKindsOfWrite) {
  uint64_t last = store.revision();
  auto check = [&](const WriteResult& r) {
    ASSERT_EQ(r.code, WriteCode::kOk) << r.message;
    ASSERT_NE(r.object, nullptr);
    EXPECT_GT(r.object->revision, last);
    last = r.object->revision;
    EXPECT_EQ(store.revision(), last);
  };
  check(store.write(create_op("/core/configmaps/ns/a", "1")));
  check(store.write(create_op("/core/configmaps/ns/b", "1")));
  check(store.write(update_op("/core/configmaps/ns/a", "2")));
  check(store.write(delete_op("/core/configmaps/ns/b")));
  EXPECT_EQ(store.get("/core/configmaps/ns/b"), nullptr);
  check(store.write(create_op("/core/configmaps/ns/b", "again")));
  EXPECT_EQ(store.get("/core/configmaps/ns/b")->revision, last);
}

TEST_F(MemStoreTest, DeleteReturnsTombstoneAtNewRevision) {
  ASSERT_EQ(store.write(create_op("/core/configmaps/ns/a", "payload")).code, WriteCode::kOk);
  auto r = store.write(delete_op("/core/configmaps/ns/a"));
  ASSERT_EQ(r.code, WriteCode::kOk);
  ASSERT_NE(r.object, nullptr);
  EXPECT_EQ(r.object->revision, 2u);
  EXPECT_EQ(r.object->bytes, "payload");
  ASSERT_NE(r.previous, nullptr);
  EXPECT_EQ(r.previous->revision, 1u);
  EXPECT_EQ(store.get("/core/configmaps/ns/a"), nullptr);
  EXPECT_EQ(store.get_latest("/core/configmaps/ns/a"), nullptr);
}

// A queued write is the base of the next read-modify-write (get_latest) but is not served to
// readers (get/list) until it is committed. The committer is held inside an earlier writer's
// completion callback so the second write stays queued for as long as the test needs.
TEST_F(MemStoreTest, QueuedWriteVisibleToLatestOnlyUntilCommitted) {
  std::mutex m;
  std::condition_variable cv;
  bool release = false, in_callback = false;
  auto first = store.submit(create_op("/core/configmaps/ns/first", "1"), [&](WriteResult) {
    std::unique_lock lock(m);
    in_callback = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  ASSERT_FALSE(first.has_value());
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return in_callback; }));
  }

  // The committer is blocked: this write stays queued. write() blocks, so run it on a thread.
  auto pending = std::async(std::launch::async, [&] { return store.write(create_op("/core/configmaps/ns/second", "2")); });
  // Wait until the write was queued (get_latest sees it).
  for (int i = 0; i < 1000 && !store.get_latest("/core/configmaps/ns/second"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto latest = store.get_latest("/core/configmaps/ns/second");
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->revision, 2u);
  EXPECT_EQ(store.get("/core/configmaps/ns/second"), nullptr);
  EXPECT_EQ(store.count("/core/configmaps/ns/"), 1u);
  EXPECT_EQ(store.revision(), 1u);
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout)
      << "write() must not return before the write is committed";

  // A conflicting create on the queued key is refused against the queued state.
  auto dup = store.submit(create_op("/core/configmaps/ns/second", "dup"), nullptr);
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(dup->code, WriteCode::kAlreadyExists);

  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  auto r = pending.get();
  ASSERT_EQ(r.code, WriteCode::kOk);
  EXPECT_EQ(r.object->revision, 2u);
  ASSERT_NE(store.get("/core/configmaps/ns/second"), nullptr);
  EXPECT_EQ(store.get("/core/configmaps/ns/second")->revision, 2u);
  EXPECT_EQ(store.revision(), 2u);
}

TEST_F(MemStoreTest, EventsPublishedAfterCommit) {
  std::shared_ptr<Subscription> sub;
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 0, nullptr, sub), EventBus::SubscribeResult::kOk);
  store.write(create_op("/core/configmaps/ns/a", "1"));
  store.write(update_op("/core/configmaps/ns/a", "2"));
  store.write(delete_op("/core/configmaps/ns/a"));
  std::vector<Event> events;
  sub->drain(events, 100);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_EQ(events[1].type, EventType::kModified);
  EXPECT_EQ(events[2].type, EventType::kDeleted);
  EXPECT_EQ(events[0].revision, 1u);
  EXPECT_EQ(events[2].revision, 3u);
  EXPECT_EQ(events[2].object->revision, 3u);
}

TEST(StoreDurability, ReopenRestoresObjectsAndRevision) {
  TempDb db;
  constexpr int kObjects = 50;
  std::map<std::string, std::pair<uint64_t, std::string>> written;
  uint64_t final_revision = 0;
  {
    EventBus bus;
    Store store(db.path(), bus);
    store.open(plain_rehydrate());
    for (int i = 0; i < kObjects; ++i) {
      const std::string key = "/core/configmaps/ns/obj-" + std::to_string(i);
      auto r = store.write(create_op(key, "payload-" + std::to_string(i)));
      ASSERT_EQ(r.code, WriteCode::kOk) << r.message;
      written[key] = {r.object->revision, r.object->bytes};
    }
    // Some updates and deletes so the store revision is ahead of every object's.
    for (int i = 0; i < 10; ++i) {
      const std::string key = "/core/configmaps/ns/obj-" + std::to_string(i);
      auto r = store.write(update_op(key, "updated-" + std::to_string(i)));
      ASSERT_EQ(r.code, WriteCode::kOk);
      written[key] = {r.object->revision, r.object->bytes};
    }
    for (int i = 10; i < 15; ++i) {
      const std::string key = "/core/configmaps/ns/obj-" + std::to_string(i);
      ASSERT_EQ(store.write(delete_op(key)).code, WriteCode::kOk);
      written.erase(key);
    }
    final_revision = store.revision();
    EXPECT_EQ(final_revision, static_cast<uint64_t>(kObjects + 10 + 5));
  }  // destroyed: the committer stops and the database closes

  EventBus bus;
  Store store(db.path(), bus);
  size_t rehydrated = 0;
  store.open([&](const std::string& key, uint64_t revision, std::string&& bytes) {
    ++rehydrated;
    return plain_rehydrate()(key, revision, std::move(bytes));
  });
  EXPECT_EQ(rehydrated, written.size());
  EXPECT_EQ(store.revision(), final_revision);
  EXPECT_EQ(store.count("/core/configmaps/"), written.size());
  for (const auto& [key, expected] : written) {
    auto obj = store.get(key);
    ASSERT_NE(obj, nullptr) << key;
    EXPECT_EQ(obj->revision, expected.first) << key;
    EXPECT_EQ(obj->bytes, expected.second) << key;
  }
  EXPECT_EQ(store.get("/core/configmaps/ns/obj-12"), nullptr);
  EXPECT_EQ(bus.oldest_resumable(), final_revision);

  // New writes continue after the restored revision.
  auto r = store.write(create_op("/core/configmaps/ns/after", "x"));
  ASSERT_EQ(r.code, WriteCode::kOk);
  EXPECT_EQ(r.object->revision, final_revision + 1);
}

// A full disk (here SQLite's page limit, the same SQLITE_FULL): the write is refused with
// kStorageFull, nothing of it is visible or stored, a write queued on top of it fails too, reads
// go on, and writes work again once there is room.
TEST(StoreDurability, FullStorageRefusesWritesCleanly) {
  TempDb db;
  const std::string big(256 * 1024, 'x');
  {
    EventBus bus;
    Store store(db.path(), bus);
    store.open(plain_rehydrate());
    ASSERT_EQ(store.write(create_op("/core/configmaps/ns/kept", "kept")).code, WriteCode::kOk);
    const uint64_t revision = store.revision();
    store.limit_pages_for_testing(1);  // SQLite raises it to the pages in use: no room to grow

    auto full = store.write(create_op("/core/configmaps/ns/big", big));
    EXPECT_EQ(full.code, WriteCode::kStorageFull);
    EXPECT_NE(full.message.find("database space exceeded"), std::string::npos) << full.message;
    EXPECT_NE(full.message.find("database or disk is full"), std::string::npos) << full.message;
    EXPECT_EQ(store.get("/core/configmaps/ns/big"), nullptr);
    EXPECT_EQ(store.get_latest("/core/configmaps/ns/big"), nullptr);
    EXPECT_EQ(store.revision(), revision);
    ASSERT_NE(store.get("/core/configmaps/ns/kept"), nullptr);  // reads keep working

    // A create and an update of the same object in quick succession: whichever batch they land
    // in, the update must not outlive the refused create.
    std::promise<WriteResult> created, updated;
    auto c = store.submit(create_op("/core/configmaps/ns/pair", big), [&](WriteResult r) { created.set_value(r); });
    auto u = store.submit(update_op("/core/configmaps/ns/pair", "small"), [&](WriteResult r) { updated.set_value(r); });
    ASSERT_FALSE(c.has_value());
    WriteResult cr = created.get_future().get();
    WriteResult ur = u ? *u : updated.get_future().get();
    EXPECT_EQ(cr.code, WriteCode::kStorageFull);
    EXPECT_NE(ur.code, WriteCode::kOk);

    store.limit_pages_for_testing(1u << 30);  // room again
    auto after = store.write(create_op("/core/configmaps/ns/after", big));
    ASSERT_EQ(after.code, WriteCode::kOk) << after.message;
    EXPECT_EQ(store.get("/core/configmaps/ns/pair"), nullptr);
  }
  EventBus bus;
  Store store(db.path(), bus);
  store.open(plain_rehydrate());
  EXPECT_NE(store.get("/core/configmaps/ns/kept"), nullptr);
  EXPECT_NE(store.get("/core/configmaps/ns/after"), nullptr);
  EXPECT_EQ(store.get("/core/configmaps/ns/big"), nullptr);
  EXPECT_EQ(store.get("/core/configmaps/ns/pair"), nullptr);
  EXPECT_EQ(store.count("/core/configmaps/"), 2u);
}

TEST(StoreDurability, RehydrateMaySkipObjects) {
  TempDb db;
  {
    EventBus bus;
    Store store(db.path(), bus);
    store.open(plain_rehydrate());
    ASSERT_EQ(store.write(create_op("/core/configmaps/ns/keep", "k")).code, WriteCode::kOk);
    ASSERT_EQ(store.write(create_op("/unknown/things/ns/skip", "s")).code, WriteCode::kOk);
  }
  EventBus bus;
  Store store(db.path(), bus);
  store.open([](const std::string& key, uint64_t revision, std::string&& bytes) -> ObjectPtr {
    if (key.rfind("/unknown/", 0) == 0) return nullptr;
    return plain_rehydrate()(key, revision, std::move(bytes));
  });
  EXPECT_NE(store.get("/core/configmaps/ns/keep"), nullptr);
  EXPECT_EQ(store.get("/unknown/things/ns/skip"), nullptr);
  EXPECT_EQ(store.revision(), 2u);
}

TEST(StoreConcurrency, ManyWritersAllAcknowledged) {
  TempDb db;
  constexpr int kThreads = 8;
  constexpr int kWrites = 200;
  EventBus bus;
  Store store(db.path(), bus);
  store.open(plain_rehydrate());

  std::shared_ptr<Subscription> sub;
  ASSERT_EQ(bus.subscribe("/", 0, nullptr, sub, kThreads * kWrites * 2), EventBus::SubscribeResult::kOk);

  std::vector<std::vector<uint64_t>> revisions(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const std::string key = "/core/configmaps/t" + std::to_string(t) + "/o" + std::to_string(i);
        auto r = store.write(create_op(key, std::to_string(t * kWrites + i)));
        if (r.code != WriteCode::kOk || !r.object) {
          ++failures;
          continue;
        }
        revisions[t].push_back(r.object->revision);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(revisions[t].size(), static_cast<size_t>(kWrites));
    // Each writer's own writes are acknowledged in increasing revision order.
    for (size_t i = 1; i < revisions[t].size(); ++i) EXPECT_LT(revisions[t][i - 1], revisions[t][i]);
    all.insert(revisions[t].begin(), revisions[t].end());
  }
  // Every write got a distinct revision, with no gaps.
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kWrites));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kWrites));
  EXPECT_EQ(store.revision(), static_cast<uint64_t>(kThreads * kWrites));
  EXPECT_EQ(store.count("/core/configmaps/"), static_cast<size_t>(kThreads * kWrites));

  // Events arrive in strictly increasing revision order.
  std::vector<Event> events;
  while (sub->drain(events, 1000) > 0) {
  }
  ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kWrites));
  for (size_t i = 1; i < events.size(); ++i) ASSERT_LT(events[i - 1].revision, events[i].revision);
}

TEST(StoreLifecycle, SubmitAfterCloseFails) {
  EventBus bus;
  Store store("", bus);
  store.open(plain_rehydrate());
  store.close();
  auto r = store.submit(create_op("/core/configmaps/ns/a", "1"), nullptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, WriteCode::kFailed);
}

TEST(StoreKeys, Helpers) {
  EXPECT_EQ(resource_prefix("", "configmaps"), "/core/configmaps/");
  EXPECT_EQ(resource_prefix("apps", "deployments"), "/apps/deployments/");
  EXPECT_EQ(object_key("", "configmaps", "default", "x"), "/core/configmaps/default/x");
  EXPECT_EQ(object_key("", "namespaces", "", "default"), "/core/namespaces/default");
}

}  // namespace
}  // namespace capstan::store
