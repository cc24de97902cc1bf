#pragma once
// One function kept in step with a changing world, run on its own thread — kube-proxy's
// BoundedFrequencyRunner: run at most once per min_interval, at least once per max_interval, and
// whenever asked in between. Requests coalesce: any number of request() calls while a run is
// pending or in progress make one more run, never a queue. For a "sync everything" function fed by
// informer events (the service proxy's nftables, the cluster DNS's hosts files).
//
//   SyncLoop loop([this] { sync(); }, {.min_interval = 20ms, .max_interval = 30s});
//   informer.add_handler([&](auto&, auto) { loop.request(); });
//   loop.start();  ...  loop.stop();

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace capstan::machinery {

class SyncLoop {
 public:
  struct Options {
    std::chrono::milliseconds min_interval{0};
    std::chrono::milliseconds max_interval = std::chrono::milliseconds::max();  // max: only on request
    // Asked before the first run, repeatedly, with a slice of time to wait in (e.g. for informer
    // caches to fill: a first run from half-filled caches would write half a world), until it says
    // yes or `ready_timeout` has passed; then the first run happens either way. stop() interrupts.
    std::function<bool(std::chrono::milliseconds slice)> ready;
    std::chrono::milliseconds ready_timeout = std::chrono::seconds(30);
    // Told about what `run` throws; the loop carries on (the next run is at most max_interval away).
    std::function<void(const std::exception&)> on_error;
  };

  SyncLoop(std::function<void()> run, Options options);
  ~SyncLoop();  // stop()
  SyncLoop(const SyncLoop&) = delete;
  SyncLoop& operator=(const SyncLoop&) = delete;

  // Starts the thread; the first run follows at once (after `ready`). Again after stop() is fine.
  void start();
  // Asks for a run: at once if the last one started at least min_interval ago, else when it has.
  void request();
  // Waits for a run in progress to finish and ends the thread; pending requests are dropped.
  void stop();

  bool pending() const;  // a request not yet served (the dirty flag)
  uint64_t runs() const; // runs started so far

 private:
  void loop();

  const std::function<void()> run_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false, stopping_ = false;
  uint64_t runs_ = 0;
  std::thread thread_;
};

}  // namespace capstan::machinery
