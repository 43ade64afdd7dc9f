#include "gateway/delivery/engine.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "adapters/protection/circuit_breaker.hpp"
#include "adapters/protection/token_bucket.hpp"
#include "gateway/delivery/order_events.hpp"
#include "gateway/log/log.hpp"

namespace gw::delivery {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

adapters::Operation operation_for(store::OutboxKind kind) {
    switch (kind) {
        case store::OutboxKind::cancel: return adapters::Operation::cancel;
        case store::OutboxKind::submit:
        case store::OutboxKind::status_report: break;
    }
    return adapters::Operation::submit;
}

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

// Everything below runs on the engine thread (`work`), except what the public methods post to it and status().
struct DeliveryEngine::Impl : std::enable_shared_from_this<DeliveryEngine::Impl> {
    struct Destination {
        Destination(asio::io_context& ctx, DestinationSpec s)
            : spec(std::move(s)),
              timer(ctx),
              breaker({static_cast<std::size_t>(std::max(spec.breaker_failures, 1)), spec.breaker_open_for}) {
            if (spec.rate_per_second > 0) {
                bucket.emplace(spec.rate_per_second, static_cast<std::size_t>(std::max(spec.burst, 1)));
            }
        }
        DestinationSpec spec;
        asio::steady_timer timer;
        std::optional<adapters::protection::TokenBucket> bucket;  // no rate limit when empty
        adapters::protection::CircuitBreaker breaker;
        bool poll_posted = false;
        std::atomic<bool> paused{false};
        std::atomic<int> in_flight{0};
        std::atomic<std::uint64_t> delivered{0}, retried{0}, dead{0};
    };

    Impl(asio::io_context& io_context, store::Store& s, EngineOptions o)
        : io(io_context), store(s), options(std::move(o)), random(options.seed ? options.seed : std::random_device{}()),
          guard(asio::make_work_guard(work)), stop_timer(work) {}

    asio::io_context& io;
    store::Store& store;
    EngineOptions options;
    std::mt19937_64 random;
    asio::io_context work;  // the engine thread's own context: store calls and scheduling
    asio::executor_work_guard<asio::io_context::executor_type> guard;
    std::map<std::string, std::unique_ptr<Destination>, std::less<>> destinations;
    bool stopping = false;
    // Set by the destructor: the engine is gone, late completions are dropped instead of queued (a handler queued on
    // `work` holds this Impl, which owns `work`: a cycle that would never be freed).
    std::atomic<bool> abandoned{false};
    // Deliveries waiting for a rate-limit token (cancelled by the destructor; expired entries are pruned).
    std::vector<std::weak_ptr<asio::steady_timer>> rate_waits;
    std::vector<std::function<void()>> stopped_callbacks;
    asio::steady_timer stop_timer;
    std::thread thread;

    int total_in_flight() const {
        int n = 0;
        for (const auto& [name, d] : destinations) n += d->in_flight.load();
        return n;
    }

    void schedule_poll(Destination& d, std::chrono::milliseconds after) {
        if (stopping) return;
        d.timer.expires_after(after);
        d.timer.async_wait([self = shared_from_this(), dp = &d](boost::system::error_code ec) {
            if (!ec) self->poll(*dp);
        });
    }

    void poll_soon(Destination& d) {
        if (d.poll_posted || stopping) return;
        d.poll_posted = true;
        asio::post(work, [self = shared_from_this(), dp = &d] {
            dp->poll_posted = false;
            self->poll(*dp);
        });
    }

    void poll(Destination& d) {
        if (stopping || d.paused.load()) return;
        const int free = d.spec.concurrency - d.in_flight.load();
        if (free > 0) {
            // An open circuit (the grocer keeps failing) sends nothing until a single probe may go.
            if (!d.breaker.allow()) {
                schedule_poll(d, std::max(options.poll_interval,
                                          std::chrono::duration_cast<std::chrono::milliseconds>(d.breaker.retry_in())));
                return;
            }
            const bool probing = d.breaker.state() == adapters::protection::BreakerState::half_open;
            const std::size_t limit = probing ? 1 : static_cast<std::size_t>(free);
            if (limit > 0) {
                auto claimed = store.claim_due(d.spec.destination, limit, options.owner, d.spec.lease);
                if (!claimed) {
                    log::warn("delivery.claim_failed",
                              {{"destination", d.spec.destination}, {"error", claimed.error().to_string()}});
                    schedule_poll(d, options.poll_interval * 4);
                    return;
                }
                for (auto& item : *claimed) dispatch(d, std::move(item));
            }
        }
        schedule_poll(d, options.poll_interval);
    }

