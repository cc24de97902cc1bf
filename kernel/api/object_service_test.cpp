// ObjectService over an in-memory store and the core kinds, without admission.

#include "api/object_service.hpp"

#include <gtest/gtest.h>

#include "testing/core_kinds_manifest.hpp"

#include <chrono>
#include <atomic>
#include <future>
#include <thread>

#include "capstan/core_v1.capnp.h"
#include "capstan/manifest.hpp"

namespace capstan::api {
namespace {

using nlohmann::json;

class ObjectServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto manifest = capstan::testing::core_kinds_manifest();
    kinds.register_manifest("test.core", manifest.data(), manifest.size());
    store.open([this](const std::string& key, uint64_t rev, std::string&& bytes) {
      return service.rehydrate(key, rev, std::move(bytes));
    });
    configmap = kinds.by_kind("", "v1", "ConfigMap");
    secrets = kinds.by_kind("", "v1", "Secret");
    namespaces = kinds.by_kind("", "v1", "Namespace");
    ASSERT_NE(configmap, nullptr);
    ASSERT_NE(secrets, nullptr);
    ASSERT_NE(namespaces, nullptr);
  }

  // The service calls `done` synchronously on early failures and from the committer otherwise.
  template <typename Fn>
  WriteOutcome wait(Fn&& start) {
    auto promise = std::make_shared<std::promise<WriteOutcome>>();
    auto future = promise->get_future();
    int calls = 0;
    start([promise, &calls](WriteOutcome o) {
      ++calls;
      promise->set_value(std::move(o));
    });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "done was never called";
      return {};
    }
    auto out = future.get();
    EXPECT_EQ(calls, 1) << "done must be called exactly once";
    return out;
  }

  // Bodies are decoded first, as the API server does; a decoding error is the write's outcome.
  WriteOutcome create(const schema::Kind& kind, const std::string& ns, json body, WriteOptions opts = {}) {
    return wait([&](WriteDone done) {
      try {
        service.create(kind, ns, service.decode(kind, body, opts.validation), opts, done);
      } catch (const ApiError& e) {
        WriteOutcome o;
        o.error = e;
        done(std::move(o));
      }
    });
  }
  WriteOutcome update(const schema::Kind& kind, const std::string& ns, const std::string& name, json body,
                      WriteOptions opts = {}, const std::string& subresource = "") {
    return wait([&](WriteDone done) {
      try {
        service.update(kind, ns, name, service.decode(kind, body, opts.validation), subresource, opts, done);
      } catch (const ApiError& e) {
        WriteOutcome o;
        o.error = e;
        done(std::move(o));
      }
    });
  }
  std::vector<store::ObjectPtr> list(const schema::Kind& kind, const std::string& ns, const std::string& labels,
                                     const std::string& fields, uint64_t* revision) {
    return service.list(kind, Selection::parse(kind, ns, labels, fields), revision);
  }
  WriteOutcome patch(const schema::Kind& kind, const std::string& ns, const std::string& name, PatchType type,
                     const json& doc, WriteOptions opts = {}) {
    return wait([&](WriteDone done) { service.patch(kind, ns, name, type, doc, "", opts, std::move(done)); });
  }
  WriteOutcome remove(const schema::Kind& kind, const std::string& ns, const std::string& name,
                      DeleteOptions del = {}, WriteOptions opts = {}) {
    return wait([&](WriteDone done) { service.remove(kind, ns, name, del, opts, std::move(done)); });
  }

  json get_json(const schema::Kind& kind, const std::string& ns, const std::string& name) {
    return json::parse(service.get(kind, ns, name)->json);
  }

  static json cm_body(const std::string& name, json data = json::object(), json labels = json::object()) {
    json body = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
    if (!data.empty()) body["data"] = data;
    if (!labels.empty()) body["metadata"]["labels"] = labels;
    return body;
  }

  static std::string describe(const WriteOutcome& o) {
    if (!o.error) return "ok";
    std::string s = std::to_string(o.error->code) + " " + o.error->reason + ": " + o.error->what();
    for (const auto& c : o.error->causes) s += " [" + c.field + ": " + c.message + "]";
    return s;
  }

  // Held by pointer: KindRegistry's destructor (capnp::SchemaLoader) is noexcept(false), which a
  // gtest fixture's virtual destructor cannot be.
  std::unique_ptr<schema::KindRegistry> kinds_owner = std::make_unique<schema::KindRegistry>();
  schema::KindRegistry& kinds = *kinds_owner;
  store::EventBus bus;
  store::Store store{"", bus};
  ObjectService service{kinds, store, nullptr};
  const schema::Kind* configmap = nullptr;
  const schema::Kind* secrets = nullptr;
  const schema::Kind* namespaces = nullptr;
};

