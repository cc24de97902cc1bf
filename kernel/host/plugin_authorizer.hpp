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
  void add(std::string plugin, int order, const capstan_plugin_descriptor* descriptor, void* state);
  // Plugins that stopped are no longer asked.
  void clear();
  bool empty() const;
  auth::Decision authorize(const auth::User& user, const auth::RequestAttributes& attributes) const override;

 private:
  struct Entry {
    std::string plugin;
    int order;
    const capstan_plugin_descriptor* descriptor;
    void* state;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;  // by order, then plugin name
};

}  // namespace capstan::host
