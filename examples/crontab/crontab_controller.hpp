#pragma once
// The CronTab plugin's behaviour, apart from its entry point so that unit tests can drive it on
// the SDK's fake host (crontab_test.cpp): admission of spec.cronSpec, and a controller that
// acknowledges each schedule in the status subresource.

#include <memory>
#include <string>

#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"
#include "capstan/machinery/resources.hpp"
#include "capstan/plugin.hpp"

namespace example::crontab {

// A constant, not a global object: converts to sdk::Resource where the Client and Informer want one.
inline constexpr capstan::machinery::GroupVersionResource kCronTabs{"stable.example.com", "v1", "crontabs"};

class CronTabPlugin final : public capstan::sdk::Plugin {
 public:
  explicit CronTabPlugin(const capstan::sdk::Host& host);
  void start() override;
  void stop() override;
  // spec.cronSpec must be five space-separated fields.
  capstan::sdk::AdmissionResult admit(const capstan::sdk::AdmissionRequest& req) override;

 private:
  // Level-based: whatever happened, make status describe the current spec and generation.
  capstan::sdk::ReconcileResult reconcile(const std::string& key);

  const capstan::sdk::Host& host_;
  capstan::sdk::Client client_;
  capstan::sdk::Informer crontabs_;
  std::unique_ptr<capstan::sdk::Controller> controller_;
};

}  // namespace example::crontab
