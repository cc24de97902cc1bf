// WorkQueue: the guarantees controllers rely on (dedup, one worker per key, re-add while
// processing, back-off, delayed adds, shutdown).

#include "capstan/workqueue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace capstan::sdk {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(WorkQueue, DuplicatesCollapseAndOrderIsFifo) {
  WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  q.add("c");
  q.add("b");
  EXPECT_EQ(q.size(), 3u);
  std::string k;
  ASSERT_TRUE(q.get(k));
  EXPECT_EQ(k, "a");
  ASSERT_TRUE(q.get(k));
  EXPECT_EQ(k, "b");
  ASSERT_TRUE(q.get(k));
  EXPECT_EQ(k, "c");
  EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, ReAddDuringProcessingIsQueuedOnDone) {
  WorkQueue q;
  q.add("a");
  std::string k;
  ASSERT_TRUE(q.get(k));
  q.add("a");  // changed while being processed
  q.add("a");
  EXPECT_EQ(q.size(), 0u) << "must not be handed out while processing";
  q.done("a");
  EXPECT_EQ(q.size(), 1u);
  ASSERT_TRUE(q.get(k));
  EXPECT_EQ(k, "a");
  q.done("a");
  EXPECT_EQ(q.size(), 0u) << "processed once more, not once per add";
}

TEST(WorkQueue, DoneWithoutReAddDoesNotRequeue) {
  WorkQueue q;
  q.add("a");
  std::string k;
  ASSERT_TRUE(q.get(k));
  q.done(k);
  EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, OneKeyNeverProcessedByTwoWorkersAtOnce) {
  WorkQueue q;
  std::mutex mu;
  std::map<std::string, int> in_flight;
  std::atomic<int> violations{0};
  std::atomic<int> processed{0};

  auto worker = [&] {
    std::string key;
    while (q.get(key)) {
      {
        std::lock_guard lock(mu);
        if (++in_flight[key] > 1) ++violations;
      }
      std::this_thread::sleep_for(1ms);  // widen the window a second worker could slip into
      {
        std::lock_guard lock(mu);
        --in_flight[key];
      }
      ++processed;
      q.done(key);
    }
  };
  std::thread w1(worker), w2(worker);
  // Keep re-adding two keys while workers run: each key is often added while it is processing.
  for (int i = 0; i < 300; ++i) {
    q.add(i % 2 ? "x" : "y");
    std::this_thread::sleep_for(100us);
  }
  // Let the queue drain, then stop.
  const auto deadline = Clock::now() + 2s;
  while (q.size() > 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(20ms);
  q.shut_down();
  w1.join();
  w2.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(processed.load(), 1);
  EXPECT_LE(processed.load(), 300);
}

TEST(WorkQueue, BackoffGrowsExponentiallyAndForgetResets) {
  RateLimit limit;
  limit.base_delay = 5ms;
  limit.max_delay = 1000s;
  WorkQueue q(limit);
  EXPECT_EQ(q.next_backoff("k"), 5ms);
  EXPECT_EQ(q.num_requeues("k"), 0);
  q.add_rate_limited("k");
  EXPECT_EQ(q.num_requeues("k"), 1);
  EXPECT_EQ(q.next_backoff("k"), 10ms);
  q.add_rate_limited("k");
  q.add_rate_limited("k");
  EXPECT_EQ(q.num_requeues("k"), 3);
  EXPECT_EQ(q.next_backoff("k"), 40ms);
  EXPECT_EQ(q.next_backoff("other"), 5ms) << "back-off is per key";

  q.forget("k");
  EXPECT_EQ(q.num_requeues("k"), 0);
  EXPECT_EQ(q.next_backoff("k"), 5ms);
}

TEST(WorkQueue, BackoffIsCappedAtMaxDelay) {
  WorkQueue q;
  // 5 ms * 2^18 > 1000 s: the 19th failure onwards waits the maximum.
  for (int i = 0; i < 40; ++i) q.add_rate_limited("k");
  EXPECT_EQ(q.next_backoff("k"), std::chrono::milliseconds(1000 * 1000));
  q.shut_down();
}

TEST(WorkQueue, RateLimitedAddArrivesAfterBackoff) {
  RateLimit limit;
  limit.base_delay = 40ms;
  WorkQueue q(limit);
  const auto t0 = Clock::now();
  q.add_rate_limited("k");  // 40 ms
  std::string k;
  ASSERT_TRUE(q.get(k));
  const auto first = Clock::now() - t0;
  q.done(k);
  q.add_rate_limited("k");  // 80 ms
  const auto t1 = Clock::now();
  ASSERT_TRUE(q.get(k));
  const auto second = Clock::now() - t1;
  EXPECT_GE(first, 35ms);
  EXPECT_GE(second, 75ms);
  EXPECT_LT(second, 1s);
}

TEST(WorkQueue, TokenBucketLimitsOverallRate) {
  RateLimit limit;
  limit.base_delay = 1ms;
  limit.qps = 10;
  limit.burst = 2;
  WorkQueue q(limit);
  // Two tokens in the bucket: the third distinct key waits ~100 ms for a new one even though
  // its own back-off is 1 ms.
  const auto t0 = Clock::now();
  q.add_rate_limited("a");
  q.add_rate_limited("b");
  q.add_rate_limited("c");
  std::vector<std::string> got;
  std::string k;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(q.get(k));
    got.push_back(k);
    q.done(k);
  }
  const auto elapsed = Clock::now() - t0;
  EXPECT_EQ(got.back(), "c");
  EXPECT_GE(elapsed, 90ms);
  EXPECT_LT(elapsed, 1s);
}

