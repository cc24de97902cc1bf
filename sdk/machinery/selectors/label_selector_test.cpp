#include <gtest/gtest.h>

#include "capstan/machinery/selectors/label_selector.hpp"

using namespace capstan::selectors;
using nlohmann::json;

namespace {
bool m(std::string_view sel, const json& labels) { return LabelSelector::parse(sel).matches(labels); }

std::string parse_error(std::string_view sel) {
  try {
    LabelSelector::parse(sel);
  } catch (const SelectorError& e) {
    return e.what();
  }
  return "<no error>";
}
}  // namespace

TEST(LabelSelector, EmptyMatchesEverything) {
  for (const char* s : {"", "   ", "\t\n"}) {
    auto sel = LabelSelector::parse(s);
    EXPECT_TRUE(sel.empty());
    EXPECT_TRUE(sel.matches(json::object()));
    EXPECT_TRUE(sel.matches(json()));
    EXPECT_EQ(sel.to_string(), "");
  }
}

TEST(LabelSelector, Equality) {
  EXPECT_TRUE(m("app=web", {{"app", "web"}}));
  EXPECT_TRUE(m("app==web", {{"app", "web"}}));
  EXPECT_FALSE(m("app=web", {{"app", "db"}}));
  EXPECT_FALSE(m("app=web", json::object()));
  EXPECT_FALSE(m("app=web", json()));
  EXPECT_EQ(LabelSelector::parse("app==web").to_string(), "app==web");
  EXPECT_EQ(LabelSelector::parse("app = web").to_string(), "app=web");
}

TEST(LabelSelector, EmptyValue) {
  auto sel = LabelSelector::parse("app=");
  EXPECT_TRUE(sel.matches(json{{"app", ""}}));
  EXPECT_FALSE(sel.matches(json{{"app", "x"}}));
  EXPECT_FALSE(sel.matches(json::object()));
  EXPECT_EQ(sel.to_string(), "app=");
  EXPECT_EQ(LabelSelector::parse("app=,tier=x").requirements().size(), 2u);
}

TEST(LabelSelector, NotEqualsMatchesAbsentLabel) {
  EXPECT_TRUE(m("app!=web", {{"app", "db"}}));
  EXPECT_FALSE(m("app!=web", {{"app", "web"}}));
  EXPECT_TRUE(m("app!=web", json::object()));
  EXPECT_TRUE(m("app!=web", json()));
}

TEST(LabelSelector, InAndNotIn) {
  EXPECT_TRUE(m("env in (prod, staging)", {{"env", "prod"}}));
  EXPECT_TRUE(m("env in (prod,staging)", {{"env", "staging"}}));
  EXPECT_FALSE(m("env in (prod,staging)", {{"env", "dev"}}));
  EXPECT_FALSE(m("env in (prod,staging)", json::object()));
  EXPECT_FALSE(m("env notin (prod)", {{"env", "prod"}}));
  EXPECT_TRUE(m("env notin (prod)", {{"env", "dev"}}));
  EXPECT_TRUE(m("env notin (prod)", json::object()));  // absent label matches notin
  EXPECT_EQ(LabelSelector::parse("env in (staging,prod,prod)").to_string(), "env in (prod,staging)");
  EXPECT_EQ(LabelSelector::parse("env notin(b,a)").to_string(), "env notin (a,b)");
}

TEST(LabelSelector, InWithEmptyValues) {
  auto sel = LabelSelector::parse("env in (,prod)");
  EXPECT_TRUE(sel.matches(json{{"env", ""}}));
  EXPECT_TRUE(sel.matches(json{{"env", "prod"}}));
  EXPECT_EQ(sel.to_string(), "env in (,prod)");
  auto only_empty = LabelSelector::parse("env in (,)");
  EXPECT_EQ(only_empty.requirements()[0].values, std::vector<std::string>{""});
  EXPECT_EQ(only_empty.to_string(), "env in ()");
  EXPECT_EQ(LabelSelector::parse(only_empty.to_string()).to_string(), only_empty.to_string());
}

TEST(LabelSelector, ExistsAndDoesNotExist) {
  EXPECT_TRUE(m("app", {{"app", ""}}));
  EXPECT_FALSE(m("app", json::object()));
  EXPECT_TRUE(m("!app", json::object()));
  EXPECT_FALSE(m("!app", {{"app", "x"}}));
  EXPECT_TRUE(m(" ! app ", {{"other", "x"}}));
  EXPECT_EQ(LabelSelector::parse("!app").to_string(), "!app");
  EXPECT_EQ(LabelSelector::parse("app").to_string(), "app");
}

