#pragma once
// What the delivery engine does with an adapter's outcome for one outbox item — a pure function, so every rule
// (retry, give up after max attempts or max age, dead letter on a permanent error) is tested without a network.

#include <chrono>
#include <random>
#include <string>

#include "adapters/adapter.hpp"
#include "gateway/delivery/backoff.hpp"
#include "gateway/store/records.hpp"

namespace gw::delivery {

struct RetryPolicy {
    int max_attempts = 12;
    std::chrono::milliseconds max_age{24LL * 3600 * 1000};
    BackoffPolicy backoff;
};

enum class Action { complete, retry, dead };

struct Decision {
    Action action = Action::dead;
    store::TimePoint next_attempt{};  // for retry
    std::string reason;               // stored as the attempt's error / the dead letter's last error
};

Decision decide(const adapters::DeliveryOutcome& outcome, const store::OutboxItem& item, const RetryPolicy& policy,
                store::TimePoint now, std::mt19937_64& random);

}  // namespace gw::delivery
