// EventRecorder against the fake host: Event shape, repeats folded into count/lastTimestamp within
// ten minutes, a new Event after that, aggregation of many distinct messages, and the background
// writer.

#include "capstan/events.hpp"

#include <gtest/gtest.h>

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"

namespace capstan::sdk::testing {
namespace {

using machinery::kEvents;
using machinery::kPods;
using machinery::kNodes;

struct ManualClock {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'700'000'000);
  EventRecorder::Clock fn() {
    return [this] { return now; };
  }
};

TEST(EventRecorderTest, WritesEventsLikeClientGo) {
  FakeHost fake;
  Client client(fake.host());
  auto pod = fake.put(kPods, {{"metadata", {{"name", "web-1"}, {"namespace", "apps"}}},
                              {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}});
  auto obj = client.get(kPods, "apps", "web-1").object;
  ASSERT_TRUE(obj);
  EventRecorder rec(fake.host(), "replicaset-controller");
  rec.record(obj, kEventTypeNormal, "SuccessfulCreate", "Created pod: web-1");
  auto events = fake.list(kEvents, "apps");
  ASSERT_EQ(events.size(), 1u);
  const auto& ev = events[0];
  EXPECT_EQ(ev["metadata"]["name"].get<std::string>().rfind("web-1.", 0), 0u);
  EXPECT_EQ(ev["involvedObject"]["kind"], "Pod");
  EXPECT_EQ(ev["involvedObject"]["apiVersion"], "v1");
  EXPECT_EQ(ev["involvedObject"]["uid"], pod["metadata"]["uid"]);
  EXPECT_EQ(ev["involvedObject"]["namespace"], "apps");
  EXPECT_EQ(ev["reason"], "SuccessfulCreate");
  EXPECT_EQ(ev["message"], "Created pod: web-1");
  EXPECT_EQ(ev["type"], "Normal");
  EXPECT_EQ(ev["count"], 1);
  EXPECT_EQ(ev["source"]["component"], "replicaset-controller");
  EXPECT_EQ(ev["reportingComponent"], "replicaset-controller");
  EXPECT_EQ(ev["firstTimestamp"], ev["lastTimestamp"]);
  EXPECT_EQ(rec.created(), 1u);
}

TEST(EventRecorderTest, RepeatsWithinTenMinutesBumpCount) {
  FakeHost fake;
  ManualClock clock;
  EventRecorder rec(fake.host(), "kubelet", "node-1");
  rec.set_clock(clock.fn());
  ObjectRef ref{"v1", "Pod", "default", "p", "uid-1", "", "spec.containers{c}"};
  rec.record(ref, kEventTypeWarning, "BackOff", "Back-off restarting failed container");
  clock.now += std::chrono::minutes(3);
  rec.record(ref, kEventTypeWarning, "BackOff", "Back-off restarting failed container");
  clock.now += std::chrono::minutes(9);
  rec.record(ref, kEventTypeWarning, "BackOff", "Back-off restarting failed container");
  auto events = fake.list(kEvents, "default");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 3);
  EXPECT_EQ(events[0]["firstTimestamp"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(events[0]["lastTimestamp"], "2023-11-14T22:25:20Z");
  EXPECT_EQ(events[0]["source"]["host"], "node-1");
  EXPECT_EQ(events[0]["involvedObject"]["fieldPath"], "spec.containers{c}");
  EXPECT_EQ(rec.folded(), 2u);

  // Ten minutes of quiet: the next one is a new Event. A different message is another Event.
  clock.now += std::chrono::minutes(11);
  rec.record(ref, kEventTypeWarning, "BackOff", "Back-off restarting failed container");
  rec.record(ref, kEventTypeWarning, "BackOff", "something else");
  EXPECT_EQ(fake.list(kEvents, "default").size(), 3u);
}

TEST(EventRecorderTest, DeletedEventIsWrittenAgainWithItsCount) {
  FakeHost fake;
  EventRecorder rec(fake.host(), "c");
  ObjectRef ref{"v1", "Pod", "default", "p", "u", "", ""};
  rec.record(ref, kEventTypeNormal, "R", "m");
  auto name = fake.list(kEvents)[0]["metadata"]["name"].get<std::string>();
  ASSERT_TRUE(fake.erase(kEvents, "default", name));
  rec.record(ref, kEventTypeNormal, "R", "m");
  auto events = fake.list(kEvents);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 2);
}

TEST(EventRecorderTest, ClusterScopedObjectsGetEventsInDefault) {
  FakeHost fake;
  fake.put(kNodes, {{"metadata", {{"name", "n1"}}}});
  Client client(fake.host());
  EventRecorder rec(client, "node-controller");
  rec.emit(client.get(kNodes, "", "n1").object, "Node", kEventTypeNormal, "RemovingNodeFromService",
           "Node n1 event: Removing Node n1 from Service");
  auto events = fake.list(kEvents, "default");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Node");
  EXPECT_FALSE(events[0]["involvedObject"].contains("namespace"));
}

TEST(EventRecorderTest, ManyDistinctMessagesAreCombined) {
  FakeHost fake;
  EventRecorder rec(fake.host(), "c");
  ObjectRef ref{"v1", "Pod", "default", "p", "u", "", ""};
  for (int i = 0; i < 15; ++i) rec.record(ref, kEventTypeWarning, "Failed", "failure " + std::to_string(i));
  auto events = fake.list(kEvents);
  // Nine distinct Events, then one combined Event counting the other six.
  ASSERT_EQ(events.size(), 10u);
  int combined = 0;
  for (const auto& e : events) {
    const std::string msg = e["message"];
    if (msg.rfind("(combined from similar events): ", 0) == 0) {
      ++combined;
      EXPECT_EQ(e["count"], 6);
      EXPECT_EQ(msg, "(combined from similar events): failure 14");
    }
  }
  EXPECT_EQ(combined, 1);
}

TEST(EventRecorderTest, BackgroundWriterFlushesAndShutsDown) {
  FakeHost fake;
  EventRecorder rec(fake.host(), "c");
  rec.set_synchronous(false);
  for (int i = 0; i < 20; ++i)
    rec.record(ObjectRef{"v1", "Pod", "default", "p" + std::to_string(i), "u", "", ""}, kEventTypeNormal, "R", "m");
  rec.flush();
  EXPECT_EQ(fake.list(kEvents).size(), 20u);
  rec.shutdown();
  rec.record(ObjectRef{"v1", "Pod", "default", "late", "u", "", ""}, kEventTypeNormal, "R", "m");
  EXPECT_EQ(fake.list(kEvents).size(), 20u);
}

TEST(EventRecorderTest, FailuresAreLoggedNotThrown) {
  FakeHost fake;
  fake.set_reactor([](const FakeCall& c) -> std::optional<Status> {
    if (c.resource.resource == "events") return Status{500, "InternalError", "boom"};
    return std::nullopt;
  });
  EventRecorder rec(fake.host(), "c");
  EXPECT_NO_THROW(rec.record(ObjectRef{"v1", "Pod", "default", "p", "u", "", ""}, kEventTypeNormal, "R", "m"));
  EXPECT_EQ(rec.created(), 0u);
  bool logged = false;
  for (const auto& l : fake.logs()) logged |= l.find("boom") != std::string::npos;
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace capstan::sdk::testing
