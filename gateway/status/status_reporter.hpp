#pragma once
// StatusReporter: turns an OrderEvent about an order into the outbox item that tells the care system — an ORS^O06
// (mappings/outbound/ors-o06.yaml) for orders that came in as HL7, an AppRec (apprec.yaml) for MsgHead orders —
// addressed to the destination configured for the order's inbound channel (gateway.yaml `mllp[].status_out`).
// The item carries the order id (traceable from the order) and an idempotency key derived from the event, so the
// same event never queues two reports and a report re-enqueued after a crash is the same row.
//
// Rendering happens before the store transaction that records the event; the store enqueues the item only when
// the order's state changes (apply), or the caller enqueues it for an event that adds line outcomes without a
// change. Thread-safe (the channel cache has a mutex); called from the status worker, the poller and the delivery
// engine's thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/model/order_event.hpp"
#include "gateway/store/store.hpp"

namespace gw::status {

enum class ReportFormat { hl7_ors_o06, apprec };

struct StatusDestination {
    std::string channel;      // the inbound channel (MLLP listener name) whose orders report here
    std::string destination;  // outbox destination, "mllp:care-system"
    ReportFormat format = ReportFormat::hl7_ors_o06;
    // canonical:order_event -> hl7 (mappings/outbound/ors-o06.yaml) or -> xml (apprec.yaml), per `format`.
    std::shared_ptr<const mapping::Mapping> mapping;
    // MSH-5 / MSH-6 of the reports; empty: the order's sender (its MSH-3 / MSH-4), who is waiting for the answer.
    std::string receiving_application;
    std::string receiving_facility;
};

struct ReporterOptions {
    std::vector<StatusDestination> destinations;
};

// What a report says beyond the event (answers to a cancel).
struct ReportOverrides {
    std::string answers_control_id;  // MSA-2: the message answered (default: the order's own MSH-10)
    std::string order_control;       // ORC-1 (default: from the state), e.g. UC "unable to cancel"
};

class StatusReporter {
public:
    StatusReporter(store::Store& store, ReporterOptions options);

    // The report for `event` about `order`; nullopt when the order's channel reports nowhere. Errors: the order's
    // stored JSON or the event cannot be rendered (the caller logs it; the event itself is still recorded).
    Result<std::optional<store::NewOutboxItem>> report(const store::OrderRecord& order, const model::OrderEvent& event,
                                                       const ReportOverrides& overrides = {});

    // The destination the order's reports go to, if any.
    std::optional<StatusDestination> destination_for(const store::OrderRecord& order);
    // ... and for a message that became no order (a cancel, answered on its own).
    std::optional<StatusDestination> destination_for_channel(const std::string& channel) const;

    const ReporterOptions& options() const noexcept { return options_; }

private:
    struct Origin {
        std::string channel;
        std::string sender;  // "MSH-3^MSH-4"
    };
    std::optional<Origin> origin_of(std::int64_t message_id);

    store::Store& store_;
    ReporterOptions options_;
    std::mutex mutex_;
    std::map<std::int64_t, Origin> origins_;  // message id -> channel and sender; bounded (cleared when large)
};

}  // namespace gw::status
