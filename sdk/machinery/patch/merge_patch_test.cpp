#include "capstan/machinery/patch/merge_patch.hpp"

#include <gtest/gtest.h>

namespace capstan::patch {
namespace {

TEST(MergePatch, MergesMapsRecursively) {
  json target = json::parse(R"({"metadata":{"labels":{"a":"1"},"name":"x"},"data":{"k":"v"}})");
  json patch = json::parse(R"({"metadata":{"labels":{"b":"2"}}})");
  EXPECT_EQ(apply_merge_patch(target, patch),
            json::parse(R"({"metadata":{"labels":{"a":"1","b":"2"},"name":"x"},"data":{"k":"v"}})"));
}

TEST(MergePatch, NullDeletesKey) {
  json target = json::parse(R"({"data":{"x":"1","y":"2"}})");
  EXPECT_EQ(apply_merge_patch(target, json::parse(R"({"data":{"x":null,"z":null}})")),
            json::parse(R"({"data":{"y":"2"}})"));
}

TEST(MergePatch, ListsAndScalarsReplace) {
  json target = json::parse(R"({"list":[1,2,3],"s":"a"})");
  EXPECT_EQ(apply_merge_patch(target, json::parse(R"({"list":[4],"s":{"n":1}})")),
            json::parse(R"({"list":[4],"s":{"n":1}})"));
}

TEST(MergePatch, NonObjectPatchReplacesDocument) {
  EXPECT_EQ(apply_merge_patch(json::parse(R"({"a":1})"), json::parse("[1,2]")), json::parse("[1,2]"));
}

TEST(MergePatch, NewSubtreeIsStrippedOfNulls) {
  // RFC 7386 appendix: nulls inside a value merged into a missing key vanish.
  EXPECT_EQ(apply_merge_patch(json::parse("{}"), json::parse(R"({"a":{"b":null,"c":1}})")),
            json::parse(R"({"a":{"c":1}})"));
}

TEST(MergePatch, TargetIsNotModified) {
  const json target = json::parse(R"({"a":{"b":1}})");
  json copy = target;
  apply_merge_patch(target, json::parse(R"({"a":{"b":2}})"));
  EXPECT_EQ(target, copy);
}

TEST(MergePatch, RejectsPathologicalNesting) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < 200; ++i) deep += "}";
  try {
    apply_merge_patch(json::object(), json::parse(deep));
    FAIL() << "expected PatchError";
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code, 400);
  }
}

}  // namespace
}  // namespace capstan::patch
