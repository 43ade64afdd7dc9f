#include "gateway/model/order_state.hpp"

namespace gw::model {

std::string_view to_string(OrderState state) noexcept {
    switch (state) {
        case OrderState::received:
            return "received";
        case OrderState::routed:
            return "routed";
        case OrderState::submitted:
            return "submitted";
        case OrderState::accepted:
            return "accepted";
        case OrderState::partially_accepted:
            return "partially_accepted";
        case OrderState::rejected:
            return "rejected";
        case OrderState::picking:
            return "picking";
        case OrderState::out_for_delivery:
            return "out_for_delivery";
        case OrderState::delivered:
            return "delivered";
        case OrderState::cancelled:
            return "cancelled";
        case OrderState::failed:
            return "failed";
        case OrderState::handed_over:
            return "handed_over";
    }
    return "unknown";
}

std::optional<OrderState> parse_order_state(std::string_view name) noexcept {
    for (OrderState s : all_order_states)
        if (to_string(s) == name) return s;
    return std::nullopt;
}

bool is_final(OrderState state) noexcept {
    switch (state) {
        case OrderState::delivered:
        case OrderState::rejected:
        case OrderState::cancelled:
        case OrderState::failed:
            return true;
        default:
            return false;
    }
}

int rank(OrderState state) noexcept {
    switch (state) {
        case OrderState::received:
            return 0;
        case OrderState::routed:
            return 1;
        case OrderState::submitted:
            return 2;
        case OrderState::accepted:
        case OrderState::partially_accepted:
        case OrderState::handed_over:
            return 3;
        case OrderState::picking:
            return 4;
        case OrderState::out_for_delivery:
            return 5;
        case OrderState::delivered:
        case OrderState::rejected:
        case OrderState::cancelled:
        case OrderState::failed:
            return 6;
    }
    return 0;
}

bool can_transition(OrderState from, OrderState to) noexcept {
    if (from == to || is_final(from)) return false;
    if (to == OrderState::cancelled || to == OrderState::failed) return true;
    if (from == OrderState::handed_over) return false;
    switch (to) {
        case OrderState::handed_over:
            return rank(from) <= rank(OrderState::submitted);
        case OrderState::rejected:
            return rank(from) >= rank(OrderState::routed) && rank(from) <= rank(OrderState::accepted);
        case OrderState::partially_accepted:
            if (from == OrderState::accepted) return true;
            break;
        default:
            break;
    }
    return rank(to) > rank(from);
}

TransitionDecision decide_transition(OrderState current, OrderState incoming) noexcept {
    if (incoming == current) return TransitionDecision::duplicate;
    if (can_transition(current, incoming)) return TransitionDecision::apply;
    if (is_final(current) || rank(incoming) <= rank(current)) return TransitionDecision::stale;
    return TransitionDecision::invalid;
}

std::string_view to_string(TransitionDecision decision) noexcept {
    switch (decision) {
        case TransitionDecision::apply:
            return "apply";
        case TransitionDecision::duplicate:
            return "duplicate";
        case TransitionDecision::stale:
            return "stale";
        case TransitionDecision::invalid:
            return "invalid";
    }
    return "unknown";
}

}  // namespace gw::model
