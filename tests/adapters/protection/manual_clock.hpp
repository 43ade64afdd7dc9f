#pragma once
// A clock the test moves by hand (protection::NowFn), so rate and breaker timing is tested without sleeping.

#include <atomic>
#include <chrono>

#include "adapters/protection/clock.hpp"

namespace gw::adapters::protection::testing {

class ManualClock {
public:
    NowFn fn() {
        return [this] { return Clock::time_point(Clock::duration(ticks_.load())); };
    }
    void advance(Clock::duration d) { ticks_ += d.count(); }

private:
    std::atomic<Clock::rep> ticks_{Clock::duration(std::chrono::hours(1)).count()};
};

}  // namespace gw::adapters::protection::testing
