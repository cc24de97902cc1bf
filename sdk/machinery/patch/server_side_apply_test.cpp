#include "capstan/machinery/patch/server_side_apply.hpp"

#include <gtest/gtest.h>

#include "test_schema.hpp"

namespace capstan::patch {
namespace {

const testing::TestSchema kSchema;
constexpr const char* kNow = "2024-05-01T10:00:00Z";

ApplyOptions opts(std::string manager, bool force = false) {
  ApplyOptions o;
  o.manager = std::move(manager);
  o.force = force;
  o.apiVersion = "apps/v1";
  o.now = kNow;
  return o;
}

json deployment(int replicas, const char* image = "nginx:1") {
  json d = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
    "spec":{"template":{"spec":{"containers":[{"name":"nginx"}]}}}})");
  d["spec"]["replicas"] = replicas;
  d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
  return d;
}

// Finds a managedFields entry by manager and operation.
json entry(const json& obj, const std::string& manager, const std::string& op) {
  for (const auto& e : obj["metadata"]["managedFields"])
    if (e["manager"] == manager && e["operation"] == op) return e;
  return nullptr;
}

json strip_managed(json obj) {
  obj["metadata"].erase("managedFields");
  return obj;
}

TEST(ServerSideApply, CreateFromNull) {
  json applied = deployment(2);
  json out = server_side_apply(nullptr, applied, kSchema, opts("kubectl"));
  EXPECT_EQ(strip_managed(out), applied);
  ASSERT_EQ(out["metadata"]["managedFields"].size(), 1u);
  EXPECT_EQ(out["metadata"]["managedFields"][0], json::parse(R"({
    "manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T10:00:00Z",
    "fieldsType":"FieldsV1",
    "fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},
                "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
                  "k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}})"));
}

TEST(ServerSideApply, ReapplyWithoutFieldRemovesIt) {
  json live = server_side_apply(nullptr, deployment(2), kSchema, opts("kubectl"));
  json applied = deployment(2);
  applied["metadata"].erase("labels");
  applied["spec"].erase("replicas");
  json out = server_side_apply(live, applied, kSchema, opts("kubectl"));
  EXPECT_FALSE(out["spec"].contains("replicas"));
  EXPECT_FALSE(out["metadata"].contains("labels"));  // emptied map is pruned
  EXPECT_EQ(out["metadata"]["name"], "web");
  EXPECT_FALSE(entry(out, "kubectl", "Apply")["fieldsV1"]["f:spec"].contains("f:replicas"));
}

TEST(ServerSideApply, ReapplyWithoutListElementRemovesIt) {
  json two = deployment(1);
  two["spec"]["template"]["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "s"}});
  json live = server_side_apply(nullptr, two, kSchema, opts("kubectl"));
  json out = server_side_apply(live, deployment(1), kSchema, opts("kubectl"));
  EXPECT_EQ(out["spec"]["template"]["spec"]["containers"], json::parse(R"([{"name":"nginx","image":"nginx:1"}])"));
}

TEST(ServerSideApply, ConflictWithUpdateManagerIs409) {
  // kubectl client-side apply created the object (an Update operation).
  json live = record_update_manager(nullptr, deployment(3), kSchema, opts("kubectl-client-side-apply"));
  try {
    server_side_apply(live, deployment(5), kSchema, opts("kubectl"));
    FAIL() << "expected conflict";
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code, 409);
    EXPECT_EQ(e.reason, "Conflict");
    EXPECT_STREQ(e.what(),
                 R"(Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas)");
    ASSERT_EQ(e.causes.size(), 1u);
    EXPECT_EQ(e.causes[0].first, ".spec.replicas");
    EXPECT_EQ(e.causes[0].second, R"(conflict with "kubectl-client-side-apply" using apps/v1)");
  }
}

