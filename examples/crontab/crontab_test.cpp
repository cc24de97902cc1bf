// The CronTab plugin's unit tests, on the SDK's fake host (capstan/testing/fake_host.hpp, installed
// with the SDK): no kernel, no server. Admission is called directly; the controller runs against
// the fake and writes status the way it would on a real server.
#include <gtest/gtest.h>

#include <capnp/message.h>

#include "capstan/testing/fake_host.hpp"
#include "crontab.capnp.h"
#include "crontab_controller.hpp"

namespace example::crontab {
namespace {

using capstan::sdk::testing::FakeHost;
using capstan::sdk::testing::json;
using v1::CronTab;

capstan::sdk::ObjectPtr crontab(const std::string& spec) {
  capnp::MallocMessageBuilder m;
  auto ct = m.initRoot<CronTab>();
  ct.initMetadata().setName("c");
  ct.initSpec().setCronSpec(spec);
  auto bytes = capstan::sdk::serialize(m);
  return capstan::sdk::Object::from_bytes(bytes.data(), bytes.size());
}

class CronTabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_kind({kCronTabs, "CronTab", true, capnp::Schema::from<CronTab>(), true, ""});
  }
  FakeHost fake_;  // declared first: it outlives the plugin
};

TEST_F(CronTabTest, AdmissionWantsFiveFields) {
  CronTabPlugin plugin(fake_.host());
  capstan::sdk::AdmissionRequest req{};
  req.operation = capstan::sdk::AdmissionRequest::Operation::kCreate;
  req.object = crontab("*/5 * * * *");
  EXPECT_TRUE(plugin.admit(req).allowed);
  req.object = crontab("* * *");
  auto refused = plugin.admit(req);
  ASSERT_FALSE(refused.allowed);
  ASSERT_EQ(refused.causes.size(), 1u);
  EXPECT_EQ(refused.causes[0].field, "spec.cronSpec");
  EXPECT_NE(refused.causes[0].message.find("found 3"), std::string::npos) << refused.causes[0].message;
  req.subresource = "status";  // status writes do not touch the spec
  EXPECT_TRUE(plugin.admit(req).allowed);
}

TEST_F(CronTabTest, ControllerAcknowledgesEachGeneration) {
  fake_.put(kCronTabs, {{"metadata", {{"name", "nightly"}, {"namespace", "default"}}},
                        {"spec", {{"cronSpec", "0 3 * * *"}, {"image", "backup"}}}});
  CronTabPlugin plugin(fake_.host());
  plugin.start();
  auto status = [&] { return FakeHost::at(*fake_.get(kCronTabs, "default", "nightly"), "status"); };
  // Until the controller's first write the object has no status (null).
  ASSERT_TRUE(FakeHost::eventually([&] {
    auto s = status();
    return s.is_object() && s.value("message", "") == "schedule 0 3 * * * accepted";
  }))
      << status().dump();
  EXPECT_EQ(status()["observedGeneration"], 1);
  // A new spec is a new generation, acknowledged again.
  auto r = capstan::sdk::Client(fake_.host())
               .patch(kCronTabs, "default", "nightly", "merge", R"({"spec":{"cronSpec":"0 4 * * *"}})");
  ASSERT_TRUE(r.status.ok()) << r.status.message;
  EXPECT_TRUE(FakeHost::eventually([&] { return status()["observedGeneration"] == 2; })) << status().dump();
  EXPECT_EQ(status()["message"], "schedule 0 4 * * * accepted");
  plugin.stop();
}

}  // namespace
}  // namespace example::crontab
