#pragma once
// The time source of the protections, injectable so tests move time by hand instead of sleeping.

#include <chrono>
#include <functional>

namespace gw::adapters::protection {

using Clock = std::chrono::steady_clock;
// Returns "now". An empty function means Clock::now().
using NowFn = std::function<Clock::time_point()>;

inline Clock::time_point now_of(const NowFn& now) { return now ? now() : Clock::now(); }

}  // namespace gw::adapters::protection
