#include "capstan/access.hpp"

#include <capnp/message.h>

#include <stdexcept>

#include "capstan/access_wire.hpp"
#include "capstan/machinery/message.hpp"

namespace capstan::sdk {

namespace {

// One `authorize` host call; the answer's AuthorizationResponse is read by `read`.
template <typename Fill, typename Read>
auto ask(const Host& host, Fill fill, Read read) {
  capnp::MallocMessageBuilder m;
  fill(m.initRoot<capstan::host::HostRequest>().initAuthorize());
  machinery::MessageReader reader(host.call(machinery::serialize(m)));
  auto response = reader.root<capstan::host::HostResponse>();
  auto status = response.getStatus();
  if (status.getCode() != 0 && (status.getCode() < 200 || status.getCode() >= 300))
    throw std::runtime_error("cannot ask the authorizers: " + std::string(status.getMessage().cStr()));
  return read(response.getAuthorization());
}

}  // namespace

AuthorizationDecision AccessChecker::check(const AuthorizationAttributes& request) const {
  return ask(host_, [&](capstan::host::AuthorizationRequest::Builder b) { detail::write_attributes(request, b); },
             [](capstan::host::AuthorizationResponse::Reader r) { return detail::read_decision(r); });
}

AccessRules AccessChecker::rules_for(const UserInfo& user, const std::string& ns) const {
  return ask(host_,
             [&](capstan::host::AuthorizationRequest::Builder b) {
               detail::write_user(user, b.initUser());
               b.setNamespace(ns);
               b.setRulesReview(true);
             },
             [](capstan::host::AuthorizationResponse::Reader r) { return detail::read_rules(r); });
}

}  // namespace capstan::sdk
