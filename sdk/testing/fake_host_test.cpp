// The fake host itself: object rules the controller tests rely on, and informers over it.

#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include "capstan/core_v1.capnp.h"
#include "capstan/informer.hpp"

namespace capstan::sdk::testing {
namespace {

using machinery::kPods;
using machinery::kConfigMaps;

GetResult create_cm(const Client& c, const std::string& name, const std::string& value) {
  capnp::MallocMessageBuilder m;
  auto cm = m.initRoot<core::v1::ConfigMap>();
  cm.setApiVersion("v1");
  cm.setKind("ConfigMap");
  auto meta = cm.initMetadata();
  if (name.back() == '-') meta.setGenerateName(name);
  else meta.setName(name);
  auto data = cm.initData(1);
  data[0].setKey("k");
  data[0].setValue(value);
  return c.create(kConfigMaps, "default", m);
}

TEST(FakeHostTest, CreateGetConflictAndDelete) {
  FakeHost fake;
  Client c(fake.host());
  auto created = create_cm(c, "a", "1");
  ASSERT_TRUE(created.status.ok()) << created.status.message;
  EXPECT_FALSE(created.object->uid().empty());
  EXPECT_EQ(create_cm(c, "a", "2").status.reason, "AlreadyExists");
  auto gen = create_cm(c, "gen-", "x");
  ASSERT_TRUE(gen.status.ok());
  EXPECT_EQ(gen.object->name().size(), 9u);

  // A stale resourceVersion conflicts; a merge patch does not need one.
  auto p = c.patch(kConfigMaps, "default", "a", "merge", R"({"data":{"k":"3"}})");
  ASSERT_TRUE(p.status.ok()) << p.status.message;
  capnp::MallocMessageBuilder m;
  m.setRoot(created.object->as<core::v1::ConfigMap>());
  EXPECT_TRUE(c.update(kConfigMaps, "default", "a", m).status.conflict());
  EXPECT_EQ((*fake.get(kConfigMaps, "default", "a"))["data"]["k"], "3");

  EXPECT_TRUE(c.remove(kConfigMaps, "default", "a", "Background", "wrong-uid").conflict());
  EXPECT_TRUE(c.remove(kConfigMaps, "default", "a").ok());
  EXPECT_TRUE(c.get(kConfigMaps, "default", "a").status.not_found());
}

TEST(FakeHostTest, FinalizersHoldDeletionAndStatusIsSeparate) {
  FakeHost fake;
  Client c(fake.host());
  fake.put(kPods, {{"metadata", {{"name", "p"}, {"finalizers", {"x"}}}},
                   {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}},
                   {"status", {{"phase", "Running"}}}});
  // A main-resource write keeps the stored status; generation moves only with the spec.
  auto r = c.patch(kPods, "default", "p", "merge", R"({"metadata":{"labels":{"a":"b"}},"status":{"phase":"Failed"}})");
  ASSERT_TRUE(r.status.ok()) << r.status.message;
  auto pod = *fake.get(kPods, "default", "p");
  EXPECT_EQ(pod["status"]["phase"], "Running");
  EXPECT_EQ(pod["metadata"]["generation"], 1);
  ASSERT_TRUE(c.patch(kPods, "default", "p", "merge", R"({"status":{"phase":"Failed"}})", "status").status.ok());
  EXPECT_EQ((*fake.get(kPods, "default", "p"))["status"]["phase"], "Failed");

  ASSERT_TRUE(c.remove(kPods, "default", "p", "Foreground").ok());
  pod = *fake.get(kPods, "default", "p");
  EXPECT_TRUE(pod["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(pod["metadata"]["finalizers"], json({"x", "foregroundDeletion"}));
  ASSERT_TRUE(c.patch(kPods, "default", "p", "merge", R"({"metadata":{"finalizers":null}})").status.ok());
  EXPECT_FALSE(fake.get(kPods, "default", "p"));

  fake.put(kPods, {{"metadata", {{"name", "q"}}}, {"spec", {{"containers", {{{"name", "c"}, {"image", "i"}}}}}}});
  auto binding = [](const std::string& node) {
    return json{{"apiVersion", "v1"}, {"kind", "Binding"}, {"metadata", {{"name", "q"}}},
                {"target", {{"kind", "Node"}, {"name", node}}}}.dump();
  };
  EXPECT_TRUE(c.post_subresource(kPods, "default", "q", "binding", binding("n1")).ok());
  EXPECT_TRUE(c.post_subresource(kPods, "default", "q", "binding", binding("n2")).conflict());
  EXPECT_EQ((*fake.get(kPods, "default", "q"))["spec"]["nodeName"], "n1");
}

TEST(FakeHostTest, InformerListsWatchesAndResyncs) {
  FakeHost fake;
  Client c(fake.host());
  fake.put(kConfigMaps, {{"metadata", {{"name", "one"}, {"labels", {{"app", "x"}}}}}});
  Informer inf(c, kConfigMaps);
  inf.set_selectors("app=x", "");
  std::atomic<int> deleted{0};
  inf.add_handler([&](const ObjectPtr&, EventKind k) {
    if (k == EventKind::kDeleted) ++deleted;
  });
  inf.start();
  ASSERT_TRUE(inf.wait_for_sync(std::chrono::seconds(5)));
  EXPECT_EQ(inf.list().size(), 1u);
  fake.put(kConfigMaps, {{"metadata", {{"name", "two"}, {"labels", {{"app", "x"}}}}}});
  fake.put(kConfigMaps, {{"metadata", {{"name", "other"}}}});
  EXPECT_TRUE(FakeHost::eventually([&] { return inf.list().size() == 2; }));
  // Leaving the selector is a deletion for this watch.
  fake.patch(kConfigMaps, "default", "one", {{"metadata", {{"labels", {{"app", "y"}}}}}});
  EXPECT_TRUE(FakeHost::eventually([&] { return inf.list().size() == 1 && deleted == 1; }));

  // A held watch lags; a resync makes the informer list again and catch up.
  fake.hold_watch_events(kConfigMaps);
  fake.put(kConfigMaps, {{"metadata", {{"name", "three"}, {"labels", {{"app", "x"}}}}}});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(inf.list().size(), 1u);
  fake.release_watch_events(kConfigMaps);
  EXPECT_TRUE(FakeHost::eventually([&] { return inf.list().size() == 2; }));
  const auto lists = inf.list_count();
  fake.resync_watches();
  EXPECT_TRUE(FakeHost::eventually([&] { return inf.list_count() > lists; }));
  inf.stop();
}

}  // namespace
}  // namespace capstan::sdk::testing
