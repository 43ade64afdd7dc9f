#pragma once
// When to try a failed delivery again: exponential backoff with full jitter (a random delay between zero and the
// exponential cap), so a grocer that comes back after an outage is not hit by every waiting order in the same
// second. A grocer's own Retry-After is a floor: we never come back earlier than it asked.

#include <chrono>
#include <optional>
#include <random>

namespace gw::delivery {

struct BackoffPolicy {
    std::chrono::milliseconds initial{1'000};
    std::chrono::milliseconds max{300'000};
};

// The exponential cap for the n-th failed attempt (n >= 1): min(max, initial * 2^(n-1)).
std::chrono::milliseconds backoff_cap(const BackoffPolicy& policy, int failed_attempts) noexcept;

// A delay uniformly drawn from [0, backoff_cap], raised to retry_after when the grocer sent one.
std::chrono::milliseconds next_delay(const BackoffPolicy& policy, int failed_attempts,
                                     std::optional<std::chrono::milliseconds> retry_after, std::mt19937_64& random);

}  // namespace gw::delivery