TEST_F(ObjectServiceTest, CreateSetsServerFields) {
  auto o = create(*configmap, "default", cm_body("cfg", {{"a", "1"}}));
  ASSERT_FALSE(o.error) << describe(o);
  EXPECT_EQ(o.code, 201);
  ASSERT_NE(o.object, nullptr);
  json obj = json::parse(o.object->json);
  const auto& meta = obj["metadata"];
  EXPECT_EQ(meta["name"], "cfg");
  EXPECT_EQ(meta["namespace"], "default");
  ASSERT_TRUE(meta["uid"].is_string());
  EXPECT_EQ(meta["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(meta["uid"].get<std::string>()[14], '4');  // UUID v4
  ASSERT_TRUE(meta["creationTimestamp"].is_string());
  EXPECT_EQ(meta["creationTimestamp"].get<std::string>().size(), 20u);
  EXPECT_EQ(meta["creationTimestamp"].get<std::string>().back(), 'Z');
  EXPECT_EQ(meta["generation"], 1);
  EXPECT_EQ(meta["resourceVersion"], std::to_string(o.object->revision));
  EXPECT_EQ(obj["apiVersion"], "v1");
  EXPECT_EQ(obj["kind"], "ConfigMap");
  EXPECT_EQ(obj["data"]["a"], "1");
  EXPECT_EQ(o.object->key, "/core/configmaps/default/cfg");
  EXPECT_EQ(o.object->name, "cfg");
  EXPECT_EQ(o.object->namespace_, "default");
  EXPECT_EQ(o.object->uid, meta["uid"]);
  // Stored and served.
  EXPECT_EQ(service.get(*configmap, "default", "cfg")->revision, o.object->revision);
  EXPECT_TRUE(o.warnings.empty());

  // The client cannot choose server-maintained fields.
  json body = cm_body("cfg2");
  body["metadata"]["uid"] = "mine";
  body["metadata"]["resourceVersion"] = "999";
  body["metadata"]["deletionTimestamp"] = "2020-01-01T00:00:00Z";
  body["metadata"]["generation"] = 17;
  auto o2 = create(*configmap, "default", body);
  ASSERT_FALSE(o2.error) << describe(o2);
  json m2 = json::parse(o2.object->json)["metadata"];
  EXPECT_NE(m2["uid"], "mine");
  EXPECT_NE(m2["uid"], meta["uid"]);
  EXPECT_EQ(m2["generation"], 1);
  EXPECT_FALSE(m2.contains("deletionTimestamp"));
  EXPECT_EQ(m2["resourceVersion"], std::to_string(o2.object->revision));
}

TEST_F(ObjectServiceTest, CreateClusterScopedDropsNamespace) {
  json body = {{"metadata", {{"name", "prod"}, {"namespace", "ignored"}}}};
  auto o = create(*namespaces, "", body);
  ASSERT_FALSE(o.error) << describe(o);
  EXPECT_EQ(o.object->key, "/core/namespaces/prod");
  EXPECT_FALSE(json::parse(o.object->json)["metadata"].contains("namespace"));
}

TEST_F(ObjectServiceTest, NamespacedCreateNeedsNamespace) {
  auto o = create(*configmap, "", cm_body("nons"));
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, 422);
  ASSERT_FALSE(o.error->causes.empty());
  EXPECT_EQ(o.error->causes[0].field, "metadata.namespace");
  EXPECT_EQ(store.count("/"), 0u);
}

TEST_F(ObjectServiceTest, GenerateName) {
  json body = {{"metadata", {{"generateName", "web-"}}}};
  auto o = create(*configmap, "default", body);
  ASSERT_FALSE(o.error) << describe(o);
  EXPECT_EQ(o.object->name.rfind("web-", 0), 0u);
  EXPECT_EQ(o.object->name.size(), 9u);
  auto none = create(*configmap, "default", json{{"metadata", json::object()}});
  ASSERT_TRUE(none.error);
  EXPECT_EQ(none.error->code, 422);
}

TEST_F(ObjectServiceTest, CreateTwiceIsAlreadyExists) {
  ASSERT_FALSE(create(*configmap, "default", cm_body("dup")).error);
  auto o = create(*configmap, "default", cm_body("dup"));
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, 409);
  EXPECT_EQ(o.error->reason, "AlreadyExists");
  EXPECT_EQ(o.error->name, "dup");
  // Same name in another namespace is fine.
  EXPECT_FALSE(create(*configmap, "other", cm_body("dup")).error);
}

