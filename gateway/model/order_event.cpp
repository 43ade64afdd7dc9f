#include "gateway/model/order_event.hpp"

namespace gw::model {

std::string_view to_string(LineOutcomeKind kind) noexcept {
    switch (kind) {
        case LineOutcomeKind::confirmed:
            return "confirmed";
        case LineOutcomeKind::substituted:
            return "substituted";
        case LineOutcomeKind::out_of_stock:
            return "out_of_stock";
        case LineOutcomeKind::quantity_changed:
            return "quantity_changed";
    }
    return "unknown";
}

std::optional<LineOutcomeKind> parse_line_outcome_kind(std::string_view name) noexcept {
    for (auto kind : {LineOutcomeKind::confirmed, LineOutcomeKind::substituted, LineOutcomeKind::out_of_stock,
                      LineOutcomeKind::quantity_changed})
        if (to_string(kind) == name) return kind;
    return std::nullopt;
}

}  // namespace gw::model
