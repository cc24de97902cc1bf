#include "ttl_after_finished.hpp"

#include "capstan/machinery/resources.hpp"
#include "capstan/machinery/time.hpp"

namespace capstan::job {

namespace {
using machinery::kJobs;
}

std::optional<int64_t> ttl_time_left_ms(batch::v1::Job::Reader job, int64_t now_ms) {
  auto ttl = job.getSpec().getTtlSecondsAfterFinished();
  if (!ttl.isValue()) return std::nullopt;
  for (auto c : job.getStatus().getConditions()) {
    if ((c.getType() == "Complete" || c.getType() == "Failed") && c.getStatus() == "True") {
      if (c.getLastTransitionTime().size() == 0) return std::nullopt;
      const int64_t finished_ms = machinery::parse_rfc3339_seconds(c.getLastTransitionTime().cStr()).value_or(0) * 1000;
      return finished_ms + int64_t{ttl.getValue()} * 1000 - now_ms;
    }
  }
  return std::nullopt;
}

TtlAfterFinishedController::TtlAfterFinishedController(const sdk::Host& host, const sdk::Client& client,
                                                       sdk::Informer& jobs, std::function<int64_t()> now_ms)
    : client_(client), jobs_(jobs), now_ms_(std::move(now_ms)) {
  controller_ = std::make_unique<sdk::Controller>("ttl-after-finished", host,
                                                  [this](const std::string& k) { return sync(k); }, 2);
  // Only finished Jobs with a TTL matter; the informer is the Job controller's.
  controller_->watch_owned(jobs_, [](const sdk::ObjectPtr& obj) -> std::optional<std::string> {
    auto job = obj->as<batch::v1::Job>();
    if (!job.getSpec().getTtlSecondsAfterFinished().isValue()) return std::nullopt;
    if (job.getMetadata().getDeletionTimestamp().size() > 0) return std::nullopt;
    return obj->key();
  });
}

sdk::ReconcileResult TtlAfterFinishedController::sync(const std::string& key) {
  auto [ns, name] = sdk::split_key(key);
  auto cached = jobs_.get(ns, name);
  if (!cached) return sdk::ReconcileResult::ok();
  auto left = ttl_time_left_ms(cached->as<batch::v1::Job>(), now_ms_());
  if (!left) return sdk::ReconcileResult::ok();
  if (*left > 0) return sdk::ReconcileResult::after(std::chrono::milliseconds(*left));
  // The cache may be stale (the TTL modified): decide on a fresh read.
  auto fresh = client_.get(kJobs, ns, name);
  if (fresh.status.not_found()) return sdk::ReconcileResult::ok();
  if (!fresh.status.ok()) return sdk::ReconcileResult::fail("getting job " + key + ": " + fresh.status.message);
  left = ttl_time_left_ms(fresh.object->as<batch::v1::Job>(), now_ms_());
  if (!left) return sdk::ReconcileResult::ok();
  if (*left > 0) return sdk::ReconcileResult::after(std::chrono::milliseconds(*left));
  auto s = client_.remove(kJobs, ns, name, "Foreground", fresh.object->uid());
  if (s.ok() || s.not_found()) return sdk::ReconcileResult::ok();
  return sdk::ReconcileResult::fail("deleting job " + key + ": " + s.message);
}

}  // namespace capstan::job
