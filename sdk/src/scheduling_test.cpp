// The node placement rules against the cases of component-helpers' nodeaffinity and the core/v1
// toleration helpers: every operator, invalid terms, ORed terms, nodeSelector, and tolerations.
#include "capstan/scheduling.hpp"

#include <gtest/gtest.h>

#include <capnp/message.h>

namespace capstan::sdk::scheduling {
namespace {

using Op = Requirement::Op;

NodeSelectorTerm term(std::vector<Requirement> exprs, std::vector<Requirement> fields = {}) {
  return {std::move(exprs), std::move(fields)};
}

TEST(Scheduling, TermOperators) {
  Labels l{{"zone", "z1"}, {"cores", "16"}};
  EXPECT_TRUE(term_matches(term({{"zone", Op::kIn, {"z0", "z1"}}}), l, "n"));
  EXPECT_FALSE(term_matches(term({{"zone", Op::kIn, {"z2"}}}), l, "n"));
  EXPECT_TRUE(term_matches(term({{"gone", Op::kNotIn, {"z2"}}}), l, "n"));
  EXPECT_FALSE(term_matches(term({{"zone", Op::kNotIn, {"z1"}}}), l, "n"));
  EXPECT_TRUE(term_matches(term({{"zone", Op::kExists, {}}}), l, "n"));
  EXPECT_TRUE(term_matches(term({{"gpu", Op::kDoesNotExist, {}}}), l, "n"));
  EXPECT_TRUE(term_matches(term({{"cores", Op::kGt, {"8"}}}), l, "n"));
  EXPECT_FALSE(term_matches(term({{"cores", Op::kLt, {"16"}}}), l, "n"));
  EXPECT_FALSE(term_matches(term({{"zone", Op::kGt, {"1"}}}), l, "n"));  // the label is no integer
}

TEST(Scheduling, InvalidTermsMatchNothing) {
  Labels l{{"zone", "z1"}};
  EXPECT_FALSE(term_matches(NodeSelectorTerm{}, l, "n"));
  EXPECT_FALSE(term_matches(term({{"zone", Op::kIn, {}}}), l, "n"));           // In without values
  EXPECT_FALSE(term_matches(term({{"gpu", Op::kDoesNotExist, {"x"}}}), l, "n")); // values with DoesNotExist
  EXPECT_FALSE(term_matches(term({{"zone", Op::kGt, {"a"}}}), l, "n"));        // Gt needs one integer
  EXPECT_FALSE(term_matches(term({{"zone", Op::kInvalid, {"z1"}}}), l, "n"));
  EXPECT_FALSE(term_matches(term({}, {{"metadata.uid", Op::kIn, {"n"}}}), l, "n"));
  EXPECT_FALSE(term_matches(term({}, {{"metadata.name", Op::kExists, {}}}), l, "n"));
}

TEST(Scheduling, MatchFieldsOnTheNodeName) {
  Labels l;
  EXPECT_TRUE(term_matches(term({}, {{"metadata.name", Op::kIn, {"node-1"}}}), l, "node-1"));
  EXPECT_FALSE(term_matches(term({}, {{"metadata.name", Op::kIn, {"node-1"}}}), l, "node-2"));
  EXPECT_TRUE(term_matches(term({}, {{"metadata.name", Op::kNotIn, {"node-1"}}}), l, "node-2"));
}

TEST(Scheduling, RequiredAffinityFromAPodSpec) {
  capnp::MallocMessageBuilder m;
  auto spec = m.initRoot<core::v1::PodSpec>();
  auto sel = spec.initNodeSelector(1);
  sel[0].setKey("disk");
  sel[0].setValue("ssd");
  auto req = spec.initAffinity().initNodeAffinity().initRequiredDuringSchedulingIgnoredDuringExecution();
  auto terms = req.initNodeSelectorTerms(2);
  auto e0 = terms[0].initMatchExpressions(1);
  e0[0].setKey("zone");
  e0[0].setOperator("In");
  e0[0].initValues(1).set(0, "z9");
  auto f1 = terms[1].initMatchFields(1);
  f1[0].setKey("metadata.name");
  f1[0].setOperator("In");
  f1[0].initValues(1).set(0, "node-2");
  auto a = required_node_affinity(spec.asReader());
  EXPECT_TRUE(a.matches({{"disk", "ssd"}}, "node-2"));                  // second term
  EXPECT_TRUE(a.matches({{"disk", "ssd"}, {"zone", "z9"}}, "node-1"));  // first term
  EXPECT_FALSE(a.matches({{"disk", "ssd"}}, "node-1"));
  EXPECT_FALSE(a.matches({{"zone", "z9"}}, "node-2"));  // nodeSelector must hold too

  req.initNodeSelectorTerms(0);  // required, but no terms: nothing matches
  EXPECT_FALSE(required_node_affinity(spec.asReader()).matches({{"disk", "ssd"}}, "node-2"));
  spec.disownAffinity();
  EXPECT_TRUE(required_node_affinity(spec.asReader()).matches({{"disk", "ssd"}}, "x"));
}

TEST(Scheduling, Tolerations) {
  Taint t{"dedicated", "gpu", "NoSchedule"};
  EXPECT_TRUE(tolerates({"dedicated", "Equal", "gpu", "NoSchedule"}, t));
  EXPECT_TRUE(tolerates({"dedicated", "", "gpu", ""}, t));  // no operator = Equal; no effect = all
  EXPECT_FALSE(tolerates({"dedicated", "Equal", "cpu", "NoSchedule"}, t));
  EXPECT_FALSE(tolerates({"dedicated", "Exists", "", "NoExecute"}, t));
  EXPECT_TRUE(tolerates({"", "Exists", "", ""}, t));  // tolerates everything
  EXPECT_FALSE(tolerates({"dedicated", "Bogus", "gpu", ""}, t));

  std::vector<Taint> taints{{"a", "", "PreferNoSchedule"}, {"b", "", "NoSchedule"}, {"c", "", "NoExecute"}};
  std::vector<Toleration> tols{{"b", "Exists", "", "", std::nullopt}};
  auto hard = [](const Taint& x) { return x.effect == "NoSchedule" || x.effect == "NoExecute"; };
  auto u = find_untolerated_taint(taints, tols, hard);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->key, "c");
  tols.push_back({"c", "Exists", "", "NoExecute", 300});
  EXPECT_FALSE(find_untolerated_taint(taints, tols, hard));
  EXPECT_EQ(find_untolerated_taint(taints, tols, nullptr)->key, "a");
}

}  // namespace
}  // namespace capstan::sdk::scheduling
