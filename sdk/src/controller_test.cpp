// Controller: level-based reconcile over an informer backed by the fake host of
// informer_test.cpp — one reconcile per burst of events, never two at once for a key, back-off on
// error, requeue_after, owner mapping and stop.

#include "capstan/controller.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "capstan/core_v1.capnp.h"
#include "capstan/machinery/resources.hpp"

namespace capstan::sdk::testing {

// Defined in informer_test.cpp.
class FakeApiServer;
using StringMap = std::map<std::string, std::string>;
std::shared_ptr<FakeApiServer> make_fake_api_server();
const capstan_host_api* fake_api(FakeApiServer& f);
uint64_t fake_put(FakeApiServer& f, const std::string& ns, const std::string& name, const StringMap& data);
std::vector<std::string> fake_logs(FakeApiServer& f);
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using machinery::kConfigMaps;

bool eventually(const std::function<bool()>& pred) { return testing::eventually(pred, 3s); }

// Counts reconciles per key and checks that a key is never reconciled twice at once.
class Reconciler {
 public:
  std::function<ReconcileResult(const std::string&)> fn(std::function<ReconcileResult(const std::string&, int)> body =
                                                            nullptr) {
    return [this, body](const std::string& key) {
      int n;
      {
        std::lock_guard lock(mu_);
        if (++in_flight_[key] > 1) ++overlaps_;
        n = ++calls_[key];
        times_[key].push_back(Clock::now());
      }
      ReconcileResult r = body ? body(key, n) : ReconcileResult{};
      std::lock_guard lock(mu_);
      --in_flight_[key];
      return r;
    };
  }
  int calls(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = calls_.find(key);
    return it == calls_.end() ? 0 : it->second;
  }
  int total() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [k, c] : calls_) n += c;
    return n;
  }
  std::vector<Clock::time_point> times(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = times_.find(key);
    return it == times_.end() ? std::vector<Clock::time_point>{} : it->second;
  }
  int overlaps() const {
    std::lock_guard lock(mu_);
    return overlaps_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> in_flight_, calls_;
  std::map<std::string, std::vector<Clock::time_point>> times_;
  int overlaps_ = 0;
};

class ControllerTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeApiServer> fake = make_fake_api_server();
  Host host{fake_api(*fake)};
  Client client{host};
  Informer informer{client, kConfigMaps};
  Reconciler rec;

  void TearDown() override { informer.stop(); }
};

TEST_F(ControllerTest, ReconcilesEachKeyOncePerBurst) {
  fake_put(*fake, "a", "one", {});
  fake_put(*fake, "a", "two", {});
  Controller c("test", host, rec.fn(), 2);
  c.watch(informer);
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(3s));
  // A burst of changes before the workers run: one key in the queue, one reconcile.
  for (int i = 0; i < 10; ++i) fake_put(*fake, "a", "one", {{"i", std::to_string(i)}});
  ASSERT_TRUE(eventually([&] { return informer.get("a", "one")->revision() == 112; }));
  EXPECT_EQ(c.queue().size(), 2u);

  c.start();
  ASSERT_TRUE(eventually([&] { return rec.total() == 2; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rec.calls("a/one"), 1);
  EXPECT_EQ(rec.calls("a/two"), 1);
  EXPECT_TRUE(c.synced());
  c.stop();
}

TEST_F(ControllerTest, WorkersWaitForTheInformersToSync) {
  fake_put(*fake, "a", "one", {});
  Controller c("test", host, rec.fn(), 2);
  c.watch(informer);
  c.enqueue("a/one");
  c.start();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rec.total(), 0) << "no reconcile before the cache is synced";
  EXPECT_FALSE(c.synced());
  informer.start();
  ASSERT_TRUE(eventually([&] { return rec.calls("a/one") == 1; }));
  c.stop();
}

