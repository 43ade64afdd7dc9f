#pragma once
// StatusIngest: where every status the grocers report — a verified webhook, a poll answer — becomes history of an
// order. One worker thread owns the store calls, so HTTP (Asio) threads never wait on SQLite: the webhook handler
// maps the body, submits it here and answers when `done` runs, i.e. after the event is committed (a vendor retry
// after our 2xx is never needed; a retry before it is safe).
//
// For each status:
//  1. the order is found by the vendor's order key (our id, the vendor's reference or the care system's placer
//     number) and must belong to that vendor; otherwise the body is stored as a rejected inbound message
//     (channel "webhook:VENDOR") for an operator and the answer is "unknown order";
//  2. the event must fit the order (line numbers it names must exist), else it is stored as rejected the same way;
//  3. the model's state machine decides (order_state.hpp): apply, duplicate, stale (late: the order never moves
//     backwards) or invalid (kept as history, the state unchanged, an operator is told);
//  4. the event is appended (the store drops a repeat of the same vendor event id) and, when the state moves, the
//     care system's status report is queued in the same transaction. An event that brings line outcomes without
//     moving the state is reported too, with the order's current state (never an older one), queued by its
//     idempotency key right after — a crash in between is healed by the vendor's retry or the next poll, which
//     queue the same key again.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "adapters/status/status_in_config.hpp"
#include "gateway/core/error.hpp"
#include "gateway/model/order_event.hpp"
#include "gateway/status/status_reporter.hpp"
#include "gateway/store/store.hpp"

namespace gw::status {

struct IncomingStatus {
    std::string vendor;
    adapters::status::OrderKey key = adapters::status::OrderKey::order_id;
    model::OrderEvent event;       // as mapped; event.order_id holds the value of `key`
    std::optional<Error> error;    // set: the body could not be mapped; it is stored as rejected
    std::string source = "webhook";  // webhook | poll (logs)
    std::string raw;               // the body as received, kept with a rejection
    std::string peer;
    std::string known_order_id;    // the poller knows the order already
};

enum class IngestStatus {
    stored,         // a new event; the order moved if the state machine allowed it
    duplicate,      // this vendor event id was stored before: nothing changed
    stale,          // recorded, but the order is already past (or at) that state: it does not move back
    invalid,        // recorded, but the move is not allowed (e.g. handed_over -> picking): state kept, logged
    unknown_order,  // no such order for this vendor: stored as a rejected message
    rejected,       // the body or event does not fit (mapping error, unknown line): stored as a rejected message
    unavailable,    // the store cannot take it now (queue full, database busy): the sender should retry
};
std::string_view to_string(IngestStatus status) noexcept;

struct IngestResult {
    IngestStatus status = IngestStatus::unavailable;
    std::string order_id;
    std::string order_state;  // the order's state afterwards, when known
    std::string detail;       // why, for rejections and problems
    bool state_changed = false;
    bool reported = false;  // a status report for the care system was queued
};

struct IngestStats {
    std::uint64_t received = 0, stored = 0, duplicates = 0, stale = 0, invalid = 0, unknown_orders = 0,
                  rejected = 0, unavailable = 0, after_final = 0, reports_queued = 0;
};

struct IngestOptions {
    std::size_t queue_capacity = 10'000;  // statuses waiting for the worker; more get `unavailable` (HTTP 503)
    // A report was queued for this destination: wake the delivery engine (DeliveryEngine::wake).
    std::function<void(const std::string& destination)> on_report_queued;
};

class StatusIngest {
public:
    // `reporter` may be null: no status goes back anywhere.
    StatusIngest(store::Store& store, StatusReporter* reporter, IngestOptions options = {});
    ~StatusIngest();  // stop()
    StatusIngest(const StatusIngest&) = delete;
    StatusIngest& operator=(const StatusIngest&) = delete;

    void start();
    // Processes what is queued, then joins. Idempotent.
    void stop();

    // Never blocks: queues the status; `done` runs once, on the worker thread (or at once, on this thread, when
    // the queue is full or stopped).
    void submit(IncomingStatus status, std::function<void(IngestResult)> done);

    // Synchronous (the worker, the poller's own thread, tests).
    IngestResult process(IncomingStatus status);

    IngestStats stats() const;

private:
    struct Job {
        IncomingStatus status;
        std::function<void(IngestResult)> done;
    };
    void run();
    IngestResult reject(const IncomingStatus& status, const Error& error, IngestStatus as);
    Result<std::optional<store::OrderRecord>> find_order(const IncomingStatus& status);

    store::Store& store_;
    StatusReporter* reporter_;
    IngestOptions options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool started_ = false;
    bool stopping_ = false;
    std::thread thread_;

    struct Counters {
        std::atomic<std::uint64_t> received{0}, stored{0}, duplicates{0}, stale{0}, invalid{0}, unknown_orders{0},
            rejected{0}, unavailable{0}, after_final{0}, reports_queued{0};
    } counters_;
};

}  // namespace gw::status
