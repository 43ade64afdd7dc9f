#pragma once
// The canonical OrderEvents the delivery engine records when a delivery settles: what the grocer said about a
// submitted order (submitted / accepted / partially_accepted / handed_over, its reference, line outcomes), a
// cancellation, or that the gateway gave up (failed, with the reason). Stored with the item's completion in one
// transaction; the model's transition rules decide whether the order's state moves.

#include <string>

#include "adapters/adapter.hpp"
#include "gateway/store/records.hpp"

namespace gw::delivery {

// The state a successful outcome puts the order in: the adapter's state when it named a valid one, else
// `partially_accepted` for a partial outcome, `cancelled` for a cancel, `submitted` otherwise.
std::string settled_state(store::OutboxKind kind, const adapters::DeliveryOutcome& outcome);

// `reports_status` false: the vendor never reports status (capabilities.status none), so an order it merely took
// (`submitted`) is `handed_over` — nothing more will come.
store::NewOrderEvent delivered_event(const std::string& order_id, const std::string& vendor, store::OutboxKind kind,
                                     const adapters::DeliveryOutcome& outcome, store::TimePoint now,
                                     bool reports_status = true);

store::NewOrderEvent failed_event(const std::string& order_id, const std::string& vendor,
                                  const adapters::DeliveryOutcome& outcome, const std::string& reason,
                                  store::TimePoint now);

// model::can_transition over state names, for NewOrderEvent::may_transition.
bool may_transition(std::string_view from, std::string_view to);

}  // namespace gw::delivery
