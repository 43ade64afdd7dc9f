#pragma once
// Shadow mode's records (gateway/shadow): what became of an order when it was also translated with a route's shadow
// vendor's mappings — and, when that vendor has a sandbox_url, sent to its test endpoint — so that before a
// switch-over the municipality can see the new grocer's mappings take every real order. One result per (order,
// shadow vendor); running the shadow again for the same order (a replay) replaces it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/store/records.hpp"

namespace gw::store {

enum class ShadowOutcome {
    would_succeed,     // every request rendered (and the sandbox, when sent, took the order)
    mapping_error,     // the vendor's templates or mappings cannot render this order
    validation_error,  // rendered, but the vendor's sandbox refused it (a permanent 4xx)
    unavailable,       // rendered, but the sandbox could not be asked (down, 5xx, timeout): says nothing either way
};
std::string_view to_string(ShadowOutcome outcome) noexcept;
std::optional<ShadowOutcome> parse_shadow_outcome(std::string_view name) noexcept;

struct NewShadowResult {
    std::string order_id;
    std::string vendor;        // the shadow vendor
    std::string route_vendor;  // the vendor the order really went to
    std::string municipality;
    ShadowOutcome outcome = ShadowOutcome::would_succeed;
    bool sent = false;               // sent to the vendor's sandbox_url; false: only translated
    std::optional<int> http_status;  // the sandbox's answer, when sent
    std::string detail;              // the error, or what was rendered ("4 requests: add_line[1..3], checkout")
    TimePoint at{};                  // epoch: now
};

struct ShadowResult {
    std::int64_t id = 0;
    std::string order_id;
    std::string vendor;
    std::string route_vendor;
    std::string municipality;
    ShadowOutcome outcome = ShadowOutcome::would_succeed;
    bool sent = false;
    std::optional<int> http_status;
    std::string detail;
    TimePoint recorded_at{};
};

// Results per shadow vendor and outcome.
struct ShadowCount {
    std::string vendor;
    ShadowOutcome outcome = ShadowOutcome::would_succeed;
    std::int64_t count = 0;
    TimePoint last_at{};
};

struct ShadowQuery {
    std::string vendor;
    std::optional<ShadowOutcome> outcome;  // e.g. mapping_error: the orders the new grocer's mappings cannot take
    std::optional<TimePoint> from;         // recorded_at, [from, to)
    std::optional<TimePoint> to;
    PageRequest page;
};

}  // namespace gw::store
