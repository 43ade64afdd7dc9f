#pragma once
// The records the store keeps, the inputs that create them, and the queries that find them. Plain values: no SQL,
// no handles, so every Store implementation (SQLite now, PostgreSQL for several gateway instances later) shares them.
//
// Times are std::chrono::system_clock time points; the store keeps them as milliseconds since the Unix epoch (UTC),
// so anything finer than a millisecond does not survive a round trip.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::store {

using TimePoint = std::chrono::system_clock::time_point;

// Time is injected so tests can move it (leases, retries, retention) without sleeping.
using Clock = std::function<TimePoint()>;
Clock system_clock();

// ---- inbound messages -----------------------------------------------------------------------------------------

enum class MessageState {
    received,   // stored and acknowledged; the pipeline has not turned it into an order yet
    processed,  // became an order (create_order marks it in the same transaction)
    rejected,   // failed validation; stored with its error for inspection and replay, never processed
    failed,     // accepted, but mapping/routing failed later; see error_code/error_text
};
std::string_view to_string(MessageState state) noexcept;
std::optional<MessageState> parse_message_state(std::string_view name) noexcept;

struct MessageRecord {
    std::int64_t id = 0;
    std::string channel;
    std::string raw;  // empty when the query did not ask for it or retention purged it (see purged)
    std::string sender;
    std::string control_id;
    std::string message_type;
    std::string peer;
    std::string correlation_id;
    TimePoint received_at{};
    MessageState state = MessageState::received;
    std::string error_code;  // gw::to_string(ErrorCode) of the error, empty when none
    std::string error_text;
    std::string ack;      // the acknowledgement that was sent; returned again for duplicates
    bool purged = false;  // retention removed the raw bytes
};

// Result of appending one inbound message (see InboundBatchWriter::append_messages).
struct InboundAppend {
    bool duplicate = false;       // sender + control id was already stored: nothing new was written
    std::int64_t message_id = 0;  // the new row, or the original message for a duplicate
    std::string ack;              // the message's own ack, or the ORIGINAL ack for a duplicate
};

// ---- orders and their events ----------------------------------------------------------------------------------

// Order states are the canonical model's states (gateway/model/order_state.hpp); the store keeps them as text and
// leaves the transition rules to the model. Retention treats these as settled: the final states delivered,
// cancelled, rejected, failed, and handed_over (a vendor that reports no status: nothing more will come).
bool is_settled_order_state(std::string_view state) noexcept;

// Whether an order in state `from` may move to `to`; the caller's rule (model::can_transition), evaluated inside the
// store's write transaction so concurrent events (webhook and poll) cannot both decide from the same stale state.
using TransitionRule = std::function<bool(std::string_view from, std::string_view to)>;

struct NewOrder {
    std::string id;                          // gateway order id, e.g. "GW-01HZ..."; unique
    std::optional<std::int64_t> message_id;  // inbound message it came from; marked processed in the same transaction
    std::string canonical_json;  // the CareOrder as JSON; "recipient" is the personal part (removed by retention)
    std::string municipality;
    std::string vendor;
    std::string external_ref;  // placer order number from the care system
    std::string state = "received";
};

struct OrderRecord {
    std::int64_t seq = 0;  // insertion order; the paging cursor
    std::string id;
    std::optional<std::int64_t> message_id;
    std::string canonical_json;
    std::string municipality;
    std::string vendor;
    std::string external_ref;
    std::string vendor_order_ref;  // empty until the vendor names it
    std::string state;
    TimePoint created_at{};
    TimePoint updated_at{};
    bool purged = false;  // retention removed the personal data
};

struct NewOrderEvent {
    std::string order_id;
    std::string vendor;
    // The vendor's id for this event; (vendor, vendor_event_id) is unique, so a webhook retried by the vendor or seen
    // by both webhook and poll is stored once. Empty: a gateway-internal event, never deduplicated.
    std::string vendor_event_id;
    std::string state;
    std::string json;              // the canonical OrderEvent
    TimePoint occurred_at{};       // epoch: now
    std::string vendor_order_ref;  // when set, recorded on the order
    // When set, the order moves to `state` only if the rule allows it from the current state (a late "picking" after
    // "delivered" is stored as history but changes nothing). Unset: the order always moves to `state`.
    TransitionRule may_transition;
};

struct OrderEventRecord {
    std::int64_t id = 0;
    std::string order_id;
    std::string vendor;
    std::string vendor_event_id;
    std::string state;
    std::string json;
    TimePoint occurred_at{};
    TimePoint recorded_at{};
};

struct EventAppend {
    std::int64_t event_id = 0;   // the new event, or the one stored earlier with the same vendor event id
    bool inserted = false;       // false: a duplicate, nothing changed (no order update, no report enqueued)
    bool state_changed = false;  // the order moved to the event's state
};

// ---- outbox: every outbound delivery --------------------------------------------------------------------------

enum class OutboxKind { submit, cancel, status_report };
std::string_view to_string(OutboxKind kind) noexcept;
std::optional<OutboxKind> parse_outbox_kind(std::string_view name) noexcept;

enum class OutboxState {
    pending,    // waiting for next_attempt_at
    in_flight,  // claimed by lease_owner until lease_expires_at; after expiry anyone may claim it again
    done,
    dead,  // a dead letter: gave up; an operator may requeue it
};
std::string_view to_string(OutboxState state) noexcept;
std::optional<OutboxState> parse_outbox_state(std::string_view name) noexcept;

