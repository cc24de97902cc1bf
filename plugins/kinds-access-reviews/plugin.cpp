// capstan.kind.v1/access-reviews: the questions clients ask about access — authorization.k8s.io/v1
// SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview, LocalSubjectAccessReview,
// SelfSubjectRulesReview (`kubectl auth can-i --list`) and authentication.k8s.io/v1
// SelfSubjectReview (`kubectl auth whoami`). Transient kinds: each create is answered in
// admission, from the kernel's authorizers (AccessChecker), and nothing is stored.
#include "access_review.hpp"
#include "capstan/machinery/message.hpp"
#include "capstan/plugin.hpp"
#include "rules_review.hpp"
#include "self_subject_review.hpp"

namespace {

using namespace capstan;
namespace authz = capstan::authorization::v1;
namespace authn = capstan::authentication::v1;

class AccessReviews final : public sdk::Plugin {
 public:
  explicit AccessReviews(const sdk::Host& host) : checker_(host) {}

  sdk::AdmissionResult admit(const sdk::AdmissionRequest& req) override {
    if (req.operation != sdk::AdmissionRequest::Operation::kCreate || !req.object) return sdk::AdmissionResult::allow();
    if (req.kind == "SelfSubjectAccessReview") return self_access(req);
    if (req.kind == "SubjectAccessReview") return subject_access<authz::SubjectAccessReview>(req);
    if (req.kind == "LocalSubjectAccessReview") return subject_access<authz::LocalSubjectAccessReview>(req);
    if (req.kind == "SelfSubjectRulesReview") return self_rules(req);
    if (req.kind == "SelfSubjectReview") return self_subject(req);
    return sdk::AdmissionResult::allow();
  }

 private:
  static sdk::AdmissionResult refuse(sdk::field::Causes causes) {
    return sdk::AdmissionResult::invalid("", std::move(causes));
  }

  sdk::AdmissionResult self_access(const sdk::AdmissionRequest& req) {
    auto review = req.object->as<authz::SelfSubjectAccessReview>();
    if (auto causes = access_reviews::validate(review); !causes.empty()) return refuse(std::move(causes));
    auto decision = checker_.check(access_reviews::attributes_of(review.getSpec(), req.user));
    machinery::Mutable<authz::SelfSubjectAccessReview> m(review);
    access_reviews::write_status(decision, m.root.initStatus());
    return mutated(m.bytes());
  }

  template <typename Review>
  sdk::AdmissionResult subject_access(const sdk::AdmissionRequest& req) {
    auto review = req.object->as<Review>();
    if (auto causes = access_reviews::validate(review); !causes.empty()) return refuse(std::move(causes));
    auto decision = checker_.check(access_reviews::attributes_of(review.getSpec()));
    machinery::Mutable<Review> m(review);
    access_reviews::write_status(decision, m.root.initStatus());
    return mutated(m.bytes());
  }

  sdk::AdmissionResult self_rules(const sdk::AdmissionRequest& req) {
    auto review = req.object->as<authz::SelfSubjectRulesReview>();
    std::string error;
    auto ns = access_reviews::rules_namespace(review, error);
    if (!ns) {
      sdk::AdmissionResult r;
      r.allowed = false;
      r.code = 400;
      r.reason = "BadRequest";
      r.message = error;
      return r;
    }
    auto rules = checker_.rules_for(req.user, *ns);
    machinery::Mutable<authz::SelfSubjectRulesReview> m(review);
    access_reviews::write_status(rules, m.root.initStatus());
    return mutated(m.bytes());
  }

  sdk::AdmissionResult self_subject(const sdk::AdmissionRequest& req) {
    machinery::Mutable<authn::SelfSubjectReview> m(req.object->as<authn::SelfSubjectReview>());
    access_reviews::write_status(req.user, m.root.initStatus());
    return mutated(m.bytes());
  }

  static sdk::AdmissionResult mutated(std::string bytes) {
    sdk::AdmissionResult r;
    r.mutated = std::move(bytes);
    return r;
  }

  sdk::AccessChecker checker_;
};

sdk::KindSpec review_kind(const char* group, const char* kind, const char* plural, const char* singular,
                          bool namespaced, capnp::StructSchema schema) {
  sdk::KindSpec s;
  s.group = group;
  s.version = "v1";
  s.kind = kind;
  s.plural = plural;
  s.singular = singular;
  s.namespaced = namespaced;
  s.schema = schema;
  s.admission = true;
  s.transient = true;
  return s;
}

sdk::PluginInfo make_info() {
  sdk::PluginInfo info;
  info.type = "capstan.kind.v1";
  info.id = "access-reviews";
  info.roles = CAPSTAN_ROLE_SERVER;
  info.dependencies = {"capstan.kind.v1.core"};
  info.manifest.description("authorization.k8s.io/v1 access reviews and authentication.k8s.io/v1 SelfSubjectReview");
  const char* authorization = "authorization.k8s.io";
  info.manifest.kind(review_kind(authorization, "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                                 "selfsubjectaccessreview", false, capnp::Schema::from<authz::SelfSubjectAccessReview>()));
  info.manifest.kind(review_kind(authorization, "SubjectAccessReview", "subjectaccessreviews", "subjectaccessreview",
                                 false, capnp::Schema::from<authz::SubjectAccessReview>()));
  info.manifest.kind(review_kind(authorization, "LocalSubjectAccessReview", "localsubjectaccessreviews",
                                 "localsubjectaccessreview", true, capnp::Schema::from<authz::LocalSubjectAccessReview>()));
  info.manifest.kind(review_kind(authorization, "SelfSubjectRulesReview", "selfsubjectrulesreviews",
                                 "selfsubjectrulesreview", false, capnp::Schema::from<authz::SelfSubjectRulesReview>()));
  info.manifest.kind(review_kind("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview",
                                 false, capnp::Schema::from<authn::SelfSubjectReview>()));
  info.create = [](const sdk::Host& host, const std::string&) { return std::make_unique<AccessReviews>(host); };
  return info;
}

}  // namespace

CAPSTAN_PLUGIN(make_info)
