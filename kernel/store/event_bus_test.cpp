// EventBus: prefix routing, resume windows, lagging subscribers and unsubscribe.

#include "store/event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace capstan::store {
namespace {

Event ev(const std::string& key, uint64_t revision, EventType type = EventType::kAdded) {
  auto o = std::make_shared<Object>();
  o->key = key;
  o->revision = revision;
  return Event{type, revision, o};
}

std::vector<Event> drain_all(Subscription& sub) {
  std::vector<Event> out;
  while (sub.drain(out, 3) > 0) {
  }
  return out;
}

std::vector<uint64_t> revisions(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const auto& e : events) out.push_back(e.revision);
  return out;
}

TEST(EventBus, RoutesByPrefix) {
  EventBus bus;
  std::shared_ptr<Subscription> ns_sub, res_sub, other_ns_sub, other_res_sub, all_sub;
  ASSERT_EQ(bus.subscribe("/core/configmaps/ns1/", 0, nullptr, ns_sub), EventBus::SubscribeResult::kOk);
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 0, nullptr, res_sub), EventBus::SubscribeResult::kOk);
  ASSERT_EQ(bus.subscribe("/core/configmaps/ns2/", 0, nullptr, other_ns_sub), EventBus::SubscribeResult::kOk);
  ASSERT_EQ(bus.subscribe("/core/secrets/", 0, nullptr, other_res_sub), EventBus::SubscribeResult::kOk);
  ASSERT_EQ(bus.subscribe("/", 0, nullptr, all_sub), EventBus::SubscribeResult::kOk);
  EXPECT_EQ(bus.subscriber_count(), 5u);

  bus.publish({ev("/core/configmaps/ns1/a", 1), ev("/core/configmaps/ns2/b", 2), ev("/apps/deployments/ns1/c", 3),
               ev("/core/configmaps/ns10/d", 4), ev("/core/namespaces/ns1", 5)});

  EXPECT_EQ(revisions(drain_all(*ns_sub)), (std::vector<uint64_t>{1}));
  EXPECT_EQ(revisions(drain_all(*res_sub)), (std::vector<uint64_t>{1, 2, 4}));
  EXPECT_EQ(revisions(drain_all(*other_ns_sub)), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(drain_all(*other_res_sub).empty());
  EXPECT_EQ(revisions(drain_all(*all_sub)), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST(EventBus, DeliversOnlyAfterRevision) {
  EventBus bus;
  bus.publish({ev("/core/configmaps/ns/a", 1), ev("/core/configmaps/ns/a", 2)});
  std::shared_ptr<Subscription> sub;
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 3, nullptr, sub), EventBus::SubscribeResult::kOk);
  // A snapshot at revision 5 already covers 4 and 5 (publishers may race with the list).
  std::shared_ptr<Subscription> later;
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 5, nullptr, later), EventBus::SubscribeResult::kOk);
  bus.publish({ev("/core/configmaps/ns/a", 3), ev("/core/configmaps/ns/b", 4), ev("/core/configmaps/ns/c", 5),
               ev("/core/configmaps/ns/c", 6, EventType::kDeleted)});
  EXPECT_EQ(revisions(drain_all(*sub)), (std::vector<uint64_t>{4, 5, 6}));
  auto got = drain_all(*later);
  EXPECT_EQ(revisions(got), (std::vector<uint64_t>{6}));
  EXPECT_EQ(got[0].type, EventType::kDeleted);
}

