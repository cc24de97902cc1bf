#include "rules_review.hpp"

namespace capstan::access_reviews {

namespace {

template <typename Init>
void set_texts(const std::vector<std::string>& values, Init init) {
  auto l = init(static_cast<unsigned>(values.size()));
  for (unsigned i = 0; i < values.size(); ++i) l.set(i, values[i]);
}

}  // namespace

std::optional<std::string> rules_namespace(capstan::authorization::v1::SelfSubjectRulesReview::Reader review,
                                           std::string& error) {
  std::string ns = review.getSpec().getNamespace();
  if (ns.empty()) {
    error = "no namespace on request";
    return std::nullopt;
  }
  return ns;
}

void write_status(const sdk::AccessRules& rules, capstan::authorization::v1::SubjectRulesReviewStatus::Builder status) {
  auto rr = status.initResourceRules(static_cast<unsigned>(rules.resource_rules.size()));
  for (unsigned i = 0; i < rules.resource_rules.size(); ++i) {
    const auto& r = rules.resource_rules[i];
    auto b = rr[i];
    set_texts(r.verbs, [&](unsigned n) { return b.initVerbs(n); });
    set_texts(r.api_groups, [&](unsigned n) { return b.initApiGroups(n); });
    set_texts(r.resources, [&](unsigned n) { return b.initResources(n); });
    set_texts(r.resource_names, [&](unsigned n) { return b.initResourceNames(n); });
  }
  auto nr = status.initNonResourceRules(static_cast<unsigned>(rules.non_resource_rules.size()));
  for (unsigned i = 0; i < rules.non_resource_rules.size(); ++i) {
    auto b = nr[i];
    set_texts(rules.non_resource_rules[i].verbs, [&](unsigned n) { return b.initVerbs(n); });
    set_texts(rules.non_resource_rules[i].urls, [&](unsigned n) { return b.initNonResourceURLs(n); });
  }
  status.initIncomplete().setValue(rules.incomplete);
  status.setEvaluationError(rules.evaluation_error);
}

}  // namespace capstan::access_reviews
