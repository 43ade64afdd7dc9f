#include "gateway/delivery/decision.hpp"

#include <fmt/format.h>

namespace gw::delivery {

Decision decide(const adapters::DeliveryOutcome& outcome, const store::OutboxItem& item, const RetryPolicy& policy,
                store::TimePoint now, std::mt19937_64& random) {
    using adapters::Outcome;
    switch (outcome.outcome) {
        case Outcome::success:
        case Outcome::partial:
            return {Action::complete, {}, outcome.error};
        case Outcome::permanent:
            return {Action::dead, {}, outcome.error.empty() ? "permanent failure" : outcome.error};
        case Outcome::retryable:
            break;
    }
    const std::string last = outcome.error.empty() ? "retryable failure" : outcome.error;
    // item.attempts counts this attempt already (claim_due increments it).
    if (item.attempts >= policy.max_attempts) {
        return {Action::dead, {}, fmt::format("gave up after {} attempts: {}", item.attempts, last)};
    }
    const auto delay = next_delay(policy.backoff, item.attempts, outcome.retry_after, random);
    const auto next = now + delay;
    if (next - item.created_at > policy.max_age) {
        const auto age = std::chrono::duration_cast<std::chrono::minutes>(now - item.created_at);
        return {Action::dead, {}, fmt::format("gave up after {} min (max age reached): {}", age.count(), last)};
    }
    return {Action::retry, next, last};
}

}  // namespace gw::delivery
