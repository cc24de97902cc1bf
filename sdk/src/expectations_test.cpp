// ControllerExpectations: outstanding creations/deletions per key, lowered by observations,
// expiring after the TTL.
#include "capstan/expectations.hpp"

#include <gtest/gtest.h>

namespace capstan::sdk {
namespace {

TEST(Expectations, LoweredByObservationsAndExpire) {
  Expectations e(std::chrono::seconds(300));
  auto t0 = Expectations::Clock::now();
  EXPECT_TRUE(e.satisfied("ns/job", t0));
  e.expect_creations("ns/job", 2, t0);
  EXPECT_FALSE(e.satisfied("ns/job", t0));
  e.creation_observed("ns/job");
  EXPECT_EQ(e.pending("ns/job"), (std::pair<int, int>{1, 0}));
  EXPECT_FALSE(e.satisfied("ns/job", t0));
  e.creation_observed("ns/job");
  EXPECT_TRUE(e.satisfied("ns/job", t0));
  e.expect_deletions("ns/job", 1, t0);
  EXPECT_FALSE(e.satisfied("ns/job", t0));
  EXPECT_TRUE(e.satisfied("ns/job", t0 + std::chrono::seconds(301)));
  e.deletion_observed("ns/job");
  e.deletion_observed("ns/job");  // below zero is still satisfied
  EXPECT_TRUE(e.satisfied("ns/job", t0));
  e.creation_observed("ns/unknown");  // observations of keys never expected are ignored
  EXPECT_TRUE(e.satisfied("ns/unknown", t0));
  e.expect("ns/other", 1, 1, t0);
  e.forget("ns/other");
  EXPECT_TRUE(e.satisfied("ns/other", t0));
}

}  // namespace
}  // namespace capstan::sdk
