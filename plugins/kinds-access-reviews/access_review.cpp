#include "access_review.hpp"

namespace capstan::access_reviews {

namespace {

using sdk::field::Causes;

// Go's %#v of the attribute structs, as field.Invalid renders a struct value.
std::string go_struct(v1::NonResourceAttributes::Reader a) {
  return "authorization.NonResourceAttributes{Path:" + sdk::field::go_quote(a.getPath().cStr()) +
         ", Verb:" + sdk::field::go_quote(a.getVerb().cStr()) + "}";
}

// The checks both spec kinds share; `non_resource_value` is field.Invalid's value for
// spec.NonResourceAttributes (a pointer: "null" when unset).
template <typename Spec>
void validate_attributes(Causes& causes, Spec spec) {
  const bool resource = spec.hasResourceAttributes();
  const bool non_resource = spec.hasNonResourceAttributes();
  const std::string value = non_resource ? go_struct(spec.getNonResourceAttributes()) : "\"null\"";
  if (resource && non_resource)
    sdk::field::invalid(causes, "spec.nonResourceAttributes", value, "cannot be specified in combination with resourceAttributes");
  if (!resource && !non_resource)
    sdk::field::invalid(causes, "spec.resourceAttributes", value,
                        "exactly one of nonResourceAttributes or resourceAttributes must be specified");
}

void validate_subject(Causes& causes, v1::SubjectAccessReviewSpec::Reader spec) {
  validate_attributes(causes, spec);
  if (spec.getUser().size() == 0 && spec.getGroups().size() == 0)
    sdk::field::invalid(causes, "spec.user", sdk::field::go_quote(spec.getUser().cStr()),
                        "at least one of user or group must be specified");
}

// Whether the metadata holds anything a client set (a review carries none; the namespace of a
// LocalSubjectAccessReview is its own check). Shown without its value: Go prints the whole
// ObjectMeta struct there.
bool metadata_set(meta::ObjectMeta::Reader m) {
  return m.getName().size() || m.getGenerateName().size() || m.getLabels().size() || m.getAnnotations().size() ||
         m.getFinalizers().size() || m.getOwnerReferences().size() || m.getUid().size() ||
         m.getResourceVersion().size();
}

template <typename Spec>
sdk::AuthorizationAttributes attributes(Spec spec, sdk::UserInfo user) {
  sdk::AuthorizationAttributes a;
  a.user = std::move(user);
  if (spec.hasResourceAttributes()) {
    auto r = spec.getResourceAttributes();
    a.resource_request = true;
    a.verb = r.getVerb();
    a.ns = r.getNamespace();
    a.group = r.getGroup();
    a.version = r.getVersion();
    a.resource = r.getResource();
    a.subresource = r.getSubresource();
    a.name = r.getName();
  } else {
    auto n = spec.getNonResourceAttributes();
    a.resource_request = false;
    a.verb = n.getVerb();
    a.path = n.getPath();
  }
  return a;
}

}  // namespace

Causes validate(v1::SelfSubjectAccessReview::Reader review) {
  Causes causes;
  validate_attributes(causes, review.getSpec());
  if (metadata_set(review.getMetadata())) sdk::field::invalid(causes, "metadata", "", "must be empty");
  return causes;
}

Causes validate(v1::SubjectAccessReview::Reader review) {
  Causes causes;
  validate_subject(causes, review.getSpec());
  if (metadata_set(review.getMetadata())) sdk::field::invalid(causes, "metadata", "", "must be empty");
  return causes;
}

Causes validate(v1::LocalSubjectAccessReview::Reader review) {
  Causes causes;
  auto spec = review.getSpec();
  validate_subject(causes, spec);
  if (metadata_set(review.getMetadata()))
    sdk::field::invalid(causes, "metadata", "", "must be empty except for namespace");
  const std::string ns = review.getMetadata().getNamespace();
  if (spec.hasResourceAttributes() && spec.getResourceAttributes().getNamespace() != ns)
    sdk::field::invalid(causes, "spec.resourceAttributes.namespace",
                        sdk::field::go_quote(spec.getResourceAttributes().getNamespace().cStr()),
                        "must match metadata.namespace");
  if (spec.hasNonResourceAttributes())
    sdk::field::invalid(causes, "spec.nonResourceAttributes", go_struct(spec.getNonResourceAttributes()),
                        "disallowed on this kind of request");
  return causes;
}

sdk::AuthorizationAttributes attributes_of(v1::SelfSubjectAccessReviewSpec::Reader spec, const sdk::UserInfo& user) {
  return attributes(spec, user);
}

sdk::AuthorizationAttributes attributes_of(v1::SubjectAccessReviewSpec::Reader spec) {
  sdk::UserInfo user;
  user.name = spec.getUser();
  user.uid = spec.getUid();
  for (auto g : spec.getGroups()) user.groups.emplace_back(g);
  for (auto e : spec.getExtra()) {
    std::vector<std::string> values;
    for (auto v : e.getValue()) values.emplace_back(v);
    user.extra.emplace_back(e.getKey(), std::move(values));
  }
  return attributes(spec, std::move(user));
}

void write_status(const sdk::AuthorizationDecision& decision, v1::SubjectAccessReviewStatus::Builder status) {
  status.initAllowed().setValue(decision.decision == sdk::AuthorizationDecision::Kind::kAllow);
  status.setDenied(decision.decision == sdk::AuthorizationDecision::Kind::kDeny);
  status.setReason(decision.reason);
  status.setEvaluationError(decision.evaluation_error);
}

}  // namespace capstan::access_reviews