TEST_F(ObjectServiceTest, MismatchedTypeMetaAndNamespace) {
  json body = cm_body("x");
  body["kind"] = "Secret";
  auto o = create(*configmap, "default", body);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, 400);
  body = cm_body("x");
  body["apiVersion"] = "apps/v1";
  EXPECT_EQ(create(*configmap, "default", body).error->code, 400);
  body = cm_body("x");
  body["metadata"]["namespace"] = "elsewhere";
  EXPECT_EQ(create(*configmap, "default", body).error->code, 400);
  EXPECT_EQ(create(*configmap, "default", json::array()).error->code, 400);
}

// Ill-typed metadata must come back as an API error through `done`, never as an exception
// escaping the service (the HTTP layer would drop the request).
TEST_F(ObjectServiceTest, IllTypedNameIsAnApiError) {
  for (json name : {json(5), json::array({"a"}), json(true), json::object()}) {
    json body = cm_body("x");
    body["metadata"]["name"] = name;
    WriteOutcome o;
    ASSERT_NO_THROW(o = create(*configmap, "default", body)) << name.dump();
    ASSERT_TRUE(o.error) << name.dump();
    EXPECT_EQ(o.error->code, 400) << name.dump();
  }
  json gen = {{"metadata", {{"generateName", 7}}}};
  WriteOutcome g;
  ASSERT_NO_THROW(g = create(*configmap, "default", gen));
  ASSERT_TRUE(g.error);
  EXPECT_EQ(g.error->code, 400);

  // null is "absent", as everywhere else in a body.
  json null_name = {{"metadata", {{"name", nullptr}, {"generateName", "gen-"}}}};
  WriteOutcome n;
  ASSERT_NO_THROW(n = create(*configmap, "default", null_name));
  ASSERT_FALSE(n.error) << describe(n);
  EXPECT_EQ(n.object->name.rfind("gen-", 0), 0u);

  ASSERT_FALSE(create(*configmap, "default", cm_body("typed")).error);
  json upd = cm_body("typed");
  upd["metadata"]["name"] = 12;
  WriteOutcome u;
  ASSERT_NO_THROW(u = update(*configmap, "default", "typed", upd));
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->code, 400);
  upd["metadata"]["name"] = nullptr;
  ASSERT_NO_THROW(u = update(*configmap, "default", "typed", upd));
  EXPECT_FALSE(u.error) << describe(u);
  upd["metadata"].erase("name");
  upd["metadata"]["resourceVersion"] = "abc";
  ASSERT_NO_THROW(u = update(*configmap, "default", "typed", upd));
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->code, 400);
}

TEST_F(ObjectServiceTest, InvalidNameIs422) {
  for (const char* name : {"Bad_Name", "-leading", "trailing-", "UPPER", "a..b"}) {
    auto o = create(*configmap, "default", cm_body(name));
    ASSERT_TRUE(o.error) << name;
    EXPECT_EQ(o.error->code, 422) << name;
    EXPECT_EQ(o.error->reason, "Invalid") << name;
    ASSERT_FALSE(o.error->causes.empty()) << name;
    EXPECT_EQ(o.error->causes[0].field, "metadata.name") << name;
    EXPECT_NE(std::string(o.error->what()).find("metadata.name"), std::string::npos) << o.error->what();
  }
  EXPECT_EQ(store.count("/"), 0u);
}

TEST_F(ObjectServiceTest, StrictUnknownFieldIs400) {
  json body = cm_body("strict");
  body["datta"] = {{"a", "b"}};
  body["metadata"]["labelz"] = {{"a", "b"}};
  WriteOptions opts;
  opts.validation = schema::UnknownFieldPolicy::kStrict;
  auto o = create(*configmap, "default", body, opts);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, 400);
  EXPECT_EQ(o.error->reason, "BadRequest");
  const std::string msg = o.error->what();
  EXPECT_NE(msg.find("unknown field \"datta\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown field \"metadata.labelz\""), std::string::npos) << msg;
  EXPECT_EQ(store.count("/"), 0u);
}

