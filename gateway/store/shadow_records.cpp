#include "gateway/store/shadow_records.hpp"

#include "gateway/store/store.hpp"

namespace gw::store {

std::string_view to_string(ShadowOutcome outcome) noexcept {
    switch (outcome) {
        case ShadowOutcome::would_succeed: return "would_succeed";
        case ShadowOutcome::mapping_error: return "mapping_error";
        case ShadowOutcome::validation_error: return "validation_error";
        case ShadowOutcome::unavailable: return "unavailable";
    }
    return "unknown";
}

std::optional<ShadowOutcome> parse_shadow_outcome(std::string_view name) noexcept {
    for (auto o : {ShadowOutcome::would_succeed, ShadowOutcome::mapping_error, ShadowOutcome::validation_error,
                   ShadowOutcome::unavailable}) {
        if (to_string(o) == name) return o;
    }
    return std::nullopt;
}

}  // namespace gw::store

namespace gw::store {

// The Store interface's defaults, for stores without the shadow_result table.

Result<void> Store::record_shadow_results(std::span<const NewShadowResult>) {
    return make_error(ErrorCode::unsupported, "store: this store keeps no shadow results");
}

Result<std::vector<ShadowCount>> Store::shadow_counts(std::optional<TimePoint>) {
    return make_error(ErrorCode::unsupported, "store: this store keeps no shadow results");
}

Result<Page<ShadowResult>> Store::find_shadow_results(const ShadowQuery&) {
    return make_error(ErrorCode::unsupported, "store: this store keeps no shadow results");
}

}  // namespace gw::store
