#include "gateway/delivery/backoff.hpp"

#include <algorithm>

namespace gw::delivery {

std::chrono::milliseconds backoff_cap(const BackoffPolicy& policy, int failed_attempts) noexcept {
    const auto initial = std::max<std::int64_t>(policy.initial.count(), 1);
    const auto max = std::max<std::int64_t>(policy.max.count(), initial);
    // Doubling stops once past max, so large attempt counts cannot overflow.
    std::int64_t cap = initial;
    for (int i = 1; i < failed_attempts && cap < max; ++i) cap *= 2;
    return std::chrono::milliseconds(std::min(cap, max));
}

std::chrono::milliseconds next_delay(const BackoffPolicy& policy, int failed_attempts,
                                     std::optional<std::chrono::milliseconds> retry_after, std::mt19937_64& random) {
    const auto cap = backoff_cap(policy, failed_attempts);
    std::uniform_int_distribution<std::int64_t> pick(0, cap.count());
    std::chrono::milliseconds delay(pick(random));
    if (retry_after && *retry_after > delay) delay = *retry_after;
    return delay;
}

}  // namespace gw::delivery