TEST_F(ObjectServiceTest, WarnUnknownFieldSucceedsWithWarning) {
  json body = cm_body("warn", {{"a", "1"}});
  body["datta"] = {{"a", "b"}};
  WriteOptions opts;
  opts.validation = schema::UnknownFieldPolicy::kWarn;
  auto o = create(*configmap, "default", body, opts);
  ASSERT_FALSE(o.error) << describe(o);
  ASSERT_EQ(o.warnings.size(), 1u);
  EXPECT_NE(o.warnings[0].find("datta"), std::string::npos) << o.warnings[0];
  json stored = get_json(*configmap, "default", "warn");
  EXPECT_FALSE(stored.contains("datta")) << "unknown fields are dropped";
  EXPECT_EQ(stored["data"]["a"], "1");

  opts.validation = schema::UnknownFieldPolicy::kIgnore;
  body["metadata"]["name"] = "ignore";
  auto ig = create(*configmap, "default", body, opts);
  ASSERT_FALSE(ig.error) << describe(ig);
  EXPECT_TRUE(ig.warnings.empty());
}

TEST_F(ObjectServiceTest, TypeErrorIs400AndMissingRequiredIs422) {
  json body = cm_body("typed");
  body["data"] = "not a map";
  auto o = create(*configmap, "default", body);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, 400);
  ASSERT_FALSE(o.error->causes.empty());
  EXPECT_EQ(o.error->causes[0].field, "data");

  body = cm_body("owned");
  body["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "v1"}, {"kind", "K"}, {"name", "n"}}});
  o = create(*configmap, "default", body);
  ASSERT_TRUE(o.error);
  EXPECT_EQ(o.error->code, 422);
  ASSERT_FALSE(o.error->causes.empty());
  EXPECT_EQ(o.error->causes[0].field, "metadata.ownerReferences[0].uid");
}

TEST_F(ObjectServiceTest, UpdateWithStaleResourceVersionConflicts) {
  auto c = create(*configmap, "default", cm_body("u", {{"a", "1"}}));
  ASSERT_FALSE(c.error) << describe(c);
  json body = json::parse(c.object->json);
  body["data"]["a"] = "2";
  auto u1 = update(*configmap, "default", "u", body);
  ASSERT_FALSE(u1.error) << describe(u1);
  EXPECT_GT(u1.object->revision, c.object->revision);
  EXPECT_EQ(json::parse(u1.object->json)["metadata"]["resourceVersion"], std::to_string(u1.object->revision));

  body["data"]["a"] = "3";  // still carries the first resourceVersion
  auto u2 = update(*configmap, "default", "u", body);
  ASSERT_TRUE(u2.error);
  EXPECT_EQ(u2.error->code, 409);
  EXPECT_EQ(u2.error->reason, "Conflict");
  EXPECT_EQ(get_json(*configmap, "default", "u")["data"]["a"], "2");

  // Without a resourceVersion the update is unconditional.
  body["metadata"].erase("resourceVersion");
  auto u3 = update(*configmap, "default", "u", body);
  ASSERT_FALSE(u3.error) << describe(u3);
  EXPECT_EQ(get_json(*configmap, "default", "u")["data"]["a"], "3");

  // Server-owned metadata survives an update that tries to change it.
  json tamper = get_json(*configmap, "default", "u");
  const json original_meta = tamper["metadata"];
  tamper["metadata"]["uid"] = "other";
  tamper["metadata"]["creationTimestamp"] = "1999-01-01T00:00:00Z";
  tamper["data"]["a"] = "4";
  auto u4 = update(*configmap, "default", "u", tamper);
  ASSERT_FALSE(u4.error) << describe(u4);
  json after = json::parse(u4.object->json)["metadata"];
  EXPECT_EQ(after["uid"], original_meta["uid"]);
  EXPECT_EQ(after["creationTimestamp"], original_meta["creationTimestamp"]);

  auto missing = update(*configmap, "default", "nope", cm_body("nope"));
  ASSERT_TRUE(missing.error);
  EXPECT_EQ(missing.error->code, 404);
  auto renamed = update(*configmap, "default", "u", cm_body("other"));
  ASSERT_TRUE(renamed.error);
  EXPECT_EQ(renamed.error->code, 400);
}

