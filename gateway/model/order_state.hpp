#pragma once
// The life of an order as the gateway tracks it, and the rules that keep it moving forward only.
//
//   received -> routed -> submitted -> accepted | partially_accepted -> picking -> out_for_delivery -> delivered
//                              \-> handed_over (vendor without status: nothing more will come)
//   rejected  from routed, submitted, accepted, partially_accepted (the grocer says no)
//   cancelled, failed  from any state that is not final
//
// Grocer webhooks and polls arrive late, twice and out of order. Every state has a rank; an event whose state does
// not rank above the current one is stale and ignored, so an order never moves backwards (a late "picking" after
// "delivered" changes nothing). Forward jumps are allowed (a grocer that only reports "delivered" skips the rest).

#include <array>
#include <optional>
#include <string_view>

namespace gw::model {

enum class OrderState {
    received,            // stored by the gateway, acknowledged to the care system
    routed,              // a vendor is chosen by the effective-dated route
    submitted,           // sent to the vendor's API, which took it (HTTP 2xx / transport ack)
    accepted,            // the vendor confirmed every line
    partially_accepted,  // the vendor confirmed the order with changed lines (substituted, out of stock, quantity)
    rejected,            // the vendor refused the whole order (final)
    picking,             // the vendor is picking the goods
    out_for_delivery,    // on its way
    delivered,           // delivered to the recipient (final)
    cancelled,           // cancelled by the care system or the vendor (final)
    failed,              // the gateway gave up: unroutable, submission retries exhausted, vendor error (final)
    handed_over,         // submitted to a vendor that reports no status; only cancelled/failed can follow
};

inline constexpr std::array<OrderState, 12> all_order_states{
    OrderState::received,           OrderState::routed,    OrderState::submitted, OrderState::accepted,
    OrderState::partially_accepted, OrderState::rejected,  OrderState::picking,   OrderState::out_for_delivery,
    OrderState::delivered,          OrderState::cancelled, OrderState::failed,    OrderState::handed_over,
};

// lower_snake name, e.g. "partially_accepted"; the JSON and log spelling.
std::string_view to_string(OrderState state) noexcept;
std::optional<OrderState> parse_order_state(std::string_view name) noexcept;

// No transition leaves a final state: delivered, rejected, cancelled, failed.
bool is_final(OrderState state) noexcept;

// Progress order: received 0, routed 1, submitted 2, accepted/partially_accepted/handed_over 3, picking 4,
// out_for_delivery 5, every final state 6. Every allowed transition goes to a rank >= the current one.
int rank(OrderState state) noexcept;

// Whether an order in `from` may move to `to`. A state never transitions to itself.
//  - nothing leaves a final state;
//  - cancelled and failed are reachable from every non-final state;
//  - handed_over is reachable from received, routed, submitted, and leaves only to cancelled/failed;
//  - rejected is reachable from routed, submitted, accepted, partially_accepted;
//  - otherwise forward by rank (skips allowed), plus accepted -> partially_accepted (a grocer revising its
//    confirmation when it finds a line out of stock).
bool can_transition(OrderState from, OrderState to) noexcept;

// What to do with an incoming event state for an order currently in `current`.
enum class TransitionDecision {
    apply,      // can_transition(current, incoming)
    duplicate,  // incoming == current: record the event (line outcomes may be new), keep the state
    stale,      // incoming ranks at or below current, or current is final: arrived late, ignore the state
    invalid,    // ranks above but not allowed (e.g. handed_over -> picking): keep the state, alert an operator
};
TransitionDecision decide_transition(OrderState current, OrderState incoming) noexcept;
std::string_view to_string(TransitionDecision decision) noexcept;

}  // namespace gw::model
