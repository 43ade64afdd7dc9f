#pragma once
// TokenBucket: a vendor's request rate limit (rate per second, with bursts up to `burst` requests). reserve() never
// refuses: it takes a token, possibly one that becomes available only later, and says how long the caller must
// wait before sending. Tokens are handed out in order, so N concurrent callers get waits of 0, 1/rate, 2/rate ...
// instead of all waking at once. Thread-safe.
//
//   TokenBucket bucket(5.0, 10);                      // 5 requests/s, bursts of 10
//   auto wait = bucket.reserve();                     // 0ns: go now; otherwise start a timer
//
// A caller that reserved a token and then does not send (shutdown, deadline) may give it back with release().

#include <chrono>
#include <cstddef>
#include <mutex>

#include "adapters/protection/clock.hpp"

namespace gw::adapters::protection {

class TokenBucket {
public:
    // rate_per_second > 0 and burst >= 1 (smaller values are raised to a tiny rate / 1: the config reader rejects
    // them before they get here). The bucket starts full.
    TokenBucket(double rate_per_second, std::size_t burst, NowFn now = {});

    // Takes a token; returns how long to wait before using it (zero when one was there).
    std::chrono::nanoseconds reserve();
    // Takes a token only if one is there now.
    bool try_acquire();
    // Gives back a token reserve() handed out but that was not used.
    void release();

    // Tokens available now (negative: reserved ahead), for metrics and tests.
    double available() const;
    double rate_per_second() const noexcept { return rate_; }
    std::size_t burst() const noexcept { return burst_; }

private:
    void refill(Clock::time_point now) const;  // under mutex_

    const double rate_;
    const std::size_t burst_;
    const NowFn now_;
    mutable std::mutex mutex_;
    mutable double tokens_;
    mutable Clock::time_point last_;
};

}  // namespace gw::adapters::protection
