#include "gateway/delivery/order_events.hpp"

#include "gateway/model/json.hpp"
#include "gateway/model/order_event.hpp"

namespace gw::delivery {

namespace {

store::NewOrderEvent make_event(model::OrderEvent event, store::TimePoint now) {
    store::NewOrderEvent e;
    e.order_id = event.order_id;
    e.vendor = event.vendor;
    e.state = std::string(model::to_string(event.state));
    e.vendor_order_ref = event.vendor_order_ref.value_or("");
    e.occurred_at = now;
    e.json = model::to_json_string(event);
    e.may_transition = may_transition;
    return e;
}

}  // namespace

bool may_transition(std::string_view from, std::string_view to) {
    const auto f = model::parse_order_state(from);
    const auto t = model::parse_order_state(to);
    return f && t && model::can_transition(*f, *t);
}

std::string settled_state(store::OutboxKind kind, const adapters::DeliveryOutcome& outcome) {
    if (!outcome.state.empty() && model::parse_order_state(outcome.state)) return outcome.state;
    if (kind == store::OutboxKind::cancel) return "cancelled";
    if (outcome.outcome == adapters::Outcome::partial) return "partially_accepted";
    return "submitted";
}

store::NewOrderEvent delivered_event(const std::string& order_id, const std::string& vendor, store::OutboxKind kind,
                                     const adapters::DeliveryOutcome& outcome, store::TimePoint now,
                                     bool reports_status) {
    model::OrderEvent event;
    event.order_id = order_id;
    event.vendor = vendor;
    if (!outcome.vendor_order_ref.empty()) event.vendor_order_ref = outcome.vendor_order_ref;
    event.state = *model::parse_order_state(settled_state(kind, outcome));
    if (!reports_status && event.state == model::OrderState::submitted) event.state = model::OrderState::handed_over;
    event.occurred_at = model::utc_timestamp(now);
    for (const auto& line : outcome.lines) {
        const auto kind_of_line = model::parse_line_outcome_kind(line.outcome);
        // Substitutions and quantity changes need details an adapter's summary does not carry; they come with the
        // grocer's status events instead.
        if (!kind_of_line || line.line_number <= 0) continue;
        if (*kind_of_line != model::LineOutcomeKind::confirmed && *kind_of_line != model::LineOutcomeKind::out_of_stock) {
            continue;
        }
        event.lines.push_back({static_cast<std::uint32_t>(line.line_number), *kind_of_line, {}, {}});
    }
    if (outcome.outcome == adapters::Outcome::partial && !outcome.error.empty()) event.reason = outcome.error;
    return make_event(std::move(event), now);
}

store::NewOrderEvent failed_event(const std::string& order_id, const std::string& vendor,
                                  const adapters::DeliveryOutcome& outcome, const std::string& reason,
                                  store::TimePoint now) {
    model::OrderEvent event;
    event.order_id = order_id;
    event.vendor = vendor;
    // A grocer's clear "no" to the order is a rejection; giving up on retries is the gateway's failure.
    const bool refused = outcome.outcome == adapters::Outcome::permanent && outcome.http_status &&
                         *outcome.http_status >= 400 && *outcome.http_status < 500;
    event.state = refused ? model::OrderState::rejected : model::OrderState::failed;
    event.occurred_at = model::utc_timestamp(now);
    event.reason = reason;
    return make_event(std::move(event), now);
}

}  // namespace gw::delivery
