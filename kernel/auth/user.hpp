#pragma once
// Who a request comes from, as Kubernetes' user.Info: the authenticators produce it, the
// authorizers and the audit log read it.

#include <string>
#include <utility>
#include <vector>

namespace capstan::auth {

// Well-known names (k8s.io/apiserver/pkg/authentication/user).
inline constexpr const char* kMastersGroup = "system:masters";
inline constexpr const char* kAuthenticatedGroup = "system:authenticated";
inline constexpr const char* kUnauthenticatedGroup = "system:unauthenticated";
inline constexpr const char* kAnonymousUser = "system:anonymous";

struct User {
  std::string name, uid;
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::vector<std::string>>> extra;

  bool in_group(const std::string& g) const {
    for (const auto& x : groups)
      if (x == g) return true;
    return false;
  }
};

}  // namespace capstan::auth
