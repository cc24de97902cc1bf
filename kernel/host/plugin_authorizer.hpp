#pragma once
// The authorizers plugins provide (ABI 1.4, the manifest's `authorizer`): each request the
// kernel does not decide itself is offered to each in turn, through its on_authorize, as a
// capstan.host.AuthorizationRequest.

#include <mutex>
#include <string>
#include <vector>

#include "auth/authorizer.hpp"
#include "capstan/abi.h"

namespace capstan::host {

class PluginAuthorizers final : public auth::Authorizer {
 public:
  void add(std::string plugin, int order, const capstan_plugin_descriptor* descriptor, void* state,
           uint32_t abi_minor = CAPSTAN_ABI_MINOR);
  // Plugins that stopped are no longer asked.
  void clear();
  bool empty() const;
  auth::Decision authorize(const auth::User& user, const auth::RequestAttributes& attributes) const override;
  // Plugins of ABI 1.5 and later are asked for their rules; earlier ones cannot list them, so
  // their presence makes the listing incomplete.
  auth::RuleSet rules_for(const auth::User& user, const std::string& ns) const override;

 private:
  struct Entry {
    std::string plugin;
    int order;
    const capstan_plugin_descriptor* descriptor;
    void* state;
    uint32_t abi_minor;
  };
  std::vector<Entry> snapshot() const;
  // Calls one authorizer; false (with `error`) when it failed.
  static bool ask(const Entry& e, const std::string& request, std::string& response, std::string& error);
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;  // by order, then plugin name
};

}  // namespace capstan::host
