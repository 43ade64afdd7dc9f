#include "adapters/protection/concurrency_limit.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace {

using gw::adapters::protection::ConcurrencyLimit;

TEST(ConcurrencyLimit, HandsOutAtMostLimitPermits) {
    ConcurrencyLimit limit(2);
    auto a = limit.try_acquire();
    auto b = limit.try_acquire();
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(limit.try_acquire());
    EXPECT_EQ(limit.in_use(), 2u);
    a.reset();  // the call finished
    EXPECT_EQ(limit.in_use(), 1u);
    EXPECT_TRUE(limit.try_acquire());  // a temporary: released at once
    EXPECT_EQ(limit.in_use(), 1u);
}

TEST(ConcurrencyLimit, PermitsMoveAndReleaseOnce) {
    ConcurrencyLimit limit(1);
    auto permit = limit.try_acquire();
    ASSERT_TRUE(permit);
    ConcurrencyLimit::Permit moved = std::move(*permit);
    permit.reset();  // the moved-from permit owns nothing
    EXPECT_EQ(limit.in_use(), 1u);
    moved.release();
    moved.release();
    EXPECT_EQ(limit.in_use(), 0u);
}

TEST(ConcurrencyLimit, APermitMayOutliveTheLimit) {
    std::optional<ConcurrencyLimit::Permit> permit;
    {
        ConcurrencyLimit limit(1);
        permit = limit.try_acquire();
        ASSERT_TRUE(permit);
    }
    permit.reset();  // no use-after-free (ASan build)
}

TEST(ConcurrencyLimit, NeverOverTheLimitUnderContention) {
    ConcurrencyLimit limit(3);
    std::atomic<int> inside{0};
    std::atomic<int> max_inside{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 2000; ++i) {
                if (auto p = limit.try_acquire()) {
                    int now = ++inside;
                    int seen = max_inside.load();
                    while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
                    }
                    --inside;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(max_inside.load(), 3);
    EXPECT_EQ(limit.in_use(), 0u);
}

TEST(ConcurrencyLimit, ZeroIsRaisedToOne) {
    ConcurrencyLimit limit(0);
    EXPECT_EQ(limit.limit(), 1u);
    EXPECT_TRUE(limit.try_acquire());
}

}  // namespace
