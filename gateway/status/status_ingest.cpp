#include "gateway/status/status_ingest.hpp"

#include <fmt/format.h>

#include "gateway/log/log.hpp"
#include "gateway/model/json.hpp"
#include "gateway/model/order_state.hpp"
#include "gateway/model/validation.hpp"

namespace gw::status {
namespace {

bool may_transition(std::string_view from, std::string_view to) {
    const auto f = model::parse_order_state(from);
    const auto t = model::parse_order_state(to);
    return f && t && model::can_transition(*f, *t);
}

store::TimePoint to_time_point(const model::Timestamp& ts) {
    return std::chrono::time_point_cast<store::TimePoint::duration>(ts.to_sys());
}

}  // namespace

std::string_view to_string(IngestStatus status) noexcept {
    switch (status) {
        case IngestStatus::stored:
            return "stored";
        case IngestStatus::duplicate:
            return "duplicate";
        case IngestStatus::stale:
            return "stale";
        case IngestStatus::invalid:
            return "invalid";
        case IngestStatus::unknown_order:
            return "unknown_order";
        case IngestStatus::rejected:
            return "rejected";
        case IngestStatus::unavailable:
            return "unavailable";
    }
    return "unknown";
}

StatusIngest::StatusIngest(store::Store& store, StatusReporter* reporter, IngestOptions options)
    : store_(store), reporter_(reporter), options_(std::move(options)) {}

StatusIngest::~StatusIngest() { stop(); }

void StatusIngest::start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void StatusIngest::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void StatusIngest::submit(IncomingStatus status, std::function<void(IngestResult)> done) {
    {
        std::unique_lock lock(mutex_);
        if (started_ && !stopping_ && queue_.size() < options_.queue_capacity) {
            queue_.push_back(Job{std::move(status), std::move(done)});
            lock.unlock();
            wake_.notify_one();
            return;
        }
    }
    counters_.unavailable.fetch_add(1);
    IngestResult r;
    r.status = IngestStatus::unavailable;
    r.detail = "the gateway cannot take status reports right now (queue full or shutting down)";
    log::warn("status.queue_full", {{"vendor", status.vendor}});
    if (done) done(std::move(r));
}

void StatusIngest::run() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued is done
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        auto result = process(std::move(job.status));
        if (job.done) job.done(std::move(result));
    }
}

IngestStats StatusIngest::stats() const {
    IngestStats s;
    s.received = counters_.received.load();
    s.stored = counters_.stored.load();
    s.duplicates = counters_.duplicates.load();
    s.stale = counters_.stale.load();
    s.invalid = counters_.invalid.load();
    s.unknown_orders = counters_.unknown_orders.load();
    s.rejected = counters_.rejected.load();
    s.unavailable = counters_.unavailable.load();
    s.after_final = counters_.after_final.load();
    s.reports_queued = counters_.reports_queued.load();
    return s;
}

// Nothing is lost: a status that cannot be applied is kept, with why, where operators look for rejected messages.
IngestResult StatusIngest::reject(const IncomingStatus& status, const Error& error, IngestStatus as) {
    ingest::InboundMessage m;
    m.channel = status.source + ":" + status.vendor;
    m.raw = status.raw;
    m.sender = status.vendor;
    m.control_id = status.event.vendor_event_id.value_or("");
    m.message_type = "order_status";
    m.peer = status.peer;
    m.correlation_id = log::new_correlation_id();
    m.error = error;
    IngestResult r;
    r.status = as;
    r.detail = error.message;
    auto stored = store_.append_messages(std::span<const ingest::InboundMessage>(&m, 1));
    if (!stored) {
        log::error("status.reject_store_failed", {{"vendor", status.vendor}, {"error", stored.error().to_string()}});
        counters_.unavailable.fetch_add(1);
        r.status = IngestStatus::unavailable;
        return r;
    }
    (as == IngestStatus::unknown_order ? counters_.unknown_orders : counters_.rejected).fetch_add(1);
    log::warn("status.rejected", {{"vendor", status.vendor},
                                  {"source", status.source},
                                  {"as", to_string(as)},
                                  {"message_id", (*stored)[0].message_id},
                                  {"error", error.to_string()}});
    return r;
}

Result<std::optional<store::OrderRecord>> StatusIngest::find_order(const IncomingStatus& status) {
    using adapters::status::OrderKey;
    const std::string& key = status.known_order_id.empty() ? status.event.order_id : status.known_order_id;
    if (key.empty()) return std::optional<store::OrderRecord>{};
    if (!status.known_order_id.empty() || status.key == OrderKey::order_id) {
        auto order = store_.get_order(key);
        if (order) return std::optional<store::OrderRecord>(std::move(order).value());
        if (order.error().code == ErrorCode::not_found) return std::optional<store::OrderRecord>{};
        return std::move(order).error();
    }
    store::OrderQuery query;
    query.vendor = status.vendor;
    if (status.key == OrderKey::vendor_order_ref) {
        query.vendor_order_ref = key;
    } else {
        query.external_ref = key;
    }
    query.page.limit = 1;  // newest first: a placer number reused later names the newer order
    auto page = store_.find_orders(query);
    if (!page) return std::move(page).error();
    if (page->items.empty()) return std::optional<store::OrderRecord>{};
    return std::optional<store::OrderRecord>(std::move(page->items.front()));
}

