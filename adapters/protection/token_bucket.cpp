#include "adapters/protection/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace gw::adapters::protection {

namespace {
constexpr double min_rate = 1e-6;
}

TokenBucket::TokenBucket(double rate_per_second, std::size_t burst, NowFn now)
    : rate_(std::isfinite(rate_per_second) ? std::max(rate_per_second, min_rate) : min_rate),
      burst_(std::max<std::size_t>(burst, 1)),
      now_(std::move(now)),
      tokens_(static_cast<double>(burst_)),
      last_(now_of(now_)) {}

void TokenBucket::refill(Clock::time_point now) const {
    if (now <= last_) return;  // a clock that went nowhere (or a test clock set back) adds nothing
    std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min(static_cast<double>(burst_), tokens_ + elapsed.count() * rate_);
    last_ = now;
}

std::chrono::nanoseconds TokenBucket::reserve() {
    std::lock_guard lock(mutex_);
    refill(now_of(now_));
    tokens_ -= 1.0;
    if (tokens_ >= 0.0) return std::chrono::nanoseconds(0);
    // The token we took becomes real when the deficit has refilled.
    auto seconds = -tokens_ / rate_;
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(seconds * 1e9)));
}

bool TokenBucket::try_acquire() {
    std::lock_guard lock(mutex_);
    refill(now_of(now_));
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

void TokenBucket::release() {
    std::lock_guard lock(mutex_);
    refill(now_of(now_));
    tokens_ = std::min(static_cast<double>(burst_), tokens_ + 1.0);
}

double TokenBucket::available() const {
    std::lock_guard lock(mutex_);
    refill(now_of(now_));
    return tokens_;
}

}  // namespace gw::adapters::protection
