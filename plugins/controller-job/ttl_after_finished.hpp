#pragma once
// The TTL-after-finished controller (pkg/controller/ttlafterfinished): a Job with
// spec.ttlSecondsAfterFinished is deleted that many seconds after its Complete or Failed
// condition's lastTransitionTime, with Foreground propagation (its pods go first) and a UID
// precondition, after re-reading the Job uncached so a TTL extended meanwhile is honoured.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "capstan/batch_v1.capnp.h"
#include "capstan/client.hpp"
#include "capstan/controller.hpp"
#include "capstan/informer.hpp"

namespace capstan::job {

// Milliseconds until the Job expires (<= 0: now), or nothing when it has no TTL or is not finished.
std::optional<int64_t> ttl_time_left_ms(batch::v1::Job::Reader job, int64_t now_ms);

class TtlAfterFinishedController {
 public:
  // `jobs` must be registered before start(); the controller only adds a handler to it.
  TtlAfterFinishedController(const sdk::Host& host, const sdk::Client& client, sdk::Informer& jobs,
                             std::function<int64_t()> now_ms);
  void start() { controller_->start(); }
  void stop() { controller_->stop(); }

 private:
  sdk::ReconcileResult sync(const std::string& key);

  const sdk::Client& client_;
  sdk::Informer& jobs_;
  std::function<int64_t()> now_ms_;
  std::unique_ptr<sdk::Controller> controller_;
};

}  // namespace capstan::job