IngestResult StatusIngest::process(IncomingStatus status) {
    counters_.received.fetch_add(1);
    if (status.error) return reject(status, *status.error, IngestStatus::rejected);

    auto found = find_order(status);
    if (!found) {
        counters_.unavailable.fetch_add(1);
        return IngestResult{IngestStatus::unavailable, {}, {}, found.error().message, false, false};
    }
    if (!*found || (*found)->vendor != status.vendor) {
        // Another vendor's order is as unknown to this vendor as a made-up one.
        return reject(status,
                      make_error(ErrorCode::not_found,
                                 fmt::format("no order with {} '{}' for vendor {}", to_string(status.key),
                                             status.event.order_id, status.vendor)),
                      IngestStatus::unknown_order);
    }
    const store::OrderRecord order = std::move(**found);
    model::OrderEvent& event = status.event;
    event.order_id = order.id;
    event.vendor = status.vendor;

    // The event must fit the order; an order whose personal data retention removed is checked without its lines.
    auto care_order = model::care_order_from_json(order.canonical_json);
    auto problems = care_order ? model::validate(event, *care_order) : model::validate(event);
    if (!problems.empty()) return reject(status, model::to_error(problems), IngestStatus::rejected);

    const auto current = model::parse_order_state(order.state);
    const auto decision = current ? model::decide_transition(*current, event.state) : model::TransitionDecision::apply;
    if (current && model::is_final(*current) && event.state != *current) {
        // E.g. "delivered" for an order the care system cancelled: the grocer and we disagree; someone should look.
        counters_.after_final.fetch_add(1);
        log::warn("status.event_after_final", {{"order_id", order.id},
                                               {"vendor", status.vendor},
                                               {"order_state", order.state},
                                               {"event_state", model::to_string(event.state)}});
    }

    // The care system's report: with the event when it moves the state; for line outcomes that arrive without a
    // move, with the order's current state, so the care system never sees an order go backwards.
    std::optional<store::NewOutboxItem> report;
    bool report_unchanged = false;
    if (reporter_ && decision != model::TransitionDecision::invalid) {
        model::OrderEvent what = event;
        if (decision != model::TransitionDecision::apply) {
            report_unchanged = !event.lines.empty();
            if (current) what.state = *current;
        }
        if (decision == model::TransitionDecision::apply || report_unchanged) {
            auto rendered = reporter_->report(order, what);
            if (!rendered) {
                log::error("status.report_failed", {{"order_id", order.id}, {"error", rendered.error().to_string()}});
            } else {
                report = std::move(*rendered);
            }
        }
    }

    store::NewOrderEvent append;
    append.order_id = order.id;
    append.vendor = status.vendor;
    append.vendor_event_id = event.vendor_event_id.value_or("");
    append.state = std::string(model::to_string(event.state));
    append.json = model::to_json_string(event);
    append.occurred_at = to_time_point(event.occurred_at);
    append.vendor_order_ref = event.vendor_order_ref.value_or("");
    append.may_transition = may_transition;
    auto appended = store_.append_order_event(append, report_unchanged ? std::nullopt : report);
    if (!appended) {
        counters_.unavailable.fetch_add(1);
        log::error("status.store_failed", {{"order_id", order.id}, {"error", appended.error().to_string()}});
        return IngestResult{IngestStatus::unavailable, order.id, order.state, appended.error().message, false, false};
    }

    IngestResult r;
    r.order_id = order.id;
    r.state_changed = appended->state_changed;
    r.order_state = appended->state_changed ? append.state : order.state;
    r.reported = report && appended->state_changed;
    if (report && report_unchanged) {
        // Idempotent on the key: a repeat of this event (vendor retry, next poll) queues nothing new.
        if (auto queued = store_.enqueue(*report); queued) {
            r.reported = true;
        } else {
            log::error("status.report_enqueue_failed", {{"order_id", order.id}, {"error", queued.error().to_string()}});
        }
    }
    if (r.reported) {
        counters_.reports_queued.fetch_add(1);
        if (options_.on_report_queued) options_.on_report_queued(report->destination);
    }
    if (!appended->inserted) {
        r.status = IngestStatus::duplicate;
        counters_.duplicates.fetch_add(1);
    } else if (decision == model::TransitionDecision::invalid) {
        r.status = IngestStatus::invalid;
        counters_.invalid.fetch_add(1);
        log::warn("status.invalid_transition", {{"order_id", order.id},
                                                {"vendor", status.vendor},
                                                {"from", order.state},
                                                {"to", append.state}});
    } else if (!appended->state_changed && decision != model::TransitionDecision::apply) {
        r.status = IngestStatus::stale;
        counters_.stale.fetch_add(1);
    } else {
        r.status = IngestStatus::stored;
        counters_.stored.fetch_add(1);
    }
    log::info("status.event", {{"order_id", order.id},
                               {"vendor", status.vendor},
                               {"source", status.source},
                               {"state", append.state},
                               {"result", to_string(r.status)},
                               {"order_state", r.order_state},
                               {"vendor_event_id", append.vendor_event_id},
                               {"reported", r.reported ? "yes" : "no"}});
    return r;
}

}  // namespace gw::status