    void dispatch(Destination& d, store::OutboxItem item) {
        d.in_flight.fetch_add(1);
        const auto wait = d.bucket ? d.bucket->reserve() : std::chrono::nanoseconds(0);
        if (wait > std::chrono::nanoseconds(0)) {
            auto timer = std::make_shared<asio::steady_timer>(work, wait);
            std::erase_if(rate_waits, [](const auto& w) { return w.expired(); });
            rate_waits.push_back(timer);
            timer->async_wait([self = shared_from_this(), dp = &d, timer, item = std::move(item)](auto) mutable {
                if (self->stopping) {  // stays leased; released at the next start
                    dp->in_flight.fetch_sub(1);
                    return;
                }
                self->run(*dp, std::move(item));
            });
            return;
        }
        run(d, std::move(item));
    }

    void run(Destination& d, store::OutboxItem item) {
        adapters::DeliveryRequest request;
        request.order_id = item.order_id.value_or("");
        request.idempotency_key = item.idempotency_key;
        request.timeout = d.spec.operation_timeout;
        boost::system::error_code ec;
        if (item.kind == store::OutboxKind::status_report) {
            request.payload = item.payload;  // the rendered report (HL7, AppRec XML), sent as stored
        } else {
            request.order = boost::json::parse(item.payload, ec);
        }
        if (ec || (item.kind == store::OutboxKind::status_report && item.payload.empty())) {
            adapters::DeliveryOutcome bad;
            bad.outcome = adapters::Outcome::permanent;
            bad.error = item.payload.empty() ? "the delivery's payload was removed by retention"
                                             : fmt::format("stored payload is not JSON: {}", ec.message());
            file(d, item, bad, std::chrono::steady_clock::now(), options.clock());
            return;
        }
        if (item.order_id && item.kind == store::OutboxKind::cancel) {
            if (auto order = store.get_order(*item.order_id)) request.vendor_order_ref = order->vendor_order_ref;
        }
        const auto started_steady = std::chrono::steady_clock::now();
        const auto started = options.clock();
        const auto op = operation_for(item.kind);
        log::debug("delivery.start", {{"destination", d.spec.destination},
                                      {"outbox_id", item.id},
                                      {"order_id", request.order_id},
                                      {"attempt", item.attempts}});
        d.spec.adapter->run(op, std::move(request),
                            [self = shared_from_this(), dp = &d, item = std::move(item), started_steady,
                             started](adapters::DeliveryOutcome outcome) mutable {
                                if (self->abandoned.load()) return;  // filed by nobody: leased, retried after restart
                                asio::post(self->work, [self, dp, item = std::move(item), started_steady, started,
                                                        outcome = std::move(outcome)]() mutable {
                                    self->file(*dp, item, outcome, started_steady, started);
                                });
                            });
    }

    // The care system's status report for an event the engine files, if it wants one (gateway/status).
    std::optional<store::NewOutboxItem> report_for(const store::NewOrderEvent& event) const {
        if (!options.report_for) return std::nullopt;
        return options.report_for(event);
    }

