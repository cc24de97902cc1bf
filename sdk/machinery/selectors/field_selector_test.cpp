#include <gtest/gtest.h>

#include <map>
#include <set>

#include "capstan/machinery/selectors/field_selector.hpp"

using namespace capstan::selectors;

namespace {
// A "pod" supporting metadata.name, metadata.namespace, spec.nodeName, status.phase.
auto pod(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view field) -> std::optional<std::string> {
    static const std::set<std::string, std::less<>> supported{"metadata.name", "metadata.namespace", "spec.nodeName",
                                                              "status.phase"};
    if (!supported.count(field)) return std::nullopt;
    auto it = values.find(std::string(field));
    return it == values.end() ? std::string() : it->second;
  };
}
}  // namespace

TEST(FieldSelector, EmptyMatchesEverything) {
  auto s = FieldSelector::parse("");
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.matches(pod({})));
  EXPECT_EQ(s.to_string(), "");
}

TEST(FieldSelector, ParsesOperators) {
  auto s = FieldSelector::parse("metadata.name=web,status.phase!=Failed,spec.nodeName==n1");
  ASSERT_EQ(s.requirements().size(), 3u);
  EXPECT_EQ(s.requirements()[0].field, "metadata.name");
  EXPECT_TRUE(s.requirements()[0].equal);
  EXPECT_EQ(s.requirements()[0].value, "web");
  EXPECT_EQ(s.requirements()[1].field, "status.phase");
  EXPECT_FALSE(s.requirements()[1].equal);
  EXPECT_EQ(s.requirements()[1].value, "Failed");
  EXPECT_EQ(s.requirements()[2].field, "spec.nodeName");
  EXPECT_TRUE(s.requirements()[2].equal);
  EXPECT_EQ(s.requirements()[2].value, "n1");
  EXPECT_EQ(s.to_string(), "metadata.name=web,status.phase!=Failed,spec.nodeName=n1");
}

TEST(FieldSelector, MatchesAnded) {
  auto s = FieldSelector::parse("metadata.name=web,status.phase!=Failed");
  EXPECT_TRUE(s.matches(pod({{"metadata.name", "web"}, {"status.phase", "Running"}})));
  EXPECT_FALSE(s.matches(pod({{"metadata.name", "web"}, {"status.phase", "Failed"}})));
  EXPECT_FALSE(s.matches(pod({{"metadata.name", "db"}, {"status.phase", "Running"}})));
}

TEST(FieldSelector, AbsentValueComparesAsEmpty) {
  // Unscheduled pod: spec.nodeName absent -> "".
  EXPECT_TRUE(FieldSelector::parse("spec.nodeName!=n1").matches(pod({})));
  EXPECT_FALSE(FieldSelector::parse("spec.nodeName=n1").matches(pod({})));
  EXPECT_TRUE(FieldSelector::parse("spec.nodeName=").matches(pod({})));
  EXPECT_FALSE(FieldSelector::parse("spec.nodeName!=").matches(pod({})));
  EXPECT_TRUE(FieldSelector::parse("spec.nodeName!=").matches(pod({{"spec.nodeName", "n1"}})));
}

TEST(FieldSelector, Escapes) {
  auto s = FieldSelector::parse(R"(metadata.name=a\,b\=c\\d,status.phase=x)");
  ASSERT_EQ(s.requirements().size(), 2u);
  EXPECT_EQ(s.requirements()[0].value, R"(a,b=c\d)");
  EXPECT_EQ(s.requirements()[1].value, "x");
  EXPECT_TRUE(s.matches(pod({{"metadata.name", R"(a,b=c\d)"}, {"status.phase", "x"}})));
  EXPECT_EQ(s.to_string(), R"(metadata.name=a\,b\=c\\d,status.phase=x)");
  EXPECT_EQ(escape_field_value(R"(a,b=c\d)"), R"(a\,b\=c\\d)");
  EXPECT_EQ(unescape_field_value(R"(a\,b\=c\\d)"), R"(a,b=c\d)");
}

TEST(FieldSelector, InvalidEscapesAndUnescapedCharacters) {
  EXPECT_THROW(FieldSelector::parse(R"(a=b\n)"), SelectorError);   // unknown escape
  EXPECT_THROW(FieldSelector::parse(R"(a=b\)"), SelectorError);    // trailing backslash
  EXPECT_THROW(FieldSelector::parse("a=b=c"), SelectorError);      // unescaped '=' in value
  try {
    FieldSelector::parse("a=b=c");
    FAIL();
  } catch (const SelectorError& e) {
    EXPECT_STREQ(e.what(), "invalid field selector: unescaped character in value: =");
  }
}

TEST(FieldSelector, TermWithoutOperatorIsAnError) {
  try {
    FieldSelector::parse("metadata.name");
    FAIL();
  } catch (const SelectorError& e) {
    EXPECT_STREQ(e.what(), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  }
}

TEST(FieldSelector, EmptyTermsAreSkippedAndWhitespaceIsKept) {
  auto s = FieldSelector::parse("a=b,,c!=d,");
  ASSERT_EQ(s.requirements().size(), 2u);
  auto w = FieldSelector::parse("a = b");
  ASSERT_EQ(w.requirements().size(), 1u);
  EXPECT_EQ(w.requirements()[0].field, "a ");
  EXPECT_EQ(w.requirements()[0].value, " b");
}

TEST(FieldSelector, FirstOperatorSplits) {
  auto s = FieldSelector::parse("a!=b");
  EXPECT_EQ(s.requirements()[0].field, "a");
  EXPECT_FALSE(s.requirements()[0].equal);
  auto t = FieldSelector::parse("a==b");
  EXPECT_EQ(t.requirements()[0].field, "a");
  EXPECT_EQ(t.requirements()[0].value, "b");
}

TEST(FieldSelector, UnsupportedFieldThrows) {
  auto s = FieldSelector::parse("spec.bogus=1");
  try {
    s.matches(pod({}));
    FAIL();
  } catch (const SelectorError& e) {
    EXPECT_STREQ(e.what(), "field label not supported: spec.bogus");
  }
  // Even when an earlier requirement already failed to match.
  EXPECT_THROW(FieldSelector::parse("metadata.name=x,spec.bogus=1").matches(pod({})), SelectorError);
}