TEST_F(ObjectServiceTest, GenerationBumpsOnlyForNonMetadataChanges) {
  auto c = create(*configmap, "default", cm_body("g", {{"a", "1"}}, {{"env", "a"}}));
  ASSERT_FALSE(c.error) << describe(c);
  json body = json::parse(c.object->json);
  body["metadata"].erase("resourceVersion");

  body["metadata"]["labels"]["env"] = "b";
  auto l = update(*configmap, "default", "g", body);
  ASSERT_FALSE(l.error) << describe(l);
  EXPECT_GT(l.object->revision, c.object->revision);
  EXPECT_EQ(json::parse(l.object->json)["metadata"]["generation"], 1) << "a label change is not a spec change";

  body["data"]["a"] = "2";
  auto d = update(*configmap, "default", "g", body);
  ASSERT_FALSE(d.error) << describe(d);
  EXPECT_EQ(json::parse(d.object->json)["metadata"]["generation"], 2);

  // The client cannot set generation itself.
  body["metadata"]["generation"] = 40;
  body["metadata"]["annotations"] = {{"x", "y"}};
  auto a = update(*configmap, "default", "g", body);
  ASSERT_FALSE(a.error) << describe(a);
  EXPECT_EQ(json::parse(a.object->json)["metadata"]["generation"], 2);

  body["immutable"] = false;
  auto i = update(*configmap, "default", "g", body);
  ASSERT_FALSE(i.error) << describe(i);
  EXPECT_EQ(json::parse(i.object->json)["metadata"]["generation"], 3) << "immutable: false is a change from absent";
}

TEST_F(ObjectServiceTest, NoOpUpdateKeepsResourceVersion) {
  auto c = create(*configmap, "default", cm_body("same", {{"a", "1"}}, {{"k", "v"}}));
  ASSERT_FALSE(c.error) << describe(c);
  const uint64_t store_rev = store.revision();
  json body = json::parse(c.object->json);
  auto u = update(*configmap, "default", "same", body);
  ASSERT_FALSE(u.error) << describe(u);
  ASSERT_NE(u.object, nullptr);
  EXPECT_EQ(u.object->revision, c.object->revision);
  EXPECT_EQ(json::parse(u.object->json)["metadata"]["resourceVersion"], std::to_string(c.object->revision));
  EXPECT_EQ(store.revision(), store_rev);

  // A merge patch that changes nothing is a no-op too.
  auto p = patch(*configmap, "default", "same", PatchType::kMerge, json{{"data", {{"a", "1"}}}});
  ASSERT_FALSE(p.error) << describe(p);
  EXPECT_EQ(p.object->revision, c.object->revision);
  EXPECT_EQ(store.revision(), store_rev);
}

TEST_F(ObjectServiceTest, Patches) {
  json body = cm_body("p", {{"a", "1"}, {"b", "2"}}, {{"env", "prod"}});
  body["metadata"]["ownerReferences"] =
      json::array({{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"name", "one"}, {"uid", "u1"}}});
  auto c = create(*configmap, "default", body);
  ASSERT_FALSE(c.error) << describe(c);

  auto m = patch(*configmap, "default", "p", PatchType::kMerge,
                 json::parse(R"({"data": {"a": null, "c": "3"}, "metadata": {"labels": {"tier": "web"}}})"));
  ASSERT_FALSE(m.error) << describe(m);
  json got = json::parse(m.object->json);
  EXPECT_EQ(got["data"], json::parse(R"({"b": "2", "c": "3"})"));
  EXPECT_EQ(got["metadata"]["labels"], json::parse(R"({"env": "prod", "tier": "web"})"));
  EXPECT_EQ(got["metadata"]["generation"], 2);
  EXPECT_GT(m.object->revision, c.object->revision);

  auto j = patch(*configmap, "default", "p", PatchType::kJson,
                 json::parse(R"([{"op": "replace", "path": "/data/b", "value": "two"},
                                 {"op": "add", "path": "/data/d", "value": "4"},
                                 {"op": "remove", "path": "/data/c"}])"));
  ASSERT_FALSE(j.error) << describe(j);
  EXPECT_EQ(json::parse(j.object->json)["data"], json::parse(R"({"b": "two", "d": "4"})"));

  auto failed = patch(*configmap, "default", "p", PatchType::kJson,
                      json::parse(R"([{"op": "test", "path": "/data/b", "value": "nope"}])"));
  ASSERT_TRUE(failed.error);
  EXPECT_GE(failed.error->code, 400);
  EXPECT_LT(failed.error->code, 500);

  // Strategic merge: ownerReferences merge by uid instead of being replaced.
  auto s = patch(*configmap, "default", "p", PatchType::kStrategic,
                 json::parse(R"({"metadata": {"ownerReferences": [{"apiVersion": "v1", "kind": "Namespace", "name": "two", "uid": "u2"}]},
                                 "data": {"e": "5"}})"));
  ASSERT_FALSE(s.error) << describe(s);
  json sg = json::parse(s.object->json);
  ASSERT_EQ(sg["metadata"]["ownerReferences"].size(), 2u) << sg.dump();
  EXPECT_EQ(sg["metadata"]["ownerReferences"][0]["uid"], "u1");
  EXPECT_EQ(sg["metadata"]["ownerReferences"][1]["uid"], "u2");
  EXPECT_EQ(sg["data"], json::parse(R"({"b": "two", "d": "4", "e": "5"})"));

  // A patch cannot rename the object or change its uid.
  auto r = patch(*configmap, "default", "p", PatchType::kMerge,
                 json::parse(R"({"metadata": {"name": "renamed", "uid": "x"}})"));
  ASSERT_FALSE(r.error) << describe(r);
  json rg = json::parse(r.object->json);
  EXPECT_EQ(rg["metadata"]["name"], "p");
  EXPECT_EQ(rg["metadata"]["uid"], json::parse(c.object->json)["metadata"]["uid"]);

  auto nf = patch(*configmap, "default", "missing", PatchType::kMerge, json::object());
  ASSERT_TRUE(nf.error);
  EXPECT_EQ(nf.error->code, 404);
}

