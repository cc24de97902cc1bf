#include "capstan/machinery/sync_loop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace capstan::machinery {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Waits (up to 5 s) for a condition another thread makes true.
template <typename F>
bool eventually(F f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(SyncLoop, RunsAtStartAndOnRequest) {
  std::atomic<int> runs{0};
  SyncLoop loop([&] { ++runs; }, {});
  loop.start();
  ASSERT_TRUE(eventually([&] { return runs == 1; }));
  loop.request();
  ASSERT_TRUE(eventually([&] { return runs == 2; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(runs, 2);  // no max_interval: nothing runs unasked
  EXPECT_FALSE(loop.pending());
  loop.stop();
  loop.request();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(runs, 2);  // stopped
}

TEST(SyncLoop, CoalescesRequestsAndKeepsTheMinimumInterval) {
  std::mutex mu;
  std::vector<Clock::time_point> starts;
  SyncLoop loop(
      [&] {
        std::lock_guard lock(mu);
        starts.push_back(Clock::now());
      },
      {.min_interval = 200ms});
  loop.start();
  ASSERT_TRUE(eventually([&] { return loop.runs() == 1; }));
  for (int i = 0; i < 50; ++i) loop.request();  // a burst of events
  EXPECT_TRUE(loop.pending());
  ASSERT_TRUE(eventually([&] { return loop.runs() == 2; }));
  std::this_thread::sleep_for(300ms);
  loop.stop();
  std::lock_guard lock(mu);
  ASSERT_EQ(starts.size(), 2u);  // fifty requests, one run
  EXPECT_GE(starts[1] - starts[0], 200ms);
}

TEST(SyncLoop, RunsAtLeastEveryMaxInterval) {
  std::atomic<int> runs{0};
  SyncLoop loop([&] { ++runs; }, {.max_interval = 40ms});
  loop.start();
  std::this_thread::sleep_for(400ms);
  loop.stop();
  EXPECT_GE(runs, 4);
  EXPECT_LE(runs, 12);
}

TEST(SyncLoop, WaitsUntilReadyAndStopInterruptsTheWait) {
  std::atomic<bool> synced{false};
  std::atomic<int> runs{0}, asked{0};
  SyncLoop::Options o;
  o.ready = [&](std::chrono::milliseconds slice) {
    ++asked;
    std::this_thread::sleep_for(std::min(slice, 10ms));
    return synced.load();
  };
  SyncLoop loop([&] { ++runs; }, o);
  loop.start();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(runs, 0);
  EXPECT_GT(asked, 1);
  synced = true;
  ASSERT_TRUE(eventually([&] { return runs == 1; }));
  loop.stop();

  // Never ready: stop() does not wait out the 30 s.
  synced = false;
  runs = 0;
  SyncLoop waiting([&] { ++runs; }, o);
  waiting.start();
  std::this_thread::sleep_for(50ms);
  const auto t0 = Clock::now();
  waiting.stop();
  EXPECT_LT(Clock::now() - t0, 1s);
  EXPECT_EQ(runs, 0);

  // ... and after ready_timeout it runs anyway.
  o.ready_timeout = 100ms;
  SyncLoop impatient([&] { ++runs; }, o);
  impatient.start();
  ASSERT_TRUE(eventually([&] { return runs == 1; }));
}

TEST(SyncLoop, ReportsFailuresAndCarriesOn) {
  std::atomic<int> runs{0};
  std::vector<std::string> errors;
  std::mutex mu;
  SyncLoop::Options o;
  o.on_error = [&](const std::exception& e) {
    std::lock_guard lock(mu);
    errors.emplace_back(e.what());
  };
  SyncLoop loop(
      [&] {
        if (++runs == 1) throw std::runtime_error("first sync failed");
      },
      o);
  loop.start();
  ASSERT_TRUE(eventually([&] { return runs == 1; }));
  loop.request();
  ASSERT_TRUE(eventually([&] { return runs == 2; }));
  loop.stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(errors, std::vector<std::string>{"first sync failed"});
}

TEST(SyncLoop, ARequestDuringARunMakesOneMoreRun) {
  std::atomic<bool> release{false};
  std::atomic<int> runs{0};
  SyncLoop loop(
      [&] {
        ++runs;
        while (runs == 1 && !release) std::this_thread::sleep_for(1ms);
      },
      {});
  loop.start();
  ASSERT_TRUE(eventually([&] { return runs == 1; }));
  loop.request();  // the world changed while the first run was reading it
  loop.request();
  EXPECT_TRUE(loop.pending());
  release = true;
  ASSERT_TRUE(eventually([&] { return runs == 2; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(runs, 2);
  EXPECT_FALSE(loop.pending());
}

}  // namespace
}  // namespace capstan::machinery
