#include "capstan/machinery/sync_loop.hpp"

namespace capstan::machinery {

namespace {
using Clock = std::chrono::steady_clock;

// a + d without overflowing when d is "forever".
Clock::time_point after(Clock::time_point a, std::chrono::milliseconds d) {
  if (d >= std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - a)) return Clock::time_point::max();
  return a + d;
}
}  // namespace

SyncLoop::SyncLoop(std::function<void()> run, Options options) : run_(std::move(run)), options_(std::move(options)) {}

SyncLoop::~SyncLoop() { stop(); }

void SyncLoop::start() {
  stop();
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
    dirty_ = true;  // the first run
  }
  thread_ = std::thread([this] { loop(); });
}

void SyncLoop::request() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

void SyncLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SyncLoop::pending() const {
  std::lock_guard lock(mu_);
  return dirty_;
}

uint64_t SyncLoop::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

void SyncLoop::loop() {
  if (options_.ready) {
    const auto give_up = after(Clock::now(), options_.ready_timeout);
    constexpr std::chrono::milliseconds kSlice{100};
    while (Clock::now() < give_up) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (options_.ready(kSlice)) break;
    }
  }
  std::unique_lock lock(mu_);
  Clock::time_point last_start{};  // long ago: the first run is not held back
  while (!stopping_) {
    const auto now = Clock::now();
    const auto allowed = last_start == Clock::time_point{} ? now : after(last_start, options_.min_interval);
    const auto forced = last_start == Clock::time_point{} ? now : after(last_start, options_.max_interval);
    if ((dirty_ && now >= allowed) || now >= forced) {
      dirty_ = false;
      ++runs_;
      last_start = now;
      lock.unlock();
      try {
        run_();
      } catch (const std::exception& e) {
        if (options_.on_error) options_.on_error(e);
      }
      lock.lock();
      continue;
    }
    const auto until = dirty_ ? allowed : forced;
    if (until == Clock::time_point::max()) cv_.wait(lock);
    else cv_.wait_until(lock, until);
  }
}

}  // namespace capstan::machinery
