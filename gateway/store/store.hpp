#pragma once
// The durable store: the one place that knows SQL. Everything that must survive a restart goes through Store —
// inbound messages before they are acknowledged, orders and their events, the outbox of every outbound delivery
// with its attempts, and the audit log. SqliteStore (sqlite_store.hpp) is the single-instance implementation;
// PostgresStore (postgres_store.hpp) serves several gateway instances sharing one database (claim_due there is
// SELECT ... FOR UPDATE SKIP LOCKED). Both run the same schema migrations (migrations.hpp); open_store.hpp picks one.
//
// Every operation is atomic: it either commits completely or returns an Error and changes nothing. Errors:
// not_found (no such record), conflict (duplicate id, or a lease held by someone else), unavailable (the database is
// locked or busy: retry later), io_error (read-only, disk full, I/O error, not a database), internal.
// Implementations are safe to call from several threads.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/ingest/message_sink.hpp"
#include "gateway/store/records.hpp"
#include "gateway/store/shadow_records.hpp"

namespace gw::store {

// The one operation GroupCommitSink needs, separate so the sink can be tested against a stand-in.
class InboundBatchWriter {
  public:
    virtual ~InboundBatchWriter() = default;

    // Stores `batch` in ONE transaction (one fsync), in order, and returns one InboundAppend per message, or an Error
    // when nothing was stored. A message whose sender + control id is already stored — earlier, or earlier in this
    // batch — is a duplicate: no row is written and the original's id and ack are returned. Rejected messages
    // (error set) are stored with their error as state `rejected` and never claim their control id, so a corrected
    // resend goes through. received_at == epoch means "now".
    virtual Result<std::vector<InboundAppend>> append_messages(std::span<const ingest::InboundMessage> batch) = 0;
};

class Store : public InboundBatchWriter {
  public:
    // ---- inbound messages ----
    // `error` is required for failed and ignored otherwise. Moving to `received` or `rejected` is invalid_argument.
    virtual Result<void> mark_message(std::int64_t id, MessageState state, const std::optional<Error>& error) = 0;
    virtual Result<MessageRecord> get_message(std::int64_t id) = 0;  // with raw bytes
    virtual Result<Page<MessageRecord>> find_messages(const MessageQuery& query) = 0;

    // ---- orders ----
    // Creates the order, its first outbox item, and marks the source message processed, in one transaction: an
    // order never exists without its delivery queued. conflict if the message is already processed (a message
    // becomes at most one order). Returns the outbox item id. conflict if the order id exists.
    virtual Result<std::int64_t> create_order(const NewOrder& order, const NewOutboxItem& first_delivery) = 0;

    // Appends an event unless (vendor, vendor_event_id) is already stored (then inserted=false and nothing changes).
    // A new event moves the order to its state when event.may_transition allows it (so late or out-of-order webhooks
    // never move an order backwards), records vendor_order_ref, and — only when the state changed — enqueues
    // `report` (e.g. the status report to the care system), all in one transaction. not_found if there is no order.
    virtual Result<EventAppend> append_order_event(const NewOrderEvent& event,
                                                   const std::optional<NewOutboxItem>& report) = 0;

    // create_order for many orders in ONE transaction (the pipeline's group commit). Returns one result per order;
    // if any is refused, the others are stored one transaction each and the refused one carries its error.
    virtual Result<std::vector<Result<std::int64_t>>> create_orders(std::span<const OrderWithDelivery> batch) = 0;

    virtual Result<OrderRecord> get_order(std::string_view id) = 0;
    virtual Result<OrderDetail> get_order_detail(std::string_view id) = 0;
    virtual Result<Page<OrderRecord>> find_orders(const OrderQuery& query) = 0;

    // ---- outbox ----
    // Queues a delivery; idempotent on idempotency_key (returns the existing item's id).
    virtual Result<std::int64_t> enqueue(const NewOutboxItem& item) = 0;

    // Claims up to `limit` items for `destination` that are due (pending with next_attempt_at <= now, or in flight
    // with an expired lease) and not behind an unfinished earlier item of the same order, oldest due first: they become in_flight, leased to `owner` until now + lease, and their
    // attempts count goes up by one. Returns them ordered by next_attempt_at, id.
    virtual Result<std::vector<OutboxItem>> claim_due(std::string_view destination, std::size_t limit,
                                                      std::string_view owner, std::chrono::milliseconds lease) = 0;

