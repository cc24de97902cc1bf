#pragma once
// kube-proxy's BoundedFrequencyRunner, reduced to what this plugin needs: run() is called on a
// thread of its own when requested, never more often than every `min_interval` (a burst of
// informer events costs one sync, and one nginx reload at most), and at least every
// `max_interval` (periodic resync: nginx supervision, status repair).
//
// The SDK's machinery layer is getting this runner (capstan/machinery/sync_loop.hpp); once it is
// on main this file should be replaced by it.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace capstan::ingress {

class SyncRunner {
 public:
  SyncRunner(std::function<void()> run, std::chrono::milliseconds min_interval, std::chrono::milliseconds max_interval);
  ~SyncRunner();  // stop()s
  SyncRunner(const SyncRunner&) = delete;
  SyncRunner& operator=(const SyncRunner&) = delete;

  void start();
  void request();  // thread-safe; coalesces
  void stop();     // waits for a running run() to finish
  uint64_t runs() const;

 private:
  void loop();
  const std::function<void()> run_;
  const std::chrono::milliseconds min_, max_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = true, stopping_ = false;
  uint64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace capstan::ingress
