#pragma once
// DeliveryEngine: takes work from the store's outbox and hands it to adapters. Per destination ("vendor:oda-web")
// it claims due items up to the destination's concurrency limit, leases them to this instance, runs the adapter,
// and files the outcome in ONE store transaction with the order's new state: done (with the grocer's reference),
// retry later (exponential backoff with full jitter, never earlier than the grocer's Retry-After), or dead letter
// (a permanent error, or max attempts / max age reached) with the last error.
//
// Guarantees, together with the store:
//  - nothing is lost: an item leaves the outbox only as done or dead; a crash mid-delivery leaves it in flight
//    until its lease expires (or this instance restarts and releases its own leases at once);
//  - no order is submitted twice after it was accepted: every call carries the item's Idempotency-Key, and done
//    items are never claimed again;
//  - deliveries of one order go out in queue order (the store holds back an item behind an unfinished earlier one);
//  - Asio threads never touch the disk: store calls run on the engine's own thread; adapters run on the io_context.
//
// A destination can be paused (operators, a misbehaving grocer): nothing new is claimed, work in flight finishes.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "gateway/core/result.hpp"
#include "gateway/delivery/decision.hpp"
#include "gateway/store/store.hpp"

namespace gw::delivery {

struct DestinationSpec {
    std::string destination;  // outbox destination, "vendor:NAME"
    std::string vendor;       // recorded on order events
    std::shared_ptr<adapters::Adapter> adapter;
    RetryPolicy retry;
    int concurrency = 4;
    std::chrono::milliseconds lease{120'000};
    std::chrono::milliseconds operation_timeout{60'000};
    double rate_per_second = 0;  // 0: no rate limit
    int burst = 10;
    int breaker_failures = 5;    // consecutive retryable outcomes that open the circuit
    std::chrono::milliseconds breaker_open_for{30'000};
};

// One filed delivery attempt, for metrics (EngineOptions::on_attempt).
struct AttemptObservation {
    std::string_view destination;
    std::string_view vendor;
    std::string_view outcome;  // the adapter's outcome: success | partial | retryable | permanent
    std::string_view action;   // what the engine did: delivered | retry | dead_letter
    std::chrono::nanoseconds duration{0};
    std::optional<unsigned> http_status;
};

struct EngineOptions {
    std::string owner = "gateway-1";  // lease owner: the instance id, unique among instances sharing a store
    std::chrono::milliseconds poll_interval{250};  // how often an idle destination looks for due items
    store::Clock clock = store::system_clock();
    std::uint64_t seed = 0;  // jitter; 0 = from the random device
    // Called on the engine thread after every attempt is filed (metrics); keep it cheap.
    std::function<void(const AttemptObservation&)> on_attempt;
    // Status back to the care system (gateway/status). For each order event the engine files (submitted,
    // accepted, handed_over, rejected, failed, cancelled ...): the report to enqueue with it, in the same
    // transaction, when the order's state changes; nullopt for none. Engine thread.
    std::function<std::optional<store::NewOutboxItem>(const store::NewOrderEvent& event)> report_for;
    // A cancel the grocer refused for good (the item became a dead letter), to answer the care system. Engine thread.
    std::function<void(const store::OutboxItem& cancel, const std::string& reason)> on_cancel_refused;
};

struct DestinationStatus {
    std::string destination;
    bool paused = false;
    std::string breaker;  // closed | open | half_open
    int in_flight = 0;
    std::uint64_t delivered = 0;  // done (success or partial)
    std::uint64_t retried = 0;
    std::uint64_t dead = 0;
};

class DeliveryEngine {
public:
    // `store` must outlive the engine; adapters run on `io`.
    DeliveryEngine(boost::asio::io_context& io, store::Store& store, EngineOptions options,
                   std::vector<DestinationSpec> destinations);
    ~DeliveryEngine();
    DeliveryEngine(const DeliveryEngine&) = delete;
    DeliveryEngine& operator=(const DeliveryEngine&) = delete;

    // Releases this instance's leases left from a previous run, then starts polling every destination.
    Result<void> start();

    // Stops claiming; `done` runs (on the engine thread) when every delivery in flight has been filed, or after
    // `grace` — what is still running then stays leased and is retried after a restart. Any thread; idempotent.
    void stop(std::chrono::milliseconds grace, std::function<void()> done = {});

    // New work was queued for `destination` (e.g. an order was just created): look now instead of at the next poll.
    void wake(std::string_view destination);

    // Operators: pause/resume claiming for a destination; audited with `actor`. not_found for unknown destinations.
    Result<void> pause(std::string_view destination, std::string_view actor);
    Result<void> resume(std::string_view destination, std::string_view actor);

    std::vector<DestinationStatus> status() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace gw::delivery
