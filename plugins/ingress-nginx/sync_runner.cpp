#include "sync_runner.hpp"

namespace capstan::ingress {

SyncRunner::SyncRunner(std::function<void()> run, std::chrono::milliseconds min_interval,
                       std::chrono::milliseconds max_interval)
    : run_(std::move(run)), min_(min_interval), max_(max_interval) {}

SyncRunner::~SyncRunner() { stop(); }

void SyncRunner::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void SyncRunner::request() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

void SyncRunner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

uint64_t SyncRunner::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

void SyncRunner::loop() {
  using Clock = std::chrono::steady_clock;
  auto last = Clock::now() - min_;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // Wait for a request (or the periodic run), then for the minimum interval since the last run.
    cv_.wait_until(lock, last + max_, [this] { return stopping_ || pending_; });
    if (stopping_) break;
    cv_.wait_until(lock, last + min_, [this] { return stopping_; });
    if (stopping_) break;
    pending_ = false;
    lock.unlock();
    try {
      run_();
    } catch (...) {
      // The run function reports its own errors; the loop must survive them.
    }
    last = Clock::now();
    lock.lock();
    ++runs_;
  }
}

}  // namespace capstan::ingress
