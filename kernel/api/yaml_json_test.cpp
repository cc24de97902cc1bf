#include <gtest/gtest.h>

#include <string>

#include "api/yaml_json.hpp"

using namespace capstan::api;
using nlohmann::json;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BodyError& e) {
    return e.what();
  }
  return "<no error>";
}
std::string yaml_error(std::string_view body, const DecodeLimits& l = {}) {
  return error_of([&] { decode_yaml(body, l); });
}
std::string json_error(std::string_view body, const DecodeLimits& l = {}) {
  return error_of([&] { decode_json(body, l); });
}
bool contains(const std::string& hay, std::string_view needle) { return hay.find(needle) != std::string::npos; }
}  // namespace

// ------------------------------------------------------------------------------------------------ JSON

TEST(DecodeJson, ParsesDocument) {
  json j = decode_json(R"({"kind":"Pod","spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}]}})");
  EXPECT_EQ(j["kind"], "Pod");
  EXPECT_EQ(j["spec"]["containers"][0]["ports"][0]["containerPort"], 80);
  EXPECT_TRUE(j["spec"]["containers"][0]["ports"][0]["containerPort"].is_number_integer());
}

TEST(DecodeJson, DuplicateKeysLastWins) { EXPECT_EQ(decode_json(R"({"a":1,"a":2})")["a"], 2); }

TEST(DecodeJson, MalformedSaysWhere) {
  std::string err = json_error("{\"a\": 1,\n \"b\": tru }");
  EXPECT_EQ(err.rfind("json: cannot parse body: syntax error at byte ", 0), 0u) << err;
  EXPECT_TRUE(contains(err, "line 2")) << err;
  EXPECT_TRUE(contains(json_error("{\"a\": 1"), "syntax error at byte")) << json_error("{\"a\": 1");
  EXPECT_EQ(json_error("1e400"), "json: cannot parse body: number overflow parsing '1e400'");
  EXPECT_NE(json_error(""), "<no error>");
  EXPECT_NE(json_error("{} {}"), "<no error>");                  // trailing data
  EXPECT_NE(json_error("{\"a\":1} // comment"), "<no error>");   // no comments
  EXPECT_NE(json_error("{\"a\":\"\xff\"}"), "<no error>");       // invalid UTF-8
}

TEST(DecodeJson, ErrorMessageIsValidUtf8) {
  std::string err = json_error("{\"a\": \xff\xfe}");
  ASSERT_NE(err, "<no error>");
  EXPECT_NO_THROW((void)json(err).dump());
}

TEST(DecodeJson, TooBig) {
  DecodeLimits l;
  l.max_bytes = 10;
  EXPECT_TRUE(contains(json_error(R"({"a":"0123456789"})", l), "too large")) << json_error(R"({"a":"0123456789"})", l);
  EXPECT_EQ(decode_json(R"({"a":1})", l)["a"], 1);
  EXPECT_TRUE(contains(error_of([&] { decode_yaml("a: 0123456789", l); }), "too large"));
}

TEST(DecodeJson, TooDeepThrowsInsteadOfCrashing) {
  std::string deep = std::string(200, '[') + std::string(200, ']');
  std::string err = json_error(deep);
  EXPECT_TRUE(contains(err, "nesting too deep (max 100)")) << err;
  std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_NO_THROW(decode_json(ok));
  std::string one_more = std::string(101, '[') + std::string(101, ']');
  EXPECT_NE(json_error(one_more), "<no error>");
  // Brackets inside strings do not count.
  EXPECT_NO_THROW(decode_json("{\"a\":\"" + std::string(500, '[') + "\\\"\"}"));
  // Very deep hostile input (megabytes) also fails cleanly.
  EXPECT_NE(json_error(std::string(1'000'000, '[')), "<no error>");
  EXPECT_NE(json_error(std::string(1'000'000, '{')), "<no error>");
}

TEST(CheckNesting, Works) {
  json j = json::array();
  json* cur = &j;
  for (int i = 0; i < 150; ++i) {
    cur->push_back(json::array());
    cur = &(*cur)[0];
  }
  EXPECT_THROW(check_nesting(j), BodyError);
  EXPECT_NO_THROW(check_nesting(j, 200));
  EXPECT_EQ(error_of([&] { check_nesting(j); }), "nesting too deep (max 100)");
  EXPECT_NO_THROW(check_nesting(json(1), 0));
  EXPECT_THROW(check_nesting(json::object(), 0), BodyError);
}

// ------------------------------------------------------------------------------------------------ YAML