TEST_F(ObjectServiceTest, DeleteWithFinalizersWaits) {
  json body = cm_body("fin", {{"a", "1"}});
  body["metadata"]["finalizers"] = json::array({"example.com/block"});
  auto c = create(*configmap, "default", body);
  ASSERT_FALSE(c.error) << describe(c);

  auto d = remove(*configmap, "default", "fin");
  ASSERT_FALSE(d.error) << describe(d);
  json marked = get_json(*configmap, "default", "fin");
  ASSERT_TRUE(marked["metadata"].contains("deletionTimestamp")) << marked.dump();
  EXPECT_EQ(marked["metadata"]["finalizers"], json::array({"example.com/block"}));
  const std::string ts = marked["metadata"]["deletionTimestamp"];

  // Deleting again changes nothing.
  auto again = remove(*configmap, "default", "fin");
  ASSERT_FALSE(again.error) << describe(again);
  EXPECT_EQ(get_json(*configmap, "default", "fin")["metadata"]["deletionTimestamp"], ts);

  // An update cannot clear the deletion mark.
  json keep = marked;
  keep["metadata"].erase("deletionTimestamp");
  keep["metadata"]["labels"] = {{"x", "y"}};
  auto k = update(*configmap, "default", "fin", keep);
  ASSERT_FALSE(k.error) << describe(k);
  EXPECT_EQ(get_json(*configmap, "default", "fin")["metadata"]["deletionTimestamp"], ts);

  // Removing the last finalizer deletes the object.
  json cleared = get_json(*configmap, "default", "fin");
  cleared["metadata"].erase("finalizers");
  auto u = update(*configmap, "default", "fin", cleared);
  ASSERT_FALSE(u.error) << describe(u);
  EXPECT_THROW(service.get(*configmap, "default", "fin"), ApiError);
  EXPECT_EQ(store.get("/core/configmaps/default/fin"), nullptr);
}

TEST_F(ObjectServiceTest, RemovingFinalizersByPatchDeletes) {
  json body = cm_body("fin2");
  body["metadata"]["finalizers"] = json::array({"a/b", "c/d"});
  ASSERT_FALSE(create(*configmap, "default", body).error);
  ASSERT_FALSE(remove(*configmap, "default", "fin2").error);
  auto p1 = patch(*configmap, "default", "fin2", PatchType::kJson,
                  json::parse(R"([{"op": "remove", "path": "/metadata/finalizers/0"}])"));
  ASSERT_FALSE(p1.error) << describe(p1);
  EXPECT_NE(store.get("/core/configmaps/default/fin2"), nullptr);
  auto p2 = patch(*configmap, "default", "fin2", PatchType::kMerge, json::parse(R"({"metadata": {"finalizers": []}})"));
  ASSERT_FALSE(p2.error) << describe(p2);
  EXPECT_EQ(store.get("/core/configmaps/default/fin2"), nullptr);
}

