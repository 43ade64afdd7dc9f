#include <gtest/gtest.h>

#include "gateway/delivery/decision.hpp"

namespace gw::delivery {
namespace {

using namespace std::chrono_literals;
using adapters::DeliveryOutcome;
using adapters::Outcome;

TEST(Backoff, CapDoublesUpToTheMaximumWithoutOverflow) {
    BackoffPolicy p{1s, 60s};
    EXPECT_EQ(backoff_cap(p, 1), 1s);
    EXPECT_EQ(backoff_cap(p, 2), 2s);
    EXPECT_EQ(backoff_cap(p, 4), 8s);
    EXPECT_EQ(backoff_cap(p, 7), 60s);
    EXPECT_EQ(backoff_cap(p, 1'000'000), 60s);
}

TEST(Backoff, FullJitterSpreadsOverTheWholeRangeAndHonoursRetryAfter) {
    BackoffPolicy p{1s, 60s};
    std::mt19937_64 random(7);
    std::chrono::milliseconds lo = 1h, hi = 0ms;
    for (int i = 0; i < 2000; ++i) {
        const auto d = next_delay(p, 4, std::nullopt, random);
        ASSERT_GE(d, 0ms);
        ASSERT_LE(d, 8s);
        lo = std::min(lo, d);
        hi = std::max(hi, d);
    }
    EXPECT_LT(lo, 500ms);  // spread: not clustered at the cap like plain exponential backoff
    EXPECT_GT(hi, 7500ms);
    for (int i = 0; i < 100; ++i) EXPECT_GE(next_delay(p, 1, 30s, random), 30s);
}

store::OutboxItem item(int attempts, store::TimePoint created) {
    store::OutboxItem it;
    it.id = 1;
    it.attempts = attempts;
    it.created_at = created;
    return it;
}

DeliveryOutcome outcome(Outcome o, std::string error = {}) {
    DeliveryOutcome d;
    d.outcome = o;
    d.error = std::move(error);
    return d;
}

TEST(Decide, SuccessAndPartialComplete_PermanentIsDeadAtOnce) {
    std::mt19937_64 random(1);
    const auto now = store::TimePoint(1'700'000'000s);
    RetryPolicy policy;
    EXPECT_EQ(decide(outcome(Outcome::success), item(1, now), policy, now, random).action, Action::complete);
    EXPECT_EQ(decide(outcome(Outcome::partial), item(1, now), policy, now, random).action, Action::complete);
    auto dead = decide(outcome(Outcome::permanent, "422: ean 123 is unknown"), item(1, now), policy, now, random);
    EXPECT_EQ(dead.action, Action::dead);
    EXPECT_EQ(dead.reason, "422: ean 123 is unknown");
}

TEST(Decide, RetryableRetriesUntilMaxAttemptsThenDeadWithTheLastError) {
    std::mt19937_64 random(1);
    const auto now = store::TimePoint(1'700'000'000s);
    RetryPolicy policy;
    policy.max_attempts = 3;
    policy.backoff = {1s, 10s};
    auto retry = decide(outcome(Outcome::retryable, "503"), item(2, now), policy, now, random);
    EXPECT_EQ(retry.action, Action::retry);
    EXPECT_GE(retry.next_attempt, now);
    EXPECT_LE(retry.next_attempt, now + 2s);
    auto out = decide(outcome(Outcome::retryable, "503 Service Unavailable"), item(3, now), policy, now, random);
    EXPECT_EQ(out.action, Action::dead);
    EXPECT_NE(out.reason.find("3 attempts"), std::string::npos);
    EXPECT_NE(out.reason.find("503 Service Unavailable"), std::string::npos);
}

TEST(Decide, RetryAfterIsAFloorAndMaxAgeEndsRetries) {
    std::mt19937_64 random(1);
    const auto now = store::TimePoint(1'700'000'000s);
    RetryPolicy policy;
    policy.max_age = 1h;
    auto slow = outcome(Outcome::retryable, "429");
    slow.retry_after = 120s;
    auto r = decide(slow, item(1, now), policy, now, random);
    EXPECT_EQ(r.action, Action::retry);
    EXPECT_GE(r.next_attempt, now + 120s);
    slow.retry_after = 2h;  // the grocer wants us back after the order is too old to matter
    auto too_late = decide(slow, item(1, now - 10min), policy, now, random);
    EXPECT_EQ(too_late.action, Action::dead);
    EXPECT_NE(too_late.reason.find("max age"), std::string::npos);
}

}  // namespace
}  // namespace gw::delivery
