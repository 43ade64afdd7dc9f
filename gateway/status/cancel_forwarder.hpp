#pragma once
// CancelForwarder: what happens to a cancel the care system sends (HL7 ORC-1 = CA, a CareOrder with action cancel).
// The order is found by its placer order number (the newest order with that external_ref), then:
//  - the grocer can cancel (capabilities.cancel): an OutboxKind::cancel item is queued for the order's vendor
//    destination, behind the order's submit (the outbox keeps one order's deliveries in order). When the grocer
//    confirms, the order becomes `cancelled` and the ordinary status report (ORC-1 CR) tells the care system; when
//    the grocer refuses for good, refused() answers ORC-1 UC with the grocer's reason;
//  - the grocer cannot cancel, or the order is already final: the care system is answered at once and truthfully —
//    ORS^O06 with ORC-1 UC ("unable to cancel") and the reason in ORC-16 (CR when it was already cancelled) — and
//    the request is recorded in the order's history (an event that does not change its state) and the audit log.
// A cancel for an order the gateway does not know is an error: the pipeline marks the message failed with it.

#include <functional>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "adapters/adapter.hpp"
#include "gateway/core/result.hpp"
#include "gateway/status/status_reporter.hpp"
#include "gateway/store/store.hpp"

namespace gw::status {

enum class CancelResult {
    forwarded,          // the grocer's cancel is queued
    unable,             // answered UC: the grocer has no cancel, or the order is past cancelling
    already_cancelled,  // answered CR
};
std::string_view to_string(CancelResult result) noexcept;

struct CancelOutcome {
    std::string order_id;
    CancelResult result = CancelResult::unable;
    std::string reason;
};

struct CancelOptions {
    // The vendor's capabilities (nullopt: the vendor is no longer configured).
    std::function<std::optional<adapters::Capabilities>(const std::string& vendor)> capabilities;
    // Work was queued for this destination (wake the delivery engine).
    std::function<void(const std::string& destination)> on_queued;
    store::Clock clock = store::system_clock();
};

class CancelForwarder {
public:
    // `reporter` may be null (no status goes back; cancels are still forwarded).
    CancelForwarder(store::Store& store, StatusReporter* reporter, CancelOptions options);

    // `message`: the stored cancel message; `cancel`: its canonical CareOrder (action cancel). Errors: not_found
    // (no order with that placer order number), or the store's.
    Result<CancelOutcome> handle(const store::MessageRecord& message, const boost::json::value& cancel);

    // The delivery engine gave up on a cancel item (the grocer refused it): tell the care system.
    void refused(const store::OutboxItem& cancel, const std::string& reason);

private:
    Result<void> answer(const store::OrderRecord& order, const std::string& answers_control_id,
                        const std::string& order_control, const std::string& reason);

    store::Store& store_;
    StatusReporter* reporter_;
    CancelOptions options_;
};

}  // namespace gw::status