TEST_F(ControllerTest, EventsDuringReconcileCollapseIntoOneMore) {
  fake_put(*fake, "a", "one", {});
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  std::atomic<bool> entered{false};
  Controller c("test", host, rec.fn([&](const std::string&, int n) {
    if (n == 1) {
      entered = true;
      std::unique_lock lock(gate_mu);
      gate_cv.wait(lock, [&] { return open; });
    }
    return ReconcileResult{};
  }),
               2);
  c.watch(informer);
  informer.start();
  c.start();
  ASSERT_TRUE(eventually([&] { return entered.load(); }));
  // The first reconcile of a/one is running; a second worker is idle and must not take the key.
  for (int i = 0; i < 10; ++i) fake_put(*fake, "a", "one", {{"i", std::to_string(i)}});
  c.enqueue("a/one");
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(rec.calls("a/one"), 1);
  {
    std::lock_guard lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(eventually([&] { return rec.calls("a/one") == 2; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rec.calls("a/one"), 2);
  EXPECT_EQ(rec.overlaps(), 0);
  c.stop();
}

TEST_F(ControllerTest, ErrorsRetryWithGrowingBackoffThenForget) {
  fake_put(*fake, "a", "flaky", {});
  RateLimit limit;
  limit.base_delay = 20ms;
  Controller c("flaky-ctl", host, rec.fn([](const std::string&, int n) {
    return n <= 3 ? ReconcileResult::fail("boom " + std::to_string(n)) : ReconcileResult::ok();
  }),
               2, limit);
  c.watch(informer);
  informer.start();
  c.start();
  ASSERT_TRUE(eventually([&] { return rec.calls("a/flaky") == 4; }));
  ASSERT_TRUE(eventually([&] { return c.queue().num_requeues("a/flaky") == 0; })) << "success forgets";

  auto t = rec.times("a/flaky");
  ASSERT_EQ(t.size(), 4u);
  // 20, 40, 80 ms between attempts (with scheduling slack).
  EXPECT_GE(t[1] - t[0], 18ms);
  EXPECT_GE(t[2] - t[1], 38ms);
  EXPECT_GE(t[3] - t[2], 78ms);
  EXPECT_LT(t[3] - t[0], 2s);

  int warnings = 0;
  for (const auto& l : fake_logs(*fake))
    if (l.find("flaky-ctl") != std::string::npos && l.find("boom") != std::string::npos) ++warnings;
  EXPECT_EQ(warnings, 3);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rec.calls("a/flaky"), 4) << "no retry after success";
  c.stop();
}

TEST_F(ControllerTest, ExceptionCountsAsError) {
  fake_put(*fake, "a", "one", {});
  RateLimit limit;
  limit.base_delay = 1ms;
  Controller c("test", host, rec.fn([](const std::string&, int n) -> ReconcileResult {
    if (n == 1) throw std::runtime_error("kaput");
    return {};
  }),
               1, limit);
  c.watch(informer);
  informer.start();
  c.start();
  ASSERT_TRUE(eventually([&] { return rec.calls("a/one") == 2; }));
  bool logged = false;
  for (const auto& l : fake_logs(*fake)) logged |= l.find("kaput") != std::string::npos;
  EXPECT_TRUE(logged);
  c.stop();
}

TEST_F(ControllerTest, RequeueAfterDelaysTheNextReconcile) {
  fake_put(*fake, "a", "poll", {});
  Controller c("test", host, rec.fn([](const std::string&, int n) {
    return n == 1 ? ReconcileResult::after(60ms) : ReconcileResult::ok();
  }),
               2);
  c.watch(informer);
  informer.start();
  c.start();
  ASSERT_TRUE(eventually([&] { return rec.calls("a/poll") == 2; }));
  auto t = rec.times("a/poll");
  EXPECT_GE(t[1] - t[0], 58ms);
  EXPECT_LT(t[1] - t[0], 1s);
  EXPECT_EQ(c.queue().num_requeues("a/poll"), 0);
  c.stop();
}

TEST_F(ControllerTest, WatchOwnedEnqueuesTheOwnerKey) {
  fake_put(*fake, "a", "child-1", {{"owner", "parent"}});
  fake_put(*fake, "a", "orphan", {});
  Controller c("test", host, rec.fn(), 2);
  c.watch_owned(informer, [](const ObjectPtr& obj) -> std::optional<std::string> {
    for (auto e : obj->as<capstan::core::v1::ConfigMap>().getData())
      if (std::string_view(e.getKey().cStr()) == "owner") return obj->ns() + "/" + e.getValue().cStr();
    return std::nullopt;
  });
  informer.start();
  c.start();
  ASSERT_TRUE(eventually([&] { return rec.calls("a/parent") == 1; }));
  fake_put(*fake, "a", "child-2", {{"owner", "parent"}});
  ASSERT_TRUE(eventually([&] { return rec.calls("a/parent") == 2; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(rec.total(), 2) << "only owners are reconciled";
  c.stop();
}

TEST(ControllerOwnerKey, FindsTheControllingOwnerOfAKind) {
  capnp::MallocMessageBuilder m;
  auto cm = m.initRoot<capstan::core::v1::ConfigMap>();
  cm.setApiVersion("v1");
  cm.setKind("ConfigMap");
  auto meta = cm.initMetadata();
  meta.setName("child");
  meta.setNamespace("ns");
  auto refs = meta.initOwnerReferences(2);
  refs[0].setApiVersion("v1");
  refs[0].setKind("Other");
  refs[0].setName("not-controller");
  refs[0].setUid("u0");
  refs[1].setApiVersion("apps/v1");
  refs[1].setKind("ReplicaSet");
  refs[1].setName("rs");
  refs[1].setUid("u1");
  refs[1].initController().setValue(true);
  const std::string bytes = serialize(m);
  auto obj = Object::from_bytes(bytes.data(), bytes.size());

  EXPECT_EQ(controller_owner_key(obj, "ReplicaSet"), std::optional<std::string>("ns/rs"));
  EXPECT_EQ(controller_owner_key(obj, "ReplicaSet", "apps/v1"), std::optional<std::string>("ns/rs"));
  EXPECT_EQ(controller_owner_key(obj, "ReplicaSet", "v1"), std::nullopt);
  EXPECT_EQ(controller_owner_key(obj, "Other"), std::nullopt) << "not the controller";
  EXPECT_EQ(controller_owner_key(nullptr, "ReplicaSet"), std::nullopt);
}

TEST_F(ControllerTest, StopIsPromptEvenBeforeSync) {
  Controller c("test", host, rec.fn(), 2);
  c.watch(informer);  // never started
  c.start();
  const auto t0 = Clock::now();
  c.stop();
  EXPECT_LT(Clock::now() - t0, 1s);
  c.enqueue("x");  // ignored after stop
  EXPECT_EQ(c.queue().size(), 0u);
}

TEST_F(ControllerTest, InformerMayOutliveTheController) {
  fake_put(*fake, "a", "one", {});
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(3s));
  {
    Controller c("test", host, rec.fn(), 1);
    c.watch(informer);
    c.start();
    ASSERT_TRUE(eventually([&] { return rec.calls("a/one") == 1; }));
  }
  // The handler still registered only adds to the dead controller's shut-down queue.
  fake_put(*fake, "a", "one", {{"k", "v"}});
  ASSERT_TRUE(eventually([&] { return informer.get("a", "one")->as<capstan::core::v1::ConfigMap>().getData().size() == 1; }));
  EXPECT_EQ(rec.calls("a/one"), 1);
}

}  // namespace
}  // namespace capstan::sdk::testing