TEST(DecodeYaml, KubernetesManifest) {
  const char* doc = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    version: "1.0"
  annotations:
    port-as-string: "80"
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        args: ["--port", "8080", --verbose]
        ports:
        - containerPort: 80
          protocol: TCP
        - containerPort: 443
        env:
          - name: EMPTY
            value: ""
          - name: NOTHING
            value:
        resources:
          limits: {cpu: 500m, memory: 128Mi}
      terminationGracePeriodSeconds: 30
)";
  json j = decode_yaml(doc);
  EXPECT_EQ(j["kind"], "Deployment");
  EXPECT_EQ(j["spec"]["replicas"], 3);
  EXPECT_TRUE(j["spec"]["replicas"].is_number_integer());
  EXPECT_EQ(j["metadata"]["labels"]["version"], "1.0");
  EXPECT_TRUE(j["metadata"]["annotations"]["port-as-string"].is_string());
  EXPECT_EQ(j["metadata"]["annotations"]["port-as-string"], "80");
  EXPECT_EQ(j["spec"]["selector"]["matchLabels"], json({{"app", "web"}}));
  const json& c = j["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["image"], "nginx:1.25");
  EXPECT_EQ(c["args"], json({"--port", "8080", "--verbose"}));
  EXPECT_EQ(c["ports"][0]["containerPort"], 80);
  EXPECT_TRUE(c["ports"][0]["containerPort"].is_number());
  EXPECT_EQ(c["ports"][1]["containerPort"], 443);
  EXPECT_EQ(c["env"][0]["value"], "");
  EXPECT_TRUE(c["env"][1]["value"].is_null());
  EXPECT_EQ(c["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ(c["resources"]["limits"]["memory"], "128Mi");
}

TEST(DecodeYaml, BlockScalars) {
  json j = decode_yaml("literal: |\n  line one\n  line two\nfolded: >\n  a\n  b\nstrip: |-\n  x\n  y\nkeep: |+\n  k\n\n");
  EXPECT_EQ(j["literal"], "line one\nline two\n");
  EXPECT_EQ(j["folded"], "a b\n");
  EXPECT_EQ(j["strip"], "x\ny");
  EXPECT_EQ(j["keep"], "k\n\n");
}

TEST(DecodeYaml, EmptyDocumentIsNull) {
  EXPECT_TRUE(decode_yaml("").is_null());
  EXPECT_TRUE(decode_yaml("   \n\n").is_null());
  EXPECT_TRUE(decode_yaml("# just a comment\n").is_null());
  EXPECT_TRUE(decode_yaml("---\n").is_null());
}

TEST(DecodeYaml, ScalarResolutionLikeYamlV2) {
  json j = decode_yaml(R"(
t1: true
t2: True
t3: yes
t4: on
t5: y
f1: false
f2: NO
f3: off
n1: null
n2: ~
n3:
i1: 42
i2: -7
i3: 0x1F
i4: 0o17
i5: 0755
i6: 1_000
i7: +5
i8: 0b101
u1: 18446744073709551615
fl1: 1.5
fl2: .5
fl3: 1e3
fl4: 2.0
fl5: -0.25
big: 1e400
s1: "true"
s2: 'yes'
s3: "42"
s4: hello world
s5: 1.2.3
s6: 2001-12-14
s7: 0x
s8: .
s9: "~"
s10: !!str 123
s11: !custom 7
ef1: !!float 3
)");
  for (auto k : {"t1", "t2", "t3", "t4", "t5"}) EXPECT_EQ(j[k], true) << k;
  for (auto k : {"f1", "f2", "f3"}) EXPECT_EQ(j[k], false) << k;
  for (auto k : {"n1", "n2", "n3"}) EXPECT_TRUE(j[k].is_null()) << k;
  EXPECT_EQ(j["i1"], 42);
  EXPECT_EQ(j["i2"], -7);
  EXPECT_EQ(j["i3"], 31);
  EXPECT_EQ(j["i4"], 15);
  EXPECT_EQ(j["i5"], 493);
  EXPECT_EQ(j["i6"], 1000);
  EXPECT_EQ(j["i7"], 5);
  EXPECT_EQ(j["i8"], 5);
  EXPECT_EQ(j["u1"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(j["fl1"], 1.5);
  EXPECT_EQ(j["fl2"], 0.5);
  EXPECT_EQ(j["fl3"], 1000);
  EXPECT_TRUE(j["fl3"].is_number_integer());  // integral floats become integers, as Go's json.Marshal prints them
  EXPECT_TRUE(j["fl4"].is_number_integer());
  EXPECT_EQ(j["fl5"], -0.25);
  EXPECT_EQ(j["big"], "1e400");  // out of range for float64: yaml.v2 leaves it a string
  EXPECT_EQ(j["s1"], "true");
  EXPECT_EQ(j["s2"], "yes");
  EXPECT_EQ(j["s3"], "42");
  EXPECT_EQ(j["s4"], "hello world");
  EXPECT_EQ(j["s5"], "1.2.3");
  EXPECT_EQ(j["s6"], "2001-12-14");
  EXPECT_EQ(j["s7"], "0x");
  EXPECT_EQ(j["s8"], ".");
  EXPECT_EQ(j["s9"], "~");
  EXPECT_EQ(j["s10"], "123");
  EXPECT_EQ(j["s11"], "7");
  EXPECT_EQ(j["ef1"], 3);
}

TEST(DecodeYaml, NanAndInfAreRejected) {
  EXPECT_TRUE(contains(yaml_error("a: .nan\n"), "yaml: line 1:")) << yaml_error("a: .nan\n");
  EXPECT_NE(yaml_error("a: -.inf\n"), "<no error>");
  EXPECT_NE(yaml_error("a: !!int abc\n"), "<no error>");
}

TEST(DecodeYaml, MapKeysBecomeStrings) {
  json j = decode_yaml("1: a\ntrue: b\non: c\n1.5: d\n2.0: e\n0x10: f\n\"q\": g\n");
  EXPECT_EQ(j["1"], "a");
  EXPECT_EQ(j["true"], "c");  // `on` is a bool key in yaml.v2: same key as `true`, last wins
  EXPECT_EQ(j["1.5"], "d");
  EXPECT_EQ(j["2"], "e");
  EXPECT_EQ(j["16"], "f");
  EXPECT_EQ(j["q"], "g");
  EXPECT_EQ(decode_yaml("1e10: x")["1e+10"], "x");
  EXPECT_EQ(decode_yaml("0.0001: x")["0.0001"], "x");
  EXPECT_EQ(decode_yaml("100000.0: x")["100000"], "x");
  EXPECT_EQ(decode_yaml("1000000.0: x")["1e+06"], "x");
  EXPECT_NE(yaml_error("~: x\n"), "<no error>");
  EXPECT_NE(yaml_error("? [a, b]\n: x\n"), "<no error>");
}

TEST(DecodeYaml, DuplicateKeysLastWins) { EXPECT_EQ(decode_yaml("a: 1\na: 2\n")["a"], 2); }

TEST(DecodeYaml, AnchorsAliasesAndMerge) {
  json j = decode_yaml(R"(
base: &base
  cpu: 100m
  memory: 64Mi
other: &other {gpu: 1, cpu: 1}
copy: *base
merged:
  <<: *base
  memory: 128Mi
multi:
  <<: [*other, *base]
list: [&x hello, *x]
)");
  EXPECT_EQ(j["copy"], j["base"]);
  EXPECT_EQ(j["merged"], json({{"cpu", "100m"}, {"memory", "128Mi"}}));
  EXPECT_EQ(j["multi"], json({{"cpu", 1}, {"memory", "64Mi"}, {"gpu", 1}}));  // earlier maps take precedence
  EXPECT_EQ(j["list"], json({"hello", "hello"}));
  EXPECT_NE(yaml_error("a: *nope\n"), "<no error>");
  EXPECT_NE(yaml_error("a: &x [1, *x]\n"), "<no error>");
  EXPECT_NE(yaml_error("a: {<<: 5}\n"), "<no error>");
}

TEST(DecodeYaml, BillionLaughsIsCapped) {
  std::string doc = "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (int i = 1; i < 10; ++i) {
    doc += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) doc += std::string(k ? "," : "") + "*a" + std::to_string(i - 1);
    doc += "]\n";
  }
  std::string err = yaml_error(doc);
  EXPECT_TRUE(contains(err, "excessive aliasing")) << err;
  EXPECT_EQ(err.rfind("yaml: line ", 0), 0u) << err;
}

TEST(DecodeYaml, DepthLimit) {
  std::string deep = std::string(200, '[') + std::string(200, ']');
  std::string err = yaml_error(deep);
  EXPECT_TRUE(contains(err, "nesting too deep (max 100)")) << err;
  EXPECT_NO_THROW(decode_yaml(std::string(100, '[') + std::string(100, ']')));
  // Block-style nesting.
  std::string block;
  for (int i = 0; i < 150; ++i) block += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  EXPECT_TRUE(contains(yaml_error(block), "nesting too deep")) << yaml_error(block);
  // Aliases cannot be used to exceed the depth limit.
  DecodeLimits l;
  l.max_depth = 5;
  EXPECT_NO_THROW(decode_yaml("a: &a [[[1]]]\n", l));
  EXPECT_NE(yaml_error("a: &a [[[1]]]\nb: [[*a]]\n", l), "<no error>");
  // Hostile megabyte of '[' fails cleanly.
  EXPECT_NE(yaml_error(std::string(1'000'000, '[')), "<no error>");
}

TEST(DecodeYaml, BrokenYamlMentionsLine) {
  std::string err = yaml_error("metadata:\n  name: broken\n data: [\n");
  EXPECT_EQ(err.rfind("yaml: line 3: ", 0), 0u) << err;
  err = yaml_error("a: b\nc: [1, 2\nd: e\n");
  EXPECT_EQ(err.rfind("yaml: line ", 0), 0u) << err;
  err = yaml_error("a: 'unterminated\nb: c\n");  // yaml-cpp alone would accept this
  EXPECT_EQ(err, "yaml: line 1: found unexpected end of stream while scanning a quoted scalar");
  err = yaml_error("a: \"unterminated\n");
  EXPECT_EQ(err.rfind("yaml: line 1: ", 0), 0u) << err;
  EXPECT_EQ(decode_yaml("a: \"x \\\" y\"\nb: 'it''s'\nc: &q \"z\"\n")["b"], "it's");
  err = yaml_error("a: [1, 2\n");
  EXPECT_EQ(err.rfind("yaml: line ", 0), 0u) << err;
  err = yaml_error("key: value\n\tbad: tab\n");
  EXPECT_EQ(err.rfind("yaml: ", 0), 0u) << err;
}

TEST(DecodeYaml, StrayFlowIndicatorsDoNotHang) {
  // yaml-cpp 0.7 by itself loops forever on these.
  for (const char* doc : {",", ",a", ",\"c\":1", "a: 1\n,\n", "[1],"}) {
    EXPECT_EQ(yaml_error(doc).rfind("yaml: ", 0), 0u) << doc << " -> " << yaml_error(doc);
  }
}

TEST(DecodeYaml, MultiDocumentIsAnError) {
  EXPECT_EQ(yaml_error("a: 1\n---\nb: 2\n"), "yaml: expected a single document");
  EXPECT_EQ(yaml_error("--- 1\n--- 2\n"), "yaml: expected a single document");
  EXPECT_EQ(decode_yaml("---\na: 1\n")["a"], 1);
  EXPECT_EQ(decode_yaml("a: 1\n---\n")["a"], 1);  // trailing empty document tolerated
  EXPECT_EQ(decode_yaml("a: 1\n...\n")["a"], 1);
}

TEST(DecodeYaml, JsonIsYaml) {
  json j = decode_yaml(R"({"a": [1, 2.5, "x", true, null], "b": {"c": "80"}})");
  EXPECT_EQ(j, json::parse(R"({"a": [1, 2.5, "x", true, null], "b": {"c": "80"}})"));
}

TEST(DecodeYaml, InvalidUtf8IsReplaced) {
  json j = decode_yaml("a: \"x\xffy\"\n");
  EXPECT_NO_THROW((void)j.dump());
  EXPECT_EQ(j["a"], "x\xEF\xBF\xBDy");
}

TEST(DecodeYaml, TopLevelScalarsAndLists) {
  EXPECT_EQ(decode_yaml("42"), 42);
  EXPECT_EQ(decode_yaml("- a\n- b\n"), json({"a", "b"}));
  EXPECT_EQ(decode_yaml("hello"), "hello");
}

// ------------------------------------------------------------------------------------------------ decode_body

TEST(DecodeBody, ChoosesByContentType) {
  EXPECT_EQ(decode_body("application/json", R"({"a":1})")["a"], 1);
  EXPECT_EQ(decode_body("application/json; charset=utf-8", R"({"a":1})")["a"], 1);
  EXPECT_EQ(decode_body("application/merge-patch+json", R"({"a":null})"), json({{"a", nullptr}}));
  EXPECT_EQ(decode_body("application/json-patch+json", R"([{"op":"remove","path":"/a"}])")[0]["op"], "remove");
  EXPECT_EQ(decode_body("Application/YAML", "a: 1\n")["a"], 1);
  EXPECT_EQ(decode_body("application/apply-patch+yaml", "kind: Pod\nmetadata: {name: p}\n")["metadata"]["name"], "p");
  EXPECT_EQ(decode_body("application/yaml", R"({"a": "1"})")["a"], "1");   // JSON fast path
  EXPECT_EQ(decode_body("application/yaml", "{a: b}")["a"], "b");          // flow mapping: falls back to YAML
  EXPECT_THROW(decode_body("application/json", "a: 1\n"), BodyError);     // YAML is not JSON
  EXPECT_THROW(decode_body("application/yaml", "a: [\n"), BodyError);
  EXPECT_THROW(decode_body("text/plain", "a"), UnsupportedMediaType);
  EXPECT_THROW(decode_body("application/vnd.kubernetes.protobuf", "a"), BodyError);
  EXPECT_EQ(decode_body("", "a: 1\n")["a"], 1);
}