TEST(ServerSideApply, ConflictBetweenTwoAppliers) {
  json live = server_side_apply(nullptr, deployment(3), kSchema, opts("alice"));
  try {
    server_side_apply(live, deployment(4, "nginx:2"), kSchema, opts("bob"));
    FAIL() << "expected conflict";
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code, 409);
    EXPECT_STREQ(e.what(), "Apply failed with 2 conflicts: conflicts with \"alice\":\n"
                           "- .spec.replicas\n"
                           "- .spec.template.spec.containers[name=\"nginx\"].image");
    ASSERT_EQ(e.causes.size(), 2u);
    EXPECT_EQ(e.causes[1].first, R"(.spec.template.spec.containers[name="nginx"].image)");
    EXPECT_EQ(e.causes[1].second, R"(conflict with "alice")");
  }
}

TEST(ServerSideApply, ForceTakesOwnership) {
  json live = record_update_manager(nullptr, deployment(3), kSchema, opts("kubectl-client-side-apply"));
  json out = server_side_apply(live, deployment(5), kSchema, opts("kubectl", /*force=*/true));
  EXPECT_EQ(out["spec"]["replicas"], 5);
  EXPECT_TRUE(entry(out, "kubectl", "Apply")["fieldsV1"]["f:spec"].contains("f:replicas"));
  json csa = entry(out, "kubectl-client-side-apply", "Update");
  ASSERT_FALSE(csa.is_null());
  EXPECT_FALSE(csa["fieldsV1"]["f:spec"].contains("f:replicas"));
  EXPECT_TRUE(csa["fieldsV1"]["f:spec"].contains("f:template"));
  // Now kubectl owns it: another applier conflicts with kubectl, not the old owner.
  try {
    server_side_apply(out, deployment(7), kSchema, opts("other"));
    FAIL();
  } catch (const PatchError& e) {
    ASSERT_EQ(e.causes.size(), 1u);
    EXPECT_EQ(e.causes[0].second, R"(conflict with "kubectl")");
  }
}

TEST(ServerSideApply, SameValueIsSharedOwnership) {
  json live = record_update_manager(nullptr, deployment(3), kSchema, opts("kubectl-client-side-apply"));
  json out = server_side_apply(live, deployment(3), kSchema, opts("kubectl"));
  EXPECT_TRUE(entry(out, "kubectl", "Apply")["fieldsV1"]["f:spec"].contains("f:replicas"));
  EXPECT_TRUE(entry(out, "kubectl-client-side-apply", "Update")["fieldsV1"]["f:spec"].contains("f:replicas"));
  // Dropping a shared field from the applied config leaves it (the other manager still owns it).
  json applied = deployment(3);
  applied["spec"].erase("replicas");
  json out2 = server_side_apply(out, applied, kSchema, opts("kubectl"));
  EXPECT_EQ(out2["spec"]["replicas"], 3);
  EXPECT_FALSE(entry(out2, "kubectl", "Apply")["fieldsV1"]["f:spec"].contains("f:replicas"));
}

TEST(ServerSideApply, MergesWithOtherManagersFields) {
  json live = server_side_apply(nullptr, deployment(1), kSchema, opts("alice"));
  json applied = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web",
     "labels":{"team":"x"},"finalizers":["b"]}})");
  json out = server_side_apply(live, applied, kSchema, opts("bob"));
  EXPECT_EQ(out["metadata"]["labels"], json::parse(R"({"app":"web","team":"x"})"));
  EXPECT_EQ(out["spec"]["replicas"], 1);
  EXPECT_EQ(entry(out, "bob", "Apply")["fieldsV1"],
            json::parse(R"({"f:metadata":{"f:finalizers":{"v:\"b\"":{}},"f:labels":{"f:team":{}}}})"));
  ASSERT_EQ(out["metadata"]["managedFields"].size(), 2u);
}