    // Files one outcome: the outbox item and the order's new state in one transaction.
    void file(Destination& d, const store::OutboxItem& item, const adapters::DeliveryOutcome& outcome,
              std::chrono::steady_clock::time_point started_steady, store::TimePoint started) {
        const auto now = options.clock();
        if (outcome.outcome == adapters::Outcome::retryable) {
            d.breaker.record_failure();
        } else {
            d.breaker.record_success();  // the grocer answered (a 400 is an answer): it is up
        }
        const auto decision = decide(outcome, item, d.spec.retry, now, random);
        store::AttemptReport attempt;
        attempt.started_at = started;
        attempt.duration = since(started_steady);
        if (outcome.http_status) attempt.http_status = static_cast<int>(*outcome.http_status);
        attempt.error = decision.action == Action::complete ? outcome.error : decision.reason;

        Result<void> filed;
        const bool about_order = item.order_id && item.kind != store::OutboxKind::status_report;
        switch (decision.action) {
            case Action::complete: {
                if (about_order) {
                    // A vendor that never reports status has nothing more to say once it took the order.
                    const bool reports_status = d.spec.adapter->capabilities().status != adapters::StatusMode::none;
                    auto event =
                        delivered_event(*item.order_id, d.spec.vendor, item.kind, outcome, now, reports_status);
                    auto r = store.complete_with_event(item.id, options.owner, attempt, event, report_for(event));
                    if (!r) filed = std::move(r).error();
                } else {
                    filed = store.complete(item.id, options.owner, attempt);
                }
                d.delivered.fetch_add(1);
                break;
            }
            case Action::retry:
                filed = store.retry_later(item.id, options.owner, decision.next_attempt, attempt);
                d.retried.fetch_add(1);
                break;
            case Action::dead: {
                if (about_order && item.kind == store::OutboxKind::submit) {
                    auto event = failed_event(*item.order_id, d.spec.vendor, outcome, decision.reason, now);
                    auto r = store.dead_letter_with_event(item.id, options.owner, attempt, event, report_for(event));
                    if (!r) filed = std::move(r).error();
                } else {
                    filed = store.dead_letter(item.id, options.owner, attempt);
                    if (filed && item.kind == store::OutboxKind::cancel && options.on_cancel_refused) {
                        options.on_cancel_refused(item, decision.reason);
                    }
                }
                d.dead.fetch_add(1);
                break;
            }
        }
        const std::string_view action = decision.action == Action::complete ? "delivered"
                                        : decision.action == Action::retry  ? "retry"
                                                                            : "dead_letter";
        if (!filed) {
            // Usually a lost lease (another worker took the item over after it expired): its outcome counts.
            log::warn("delivery.file_failed", {{"destination", d.spec.destination},
                                               {"outbox_id", item.id},
                                               {"action", action},
                                               {"error", filed.error().to_string()}});
        } else {
            const auto level = decision.action == Action::dead ? log::Level::warn : log::Level::info;
            log::write(level, "delivery.attempt",
                       {{"destination", d.spec.destination},
                        {"outbox_id", item.id},
                        {"order_id", item.order_id.value_or("")},
                        {"attempt", item.attempts},
                        {"outcome", adapters::to_string(outcome.outcome)},
                        {"action", action},
                        {"http_status", outcome.http_status ? std::to_string(*outcome.http_status) : std::string()},
                        {"error", attempt.error},
                        {"duration_ms", attempt.duration.count()}});
        }
        if (options.on_attempt) {
            AttemptObservation seen;
            seen.destination = d.spec.destination;
            seen.vendor = d.spec.vendor;
            seen.outcome = adapters::to_string(outcome.outcome);
            seen.action = action;
            seen.duration = std::chrono::steady_clock::now() - started_steady;
            if (outcome.http_status) seen.http_status = static_cast<unsigned>(*outcome.http_status);
            options.on_attempt(seen);
        }
        d.in_flight.fetch_sub(1);
        if (stopping) {
            maybe_stopped();
            return;
        }
        poll_soon(d);
    }

    void maybe_stopped() {
        if (!stopping || total_in_flight() > 0 || stopped_callbacks.empty()) return;
        finish_stop();
    }