TEST(LabelSelector, GreaterAndLessThan) {
  EXPECT_TRUE(m("gen>5", {{"gen", "6"}}));
  EXPECT_FALSE(m("gen>5", {{"gen", "5"}}));
  EXPECT_FALSE(m("gen>5", {{"gen", "abc"}}));
  EXPECT_FALSE(m("gen>5", json::object()));
  EXPECT_TRUE(m("gen<5", {{"gen", "4"}}));
  EXPECT_THROW(LabelSelector::parse("gen>abc"), SelectorError);
}

TEST(LabelSelector, CombinedSelectorsAreAndedAndSortedByKey) {
  auto sel = LabelSelector::parse("tier in (fe,be), app=web, !canary, release");
  EXPECT_EQ(sel.to_string(), "app=web,!canary,release,tier in (be,fe)");
  EXPECT_TRUE(sel.matches(json{{"app", "web"}, {"tier", "fe"}, {"release", "1"}}));
  EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "fe"}, {"release", "1"}, {"canary", "y"}}));
  EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "db"}, {"release", "1"}}));
  EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "fe"}}));
  // Round trip.
  EXPECT_EQ(LabelSelector::parse(sel.to_string()).to_string(), sel.to_string());
}

TEST(LabelSelector, KeywordsAsKeysAndValues) {
  EXPECT_TRUE(m("in=notin", {{"in", "notin"}}));
  EXPECT_TRUE(m("x in (in,notin)", {{"x", "in"}}));
}

TEST(LabelSelector, PrefixedKeys) {
  EXPECT_TRUE(m("app.kubernetes.io/name=web", {{"app.kubernetes.io/name", "web"}}));
  EXPECT_TRUE(m("!node-role.kubernetes.io/control-plane", json::object()));
}

TEST(LabelSelector, LookupFunction) {
  std::string v = "web";
  auto sel = LabelSelector::parse("app=web,!gone");
  EXPECT_TRUE(sel.matches([&](std::string_view k) -> const std::string* { return k == "app" ? &v : nullptr; }));
  EXPECT_FALSE(sel.matches([&](std::string_view) -> const std::string* { return &v; }));
}

TEST(LabelSelector, InvalidSyntax) {
  for (const char* s : {"a in (", "a in (b", "a in b", "=b", "a=b=c", "a b", "a,", ",a", "a in (b,c", "a notin",
                        "a!", "(a)", "a=(b)", "a in (b))", "!a=b", "a,,b", "!", "a=b c"}) {
    std::string err = parse_error(s);
    EXPECT_EQ(err.rfind("unable to parse requirement: ", 0), 0u) << s << " -> " << err;
  }
  EXPECT_EQ(parse_error("=b"), "unable to parse requirement: found '=', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(parse_error("a in ("), "unable to parse requirement: found '', expected: ',', ')' or identifier");
  EXPECT_EQ(parse_error("a=="), "<no error>");  // empty value, as in Kubernetes
  // "()" is the set {""} in Kubernetes, not an empty set.
  EXPECT_EQ(parse_error("a in ()"), "<no error>");
  EXPECT_TRUE(m("a in ()", {{"a", ""}}));
  EXPECT_FALSE(m("a in ()", {{"a", "x"}}));
  EXPECT_EQ(parse_error("a b"), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
}

TEST(LabelSelector, InvalidKeysAndValues) {
  const std::string long_name(64, 'a');
  EXPECT_NE(parse_error(long_name + "=x").find("name part must be no more than 63 characters"), std::string::npos);
  EXPECT_EQ(parse_error(std::string(63, 'a') + "=x"), "<no error>");
  EXPECT_NE(parse_error("x=" + long_name).find("must be no more than 63 characters"), std::string::npos);
  EXPECT_EQ(parse_error("x=" + std::string(63, 'v')), "<no error>");
  EXPECT_NE(parse_error("-a=x").find("name part must consist of"), std::string::npos);
  EXPECT_NE(parse_error("a-=x").find("name part must consist of"), std::string::npos);
  EXPECT_NE(parse_error("a=-x").find("a valid label must be an empty string"), std::string::npos);
  EXPECT_NE(parse_error("a in (ok,bad$)").find("bad$"), std::string::npos);
  EXPECT_NE(parse_error("Example.com/a=x").find("prefix part"), std::string::npos);
  EXPECT_NE(parse_error("/a=x").find("prefix part must be non-empty"), std::string::npos);
  EXPECT_NE(parse_error("example.com/=x").find("name part must be non-empty"), std::string::npos);
  EXPECT_NE(parse_error("a/b/c=x").find("qualified name"), std::string::npos);
  EXPECT_NE(parse_error(std::string(254, 'a') + "/b=x").find("no more than 253"), std::string::npos);
  EXPECT_EQ(validate_label_key("example.com/My_Name.1"), "");
  EXPECT_EQ(validate_label_value(""), "");
  EXPECT_NE(validate_label_value("a b"), "");
}

TEST(LabelSelector, ErrorMessagesAreValidUtf8AndBounded) {
  std::string hostile = "\xff\xfe=" + std::string(100000, 'x');
  std::string err = parse_error(hostile);
  EXPECT_LT(err.size(), 2000u);
  EXPECT_EQ(err.find('\xff'), std::string::npos);
}

TEST(LabelSelector, FromJsonMatchLabelsAndExpressions) {
  json j = json::parse(R"({
    "matchLabels": {"app": "web", "tier": "fe"},
    "matchExpressions": [
      {"key": "env", "operator": "In", "values": ["prod", "canary"]},
      {"key": "zone", "operator": "NotIn", "values": ["z1"]},
      {"key": "ready", "operator": "Exists"},
      {"key": "broken", "operator": "DoesNotExist", "values": []}
    ]})");
  auto sel = LabelSelector::from_json(j);
  EXPECT_EQ(sel.to_string(), "app=web,!broken,env in (canary,prod),ready,tier=fe,zone notin (z1)");
  EXPECT_TRUE(sel.matches(json{{"app", "web"}, {"tier", "fe"}, {"env", "prod"}, {"ready", ""}}));
  EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "fe"}, {"env", "prod"}, {"ready", ""}, {"zone", "z1"}}));
  EXPECT_FALSE(sel.matches(json{{"app", "web"}, {"tier", "fe"}, {"env", "dev"}, {"ready", ""}}));
  // to_string round-trips through the string parser.
  auto reparsed = LabelSelector::parse(sel.to_string());
  EXPECT_EQ(reparsed.to_string(), sel.to_string());
  json labels{{"app", "web"}, {"tier", "fe"}, {"env", "canary"}, {"ready", "1"}, {"zone", "z2"}};
  EXPECT_TRUE(reparsed.matches(labels));
  EXPECT_TRUE(sel.matches(labels));
}