TEST(EventBus, ReplaysWindowOnSubscribe) {
  EventBus bus(100);
  bus.publish({ev("/core/configmaps/ns/a", 1), ev("/core/secrets/ns/s", 2), ev("/core/configmaps/ns/b", 3)});
  bus.publish({ev("/core/configmaps/other/c", 4)});
  int ready = 0;
  std::shared_ptr<Subscription> sub;
  ASSERT_EQ(bus.subscribe("/core/configmaps/ns/", 1, [&] { ++ready; }, sub), EventBus::SubscribeResult::kOk);
  EXPECT_EQ(ready, 1) << "replayed events must signal on_ready";
  EXPECT_EQ(revisions(drain_all(*sub)), (std::vector<uint64_t>{3}));
  // Replay then live, with no duplicates.
  bus.publish({ev("/core/configmaps/ns/a", 5)});
  EXPECT_EQ(ready, 2);
  EXPECT_EQ(revisions(drain_all(*sub)), (std::vector<uint64_t>{5}));

  std::shared_ptr<Subscription> from_zero;
  ASSERT_EQ(bus.subscribe("/core/", 0, nullptr, from_zero), EventBus::SubscribeResult::kOk);
  EXPECT_EQ(revisions(drain_all(*from_zero)), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST(EventBus, OnReadySignalledOnlyWhenQueueBecomesNonEmpty) {
  EventBus bus;
  int ready = 0;
  std::shared_ptr<Subscription> sub;
  ASSERT_EQ(bus.subscribe("/core/", 0, [&] { ++ready; }, sub), EventBus::SubscribeResult::kOk);
  EXPECT_EQ(ready, 0);
  bus.publish({ev("/core/configmaps/ns/a", 1), ev("/core/configmaps/ns/a", 2)});
  bus.publish({ev("/core/configmaps/ns/a", 3)});
  EXPECT_EQ(ready, 1);
  drain_all(*sub);
  bus.publish({ev("/core/configmaps/ns/a", 4)});
  EXPECT_EQ(ready, 2);
}

TEST(EventBus, ExpiredWhenOlderThanWindow) {
  EventBus bus(4);
  for (uint64_t r = 1; r <= 10; ++r) bus.publish({ev("/core/configmaps/ns/a", r)});
  // The window holds 7..10: a watch may resume after 6 or later.
  EXPECT_EQ(bus.oldest_resumable(), 6u);
  std::shared_ptr<Subscription> sub;
  EXPECT_EQ(bus.subscribe("/core/configmaps/", 5, nullptr, sub), EventBus::SubscribeResult::kExpired);
  EXPECT_EQ(bus.subscribe("/core/configmaps/", 1, nullptr, sub), EventBus::SubscribeResult::kExpired);
  EXPECT_EQ(bus.subscribe("/core/configmaps/", 0, nullptr, sub), EventBus::SubscribeResult::kExpired);
  EXPECT_EQ(bus.subscriber_count(), 0u);
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 6, nullptr, sub), EventBus::SubscribeResult::kOk);
  EXPECT_EQ(revisions(drain_all(*sub)), (std::vector<uint64_t>{7, 8, 9, 10}));
  std::shared_ptr<Subscription> current;
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 10, nullptr, current), EventBus::SubscribeResult::kOk);
  EXPECT_TRUE(drain_all(*current).empty());
}

TEST(EventBus, StartRevisionBoundsResume) {
  // After a restart at revision 100 the history before it is gone.
  EventBus bus(4);
  bus.set_start_revision(100);
  EXPECT_EQ(bus.oldest_resumable(), 100u);
  std::shared_ptr<Subscription> sub;
  EXPECT_EQ(bus.subscribe("/", 50, nullptr, sub), EventBus::SubscribeResult::kExpired);
  ASSERT_EQ(bus.subscribe("/", 100, nullptr, sub), EventBus::SubscribeResult::kOk);
  bus.publish({ev("/core/configmaps/ns/a", 101)});
  EXPECT_EQ(revisions(drain_all(*sub)), (std::vector<uint64_t>{101}));
  // The window is not full yet, but revisions before the start are still not resumable.
  std::shared_ptr<Subscription> old;
  EXPECT_EQ(bus.subscribe("/", 99, nullptr, old), EventBus::SubscribeResult::kExpired);
  std::shared_ptr<Subscription> ok;
  ASSERT_EQ(bus.subscribe("/", 100, nullptr, ok), EventBus::SubscribeResult::kOk);
  EXPECT_EQ(revisions(drain_all(*ok)), (std::vector<uint64_t>{101}));
}

