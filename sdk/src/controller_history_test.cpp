// ControllerHistory against the fake host: a revision per template, renumbered when the template
// goes back to an old one, orphans adopted, collisions reported; and the cleanup choice.
#include "capstan/controller_history.hpp"

#include <gtest/gtest.h>

#include "capstan/apps_v1.capnp.h"
#include "capstan/hash.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/testing/fake_host.hpp"
#include "capstan/testing/json_objects.hpp"

namespace capstan::sdk {
namespace {

using machinery::kControllerRevisions;
using testing::FakeHost;
using testing::json;

TEST(ControllerHistory, CleanupKeepsLiveAndNewest) {
  std::vector<RevisionInfo> old{{"r1", 1, "h1"}, {"r2", 2, "h2"}, {"r3", 3, "h3"}, {"r4", 4, "h4"}};
  EXPECT_EQ(revisions_to_delete(old, 2, {}), (std::vector<std::string>{"r1", "r2"}));
  EXPECT_EQ(revisions_to_delete(old, 2, {"h1"}), (std::vector<std::string>{"r2", "r3"}));
  EXPECT_EQ(revisions_to_delete(old, 2, {"r2"}), (std::vector<std::string>{"r1", "r3"}));  // by name (StatefulSets)
  EXPECT_TRUE(revisions_to_delete(old, 10, {}).empty());
  EXPECT_EQ(revisions_to_delete(old, 0, {}).size(), 4u);
}

json owner(const std::string& image) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}, {"uid", "u-web"}}},
          {"spec",
           {{"selector", {{"matchLabels", {{"app", "web"}}}}},
            {"template", {{"metadata", {{"labels", {{"app", "web"}}}}},
                          {"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}}}}}};
}

class ControllerHistoryTest : public ::testing::Test {
 protected:
  ControllerHistoryTest() : client_(fake_.host()), revisions_(client_, kControllerRevisions) {
    fake_.add_kind({kControllerRevisions, "ControllerRevision", true, capnp::Schema::from<apps::v1::ControllerRevision>(), false});
    revisions_.start();
    EXPECT_TRUE(revisions_.wait_for_sync(std::chrono::seconds(5)));
  }
  ~ControllerHistoryTest() override { revisions_.stop(); }

  std::optional<ControllerHistory::Result> sync(const std::string& image) {
    fake_.wait_delivered();
    // The controller reads revisions from the informer: let it hold every stored one (and the
    // stored revision numbers) first, as a controller's next sync would after the watch events.
    EXPECT_TRUE(FakeHost::eventually([&] {
      auto stored = fake_.list(kControllerRevisions, "default");
      auto cached = revisions_.list("default");
      if (stored.size() != cached.size()) return false;
      for (const auto& s : stored) {
        auto c = revisions_.get("default", s["metadata"]["name"].get<std::string>());
        if (!c) return false;
        auto rev = c->as<apps::v1::ControllerRevision>().getRevision();
        if ((rev.isValue() ? rev.getValue() : 0) != s.value("revision", int64_t{0})) return false;
      }
      return true;
    }));
    auto obj = testing::object_from_json<apps::v1::StatefulSet>(owner(image));
    auto sts = obj->as<apps::v1::StatefulSet>();
    std::string error;
    ControllerHistory h(client_, revisions_, "apps/v1", "StatefulSet");
    auto r = h.sync(obj, sts.getSpec().getSelector(), sts.getSpec().getTemplate(), std::nullopt, &error);
    EXPECT_TRUE(error.empty()) << error;
    return r;
  }

  FakeHost fake_;
  Client client_;
  Informer revisions_;
};

TEST_F(ControllerHistoryTest, OneRevisionPerTemplateAndRollbackRenumbers) {
  auto first = sync("nginx:1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->current.revision, 1);
  EXPECT_EQ(first->current.name, "web-" + first->current.hash);
  auto stored = fake_.get(kControllerRevisions, "default", first->current.name);
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["metadata"]["labels"]["controller-revision-hash"], first->current.hash);
  EXPECT_EQ((*stored)["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
  EXPECT_EQ(json::parse((*stored)["data"].dump())["spec"]["template"]["$patch"], "replace");

  EXPECT_EQ(sync("nginx:1")->current.name, first->current.name);  // unchanged template: same revision
  auto second = sync("nginx:2");
  EXPECT_EQ(second->current.revision, 2);
  ASSERT_EQ(second->old.size(), 1u);
  auto back = sync("nginx:1");  // a rollback: the old revision becomes the newest
  EXPECT_EQ(back->current.name, first->current.name);
  EXPECT_EQ(back->current.revision, 3);
  EXPECT_TRUE(FakeHost::eventually([&] {
    return (*fake_.get(kControllerRevisions, "default", first->current.name))["revision"] == 3;
  }));
}

TEST_F(ControllerHistoryTest, NameTakenByOtherDataIsACollision) {
  auto first = sync("nginx:1");
  // Someone else's revision under the name the next template hashes to.
  auto obj = testing::object_from_json<apps::v1::StatefulSet>(owner("nginx:2"));
  auto words = capnp::canonicalize(obj->as<apps::v1::StatefulSet>().getSpec().getTemplate());
  auto bytes = words.asBytes();
  const std::string hash = compute_hash(std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), std::nullopt);
  fake_.put(kControllerRevisions, {{"metadata", {{"name", "web-" + hash}, {"namespace", "default"}}},
                                   {"data", {{"other", true}}}, {"revision", 7}});
  // The informer has not seen it yet or sees an orphan whose labels do not match: either way the
  // create finds the name taken by other data.
  auto r = sync("nginx:2");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->collision);
}

}  // namespace
}  // namespace capstan::sdk
