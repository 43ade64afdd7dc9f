#pragma once
// CircuitBreaker: stops sending to a vendor that keeps failing, so a grocer outage costs one probe per `open_for`
// instead of every queued order hammering it (and every order burning its retries). Thread-safe.
//
//   closed    -- `failure_threshold` consecutive failures -->  open
//   open      -- `open_for` passed, the next allow() is the probe -->  half_open
//   half_open -- probe succeeded -->  closed;   probe failed -->  open (for another `open_for`)
//
// The caller decides what a failure is: a retryable outcome (connect failure, timeout, 5xx, 429) is; a permanent
// 4xx about one order's content is not (it says nothing about the vendor's health) and should be reported with
// record_success() or not at all.
//
//   if (!breaker.allow()) { reschedule after breaker.retry_in(); return; }
//   ... call ...; ok ? breaker.record_success() : breaker.record_failure();

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string_view>

#include "adapters/protection/clock.hpp"

namespace gw::adapters::protection {

enum class BreakerState { closed, open, half_open };
std::string_view to_string(BreakerState state) noexcept;

struct BreakerOptions {
    std::size_t failure_threshold = 5;       // consecutive failures that open the breaker (>= 1)
    std::chrono::milliseconds open_for{30'000};  // how long it stays open before a probe may go
};

class CircuitBreaker {
public:
    explicit CircuitBreaker(BreakerOptions options, NowFn now = {});

    // Whether a call may go now. Closed: yes. Open: no until open_for has passed; then yes for exactly one caller,
    // the probe, and no for everyone else until the probe is recorded. A probe that is never recorded (its caller
    // gave up) does not wedge the breaker: after another open_for a new probe may go.
    bool allow();

    void record_success();
    void record_failure();

    // For metrics: open turns into half_open as soon as a probe may go.
    BreakerState state() const;
    // How long until allow() may say yes: zero when closed or a probe may go, else the rest of the open time.
    std::chrono::milliseconds retry_in() const;
    std::size_t consecutive_failures() const;

private:
    void open(Clock::time_point now);  // under mutex_

    const BreakerOptions options_;
    const NowFn now_;
    mutable std::mutex mutex_;
    BreakerState state_ = BreakerState::closed;
    std::size_t failures_ = 0;
    Clock::time_point opened_at_{};
    bool probe_in_flight_ = false;
    Clock::time_point probe_started_{};
};

}  // namespace gw::adapters::protection
