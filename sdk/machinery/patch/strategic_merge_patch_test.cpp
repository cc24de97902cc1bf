#include "capstan/machinery/patch/strategic_merge_patch.hpp"

#include <gtest/gtest.h>

#include "test_schema.hpp"

namespace capstan::patch {
namespace {

json smp(const char* original, const char* patch) {
  static const testing::TestSchema schema;
  return apply_strategic_merge_patch(json::parse(original), json::parse(patch), schema);
}

int error_code(const char* original, const char* patch) {
  try {
    smp(original, patch);
  } catch (const PatchError& e) {
    return e.code;
  }
  return 0;
}

TEST(StrategicMergePatch, MapsMergeAndNullDeletes) {
  EXPECT_EQ(smp(R"({"metadata":{"labels":{"a":"1","b":"2"}}})", R"({"metadata":{"labels":{"b":null,"c":"3"}}})"),
            json::parse(R"({"metadata":{"labels":{"a":"1","c":"3"}}})"));
}

TEST(StrategicMergePatch, KeyedListMergesByMergeKey) {
  EXPECT_EQ(smp(R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}})",
                R"({"spec":{"containers":[{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}]}})"),
            json::parse(R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"},
                                                  {"name":"c","image":"c:1"}]}})"));
}

TEST(StrategicMergePatch, NestedKeyedListsMergeRecursively) {
  EXPECT_EQ(smp(R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}]}]}})",
                R"({"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"}]}]}})"),
            json::parse(R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}]}]}})"));
}

TEST(StrategicMergePatch, ListsWithoutMergeStrategyAreReplaced) {
  EXPECT_EQ(smp(R"({"spec":{"containers":[{"name":"a","args":["x","y"]}]}})",
                R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})"),
            json::parse(R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})"));
  // Unknown field: behaves like merge patch.
  EXPECT_EQ(smp(R"({"spec":{"unknown":[1,2]}})", R"({"spec":{"unknown":[3]}})"),
            json::parse(R"({"spec":{"unknown":[3]}})"));
}

TEST(StrategicMergePatch, EmptySchemaDegradesToMergePatch) {
  EmptyPatchSchema empty;
  EXPECT_EQ(apply_strategic_merge_patch(json::parse(R"({"spec":{"containers":[{"name":"a"}]}})"),
                                        json::parse(R"({"spec":{"containers":[{"name":"b"}]}})"), empty),
            json::parse(R"({"spec":{"containers":[{"name":"b"}]}})"));
}

TEST(StrategicMergePatch, PrimitiveMergeListIsUnioned) {
  EXPECT_EQ(smp(R"({"metadata":{"finalizers":["a","b"]}})", R"({"metadata":{"finalizers":["c","a"]}})"),
            json::parse(R"({"metadata":{"finalizers":["a","b","c"]}})"));
}

TEST(StrategicMergePatch, DeleteFromPrimitiveList) {
  EXPECT_EQ(smp(R"({"metadata":{"finalizers":["a","b","c"]}})",
                R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b","zz"]}})"),
            json::parse(R"({"metadata":{"finalizers":["a","c"]}})"));
}

TEST(StrategicMergePatch, DeleteDirectiveRemovesListElement) {
  EXPECT_EQ(smp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
                R"({"spec":{"containers":[{"$patch":"delete","name":"a"}]}})"),
            json::parse(R"({"spec":{"containers":[{"name":"b"}]}})"));
}

TEST(StrategicMergePatch, ReplaceDirectiveInMapReplacesMap) {
  EXPECT_EQ(smp(R"({"spec":{"selector":{"a":"1","b":"2"},"keep":true}})",
                R"({"spec":{"selector":{"$patch":"replace","c":"3"}}})"),
            json::parse(R"({"spec":{"selector":{"c":"3"},"keep":true}})"));
}

TEST(StrategicMergePatch, ReplaceDirectiveInListReplacesList) {
  EXPECT_EQ(smp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
                R"({"spec":{"containers":[{"name":"c"},{"$patch":"replace"}]}})"),
            json::parse(R"({"spec":{"containers":[{"name":"c"}]}})"));
}

TEST(StrategicMergePatch, DeleteDirectiveInMapDeletesMap) {
  EXPECT_EQ(smp(R"({"spec":{"strategy":{"type":"Recreate"},"replicas":1}})",
                R"({"spec":{"strategy":{"$patch":"delete"}}})"),
            json::parse(R"({"spec":{"replicas":1}})"));
}

TEST(StrategicMergePatch, RetainKeysDropsUnlistedKeys) {
  EXPECT_EQ(smp(R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})",
                R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})"),
            json::parse(R"({"spec":{"strategy":{"type":"Recreate"}}})"));
}

TEST(StrategicMergePatch, SetElementOrderReordersKeyedList) {
  EXPECT_EQ(smp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
                R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}})"),
            json::parse(R"({"spec":{"containers":[{"name":"b"},{"name":"a"}]}})"));
}

