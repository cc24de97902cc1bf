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

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Decision authorize(const User& user, const RequestAttributes& attributes) const = 0;
};

class AuthorizerChain final : public Authorizer {
 public:
  void add(std::shared_ptr<const Authorizer> a) { chain_.push_back(std::move(a)); }
  Decision authorize(const User& user, const RequestAttributes& attributes) const override;

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