TEST(EventBus, LaggingSubscriberIsCutOff) {
  EventBus bus(100, 1000);
  std::atomic<int> slow_ready{0};
  std::shared_ptr<Subscription> slow, fast;
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 0, [&] { ++slow_ready; }, slow, /*capacity=*/3),
            EventBus::SubscribeResult::kOk);
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 0, nullptr, fast), EventBus::SubscribeResult::kOk);

  bus.publish({ev("/core/configmaps/ns/a", 1), ev("/core/configmaps/ns/a", 2), ev("/core/configmaps/ns/a", 3)});
  EXPECT_FALSE(slow->cut_off());
  EXPECT_EQ(slow_ready.load(), 1);
  bus.publish({ev("/core/configmaps/ns/a", 4)});  // the fourth does not fit
  EXPECT_TRUE(slow->cut_off());
  EXPECT_EQ(slow_ready.load(), 2) << "being cut off must signal on_ready";
  bus.publish({ev("/core/configmaps/ns/a", 5)});
  EXPECT_EQ(slow_ready.load(), 2);

  // A cut-off subscriber gets nothing more (it must re-list), never a partial stream.
  auto slow_events = drain_all(*slow);
  EXPECT_TRUE(slow_events.empty()) << "got " << slow_events.size();
  EXPECT_TRUE(slow->cut_off());
  // Others are unaffected.
  EXPECT_FALSE(fast->cut_off());
  EXPECT_EQ(revisions(drain_all(*fast)), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST(EventBus, CutOffDuringReplay) {
  EventBus bus(100);
  for (uint64_t r = 1; r <= 10; ++r) bus.publish({ev("/core/configmaps/ns/a", r)});
  int ready = 0;
  std::shared_ptr<Subscription> sub;
  ASSERT_EQ(bus.subscribe("/core/", 0, [&] { ++ready; }, sub, 4), EventBus::SubscribeResult::kOk);
  EXPECT_TRUE(sub->cut_off());
  EXPECT_GE(ready, 1);
}

TEST(EventBus, UnsubscribeStopsDelivery) {
  EventBus bus;
  int ready = 0;
  std::shared_ptr<Subscription> sub, other;
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 0, [&] { ++ready; }, sub), EventBus::SubscribeResult::kOk);
  ASSERT_EQ(bus.subscribe("/core/configmaps/", 0, nullptr, other), EventBus::SubscribeResult::kOk);
  bus.publish({ev("/core/configmaps/ns/a", 1)});
  EXPECT_EQ(revisions(drain_all(*sub)), (std::vector<uint64_t>{1}));
  bus.unsubscribe(sub);
  EXPECT_EQ(bus.subscriber_count(), 1u);
  bus.publish({ev("/core/configmaps/ns/a", 2)});
  EXPECT_TRUE(drain_all(*sub).empty());
  EXPECT_EQ(ready, 1);
  EXPECT_EQ(revisions(drain_all(*other)), (std::vector<uint64_t>{1, 2}));
  bus.unsubscribe(sub);      // twice is harmless
  bus.unsubscribe(nullptr);  // and so is null
  bus.unsubscribe(other);
  EXPECT_EQ(bus.subscriber_count(), 0u);
}

TEST(EventBus, SubscriberIdsAreDistinct) {
  EventBus bus;
  std::shared_ptr<Subscription> a, b;
  ASSERT_EQ(bus.subscribe("/", 0, nullptr, a), EventBus::SubscribeResult::kOk);
  ASSERT_EQ(bus.subscribe("/", 0, nullptr, b), EventBus::SubscribeResult::kOk);
  EXPECT_NE(a->id(), b->id());
}

}  // namespace
}  // namespace capstan::store