TEST_F(ObjectServiceTest, DeleteWithoutFinalizersAndPreconditions) {
  auto c = create(*configmap, "default", cm_body("del"));
  ASSERT_FALSE(c.error) << describe(c);
  DeleteOptions bad_uid;
  bad_uid.precondition_uid = "not-the-uid";
  auto p = remove(*configmap, "default", "del", bad_uid);
  ASSERT_TRUE(p.error);
  EXPECT_EQ(p.error->code, 409);
  DeleteOptions bad_rv;
  bad_rv.precondition_resource_version = std::to_string(c.object->revision + 100);
  ASSERT_TRUE(remove(*configmap, "default", "del", bad_rv).error);
  EXPECT_NE(store.get("/core/configmaps/default/del"), nullptr);

  DeleteOptions good;
  good.precondition_uid = c.object->uid;
  good.precondition_resource_version = std::to_string(c.object->revision);
  auto d = remove(*configmap, "default", "del", good);
  ASSERT_FALSE(d.error) << describe(d);
  ASSERT_NE(d.object, nullptr);
  EXPECT_EQ(d.object->name, "del");
  EXPECT_EQ(store.get("/core/configmaps/default/del"), nullptr);
  auto nf = remove(*configmap, "default", "del");
  ASSERT_TRUE(nf.error);
  EXPECT_EQ(nf.error->code, 404);
}

TEST_F(ObjectServiceTest, DryRunWritesNothing) {
  WriteOptions dry;
  dry.dry_run = true;
  auto c = create(*configmap, "default", cm_body("dry", {{"a", "1"}}), dry);
  ASSERT_FALSE(c.error) << describe(c);
  EXPECT_EQ(c.code, 201);
  ASSERT_NE(c.object, nullptr);
  EXPECT_EQ(json::parse(c.object->json)["data"]["a"], "1");
  EXPECT_EQ(store.count("/"), 0u);
  EXPECT_EQ(store.revision(), 0u);
  EXPECT_THROW(service.get(*configmap, "default", "dry"), ApiError);

  auto real = create(*configmap, "default", cm_body("dry", {{"a", "1"}}));
  ASSERT_FALSE(real.error) << describe(real);
  const uint64_t rev = store.revision();
  // Dry-run create of an existing object still reports the conflict.
  auto dup = create(*configmap, "default", cm_body("dry"), dry);
  ASSERT_TRUE(dup.error);
  EXPECT_EQ(dup.error->code, 409);

  json body = json::parse(real.object->json);
  body["data"]["a"] = "changed";
  auto u = update(*configmap, "default", "dry", body, dry);
  ASSERT_FALSE(u.error) << describe(u);
  EXPECT_EQ(json::parse(u.object->json)["data"]["a"], "changed");
  auto p = patch(*configmap, "default", "dry", PatchType::kMerge, json{{"data", {{"b", "2"}}}}, dry);
  ASSERT_FALSE(p.error) << describe(p);
  auto d = remove(*configmap, "default", "dry", {}, dry);
  ASSERT_FALSE(d.error) << describe(d);
  EXPECT_EQ(store.revision(), rev);
  EXPECT_EQ(get_json(*configmap, "default", "dry")["data"], json({{"a", "1"}}));
}

TEST_F(ObjectServiceTest, ListWithSelectors) {
  ASSERT_FALSE(create(*configmap, "ns1", cm_body("a", {}, {{"env", "a"}})).error);
  ASSERT_FALSE(create(*configmap, "ns1", cm_body("b", {}, {{"env", "b"}})).error);
  ASSERT_FALSE(create(*configmap, "ns1", cm_body("c", {}, {{"env", "c"}})).error);
  ASSERT_FALSE(create(*configmap, "ns1", cm_body("none")).error);
  ASSERT_FALSE(create(*configmap, "ns2", cm_body("a", {}, {{"env", "a"}})).error);

  auto names = [](const std::vector<store::ObjectPtr>& v) {
    std::vector<std::string> out;
    for (const auto& o : v) out.push_back(o->namespace_ + "/" + o->name);
    return out;
  };
  uint64_t rev = 0;
  EXPECT_EQ(names(list(*configmap, "ns1", "", "", &rev)),
            (std::vector<std::string>{"ns1/a", "ns1/b", "ns1/c", "ns1/none"}));
  EXPECT_EQ(rev, store.revision());
  EXPECT_EQ(names(list(*configmap, "", "", "", nullptr)).size(), 5u);
  EXPECT_EQ(names(list(*configmap, "ns1", "env in (a,b)", "", nullptr)),
            (std::vector<std::string>{"ns1/a", "ns1/b"}));
  EXPECT_EQ(names(list(*configmap, "", "env in (a, b)", "", nullptr)),
            (std::vector<std::string>{"ns1/a", "ns1/b", "ns2/a"}));
  EXPECT_EQ(names(list(*configmap, "ns1", "env notin (a,b)", "", nullptr)),
            (std::vector<std::string>{"ns1/c", "ns1/none"}));
  EXPECT_EQ(names(list(*configmap, "ns1", "!env", "", nullptr)), (std::vector<std::string>{"ns1/none"}));
  EXPECT_EQ(names(list(*configmap, "", "", "metadata.name=a", nullptr)),
            (std::vector<std::string>{"ns1/a", "ns2/a"}));
  EXPECT_EQ(names(list(*configmap, "", "env=a", "metadata.namespace=ns2", nullptr)),
            (std::vector<std::string>{"ns2/a"}));
  EXPECT_EQ(names(list(*configmap, "", "", "metadata.name!=a", nullptr)).size(), 3u);

  for (const char* bad : {"env in (a", "env in a,b)", "=x", "a b"}) {
    try {
      list(*configmap, "", bad, "", nullptr);
      ADD_FAILURE() << "accepted label selector " << bad;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.code, 400) << bad;
    }
  }
  try {
    list(*configmap, "", "", "metadata.name", nullptr);
    ADD_FAILURE() << "accepted field selector without operator";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code, 400);
  }
}

