#include "gateway/status/cancel_forwarder.hpp"

#include <fmt/format.h>

#include "gateway/log/log.hpp"
#include "gateway/model/json.hpp"
#include "gateway/model/order_state.hpp"

namespace gw::status {
namespace {

std::string text_at(const boost::json::value& v, std::initializer_list<std::string_view> path) {
    const boost::json::value* cur = &v;
    for (auto key : path) {
        const auto* obj = cur->if_object();
        if (!obj) return {};
        const auto* next = obj->if_contains(key);
        if (!next) return {};
        cur = next;
    }
    const auto* s = cur->if_string();
    return s ? std::string(*s) : std::string();
}

}  // namespace

std::string_view to_string(CancelResult result) noexcept {
    switch (result) {
        case CancelResult::forwarded:
            return "forwarded";
        case CancelResult::unable:
            return "unable";
        case CancelResult::already_cancelled:
            return "already_cancelled";
    }
    return "unknown";
}

CancelForwarder::CancelForwarder(store::Store& store, StatusReporter* reporter, CancelOptions options)
    : store_(store), reporter_(reporter), options_(std::move(options)) {}

// Records the request in the order's history without moving its state, and queues the answer for the care system.
Result<void> CancelForwarder::answer(const store::OrderRecord& order, const std::string& answers_control_id,
                                     const std::string& order_control, const std::string& reason) {
    const auto state = model::parse_order_state(order.state).value_or(model::OrderState::received);
    model::OrderEvent event;
    event.order_id = order.id;
    event.vendor = order.vendor;
    if (!order.vendor_order_ref.empty()) event.vendor_order_ref = order.vendor_order_ref;
    event.state = state;
    event.occurred_at = model::utc_timestamp(options_.clock());
    event.reason = reason;

    store::NewOrderEvent history;
    history.order_id = order.id;
    history.vendor = "gateway";  // the gateway's own note, never deduplicated (no vendor event id)
    history.state = order.state;
    history.json = model::to_json_string(event);
    history.occurred_at = options_.clock();
    history.may_transition = [](std::string_view, std::string_view) { return false; };
    if (auto appended = store_.append_order_event(history, std::nullopt); !appended) return std::move(appended).error();
    if (auto audited = store_.append_audit({"care-system", "order.cancel_request", "order:" + order.id, reason});
        !audited) {
        log::warn("status.cancel_audit_failed", {{"order_id", order.id}, {"error", audited.error().to_string()}});
    }
    if (!reporter_) return {};
    auto report = reporter_->report(order, event, ReportOverrides{answers_control_id, order_control});
    if (!report) return std::move(report).error();
    if (!*report) return {};
    auto queued = store_.enqueue(**report);
    if (!queued) return std::move(queued).error();
    if (options_.on_queued) options_.on_queued((*report)->destination);
    return {};
}

Result<CancelOutcome> CancelForwarder::handle(const store::MessageRecord& message, const boost::json::value& cancel) {
    const std::string placer = text_at(cancel, {"source", "placer_order_number"});
    const std::string cancel_control_id = text_at(cancel, {"source", "control_id"});
    store::OrderQuery query;
    query.external_ref = placer;
    query.page.limit = 1;  // newest first
    auto page = placer.empty() ? Result<store::Page<store::OrderRecord>>(store::Page<store::OrderRecord>{})
                               : store_.find_orders(query);
    if (!page) return std::move(page).error();
    if (page->items.empty()) {
        return make_error(ErrorCode::not_found,
                          fmt::format("cancel of placer order number '{}': the gateway has no such order", placer));
    }
    const store::OrderRecord order = page->items.front();
    CancelOutcome out;
    out.order_id = order.id;
    const auto state = model::parse_order_state(order.state);

    if (state && model::is_final(*state)) {
        if (*state == model::OrderState::cancelled) {
            out.result = CancelResult::already_cancelled;
            out.reason = "the order was already cancelled";
            if (auto r = answer(order, cancel_control_id, "CR", out.reason); !r) return std::move(r).error();
        } else {
            out.result = CancelResult::unable;
            out.reason = fmt::format("the order is {}: too late to cancel", order.state);
            if (auto r = answer(order, cancel_control_id, "UC", out.reason); !r) return std::move(r).error();
        }
    } else {
        const auto caps = options_.capabilities ? options_.capabilities(order.vendor) : std::nullopt;
        if (caps && caps->cancel) {
            store::NewOutboxItem item;
            item.destination = "vendor:" + order.vendor;
            item.order_id = order.id;
            item.kind = store::OutboxKind::cancel;
            item.payload = order.canonical_json;
            item.idempotency_key = "cancel:" + order.id;
            auto queued = store_.enqueue(item);
            if (!queued) return std::move(queued).error();
            if (auto audited = store_.append_audit({"care-system", "order.cancel_request", "order:" + order.id,
                                                    "forwarded to " + order.vendor});
                !audited) {
                log::warn("status.cancel_audit_failed", {{"order_id", order.id}, {"error", audited.error().to_string()}});
            }
            if (options_.on_queued) options_.on_queued(item.destination);
            out.result = CancelResult::forwarded;
            out.reason = "forwarded to " + order.vendor;
        } else {
            out.result = CancelResult::unable;
            out.reason = caps ? fmt::format("grocer {} cannot cancel orders through its API; the order is still {} "
                                            "- cancel it with the grocer directly",
                                            order.vendor, order.state)
                              : fmt::format("grocer {} is no longer configured; the order is still {}", order.vendor,
                                            order.state);
            if (auto r = answer(order, cancel_control_id, "UC", out.reason); !r) return std::move(r).error();
        }
    }
    log::info("status.cancel", {{"message_id", message.id},
                                {"order_id", order.id},
                                {"vendor", order.vendor},
                                {"result", to_string(out.result)},
                                {"reason", out.reason}});
    return out;
}

void CancelForwarder::refused(const store::OutboxItem& cancel, const std::string& reason) {
    if (!cancel.order_id) return;
    auto order = store_.get_order(*cancel.order_id);
    if (!order) {
        log::error("status.cancel_refused_unanswered", {{"outbox_id", cancel.id}, {"error", order.error().to_string()}});
        return;
    }
    const auto why = fmt::format("grocer {} refused the cancel: {}", order->vendor, reason);
    if (auto r = answer(*order, {}, "UC", why); !r) {
        log::error("status.cancel_refused_unanswered", {{"order_id", order->id}, {"error", r.error().to_string()}});
        return;
    }
    log::warn("status.cancel_refused", {{"order_id", order->id}, {"vendor", order->vendor}, {"reason", reason}});
}

}  // namespace gw::status
