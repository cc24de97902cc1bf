#include "auth/impersonation.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "api/api_error.hpp"

namespace capstan::auth {

namespace {

constexpr std::string_view kUserHeader = "impersonate-user";
constexpr std::string_view kUidHeader = "impersonate-uid";
constexpr std::string_view kGroupHeader = "impersonate-group";
constexpr std::string_view kExtraPrefix = "impersonate-extra-";
constexpr const char* kAuthenticationGroup = "authentication.k8s.io";
constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// url.PathUnescape; a key that does not unescape is kept as written, as upstream does.
std::string path_unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      return s;
    out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  return out;
}

// One thing the requester asks to become, with the authorization it needs.
struct Part {
  enum class Kind { kUser, kServiceAccount, kGroup, kUid, kExtra } kind;
  std::string ns, name, extra_key;
};

std::string describe(const std::vector<Part>& parts) {
  std::string out = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& p = parts[i];
    const char* kind = p.kind == Part::Kind::kGroup ? "Group" : p.kind == Part::Kind::kUid ? "UID" : "UserExtra";
    out += (i ? " " : "") + std::string("{") + kind + " " + p.name + (p.extra_key.empty() ? "" : " " + p.extra_key) + "}";
  }
  return out + "]";
}

RequestAttributes attributes_of(const Part& p) {
  RequestAttributes a;
  a.verb = "impersonate";
  a.resource_request = true;
  a.name = p.name;
  switch (p.kind) {
    case Part::Kind::kUser: a.resource = "users"; break;
    case Part::Kind::kServiceAccount:
      a.resource = "serviceaccounts";
      a.ns = p.ns;
      break;
    case Part::Kind::kGroup: a.resource = "groups"; break;
    case Part::Kind::kUid:
      a.group = kAuthenticationGroup;
      a.resource = "uids";
      break;
    case Part::Kind::kExtra:
      a.group = kAuthenticationGroup;
      a.resource = "userextras";
      a.subresource = p.extra_key;
      break;
  }
  return a;
}

}  // namespace

std::optional<User> impersonate(const http::Request& req, const User& requester, const Authorizer& authorizer) {
  std::vector<Part> parts;
  bool has_user = false, groups_named = false, has_other = false;
  std::string uid;
  if (const std::string* u = req.header(kUserHeader); u && !u->empty()) {
    has_user = true;
    // system:serviceaccount:<namespace>:<name> is a ServiceAccount (serviceaccount.SplitUsername).
    if (starts_with(*u, kServiceAccountPrefix)) {
      std::string rest = u->substr(kServiceAccountPrefix.size());
      auto colon = rest.find(':');
      if (colon != std::string::npos && colon > 0 && colon + 1 < rest.size() && rest.find(':', colon + 1) == std::string::npos)
        parts.push_back({Part::Kind::kServiceAccount, rest.substr(0, colon), rest.substr(colon + 1), ""});
      else
        parts.push_back({Part::Kind::kUser, "", *u, ""});
    } else {
      parts.push_back({Part::Kind::kUser, "", *u, ""});
    }
  }
  std::vector<Part> without_user;
  for (const auto& [name, value] : req.headers) {
    if (name == kGroupHeader) {
      groups_named = true;
      without_user.push_back({Part::Kind::kGroup, "", value, ""});
    } else if (starts_with(name, kExtraPrefix)) {
      without_user.push_back({Part::Kind::kExtra, "", value, path_unescape(name.substr(kExtraPrefix.size()))});
    }
  }
  if (const std::string* u = req.header(kUidHeader); u && !u->empty()) {
    uid = *u;
    without_user.push_back({Part::Kind::kUid, "", uid, ""});
  }
  has_other = !without_user.empty();
  if (!has_user && !has_other) return std::nullopt;
  if (!has_user)
    throw api::ApiError(500, "InternalError",
                        "Internal error occurred: requested " + describe(without_user) + " without impersonating a user");
  parts.insert(parts.end(), without_user.begin(), without_user.end());

  User as;
  as.uid = uid;
  for (const auto& p : parts) {
    RequestAttributes a = attributes_of(p);
    Decision d = authorizer.authorize(requester, a);
    if (!d.allowed()) {
      api::ApiError e(403, "Forbidden", forbidden_message(requester, a, d.reason));
      e.with_details(a.name, a.group, a.resource);
      throw e;
    }
    switch (p.kind) {
      case Part::Kind::kUser: as.name = p.name; break;
      case Part::Kind::kServiceAccount:
        as.name = std::string(kServiceAccountPrefix) + p.ns + ":" + p.name;
        if (!groups_named) as.groups = {"system:serviceaccounts", "system:serviceaccounts:" + p.ns};
        break;
      case Part::Kind::kGroup: as.groups.push_back(p.name); break;
      case Part::Kind::kUid: break;
      case Part::Kind::kExtra: {
        auto it = std::find_if(as.extra.begin(), as.extra.end(), [&](const auto& e) { return e.first == p.extra_key; });
        if (it == as.extra.end()) as.extra.push_back({p.extra_key, {p.name}});
        else it->second.push_back(p.name);
        break;
      }
    }
  }
  if (!groups_named && as.name != kAnonymousUser && !as.in_group(kAuthenticatedGroup) &&
      !as.in_group(kUnauthenticatedGroup))
    as.groups.push_back(kAuthenticatedGroup);
  return as;
}

void remove_impersonation_headers(http::Request& req) {
  req.headers.erase(std::remove_if(req.headers.begin(), req.headers.end(),
                                   [](const auto& h) {
                                     return h.first == kUserHeader || h.first == kUidHeader || h.first == kGroupHeader ||
                                            starts_with(h.first, kExtraPrefix);
                                   }),
                    req.headers.end());
}

}  // namespace capstan::auth