struct NewOutboxItem {
    std::string destination;  // "vendor:oda-web", "mllp:care-system"
    std::optional<std::string> order_id;
    OutboxKind kind = OutboxKind::submit;
    std::string payload;  // bytes to send (JSON, UBL XML, HL7)
    // Unique; the receiver deduplicates on it, and enqueueing the same key twice yields the first item.
    std::string idempotency_key;
    std::optional<TimePoint> not_before;  // first attempt time; default: now
};

struct OrderWithDelivery {
    NewOrder order;
    NewOutboxItem first_delivery;
};

struct OutboxItem {
    std::int64_t id = 0;
    std::string destination;
    std::optional<std::string> order_id;
    OutboxKind kind = OutboxKind::submit;
    std::string payload;
    std::string idempotency_key;
    OutboxState state = OutboxState::pending;
    int attempts = 0;  // how many times it was claimed, i.e. how many deliveries were started
    TimePoint next_attempt_at{};
    std::string last_error;
    std::string lease_owner;
    std::optional<TimePoint> lease_expires_at;
    TimePoint created_at{};
    TimePoint updated_at{};
};

enum class AttemptOutcome { success, retry, dead };
std::string_view to_string(AttemptOutcome outcome) noexcept;

// What a delivery worker reports about one attempt; stored with complete/retry_later/dead_letter.
struct AttemptReport {
    TimePoint started_at{};
    std::chrono::milliseconds duration{0};
    std::optional<int> http_status;
    std::string error;  // empty on success
};

struct DeliveryAttempt {
    std::int64_t id = 0;
    std::int64_t outbox_id = 0;
    TimePoint started_at{};
    AttemptOutcome outcome = AttemptOutcome::success;
    std::optional<int> http_status;
    std::string error;
    std::chrono::milliseconds duration{0};
};

// ---- audit ----------------------------------------------------------------------------------------------------

struct NewAuditEntry {
    std::string actor;   // user or "system"
    std::string action;  // "outbox.requeue", "retention.purge", "route.change", ...
    std::string target;  // "order:GW-...", "outbox:42", ...
    std::string detail;
};

struct AuditEntry {
    std::int64_t id = 0;
    TimePoint at{};
    std::string actor;
    std::string action;
    std::string target;
    std::string detail;
};

// ---- queries --------------------------------------------------------------------------------------------------

// Keyset paging, newest first: pass the previous page's next_cursor to get the next page. Stable while rows are
// added (unlike OFFSET).
struct PageRequest {
    std::size_t limit = 50;  // 1..1000; larger values are capped
    std::optional<std::int64_t> cursor;
};

template <class T>
struct Page {
    std::vector<T> items;
    std::optional<std::int64_t> next_cursor;  // empty: this was the last page
};

// Every set field narrows the result (AND). Time ranges are [from, to).
struct MessageQuery {
    std::optional<MessageState> state;
    std::string channel;
    std::string sender;
    std::string control_id;
    std::string correlation_id;
    std::optional<TimePoint> from;  // received_at
    std::optional<TimePoint> to;
    bool with_raw = false;  // raw bytes are large; lists usually leave them out
    PageRequest page;
};

struct OrderQuery {
    std::string state;
    std::string vendor;
    std::string municipality;
    std::string external_ref;
    std::string vendor_order_ref;
    std::string recipient_ref;  // the pseudonymous recipient reference in the canonical JSON (recipient.reference)
    std::optional<std::int64_t> message_id;
    std::optional<TimePoint> from;  // created_at
    std::optional<TimePoint> to;
    PageRequest page;
};

struct OutboxQuery {
    std::string destination;
    std::optional<OutboxState> state;  // OutboxState::dead lists the dead letters
    std::string order_id;
    PageRequest page;
};

struct AuditQuery {
    std::string actor;
    std::string action;
    std::string target;
    std::optional<TimePoint> from;
    std::optional<TimePoint> to;
    PageRequest page;
};

// One order with everything the ops API shows about it.
struct OrderDetail {
    OrderRecord order;
    std::vector<OrderEventRecord> events;   // oldest first
    std::vector<OutboxItem> deliveries;     // oldest first
    std::vector<DeliveryAttempt> attempts;  // of all deliveries, oldest first
};

// ---- housekeeping ---------------------------------------------------------------------------------------------

struct DestinationStats {
    std::string destination;
    std::int64_t pending = 0;
    std::int64_t in_flight = 0;
    std::int64_t dead = 0;
    // Age of the oldest item not yet delivered (pending or in flight); empty when there is none.
    std::optional<std::chrono::milliseconds> oldest_pending_age;

    std::int64_t depth() const noexcept { return pending + in_flight; }
};

// How many orders of one vendor are in one state.
struct OrderCount {
    std::string vendor;
    std::string state;
    std::int64_t count = 0;
};

struct StoreStats {
    std::int64_t messages_received = 0;
    std::int64_t messages_processed = 0;
    std::int64_t messages_rejected = 0;
    std::int64_t messages_failed = 0;
    std::vector<DestinationStats> destinations;  // sorted by destination
    std::vector<OrderCount> orders;              // sorted by vendor, state
};

struct PurgeResult {
    std::int64_t orders = 0;           // orders whose recipient data was removed
    std::int64_t messages = 0;         // inbound messages whose raw bytes were removed
    std::int64_t outbox_payloads = 0;  // finished deliveries whose payload was removed
};

}  // namespace gw::store