TEST(LabelSelector, FromJsonEmptyAndNull) {
  auto everything = LabelSelector::from_json(json::object());
  EXPECT_TRUE(everything.empty());
  EXPECT_TRUE(everything.matches(json{{"a", "b"}}));
  auto also_everything = LabelSelector::from_json(json{{"matchLabels", json::object()}, {"matchExpressions", json()}});
  EXPECT_TRUE(also_everything.empty());
  auto nothing = LabelSelector::from_json(json());
  EXPECT_FALSE(nothing.empty());
  EXPECT_TRUE(nothing.matches_nothing());
  EXPECT_FALSE(nothing.matches(json{{"a", "b"}}));
  EXPECT_FALSE(nothing.matches(json::object()));
}

TEST(LabelSelector, FromJsonErrors) {
  EXPECT_THROW(LabelSelector::from_json(json("app=web")), SelectorError);
  EXPECT_THROW(LabelSelector::from_json(json{{"matchLabels", {{"app", 1}}}}), SelectorError);
  EXPECT_THROW(LabelSelector::from_json(json{{"matchLabels", {{"-bad", "x"}}}}), SelectorError);
  EXPECT_THROW(LabelSelector::from_json(json{{"matchLabels", {{"a", "bad value"}}}}), SelectorError);
  EXPECT_THROW(LabelSelector::from_json(json::parse(R"({"matchExpressions":[{"key":"a","operator":"In"}]})")),
               SelectorError);  // In without values
  EXPECT_THROW(
      LabelSelector::from_json(json::parse(R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})")),
      SelectorError);
  try {
    LabelSelector::from_json(json::parse(R"({"matchExpressions":[{"key":"a","operator":"Equals","values":["x"]}]})"));
    FAIL();
  } catch (const SelectorError& e) {
    EXPECT_STREQ(e.what(), "\"Equals\" is not a valid label selector operator");
  }
  EXPECT_THROW(LabelSelector::from_json(json::parse(R"({"matchExpressions":{"key":"a"}})")), SelectorError);
}

TEST(LabelSelector, NonStringLabelValuesCountAsAbsent) {
  EXPECT_FALSE(m("a=1", json{{"a", 1}}));
  EXPECT_TRUE(m("a!=1", json{{"a", 1}}));
  EXPECT_FALSE(m("a", json::array({"a"})));
}