TEST(StrategicMergePatch, SetElementOrderKeepsServerOnlyElementsInPlace) {
  // Upstream mergeSortedSlice: B is server-only and sits before C on the
  // server, so it stays in front of C; D (new) follows its order position.
  EXPECT_EQ(smp(R"({"spec":{"containers":[{"name":"A"},{"name":"B"},{"name":"C"}]}})",
                R"({"spec":{"$setElementOrder/containers":[{"name":"C"},{"name":"A"},{"name":"D"}],
                            "containers":[{"name":"D","image":"d"}]}})"),
            json::parse(R"({"spec":{"containers":[{"name":"B"},{"name":"C"},{"name":"A"},{"name":"D","image":"d"}]}})"));
}

TEST(StrategicMergePatch, SetElementOrderForPrimitiveList) {
  EXPECT_EQ(smp(R"({"metadata":{"finalizers":["a","b"]}})",
                R"({"metadata":{"$setElementOrder/finalizers":["c","b","a"],"finalizers":["c"]}})"),
            json::parse(R"({"metadata":{"finalizers":["c","b","a"]}})"));
}

TEST(StrategicMergePatch, KubectlDirectiveExample) {
  json original = json::parse(R"({"spec":{
    "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},
    "template":{"spec":{
      "containers":[{"name":"nginx","image":"nginx","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
                    {"name":"sidecar","image":"s"}],
      "volumes":[{"name":"v","emptyDir":{}}]}}}})");
  json patch = json::parse(
      R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"},"template":{"spec":{"containers":[{"$setElementOrder/env":[{"name":"B"}],"env":[{"$patch":"delete","name":"A"}],"name":"nginx"},{"$patch":"delete","name":"sidecar"}],"volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cm"},"emptyDir":null,"name":"v"}]}}}})");
  testing::TestSchema schema;
  EXPECT_EQ(apply_strategic_merge_patch(original, patch, schema), json::parse(R"({"spec":{
    "strategy":{"type":"Recreate"},
    "template":{"spec":{
      "containers":[{"name":"nginx","image":"nginx","env":[{"name":"B","value":"2"}]}],
      "volumes":[{"name":"v","configMap":{"name":"cm"}}]}}}})"));
}

TEST(StrategicMergePatch, DirectivesNeverLeakIntoNewElements) {
  // The container is new, so its patch map is taken as-is minus directives.
  EXPECT_EQ(smp(R"({"spec":{"volumes":[]}})",
                R"({"spec":{"volumes":[{"$retainKeys":["name","secret"],"name":"n","secret":{"x":1},"emptyDir":null}],
                            "newmap":{"$patch":"replace","a":1,"b":null}}})"),
            json::parse(R"({"spec":{"volumes":[{"name":"n","secret":{"x":1}}],"newmap":{"a":1}}})"));
}

TEST(StrategicMergePatch, RootDeleteDirectiveEmptiesObject) {
  EXPECT_EQ(smp(R"({"a":1})", R"({"$patch":"delete"})"), json::object());
}

TEST(StrategicMergePatch, MalformedPatchesAre400) {
  EXPECT_EQ(error_code("{}", "[1]"), 400);
  EXPECT_EQ(error_code(R"({"spec":{}})", R"({"spec":{"$patch":"explode"}})"), 400);
  EXPECT_EQ(error_code(R"({"spec":{"containers":[]}})", R"({"spec":{"containers":[{"image":"x"}]}})"), 400);
  EXPECT_EQ(error_code(R"({"spec":{"containers":[]}})", R"({"spec":{"containers":["x"]}})"), 400);
  EXPECT_EQ(error_code(R"({"spec":{}})", R"({"spec":{"$retainKeys":"type"}})"), 400);
  EXPECT_EQ(error_code(R"({})", R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}})"), 400);
}

TEST(StrategicMergePatch, OriginalIsNotModified) {
  const json original = json::parse(R"({"spec":{"containers":[{"name":"a"}]}})");
  json copy = original;
  smp(original.dump().c_str(), R"({"spec":{"containers":[{"$patch":"delete","name":"a"}]}})");
  testing::TestSchema schema;
  apply_strategic_merge_patch(original, json::parse(R"({"spec":{"containers":null}})"), schema);
  EXPECT_EQ(original, copy);
}

}  // namespace
}  // namespace capstan::patch

namespace capstan::patch {
namespace {

TEST(StrategicMergePatch, RejectsPathologicalNesting) {
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += R"({"spec":)";
  deep += "1";
  for (int i = 0; i < 150; ++i) deep += "}";
  testing::TestSchema schema;
  try {
    apply_strategic_merge_patch(json::object(), json::parse(deep), schema);
    FAIL() << "expected PatchError";
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code, 400);
  }
}

}  // namespace
}  // namespace capstan::patch