    // Finish a claimed item and record the attempt. conflict if `owner` no longer holds it (another worker took it
    // over after the lease expired): that worker's outcome counts, not this one.
    virtual Result<void> complete(std::int64_t id, std::string_view owner, const AttemptReport& attempt) = 0;
    virtual Result<void> retry_later(std::int64_t id, std::string_view owner, TimePoint next_attempt,
                                     const AttemptReport& attempt) = 0;
    virtual Result<void> dead_letter(std::int64_t id, std::string_view owner, const AttemptReport& attempt) = 0;
    // complete() / dead_letter() and, in the same transaction, append_order_event(event, report) for the item's
    // order: the order's state never disagrees with its delivery, whatever moment the process dies.
    virtual Result<EventAppend> complete_with_event(std::int64_t id, std::string_view owner,
                                                    const AttemptReport& attempt, const NewOrderEvent& event,
                                                    const std::optional<NewOutboxItem>& report) = 0;
    virtual Result<EventAppend> dead_letter_with_event(std::int64_t id, std::string_view owner,
                                                       const AttemptReport& attempt, const NewOrderEvent& event,
                                                       const std::optional<NewOutboxItem>& report) = 0;

    // Start-up after a crash: items this instance (`owner`, its instance id) had in flight become pending and due
    // now, instead of waiting for their leases to expire. Only for the owner's own leases — instance ids must be
    // unique among gateways sharing a store. The attempt already counted stays counted. Returns how many.
    virtual Result<std::size_t> release_leases(std::string_view owner) = 0;

    virtual Result<Page<OutboxItem>> find_outbox(const OutboxQuery& query) = 0;

    // Replay: dead letters among `ids` become pending and due now; one audit entry per item, by `actor`, in the same
    // transaction. Returns how many were requeued (ids that are not dead letters are skipped).
    virtual Result<std::size_t> requeue_dead(std::span<const std::int64_t> ids, std::string_view actor) = 0;

    // ---- audit ----
    virtual Result<std::int64_t> append_audit(const NewAuditEntry& entry) = 0;
    virtual Result<Page<AuditEntry>> find_audit(const AuditQuery& query) = 0;

    // ---- housekeeping ----
    // Retention: for orders in a settled state (is_settled_order_state) last updated more than `older_than` ago,
    // removes the personal data — the source message's raw bytes, the "recipient" object and delivery instructions
    // of the canonical JSON, and the payloads of their finished (done or dead) deliveries — and keeps the
    // non-personal metadata (ids, states, times, vendor, municipality, events, attempts), so counts and history
    // stay. Rejected and failed messages without an order are purged by the same age. Writes one audit entry when
    // anything was purged; running it again purges nothing new.
    virtual Result<PurgeResult> purge_personal_data(std::chrono::days older_than) = 0;

    // Counts for metrics: messages per state, orders per vendor and state, outbox depth and oldest undelivered age
    // per destination.
    virtual Result<StoreStats> stats() = 0;

    // ---- shadow mode (gateway/shadow) ----
    // Stores the results in one transaction; a result for an (order, vendor) already stored is replaced.
    // not_found/conflict when an order does not exist. Default (a store without the shadow_result table): unsupported.
    virtual Result<void> record_shadow_results(std::span<const NewShadowResult> results);
    // Results per shadow vendor and outcome recorded at or after `since` (all when empty), sorted by vendor, outcome.
    virtual Result<std::vector<ShadowCount>> shadow_counts(std::optional<TimePoint> since);
    virtual Result<Page<ShadowResult>> find_shadow_results(const ShadowQuery& query);

    // Periodic upkeep, called by gateway/housekeeping off the hot path (SQLite: checkpoint the WAL into the database
    // file without blocking writers). Default: nothing to do.
    virtual Result<void> maintain() { return {}; }

    // ---- several gateway instances on one store ----
    // Whether this instance should run the singleton job `job` (outbox polling of a vendor, retention, scorecard
    // aggregation) now. PostgreSQL: a session advisory lock per job, held on a connection the store keeps for it,
    // until this instance stops or loses that connection; then another instance's next try_lead() takes over. Call
    // it before every run (cheap while held). A lost lead is noticed only at the next call, so a job must be safe to
    // run twice at the moment of a takeover. SQLite serves one instance: always true.
    virtual Result<bool> try_lead(std::string_view job) = 0;

    // Readiness for /readyz, without waiting on I/O: ok, or why the store cannot serve now — unavailable (the
    // database cannot be reached; the store keeps reconnecting in the background) or unsupported (the database's
    // schema is newer than this code). SQLite: always ok (a failing commit is reported by the commit itself).
    virtual Result<void> readiness() = 0;
};

}  // namespace gw::store