    void finish_stop() {
        stop_timer.cancel();
        auto callbacks = std::move(stopped_callbacks);
        stopped_callbacks.clear();
        if (abandoned.load()) return;  // the owner destroyed the engine: nobody waits any more
        for (auto& cb : callbacks) {
            if (cb) cb();
        }
        guard.reset();
    }
};

DeliveryEngine::DeliveryEngine(asio::io_context& io, store::Store& store, EngineOptions options,
                               std::vector<DestinationSpec> destinations)
    : impl_(std::make_shared<Impl>(io, store, std::move(options))) {
    for (auto& spec : destinations) {
        auto name = spec.destination;
        impl_->destinations.emplace(
            std::move(name), std::make_unique<Impl::Destination>(impl_->work, std::move(spec)));
    }
}

DeliveryEngine::~DeliveryEngine() {
    if (impl_->thread.joinable()) {
        if (!impl_->stopping) stop(0ms);
        impl_->guard.reset();
        impl_->work.stop();
        impl_->thread.join();
    }
    // Break the cycle Impl -> work -> queued handler -> Impl: no new completions are queued, pending timers are
    // cancelled, and what is queued runs once on this thread (it sees `stopping` and returns).
    impl_->abandoned = true;
    impl_->stopping = true;
    for (auto& [name, d] : impl_->destinations) d->timer.cancel();
    impl_->stop_timer.cancel();
    for (auto& w : impl_->rate_waits) {
        if (auto timer = w.lock()) timer->cancel();
    }
    impl_->work.restart();
    impl_->work.poll();
}

Result<void> DeliveryEngine::start() {
    auto released = impl_->store.release_leases(impl_->options.owner);
    if (!released) return std::move(released).error();
    if (*released > 0) {
        log::info("delivery.leases_released", {{"owner", impl_->options.owner}, {"items", *released}});
    }
    impl_->thread = std::thread([impl = impl_] { impl->work.run(); });
    for (auto& [name, d] : impl_->destinations) impl_->poll_soon(*d);
    return {};
}

void DeliveryEngine::stop(std::chrono::milliseconds grace, std::function<void()> done) {
    // Decided before posting: once the stop is posted, `done` may run on the engine thread and its owner may destroy
    // this engine (joining the thread) before this call returns — nothing below may touch `this` or the thread.
    const bool started = impl_->thread.joinable();
    auto impl_keep = impl_;
    asio::post(impl_keep->work, [impl = impl_keep, grace, done = std::move(done)]() mutable {
        impl->stopped_callbacks.push_back(std::move(done));
        if (impl->stopping) {
            impl->maybe_stopped();
            return;
        }
        impl->stopping = true;
        for (auto& [name, d] : impl->destinations) d->timer.cancel();
        if (impl->total_in_flight() == 0) {
            impl->finish_stop();
            return;
        }
        impl->stop_timer.expires_after(grace);
        impl->stop_timer.async_wait([impl](boost::system::error_code ec) {
            if (ec || impl->stopped_callbacks.empty()) return;
            log::warn("delivery.stop_grace_expired", {{"in_flight", impl->total_in_flight()}});
            impl->finish_stop();
        });
    });
    if (!started) {
        // Never started: run the posted stop inline.
        impl_keep->work.poll();
    }
}

void DeliveryEngine::wake(std::string_view destination) {
    auto it = impl_->destinations.find(destination);
    if (it == impl_->destinations.end()) return;
    asio::post(impl_->work, [impl = impl_, d = it->second.get()] { impl->poll_soon(*d); });
}

Result<void> DeliveryEngine::pause(std::string_view destination, std::string_view actor) {
    auto it = impl_->destinations.find(destination);
    if (it == impl_->destinations.end()) {
        return make_error(ErrorCode::not_found, fmt::format("no delivery destination '{}'", destination));
    }
    if (it->second->paused.exchange(true)) return {};
    log::warn("delivery.paused", {{"destination", destination}, {"actor", actor}});
    auto audited = impl_->store.append_audit({std::string(actor), "destination.pause",
                                              std::string(destination), "deliveries paused"});
    if (!audited) return std::move(audited).error();
    return {};
}

Result<void> DeliveryEngine::resume(std::string_view destination, std::string_view actor) {
    auto it = impl_->destinations.find(destination);
    if (it == impl_->destinations.end()) {
        return make_error(ErrorCode::not_found, fmt::format("no delivery destination '{}'", destination));
    }
    if (!it->second->paused.exchange(false)) return {};
    log::info("delivery.resumed", {{"destination", destination}, {"actor", actor}});
    auto audited = impl_->store.append_audit({std::string(actor), "destination.resume",
                                              std::string(destination), "deliveries resumed"});
    wake(destination);
    if (!audited) return std::move(audited).error();
    return {};
}

std::vector<DestinationStatus> DeliveryEngine::status() const {
    std::vector<DestinationStatus> out;
    for (const auto& [name, d] : impl_->destinations) {
        DestinationStatus s;
        s.destination = name;
        s.paused = d->paused.load();
        s.breaker = std::string(adapters::protection::to_string(d->breaker.state()));
        s.in_flight = d->in_flight.load();
        s.delivered = d->delivered.load();
        s.retried = d->retried.load();
        s.dead = d->dead.load();
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace gw::delivery