TEST(WorkQueue, AddAfterWaitsForTheDelay) {
  WorkQueue q;
  const auto t0 = Clock::now();
  q.add_after("late", 100ms);
  q.add_after("early", 30ms);
  EXPECT_EQ(q.size(), 0u);
  std::string k;
  ASSERT_TRUE(q.get(k));
  EXPECT_EQ(k, "early");
  EXPECT_GE(Clock::now() - t0, 28ms);
  q.done(k);
  ASSERT_TRUE(q.get(k));
  EXPECT_EQ(k, "late");
  const auto elapsed = Clock::now() - t0;
  EXPECT_GE(elapsed, 98ms);
  EXPECT_LT(elapsed, 600ms);
}

TEST(WorkQueue, AddAfterKeepsTheEarlierDeadline) {
  WorkQueue q;
  const auto t0 = Clock::now();
  q.add_after("k", 40ms);
  q.add_after("k", 5s);  // must not postpone
  std::string k;
  ASSERT_TRUE(q.get(k));
  EXPECT_LT(Clock::now() - t0, 1s);
  q.done(k);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(q.size(), 0u) << "a key waits in the timer only once";
}

TEST(WorkQueue, AddAfterZeroIsImmediate) {
  WorkQueue q;
  q.add_after("k", 0ms);
  EXPECT_EQ(q.size(), 1u);
}

TEST(WorkQueue, ShutdownUnblocksGet) {
  WorkQueue q;
  std::atomic<int> returned_false{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i)
    workers.emplace_back([&] {
      std::string k;
      if (!q.get(k)) ++returned_false;
    });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(returned_false.load(), 0) << "get() must block on an empty queue";
  q.shut_down();
  for (auto& t : workers) t.join();
  EXPECT_EQ(returned_false.load(), 3);
  EXPECT_TRUE(q.shutting_down());
  q.add("ignored");
  EXPECT_EQ(q.size(), 0u);
  std::string k;
  EXPECT_FALSE(q.get(k));
}

TEST(WorkQueue, ShutdownWithPendingTimerIsPrompt) {
  const auto t0 = Clock::now();
  {
    WorkQueue q;
    q.add_after("k", 1h);
    q.shut_down();
  }  // destructor joins the timer thread
  EXPECT_LT(Clock::now() - t0, 1s);
}

}  // namespace
}  // namespace capstan::sdk
