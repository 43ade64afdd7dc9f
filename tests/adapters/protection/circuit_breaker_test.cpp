#include "adapters/protection/circuit_breaker.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/adapters/protection/manual_clock.hpp"

namespace {

using namespace std::chrono_literals;
using gw::adapters::protection::BreakerOptions;
using gw::adapters::protection::BreakerState;
using gw::adapters::protection::CircuitBreaker;
using gw::adapters::protection::testing::ManualClock;

class CircuitBreakerTest : public ::testing::Test {
protected:
    ManualClock clock;
    CircuitBreaker breaker{BreakerOptions{3, 10s}, clock.fn()};

    void fail(int n) {
        for (int i = 0; i < n; ++i) {
            ASSERT_TRUE(breaker.allow());
            breaker.record_failure();
        }
    }
};

TEST_F(CircuitBreakerTest, StaysClosedBelowTheThreshold) {
    fail(2);
    EXPECT_EQ(breaker.state(), BreakerState::closed);
    EXPECT_EQ(breaker.consecutive_failures(), 2u);
    EXPECT_TRUE(breaker.allow());
    EXPECT_EQ(breaker.retry_in(), 0ms);
}

TEST_F(CircuitBreakerTest, ASuccessResetsTheCount) {
    fail(2);
    breaker.record_success();
    EXPECT_EQ(breaker.consecutive_failures(), 0u);
    fail(2);
    EXPECT_EQ(breaker.state(), BreakerState::closed);
}

TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndRefusesUntilOpenForPassed) {
    fail(3);
    EXPECT_EQ(breaker.state(), BreakerState::open);
    EXPECT_FALSE(breaker.allow());
    EXPECT_EQ(breaker.retry_in(), 10s);
    clock.advance(9s);
    EXPECT_FALSE(breaker.allow());
    EXPECT_EQ(breaker.retry_in(), 1s);
    EXPECT_EQ(breaker.state(), BreakerState::open);
    clock.advance(1s);
    EXPECT_EQ(breaker.state(), BreakerState::half_open);  // a probe may go
    EXPECT_EQ(breaker.retry_in(), 0ms);
}

TEST_F(CircuitBreakerTest, HalfOpenLetsExactlyOneProbeThrough) {
    fail(3);
    clock.advance(10s);
    EXPECT_TRUE(breaker.allow());
    EXPECT_EQ(breaker.state(), BreakerState::half_open);
    EXPECT_FALSE(breaker.allow());
    EXPECT_FALSE(breaker.allow());
    EXPECT_EQ(breaker.retry_in(), 10s);
}

TEST_F(CircuitBreakerTest, ProbeSuccessCloses) {
    fail(3);
    clock.advance(10s);
    ASSERT_TRUE(breaker.allow());
    breaker.record_success();
    EXPECT_EQ(breaker.state(), BreakerState::closed);
    EXPECT_EQ(breaker.consecutive_failures(), 0u);
    EXPECT_TRUE(breaker.allow());
    EXPECT_TRUE(breaker.allow());
}

TEST_F(CircuitBreakerTest, ProbeFailureReopensForAnotherFullPeriod) {
    fail(3);
    clock.advance(10s);
    ASSERT_TRUE(breaker.allow());
    clock.advance(2s);
    breaker.record_failure();
    EXPECT_EQ(breaker.state(), BreakerState::open);
    EXPECT_FALSE(breaker.allow());
    clock.advance(9s);
    EXPECT_FALSE(breaker.allow());
    clock.advance(1s);
    EXPECT_TRUE(breaker.allow());
}

TEST_F(CircuitBreakerTest, AProbeThatNeverReportsDoesNotWedgeTheBreaker) {
    fail(3);
    clock.advance(10s);
    ASSERT_TRUE(breaker.allow());  // its caller is cancelled and never records anything
    clock.advance(9s);
    EXPECT_FALSE(breaker.allow());
    clock.advance(1s);
    EXPECT_TRUE(breaker.allow());
    EXPECT_FALSE(breaker.allow());
}

TEST_F(CircuitBreakerTest, LateResultsFromBeforeTheOpeningChangeNothing) {
    ASSERT_TRUE(breaker.allow());  // a slow call leaves while closed ...
    fail(3);                       // ... the breaker opens meanwhile ...
    clock.advance(5s);
    breaker.record_success();      // ... and its success arrives late
    EXPECT_EQ(breaker.state(), BreakerState::open);
    breaker.record_failure();  // late failures do not extend the open period either
    clock.advance(5s);
    EXPECT_TRUE(breaker.allow());
}

TEST(CircuitBreaker, ThresholdOfOneOpensOnTheFirstFailure) {
    ManualClock clock;
    CircuitBreaker breaker(BreakerOptions{1, 1s}, clock.fn());
    breaker.record_failure();
    EXPECT_EQ(breaker.state(), BreakerState::open);
}

TEST(CircuitBreaker, ConcurrentCallersGetOneProbe) {
    ManualClock clock;
    CircuitBreaker breaker(BreakerOptions{1, 1s}, clock.fn());
    breaker.record_failure();
    clock.advance(1s);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            for (int j = 0; j < 100; ++j) {
                if (breaker.allow()) ++allowed;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(allowed.load(), 1);
}

TEST(CircuitBreaker, StateNames) {
    EXPECT_EQ(to_string(BreakerState::closed), "closed");
    EXPECT_EQ(to_string(BreakerState::open), "open");
    EXPECT_EQ(to_string(BreakerState::half_open), "half_open");
}

}  // namespace
