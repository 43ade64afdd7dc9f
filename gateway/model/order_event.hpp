#pragma once
// OrderEvent: one canonical status report about an order, whatever the grocer's API looks like (webhook, poll,
// synchronous submit response, or the gateway itself). The outbound side turns events into ORS^O06 or AppRec.
// See gateway/model/README.md for every field and its mappings, order_state.hpp for how states may follow.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/model/care_order.hpp"
#include "gateway/model/datetime.hpp"
#include "gateway/model/decimal.hpp"
#include "gateway/model/order_state.hpp"

namespace gw::model {

enum class LineOutcomeKind {
    confirmed,         // as ordered
    substituted,       // replaced by LineOutcome::substitute
    out_of_stock,      // not delivered
    quantity_changed,  // delivered in LineOutcome::new_quantity
};
std::string_view to_string(LineOutcomeKind kind) noexcept;
std::optional<LineOutcomeKind> parse_line_outcome_kind(std::string_view name) noexcept;

// The item a grocer delivers instead of the ordered one.
struct Substitute {
    std::optional<std::string> gtin;  // GTIN-14
    std::optional<std::string> vendor_sku;
    std::string description;
    Decimal quantity;          // > 0
    std::optional<Unit> unit;  // absent: the ordered line's unit
    friend bool operator==(const Substitute&, const Substitute&) = default;
};

struct LineOutcome {
    std::uint32_t line_number = 0;  // the CareOrder line it is about
    LineOutcomeKind outcome = LineOutcomeKind::confirmed;
    std::optional<Substitute> substitute;  // exactly when outcome == substituted
    std::optional<Decimal> new_quantity;   // exactly when outcome == quantity_changed; > 0
    friend bool operator==(const LineOutcome&, const LineOutcome&) = default;
};

struct OrderEvent {
    std::string order_id;                         // CareOrder::gateway_id
    std::string vendor;                           // vendor name from config: "oda"
    std::optional<std::string> vendor_order_ref;  // the grocer's id for the order, once it has one
    OrderState state = OrderState::received;
    std::vector<LineOutcome> lines;  // only lines the event says something about
    Timestamp occurred_at;           // when it happened, as the grocer (or gateway) reports it
    // The grocer's id for this event, kept as text: numeric ids can exceed 2^53 and would lose digits in a JSON
    // double. Used to drop duplicate webhooks.
    std::optional<std::string> vendor_event_id;
    std::optional<std::string> reason;  // human-readable reason/message (rejections, failures)
    friend bool operator==(const OrderEvent&, const OrderEvent&) = default;
};

}  // namespace gw::model
