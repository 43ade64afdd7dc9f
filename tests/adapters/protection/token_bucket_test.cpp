#include "adapters/protection/token_bucket.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/adapters/protection/manual_clock.hpp"

namespace {

using namespace std::chrono_literals;
using gw::adapters::protection::TokenBucket;
using gw::adapters::protection::testing::ManualClock;

TEST(TokenBucket, BurstGoesAtOnceThenWaitsGrowByOneInterval) {
    ManualClock clock;
    TokenBucket bucket(4.0, 3, clock.fn());  // one token every 250 ms
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 250ms);
    EXPECT_EQ(bucket.reserve(), 500ms);
    EXPECT_DOUBLE_EQ(bucket.available(), -2.0);
}

TEST(TokenBucket, RefillsWithTimeUpToBurst) {
    ManualClock clock;
    TokenBucket bucket(10.0, 2, clock.fn());
    EXPECT_TRUE(bucket.try_acquire());
    EXPECT_TRUE(bucket.try_acquire());
    EXPECT_FALSE(bucket.try_acquire());
    clock.advance(100ms);
    EXPECT_TRUE(bucket.try_acquire());
    EXPECT_FALSE(bucket.try_acquire());
    clock.advance(1h);  // a long idle time does not bank more than the burst
    EXPECT_DOUBLE_EQ(bucket.available(), 2.0);
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 100ms);
}

TEST(TokenBucket, ReservedAheadTokensDelayTheNextCaller) {
    ManualClock clock;
    TokenBucket bucket(2.0, 1, clock.fn());
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 500ms);
    clock.advance(500ms);  // the reserved token has now been used by its caller
    EXPECT_FALSE(bucket.try_acquire());
    EXPECT_EQ(bucket.reserve(), 500ms);
}

TEST(TokenBucket, ReleaseGivesAnUnusedTokenBack) {
    ManualClock clock;
    TokenBucket bucket(1.0, 1, clock.fn());
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 1s);
    bucket.release();  // the second caller gave up
    EXPECT_EQ(bucket.reserve(), 1s);
    bucket.release();
    bucket.release();
    bucket.release();  // never more than the burst
    EXPECT_DOUBLE_EQ(bucket.available(), 1.0);
}

TEST(TokenBucket, FractionalRates) {
    ManualClock clock;
    TokenBucket bucket(0.5, 1, clock.fn());  // one request every 2 s
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 2s);
    clock.advance(1s);
    EXPECT_EQ(bucket.reserve(), 3s);
}

TEST(TokenBucket, InvalidSettingsAreRaisedToSafeMinimums) {
    ManualClock clock;
    TokenBucket bucket(0.0, 0, clock.fn());
    EXPECT_EQ(bucket.burst(), 1u);
    EXPECT_GT(bucket.rate_per_second(), 0.0);
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_GT(bucket.reserve(), 1h);  // no division by zero, just a very long wait
}

TEST(TokenBucket, ConcurrentReservesHandOutEveryTokenOnce) {
    ManualClock clock;
    TokenBucket bucket(100.0, 10, clock.fn());
    constexpr int threads = 4;
    constexpr int per_thread = 500;
    std::vector<std::vector<std::chrono::nanoseconds>> waits(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) waits[t].push_back(bucket.reserve());
        });
    }
    for (auto& w : workers) w.join();
    std::vector<std::chrono::nanoseconds> all;
    for (auto& w : waits) all.insert(all.end(), w.begin(), w.end());
    std::sort(all.begin(), all.end());
    // 10 at once, then exactly one per 10 ms: no two callers got the same slot.
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto expected = i < 10 ? 0ms : std::chrono::milliseconds(10 * (i - 9));
        ASSERT_NEAR(std::chrono::duration<double>(all[i]).count(), std::chrono::duration<double>(expected).count(),
                    1e-6)
            << i;
    }
    EXPECT_DOUBLE_EQ(bucket.available(), 10.0 - threads * per_thread);
}

}  // namespace
