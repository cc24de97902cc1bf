#include "capstan/machinery/patch/json_patch.hpp"

#include <gtest/gtest.h>

namespace capstan::patch {
namespace {

json apply(const char* doc, const char* ops) { return apply_json_patch(json::parse(doc), json::parse(ops)); }

PatchError error_of(const char* doc, const char* ops) {
  try {
    apply(doc, ops);
  } catch (const PatchError& e) {
    return e;
  }
  ADD_FAILURE() << "expected PatchError for " << ops;
  return PatchError(0, "", "");
}

TEST(JsonPatch, AddReplaceRemove) {
  EXPECT_EQ(apply(R"({"data":{"a":"1"}})",
                  R"([{"op":"add","path":"/data/b","value":"2"},
                      {"op":"replace","path":"/data/a","value":"x"},
                      {"op":"remove","path":"/data/b"}])"),
            json::parse(R"({"data":{"a":"x"}})"));
}

TEST(JsonPatch, ArrayIndicesAndAppend) {
  EXPECT_EQ(apply(R"({"l":[1,3]})", R"([{"op":"add","path":"/l/1","value":2},{"op":"add","path":"/l/-","value":4}])"),
            json::parse(R"({"l":[1,2,3,4]})"));
  EXPECT_EQ(apply(R"({"l":[1,2,3]})", R"([{"op":"remove","path":"/l/0"}])"), json::parse(R"({"l":[2,3]})"));
}

TEST(JsonPatch, EscapedPointerTokens) {
  EXPECT_EQ(apply(R"({"metadata":{"annotations":{}}})",
                  R"([{"op":"add","path":"/metadata/annotations/example.com~1a~0b","value":"v"}])"),
            json::parse(R"({"metadata":{"annotations":{"example.com/a~b":"v"}}})"));
}

TEST(JsonPatch, MoveCopyTest) {
  EXPECT_EQ(apply(R"({"a":{"x":1},"b":{}})",
                  R"([{"op":"test","path":"/a/x","value":1},
                      {"op":"copy","from":"/a/x","path":"/b/y"},
                      {"op":"move","from":"/a","path":"/c"}])"),
            json::parse(R"({"b":{"y":1},"c":{"x":1}})"));
}

TEST(JsonPatch, ReplaceRoot) {
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"replace","path":"","value":{"b":2}}])"), json::parse(R"({"b":2})"));
}

TEST(JsonPatch, MissingPathIs422AndNamesOpAndPath) {
  PatchError e = error_of(R"({"data":{}})", R"([{"op":"replace","path":"/data/x","value":"1"}])");
  EXPECT_EQ(e.code, 422);
  EXPECT_EQ(e.reason, "Invalid");
  EXPECT_NE(std::string(e.what()).find("replace"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find(R"(the path "/data/x" does not exist)"), std::string::npos);

  EXPECT_EQ(error_of(R"({"data":{}})", R"([{"op":"remove","path":"/data/x"}])").code, 422);
  EXPECT_EQ(error_of(R"({})", R"([{"op":"add","path":"/a/b","value":1}])").code, 422);
  EXPECT_EQ(error_of(R"({"l":[]})", R"([{"op":"add","path":"/l/5","value":1}])").code, 422);
}

TEST(JsonPatch, FailedTestIs422) {
  PatchError e = error_of(R"({"a":1})", R"([{"op":"test","path":"/a","value":2}])");
  EXPECT_EQ(e.code, 422);
  EXPECT_NE(std::string(e.what()).find("test"), std::string::npos);
}

TEST(JsonPatch, MalformedPatchIs400) {
  EXPECT_EQ(error_of("{}", R"({"op":"add"})").code, 400);
  EXPECT_EQ(error_of("{}", R"([{"op":"frobnicate","path":"/a"}])").code, 400);
  EXPECT_EQ(error_of("{}", R"([{"op":"add","path":"/a"}])").code, 400);
  EXPECT_EQ(error_of("{}", R"([{"op":"add","path":"a","value":1}])").code, 400);
  EXPECT_EQ(error_of("{}", R"([{"op":"add","path":"/a~2","value":1}])").code, 400);
}

TEST(JsonPatch, MoveIntoOwnChildFails) {
  EXPECT_EQ(error_of(R"({"a":{"b":{}}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])").code, 422);
}

TEST(JsonPatch, FailureLeavesInputUntouched) {
  const json doc = json::parse(R"({"a":1})");
  EXPECT_THROW(apply_json_patch(doc, json::parse(R"([{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zz"}])")),
               PatchError);
  EXPECT_EQ(doc, json::parse(R"({"a":1})"));
}

}  // namespace
}  // namespace capstan::patch