TEST_F(ObjectServiceTest, SelectableFields) {
  json s1 = {{"metadata", {{"name", "s1"}}}, {"type", "Opaque"}};
  json s2 = {{"metadata", {{"name", "s2"}}}, {"type", "kubernetes.io/tls"}};
  ASSERT_FALSE(create(*secrets, "default", s1).error);
  ASSERT_FALSE(create(*secrets, "default", s2).error);
  auto got = list(*secrets, "default", "", "type=Opaque", nullptr);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->name, "s1");
}

TEST_F(ObjectServiceTest, StatusSubresource) {
  json body = {{"metadata", {{"name", "prod"}}}, {"spec", {{"finalizers", {"kubernetes"}}}},
               {"status", {{"phase", "Active"}}}};
  auto c = create(*namespaces, "", body);
  ASSERT_FALSE(c.error) << describe(c);
  // Dropped on create: what is left is Go's empty NamespaceStatus, written as `"status":{}`.
  EXPECT_EQ(json::parse(c.object->json)["status"], json::object()) << "status is dropped on create";
  json st = json::parse(c.object->json);
  st["status"] = {{"phase", "Terminating"}};
  st["spec"] = json::object();
  auto u = update(*namespaces, "", "prod", st, {}, "status");
  ASSERT_FALSE(u.error) << describe(u);
  json got = json::parse(u.object->json);
  EXPECT_EQ(got["status"]["phase"], "Terminating");
  EXPECT_EQ(got["spec"]["finalizers"], json::array({"kubernetes"})) << "a status update keeps spec";
  // A main-resource update keeps status.
  got["status"]["phase"] = "Active";
  got["metadata"]["labels"] = {{"a", "b"}};
  auto m = update(*namespaces, "", "prod", got);
  ASSERT_FALSE(m.error) << describe(m);
  EXPECT_EQ(json::parse(m.object->json)["status"]["phase"], "Terminating");
}

// Unconditional writes racing on one object are retried against the latest state, so no
// concurrent patch is lost.
TEST_F(ObjectServiceTest, ConcurrentPatchesAreNotLost) {
  ASSERT_FALSE(create(*configmap, "default", cm_body("race")).error);
  constexpr int kThreads = 4;
  constexpr int kPatches = 25;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPatches; ++i) {
        json doc = {{"data", {{"t" + std::to_string(t) + "-" + std::to_string(i), "v"}}}};
        auto o = patch(*configmap, "default", "race", PatchType::kMerge, doc);
        if (o.error) {
          ++errors;
          ADD_FAILURE() << describe(o);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(get_json(*configmap, "default", "race")["data"].size(), static_cast<size_t>(kThreads * kPatches));
  EXPECT_EQ(get_json(*configmap, "default", "race")["metadata"]["generation"], 1 + kThreads * kPatches);
}

TEST_F(ObjectServiceTest, RehydrateRebuildsJson) {
  auto c = create(*configmap, "default", cm_body("r", {{"k", "v"}}, {{"l", "1"}}));
  ASSERT_FALSE(c.error) << describe(c);
  std::string bytes = c.object->bytes;
  auto r = service.rehydrate(c.object->key, c.object->revision, std::move(bytes));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(json::parse(r->json), json::parse(c.object->json));
  EXPECT_EQ(r->labels, c.object->labels);
  EXPECT_EQ(r->uid, c.object->uid);
  EXPECT_EQ(service.rehydrate("/apps/deployments/default/x", 1, std::string()), nullptr);
}

}  // namespace
}  // namespace capstan::api