TEST(ServerSideApply, MultiKeyListMapElements) {
  json svc = json::parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},
     "spec":{"ports":[{"port":80,"protocol":"TCP","targetPort":8080}]}})");
  ApplyOptions o = opts("kubectl");
  o.apiVersion.clear();  // defaults to applied.apiVersion
  json out = server_side_apply(nullptr, svc, kSchema, o);
  EXPECT_EQ(out["metadata"]["managedFields"][0]["apiVersion"], "v1");
  EXPECT_EQ(out["metadata"]["managedFields"][0]["fieldsV1"],
            json::parse(R"({"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":
                           {".":{},"f:port":{},"f:protocol":{},"f:targetPort":{}}}}})"));
  svc["spec"]["ports"][0]["targetPort"] = 9090;
  svc["spec"]["ports"].push_back({{"port", 443}, {"protocol", "TCP"}});
  json out2 = server_side_apply(out, svc, kSchema, o);
  EXPECT_EQ(out2["spec"]["ports"], svc["spec"]["ports"]);
}

TEST(ServerSideApply, BadRequests) {
  EXPECT_THROW(
      {
        try {
          server_side_apply(nullptr, json::array(), kSchema, opts("kubectl"));
        } catch (const PatchError& e) {
          EXPECT_EQ(e.code, 400);
          throw;
        }
      },
      PatchError);
  EXPECT_THROW(server_side_apply(nullptr, deployment(1), kSchema, opts("")), PatchError);
}

TEST(RecordUpdateManager, CreateRecordsAllFieldsWithMapMembers) {
  json out = record_update_manager(nullptr, deployment(1), kSchema, opts("kubectl-create"));
  json e = entry(out, "kubectl-create", "Update");
  ASSERT_FALSE(e.is_null());
  EXPECT_EQ(e["fieldsV1"], json::parse(R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},
      "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
        "k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}})"));
}

TEST(RecordUpdateManager, UpdateMovesChangedFieldsAndDropsEmptyEntries) {
  json v1 = record_update_manager(nullptr, deployment(1), kSchema, opts("creator"));
  json v2 = deployment(4);
  v2["metadata"]["managedFields"] = v1["metadata"]["managedFields"];
  json out = record_update_manager(v1, v2, kSchema, opts("scaler"));
  EXPECT_EQ(entry(out, "scaler", "Update")["fieldsV1"], json::parse(R"({"f:spec":{"f:replicas":{}}})"));
  EXPECT_FALSE(entry(out, "creator", "Update")["fieldsV1"]["f:spec"].contains("f:replicas"));

  // The scaler now changes everything the creator owned, leaving it empty.
  json v3 = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":5}})");
  json out3 = record_update_manager(out, v3, kSchema, opts("scaler"));
  ASSERT_EQ(out3["metadata"]["managedFields"].size(), 1u);
  EXPECT_EQ(out3["metadata"]["managedFields"][0]["manager"], "scaler");
}

TEST(RecordUpdateManager, UnchangedWriteKeepsManagedFields) {
  json v1 = record_update_manager(nullptr, deployment(1), kSchema, opts("creator"));
  json out = record_update_manager(v1, strip_managed(v1), kSchema, opts("someone"));
  EXPECT_EQ(out["metadata"]["managedFields"], v1["metadata"]["managedFields"]);
}

TEST(RecordUpdateManager, UpdateAfterApplyThenApplyConflicts) {
  // kubectl scale after apply: the Update takes replicas, so re-applying
  // a different value conflicts with the scaler.
  json live = server_side_apply(nullptr, deployment(2), kSchema, opts("kubectl"));
  json scaled = live;
  scaled["spec"]["replicas"] = 6;
  json afterScale = record_update_manager(live, scaled, kSchema, opts("kubectl-scale"));
  try {
    server_side_apply(afterScale, deployment(2), kSchema, opts("kubectl"));
    FAIL();
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code, 409);
    EXPECT_EQ(e.causes.at(0).second, R"(conflict with "kubectl-scale" using apps/v1)");
  }
}

}  // namespace
}  // namespace capstan::patch

namespace capstan::patch {
namespace {

TEST(ServerSideApply, RejectsPathologicalNesting) {
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += R"({"spec":)";
  deep += "1";
  for (int i = 0; i < 150; ++i) deep += "}";
  try {
    server_side_apply(nullptr, json::parse(deep), kSchema, opts("kubectl"));
    FAIL() << "expected PatchError";
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code, 400);
  }
}

}  // namespace
}  // namespace capstan::patch
