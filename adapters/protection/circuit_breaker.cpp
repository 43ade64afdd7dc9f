#include "adapters/protection/circuit_breaker.hpp"

#include <algorithm>

namespace gw::adapters::protection {

std::string_view to_string(BreakerState state) noexcept {
    switch (state) {
        case BreakerState::closed: return "closed";
        case BreakerState::open: return "open";
        case BreakerState::half_open: return "half_open";
    }
    return "unknown";
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, NowFn now)
    : options_{std::max<std::size_t>(options.failure_threshold, 1), std::max(options.open_for, std::chrono::milliseconds(0))},
      now_(std::move(now)) {}

void CircuitBreaker::open(Clock::time_point now) {
    state_ = BreakerState::open;
    opened_at_ = now;
    probe_in_flight_ = false;
}

bool CircuitBreaker::allow() {
    std::lock_guard lock(mutex_);
    auto now = now_of(now_);
    switch (state_) {
        case BreakerState::closed: return true;
        case BreakerState::open:
            if (now - opened_at_ < options_.open_for) return false;
            state_ = BreakerState::half_open;
            probe_in_flight_ = true;
            probe_started_ = now;
            return true;
        case BreakerState::half_open:
            if (probe_in_flight_ && now - probe_started_ < options_.open_for) return false;
            probe_in_flight_ = true;
            probe_started_ = now;
            return true;
    }
    return false;
}

void CircuitBreaker::record_success() {
    std::lock_guard lock(mutex_);
    // A late success from a call let through before the breaker opened says little about the vendor now: only the
    // probe closes an open breaker.
    if (state_ == BreakerState::open) return;
    state_ = BreakerState::closed;
    failures_ = 0;
    probe_in_flight_ = false;
}

void CircuitBreaker::record_failure() {
    std::lock_guard lock(mutex_);
    auto now = now_of(now_);
    switch (state_) {
        case BreakerState::closed:
            if (++failures_ >= options_.failure_threshold) open(now);
            return;
        case BreakerState::half_open:
            ++failures_;
            open(now);
            return;
        case BreakerState::open:
            // Late failures of calls from before the opening: the open period is not extended by them.
            ++failures_;
            return;
    }
}

BreakerState CircuitBreaker::state() const {
    std::lock_guard lock(mutex_);
    if (state_ == BreakerState::open && now_of(now_) - opened_at_ >= options_.open_for) return BreakerState::half_open;
    return state_;
}

std::chrono::milliseconds CircuitBreaker::retry_in() const {
    std::lock_guard lock(mutex_);
    auto now = now_of(now_);
    auto remaining = [&](Clock::time_point since) {
        auto left = options_.open_for - std::chrono::duration_cast<std::chrono::milliseconds>(now - since);
        return std::max(left, std::chrono::milliseconds(0));
    };
    switch (state_) {
        case BreakerState::closed: return std::chrono::milliseconds(0);
        case BreakerState::open: return remaining(opened_at_);
        case BreakerState::half_open: return probe_in_flight_ ? remaining(probe_started_) : std::chrono::milliseconds(0);
    }
    return std::chrono::milliseconds(0);
}

std::size_t CircuitBreaker::consecutive_failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
}

}  // namespace gw::adapters::protection
