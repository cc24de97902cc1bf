#pragma once
// Authorization: may this user do what the request asks? A chain, asked in order until one
// allows or denies — as kube-apiserver's union authorizer. The kernel knows no kind and no policy:
// members of system:masters are allowed everything (as upstream's privileged-group authorizer,
// so a cluster with no policy plugin still has an administrator); every other decision comes from
// the authorizer plugins (RBAC, the node authorizer). No opinion from anyone is a denial.

#include <memory>
#include <string>
#include <vector>

#include "auth/request_attributes.hpp"
#include "auth/user.hpp"

namespace capstan::auth {

struct Decision {
  enum class Kind { kNoOpinion, kAllow, kDeny } kind = Kind::kNoOpinion;
  std::string reason;
  std::string evaluation_error;
  bool allowed() const { return kind == Kind::kAllow; }
};

// What a user may do in a namespace, as authorizer.RuleResolver lists it for
// SelfSubjectRulesReview: additive rules, so a partial list (`incomplete`) still holds.
struct ResourceRule {
  std::vector<std::string> verbs, api_groups, resources, resource_names;
};
struct NonResourceRule {
  std::vector<std::string> verbs, urls;
};
struct RuleSet {
  std::vector<ResourceRule> resource_rules;
  std::vector<NonResourceRule> non_resource_rules;
  bool incomplete = false;
  std::string evaluation_error;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Decision authorize(const User& user, const RequestAttributes& attributes) const = 0;
  // The rules `user` has in namespace `ns` (cluster-wide ones included). An authorizer that has
  // none to list (system:masters' privilege is listed by the policy that binds the group) answers
  // an empty set.
  virtual RuleSet rules_for(const User& user, const std::string& ns) const {
    (void)user;
    (void)ns;
    return {};
  }
};

class AuthorizerChain final : public Authorizer {
 public:
  void add(std::shared_ptr<const Authorizer> a) { chain_.push_back(std::move(a)); }
  Decision authorize(const User& user, const RequestAttributes& attributes) const override;
  // The union of every authorizer's rules, as upstream's union rule resolver.
  RuleSet rules_for(const User& user, const std::string& ns) const override;

 private:
  std::vector<std::shared_ptr<const Authorizer>> chain_;
};

// kube-apiserver's text: `User "<u>" cannot <verb> resource "<res>[/<sub>]" in API group "<g>"
// in the namespace "<ns>"` (or `at the cluster scope`; non-resource: `User "<u>" cannot <verb>
// path "<path>"`), then `: <reason>` when the authorizers gave one.
std::string forbidden_reason_text(const User& user, const RequestAttributes& a, const std::string& reason);
// The whole Status message as apierrors.NewForbidden wraps it: `<resource>[.<group>]
// ["<name>"] is forbidden: ...` or, for non-resource paths, `forbidden: ...`.
std::string forbidden_message(const User& user, const RequestAttributes& a, const std::string& reason);

}  // namespace capstan::auth
