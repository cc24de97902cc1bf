#include "rules_review.hpp"

#include "capstan/access_wire.hpp"

namespace capstan::access_reviews {

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
  sdk::detail::write_rule_lists(rules, status);
  status.initIncomplete().setValue(rules.incomplete);
  status.setEvaluationError(rules.evaluation_error);
}

}  // namespace capstan::access_reviews
