#include "gateway/store/sqlite_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <variant>

#include "gateway/store/migrations.hpp"
#include "gateway/store/retention_rules.hpp"

// Propagates the Error of a Result<void>-returning call; keeps the many transaction steps readable.
#define GW_STORE_TRY(expr)                             \
    do {                                               \
        if (auto gw_store_r_ = (expr); !gw_store_r_) { \
            return std::move(gw_store_r_).error();     \
        }                                              \
    } while (false)

namespace gw::store {
namespace {

using sqlite::Blob;
using sqlite::Connection;
using sqlite::Null;
using sqlite::Statement;
using sqlite::Transaction;

constexpr std::size_t kMaxPageSize = 1000;

std::int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

std::optional<TimePoint> optional_time(const Statement& s, int column) {
    if (s.is_null(column)) return std::nullopt;
    return from_ms(s.int64(column));
}

std::size_t page_limit(const PageRequest& page) {
    return std::clamp<std::size_t>(page.limit, 1, kMaxPageSize);
}

// ---- schema ----

Result<int> read_schema_version(Connection& db) {
    auto version = db.query_text("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!version) return std::move(version).error();
    return std::stoi(*version);
}

Error newer_schema_error(const std::string& path, int found) {
    return make_error(ErrorCode::unsupported,
                      fmt::format("store: database {} has schema version {}, newer than this gateway understands "
                                  "(up to {}); run a newer gateway or restore a backup taken before the upgrade",
                                  path, found, latest_schema_version()));
}

// Brings the schema up to date, one migration per transaction, so a failure leaves the database at a known version.
Result<int> migrate(Connection& db, const std::string& path, std::int64_t now) {
    GW_STORE_TRY(db.exec(kSchemaVersionTable));
    auto current = read_schema_version(db);
    if (!current) return std::move(current).error();
    if (*current > latest_schema_version()) return newer_schema_error(path, *current);
    for (const Migration& migration : migrations()) {
        if (migration.version <= *current) continue;
        auto tx = Transaction::begin(db);
        if (!tx) return std::move(tx).error();
        // Another process may have migrated while we waited for the write lock.
        auto locked_version = read_schema_version(db);
        if (!locked_version) return std::move(locked_version).error();
        if (*locked_version > latest_schema_version()) return newer_schema_error(path, *locked_version);
        if (*locked_version >= migration.version) continue;
        GW_STORE_TRY(db.exec(render(migration, SqlDialect::sqlite)));
        auto record = db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (?1, ?2, ?3)");
        if (!record) return std::move(record).error();
        GW_STORE_TRY(record->bind_all(migration.version, migration.name, now).run());
        GW_STORE_TRY(tx->commit());
    }
    return read_schema_version(db);
}

// ---- dynamic filters: only the conditions a query sets, so every search can use its index ----

class Filter {
  public:
    void add(std::string_view condition, std::variant<std::string, std::int64_t> value) {
        sql_ += conditions_++ == 0 ? " WHERE " : " AND ";
        sql_ += condition;
        params_.push_back(std::move(value));
    }
    void equals(std::string_view column, const std::string& value) {
        if (!value.empty()) add(fmt::format("{} = ?", column), value);
    }
    void range(std::string_view column, const std::optional<TimePoint>& from, const std::optional<TimePoint>& to) {
        if (from) add(fmt::format("{} >= ?", column), to_ms(*from));
        if (to) add(fmt::format("{} < ?", column), to_ms(*to));
    }
    void cursor(std::string_view column, const PageRequest& page) {
        if (page.cursor) add(fmt::format("{} < ?", column), *page.cursor);
    }
    const std::string& sql() const { return sql_; }

    // Binds the filter's parameters, then `limit`, in the order the SQL names them.
    void bind(Statement& stmt, std::size_t limit) const {
        int index = 1;
        for (const auto& p : params_) std::visit([&](const auto& v) { stmt.bind(index++, v); }, p);
        stmt.bind(index, limit);
    }

  private:
    std::string sql_;
    int conditions_ = 0;
    std::vector<std::variant<std::string, std::int64_t>> params_;
};

// Runs a filtered, newest-first page query. One extra row tells whether another page follows.
template <class T, class Read, class Key>
Result<Page<T>> run_page_query(Connection& db, std::string_view select, const Filter& filter,
                               std::string_view order_column, const PageRequest& page, Read read, Key key) {
    const std::size_t limit = page_limit(page);
    auto stmt = db.prepare(fmt::format("{}{} ORDER BY {} DESC LIMIT ?", select, filter.sql(), order_column));
    if (!stmt) return std::move(stmt).error();
    filter.bind(*stmt, limit + 1);
    Page<T> result;
    for (;;) {
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        result.items.push_back(read(*stmt));
    }
    if (result.items.size() > limit) {
        result.items.resize(limit);
        result.next_cursor = key(result.items.back());
    }
    return result;
}

// ---- row readers; the column lists and readers go together ----

constexpr std::string_view kMessageColumns =
    "id, channel, sender, control_id, message_type, peer, correlation_id, received_at, state, error_code, "
    "error_text, ack, purged_at";

MessageRecord read_message(const Statement& s) {
    MessageRecord m;
    m.id = s.int64(0);
    m.channel = s.text(1);
    m.sender = s.text(2);
    m.control_id = s.text(3);
    m.message_type = s.text(4);
    m.peer = s.text(5);
    m.correlation_id = s.text(6);
    m.received_at = from_ms(s.int64(7));
    m.state = parse_message_state(s.text(8)).value_or(MessageState::received);
    m.error_code = s.text(9);
    m.error_text = s.text(10);
    m.ack = s.blob(11);
    m.purged = !s.is_null(12);
    m.raw = s.blob(13);
    return m;
}

constexpr std::string_view kOrderColumns =
    "seq, id, message_id, canonical_json, municipality, vendor, external_ref, vendor_order_ref, state, created_at, "
    "updated_at, purged_at";

OrderRecord read_order(const Statement& s) {
    OrderRecord o;
    o.seq = s.int64(0);
    o.id = s.text(1);
    o.message_id = s.optional_int64(2);
    o.canonical_json = s.text(3);
    o.municipality = s.text(4);
    o.vendor = s.text(5);
    o.external_ref = s.text(6);
    o.vendor_order_ref = s.text(7);
    o.state = s.text(8);
    o.created_at = from_ms(s.int64(9));
    o.updated_at = from_ms(s.int64(10));
    o.purged = !s.is_null(11);
    return o;
}

constexpr std::string_view kEventColumns =
    "id, order_id, vendor, vendor_event_id, state, event_json, occurred_at, recorded_at";

OrderEventRecord read_event(const Statement& s) {
    OrderEventRecord e;
    e.id = s.int64(0);
    e.order_id = s.text(1);
    e.vendor = s.text(2);
    e.vendor_event_id = s.text(3);
    e.state = s.text(4);
    e.json = s.text(5);
    e.occurred_at = from_ms(s.int64(6));
    e.recorded_at = from_ms(s.int64(7));
    return e;
}

constexpr std::string_view kOutboxColumns =
    "id, destination, order_id, kind, payload, idempotency_key, state, attempts, next_attempt_at, last_error, "
    "lease_owner, lease_expires_at, created_at, updated_at";

OutboxItem read_outbox(const Statement& s) {
    OutboxItem o;
    o.id = s.int64(0);
    o.destination = s.text(1);
    if (!s.is_null(2)) o.order_id = s.text(2);
    o.kind = parse_outbox_kind(s.text(3)).value_or(OutboxKind::submit);
    o.payload = s.blob(4);
    o.idempotency_key = s.text(5);
    o.state = parse_outbox_state(s.text(6)).value_or(OutboxState::pending);
    o.attempts = static_cast<int>(s.int64(7));
    o.next_attempt_at = from_ms(s.int64(8));
    o.last_error = s.text(9);
    o.lease_owner = s.text(10);
    o.lease_expires_at = optional_time(s, 11);
    o.created_at = from_ms(s.int64(12));
    o.updated_at = from_ms(s.int64(13));
    return o;
}

constexpr std::string_view kAttemptColumns =
    "a.id, a.outbox_id, a.started_at, a.outcome, a.http_status, a.error, "
    "a.duration_ms";

DeliveryAttempt read_attempt(const Statement& s) {
    DeliveryAttempt a;
    a.id = s.int64(0);
    a.outbox_id = s.int64(1);
    a.started_at = from_ms(s.int64(2));
    const std::string outcome = s.text(3);
    a.outcome = outcome == "success" ? AttemptOutcome::success
                : outcome == "retry" ? AttemptOutcome::retry
                                     : AttemptOutcome::dead;
    if (!s.is_null(4)) a.http_status = static_cast<int>(s.int64(4));
    a.error = s.text(5);
    a.duration = std::chrono::milliseconds(s.int64(6));
    return a;
}

constexpr std::string_view kAuditColumns = "id, at, actor, action, target, detail";

AuditEntry read_audit(const Statement& s) {
    AuditEntry a;
    a.id = s.int64(0);
    a.at = from_ms(s.int64(1));
    a.actor = s.text(2);
    a.action = s.text(3);
    a.target = s.text(4);
    a.detail = s.text(5);
    return a;
}

template <class T, class Read>
Result<std::vector<T>> read_all(Statement& stmt, Read read) {
    std::vector<T> rows;
    for (;;) {
        auto row = stmt.step();
        if (!row) return std::move(row).error();
        if (!*row) return rows;
        rows.push_back(read(stmt));
    }
}

}  // namespace

// ---- open ----

SqliteStore::SqliteStore(SqliteStoreOptions options, sqlite::Connection writer, sqlite::Connection reader, int version)
    : options_(std::move(options)), schema_version_(version), writer_(std::move(writer)), reader_(std::move(reader)) {}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(SqliteStoreOptions options) {
    if (options.path.empty()) return make_error(ErrorCode::invalid_argument, "store: empty database path");
    if (!options.clock) options.clock = system_clock();

    auto writer = Connection::open(options.path, false, options.busy_timeout);
    if (!writer) return std::move(writer).error();
    // WAL: readers never block the writer and a commit is one sequential append; FULL: the WAL is fsynced at every
    // commit, so a completed commit survives power loss, not only a process crash.
    auto mode = writer->query_text("PRAGMA journal_mode=WAL");
    if (!mode) return std::move(mode).error();
    if (*mode != "wal") {
        return make_error(ErrorCode::io_error,
                          fmt::format("store: {} cannot use WAL journal mode (got '{}')", options.path, *mode));
    }
    GW_STORE_TRY(writer->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"));
    // Checkpoints belong to housekeeping (maintain(), off the hot path); the automatic one on the writer's commit
    // stays only as a safety net in case housekeeping stalls, at ~40 MB of WAL instead of the default 4 MB.
    GW_STORE_TRY(writer->exec("PRAGMA wal_autocheckpoint=10000"));

    auto version = migrate(*writer, options.path, to_ms(options.clock()));
    if (!version) return std::move(version).error();

    auto reader = Connection::open(options.path, true, options.busy_timeout);
    if (!reader) return std::move(reader).error();

    return std::unique_ptr<SqliteStore>(
        new SqliteStore(std::move(options), std::move(writer).value(), std::move(reader).value(), *version));
}

Result<void> SqliteStore::maintain() {
    // A connection of its own: a PASSIVE checkpoint copies what it can from the WAL into the database without
    // waiting for, or blocking, the writer and the readers.
    auto conn = Connection::open(options_.path, false, options_.busy_timeout);
    if (!conn) return std::move(conn).error();
    GW_STORE_TRY(conn->exec("PRAGMA wal_checkpoint(PASSIVE)"));
    GW_STORE_TRY(conn->exec("PRAGMA optimize"));
    return {};
}

std::int64_t SqliteStore::now_ms() const {
    return to_ms(options_.clock());
}

Result<void> SqliteStore::set_query_only_for_testing(bool query_only) {
    std::lock_guard lock(writer_mutex_);
    return writer_.exec(query_only ? "PRAGMA query_only=ON" : "PRAGMA query_only=OFF");
}

// ---- inbound messages ----

Result<std::vector<InboundAppend>> SqliteStore::append_messages(std::span<const ingest::InboundMessage> batch) {
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    const std::int64_t now = now_ms();
    std::vector<InboundAppend> out;
    out.reserve(batch.size());
    for (const ingest::InboundMessage& m : batch) {
        const bool claims_control_id = !m.error && !m.control_id.empty();
        if (claims_control_id) {
            auto find = writer_.prepare(
                "SELECT id, ack FROM inbound_message WHERE sender = ?1 AND control_id = ?2 AND claims_control_id = 1");
            if (!find) return std::move(find).error();
            find->bind_all(m.sender, m.control_id);
            auto row = find->step();
            if (!row) return std::move(row).error();
            if (*row) {
                out.push_back(InboundAppend{true, find->int64(0), find->blob(1)});
                continue;
            }
        }
        auto insert = writer_.prepare(
            "INSERT INTO inbound_message (channel, sender, control_id, message_type, peer, correlation_id, "
            "received_at, state, claims_control_id, error_code, error_text, raw, ack) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
        if (!insert) return std::move(insert).error();
        const std::int64_t received_at = m.received_at == TimePoint{} ? now : to_ms(m.received_at);
        insert->bind_all(m.channel, m.sender, m.control_id, m.message_type, m.peer, m.correlation_id, received_at,
                         m.error ? "rejected" : "received", claims_control_id ? 1 : 0);
        if (m.error) {
            insert->bind(10, gw::to_string(m.error->code)).bind(11, m.error->to_string());
        } else {
            insert->bind(10, Null{}).bind(11, Null{});
        }
        insert->bind(12, Blob{m.raw}).bind(13, Blob{m.ack});
        GW_STORE_TRY(insert->run());
        out.push_back(InboundAppend{false, writer_.last_insert_rowid(), m.ack});
    }
    GW_STORE_TRY(tx->commit());
    return out;
}

Result<void> SqliteStore::mark_message(std::int64_t id, MessageState state, const std::optional<Error>& error) {
    if (state != MessageState::processed && state != MessageState::failed) {
        return make_error(
            ErrorCode::invalid_argument,
            fmt::format("store: a message can only be marked processed or failed, not {}", to_string(state)));
    }
    if (state == MessageState::failed && !error) {
        return make_error(ErrorCode::invalid_argument, "store: marking a message failed needs the error");
    }
    std::lock_guard lock(writer_mutex_);
    auto update = writer_.prepare(
        "UPDATE inbound_message SET state = ?2, error_code = ?3, error_text = ?4 "
        "WHERE id = ?1 AND state <> 'rejected'");
    if (!update) return std::move(update).error();
    update->bind_all(id, to_string(state));
    if (state == MessageState::failed) {
        update->bind(3, gw::to_string(error->code)).bind(4, error->to_string());
    } else {
        update->bind(3, Null{}).bind(4, Null{});
    }
    GW_STORE_TRY(update->run());
    if (writer_.changes() == 0) {
        return make_error(ErrorCode::not_found, fmt::format("store: no accepted message with id {}", id));
    }
    return {};
}

Result<MessageRecord> SqliteStore::get_message(std::int64_t id) {
    std::lock_guard lock(reader_mutex_);
    auto stmt = reader_.prepare(fmt::format("SELECT {}, raw FROM inbound_message WHERE id = ?1", kMessageColumns));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return make_error(ErrorCode::not_found, fmt::format("store: no message with id {}", id));
    return read_message(*stmt);
}

Result<Page<MessageRecord>> SqliteStore::find_messages(const MessageQuery& query) {
    Filter filter;
    if (query.state) filter.add("state = ?", std::string(to_string(*query.state)));
    filter.equals("channel", query.channel);
    filter.equals("sender", query.sender);
    filter.equals("control_id", query.control_id);
    filter.equals("correlation_id", query.correlation_id);
    filter.range("received_at", query.from, query.to);
    filter.cursor("id", query.page);
    const auto select =
        fmt::format("SELECT {}, {} FROM inbound_message", kMessageColumns, query.with_raw ? "raw" : "NULL");
    std::lock_guard lock(reader_mutex_);
    return run_page_query<MessageRecord>(reader_, select, filter, "id", query.page, read_message,
                                         [](const MessageRecord& m) { return m.id; });
}

// ---- orders ----

Result<std::int64_t> SqliteStore::insert_outbox(const NewOutboxItem& item, std::int64_t now) {
    if (item.destination.empty() || item.idempotency_key.empty()) {
        return make_error(ErrorCode::invalid_argument, "store: an outbox item needs a destination and idempotency key");
    }
    auto insert = writer_.prepare(
        "INSERT INTO outbox (destination, order_id, kind, payload, idempotency_key, state, attempts, "
        "next_attempt_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7, ?7) "
        "ON CONFLICT (idempotency_key) DO NOTHING");
    if (!insert) return std::move(insert).error();
    insert->bind_all(item.destination, item.order_id, to_string(item.kind), Blob{item.payload}, item.idempotency_key,
                     item.not_before ? to_ms(*item.not_before) : now, now);
    GW_STORE_TRY(insert->run());
    if (writer_.changes() == 1) return writer_.last_insert_rowid();
    auto existing = writer_.prepare("SELECT id FROM outbox WHERE idempotency_key = ?1");
    if (!existing) return std::move(existing).error();
    existing->bind(1, item.idempotency_key);
    auto row = existing->step();
    if (!row) return std::move(row).error();
    if (!*row) return make_error(ErrorCode::internal, "store: outbox insert ignored without a conflicting row");
    return existing->int64(0);
}

Result<std::int64_t> SqliteStore::create_order(const NewOrder& order, const NewOutboxItem& first_delivery) {
    if (order.id.empty()) return make_error(ErrorCode::invalid_argument, "store: an order needs an id");
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    auto outbox_id = create_order_locked(order, first_delivery, now_ms());
    if (!outbox_id) return outbox_id;
    GW_STORE_TRY(tx->commit());
    return outbox_id;
}

Result<std::vector<Result<std::int64_t>>> SqliteStore::create_orders(std::span<const OrderWithDelivery> batch) {
    std::vector<Result<std::int64_t>> results;
    if (batch.empty()) return results;
    {
        std::lock_guard lock(writer_mutex_);
        auto tx = Transaction::begin(writer_);
        if (!tx) return std::move(tx).error();
        const std::int64_t now = now_ms();
        bool all_ok = true;
        for (const auto& [order, delivery] : batch) {
            if (order.id.empty()) {
                all_ok = false;
                break;
            }
            auto r = create_order_locked(order, delivery, now);
            if (!r) {
                all_ok = false;
                break;
            }
            results.push_back(std::move(r));
        }
        if (all_ok) {
            GW_STORE_TRY(tx->commit());
            return results;
        }
    }
    // One of them was refused (the transaction rolled back): one transaction each, so the others still go in and
    // the refused one gets its own error.
    results.clear();
    for (const auto& [order, delivery] : batch) results.push_back(create_order(order, delivery));
    return results;
}

Result<std::int64_t> SqliteStore::create_order_locked(const NewOrder& order, const NewOutboxItem& first_delivery,
                                                      std::int64_t now) {
    if (order.id.empty()) return make_error(ErrorCode::invalid_argument, "store: an order needs an id");
    {
        auto exists = writer_.prepare("SELECT 1 FROM orders WHERE id = ?1");
        if (!exists) return std::move(exists).error();
        exists->bind(1, order.id);
        auto row = exists->step();
        if (!row) return std::move(row).error();
        if (*row) return make_error(ErrorCode::conflict, fmt::format("store: order {} already exists", order.id));
    }
    auto insert = writer_.prepare(
        "INSERT INTO orders (id, message_id, canonical_json, municipality, vendor, external_ref, state, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
    if (!insert) return std::move(insert).error();
    GW_STORE_TRY(insert
                     ->bind_all(order.id, order.message_id, order.canonical_json, order.municipality, order.vendor,
                                order.external_ref, order.state, now)
                     .run());
    NewOutboxItem delivery = first_delivery;
    if (!delivery.order_id) delivery.order_id = order.id;
    auto outbox_id = insert_outbox(delivery, now);
    if (!outbox_id) return outbox_id;
    if (order.message_id) {
        auto processed = writer_.prepare(
            "UPDATE inbound_message SET state = 'processed', error_code = NULL, error_text = NULL "
            "WHERE id = ?1 AND state IN ('received', 'failed')");
        if (!processed) return std::move(processed).error();
        GW_STORE_TRY(processed->bind(1, *order.message_id).run());
        // A message becomes at most one order: a second pipeline run (recovery racing a replay, two instances)
        // must not create a second order for it.
        if (writer_.changes() == 0) {
            return make_error(ErrorCode::conflict, fmt::format("store: message {} is already processed or does not "
                                                               "exist",
                                                               *order.message_id));
        }
    }
    return outbox_id;
}

Result<EventAppend> SqliteStore::append_order_event(const NewOrderEvent& event,
                                                    const std::optional<NewOutboxItem>& report) {
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    auto result = append_event_locked(event, report, now_ms());
    if (!result) return result;
    if (!result->inserted) return result;  // a duplicate: the transaction rolls back, nothing changed
    GW_STORE_TRY(tx->commit());
    return result;
}

Result<EventAppend> SqliteStore::append_event_locked(const NewOrderEvent& event,
                                                     const std::optional<NewOutboxItem>& report, std::int64_t now) {
    std::string current_state;
    {
        auto order = writer_.prepare("SELECT state FROM orders WHERE id = ?1");
        if (!order) return std::move(order).error();
        order->bind(1, event.order_id);
        auto row = order->step();
        if (!row) return std::move(row).error();
        if (!*row) return make_error(ErrorCode::not_found, fmt::format("store: no order {}", event.order_id));
        current_state = order->text(0);
    }
    if (!event.vendor_event_id.empty()) {
        auto seen = writer_.prepare("SELECT id FROM order_event WHERE vendor = ?1 AND vendor_event_id = ?2");
        if (!seen) return std::move(seen).error();
        seen->bind_all(event.vendor, event.vendor_event_id);
        auto row = seen->step();
        if (!row) return std::move(row).error();
        if (*row) return EventAppend{seen->int64(0), false, false};  // nothing written
    }

    EventAppend result{0, true, false};
    auto insert = writer_.prepare(
        "INSERT INTO order_event (order_id, vendor, vendor_event_id, state, event_json, occurred_at, recorded_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert) return std::move(insert).error();
    insert->bind_all(event.order_id, event.vendor);
    if (event.vendor_event_id.empty()) {
        insert->bind(3, Null{});  // NULLs are distinct in the unique index: internal events never collide
    } else {
        insert->bind(3, event.vendor_event_id);
    }
    insert->bind(4, event.state)
        .bind(5, event.json)
        .bind(6, event.occurred_at == TimePoint{} ? now : to_ms(event.occurred_at))
        .bind(7, now);
    GW_STORE_TRY(insert->run());
    result.event_id = writer_.last_insert_rowid();

    const bool moves =
        event.state != current_state && (!event.may_transition || event.may_transition(current_state, event.state));
    if (moves || !event.vendor_order_ref.empty()) {
        auto update = writer_.prepare(
            "UPDATE orders SET state = CASE WHEN ?2 THEN ?3 ELSE state END, "
            "vendor_order_ref = CASE WHEN ?4 = '' THEN vendor_order_ref ELSE ?4 END, updated_at = ?5 WHERE id = ?1");
        if (!update) return std::move(update).error();
        GW_STORE_TRY(update->bind_all(event.order_id, moves ? 1 : 0, event.state, event.vendor_order_ref, now).run());
        result.state_changed = moves;
    }
    if (moves && report) {
        NewOutboxItem item = *report;
        if (!item.order_id) item.order_id = event.order_id;
        auto outbox_id = insert_outbox(item, now);
        if (!outbox_id) return std::move(outbox_id).error();
    }
    return result;
}

Result<OrderRecord> SqliteStore::get_order(std::string_view id) {
    std::lock_guard lock(reader_mutex_);
    auto stmt = reader_.prepare(fmt::format("SELECT {} FROM orders WHERE id = ?1", kOrderColumns));
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return make_error(ErrorCode::not_found, fmt::format("store: no order {}", id));
    return read_order(*stmt);
}

Result<OrderDetail> SqliteStore::get_order_detail(std::string_view id) {
    std::lock_guard lock(reader_mutex_);
    // One snapshot: the order, its events and its deliveries as of the same commit.
    auto snapshot = Transaction::begin_read(reader_);
    if (!snapshot) return std::move(snapshot).error();
    OrderDetail detail;
    {
        auto stmt = reader_.prepare(fmt::format("SELECT {} FROM orders WHERE id = ?1", kOrderColumns));
        if (!stmt) return std::move(stmt).error();
        stmt->bind(1, id);
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) return make_error(ErrorCode::not_found, fmt::format("store: no order {}", id));
        detail.order = read_order(*stmt);
    }
    {
        auto stmt = reader_.prepare(
            fmt::format("SELECT {} FROM order_event WHERE order_id = ?1 ORDER BY occurred_at, id", kEventColumns));
        if (!stmt) return std::move(stmt).error();
        stmt->bind(1, id);
        auto events = read_all<OrderEventRecord>(*stmt, read_event);
        if (!events) return std::move(events).error();
        detail.events = std::move(events).value();
    }
    {
        auto stmt =
            reader_.prepare(fmt::format("SELECT {} FROM outbox WHERE order_id = ?1 ORDER BY id", kOutboxColumns));
        if (!stmt) return std::move(stmt).error();
        stmt->bind(1, id);
        auto deliveries = read_all<OutboxItem>(*stmt, read_outbox);
        if (!deliveries) return std::move(deliveries).error();
        detail.deliveries = std::move(deliveries).value();
    }
    {
        auto stmt = reader_.prepare(fmt::format(
            "SELECT {} FROM delivery_attempt a JOIN outbox o ON o.id = a.outbox_id WHERE o.order_id = ?1 ORDER BY a.id",
            kAttemptColumns));
        if (!stmt) return std::move(stmt).error();
        stmt->bind(1, id);
        auto attempts = read_all<DeliveryAttempt>(*stmt, read_attempt);
        if (!attempts) return std::move(attempts).error();
        detail.attempts = std::move(attempts).value();
    }
    GW_STORE_TRY(snapshot->commit());
    return detail;
}

Result<Page<OrderRecord>> SqliteStore::find_orders(const OrderQuery& query) {
    Filter filter;
    filter.equals("state", query.state);
    filter.equals("vendor", query.vendor);
    filter.equals("municipality", query.municipality);
    filter.equals("external_ref", query.external_ref);
    filter.equals("vendor_order_ref", query.vendor_order_ref);
    filter.equals("json_extract(canonical_json, '$.recipient.reference')", query.recipient_ref);
    if (query.message_id) filter.add("message_id = ?", *query.message_id);
    filter.range("created_at", query.from, query.to);
    filter.cursor("seq", query.page);
    std::lock_guard lock(reader_mutex_);
    return run_page_query<OrderRecord>(reader_, fmt::format("SELECT {} FROM orders", kOrderColumns), filter, "seq",
                                       query.page, read_order, [](const OrderRecord& o) { return o.seq; });
}

// ---- outbox ----

Result<std::int64_t> SqliteStore::enqueue(const NewOutboxItem& item) {
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    auto id = insert_outbox(item, now_ms());
    if (!id) return id;
    GW_STORE_TRY(tx->commit());
    return id;
}

Result<std::vector<OutboxItem>> SqliteStore::claim_due(std::string_view destination, std::size_t limit,
                                                       std::string_view owner, std::chrono::milliseconds lease) {
    if (owner.empty() || lease.count() <= 0) {
        return make_error(ErrorCode::invalid_argument, "store: a claim needs an owner and a positive lease");
    }
    if (limit == 0) return std::vector<OutboxItem>{};
    std::lock_guard lock(writer_mutex_);
    const std::int64_t now = now_ms();
    // One statement, so the choice and the lease are atomic; PostgreSQL's version selects FOR UPDATE SKIP LOCKED.
    auto claim = writer_.prepare(fmt::format(
        "UPDATE outbox SET state = 'in_flight', lease_owner = ?1, lease_expires_at = ?2, attempts = attempts + 1, "
        "updated_at = ?3 WHERE id IN (SELECT id FROM outbox WHERE destination = ?4 AND "
        "((state = 'pending' AND next_attempt_at <= ?3) OR (state = 'in_flight' AND lease_expires_at <= ?3)) "
        // Deliveries of one order go out in the order they were queued (submit before cancel, status reports in
        // sequence): an item waits while an earlier one of the same order and destination is unfinished.
        "AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.order_id = outbox.order_id "
        "AND earlier.destination = outbox.destination AND earlier.id < outbox.id "
        "AND earlier.state IN ('pending', 'in_flight')) "
        "ORDER BY next_attempt_at, id LIMIT ?5) RETURNING {}",
        kOutboxColumns));
    if (!claim) return std::move(claim).error();
    claim->bind_all(owner, now + lease.count(), now, destination, std::min<std::size_t>(limit, kMaxPageSize));
    auto items = read_all<OutboxItem>(*claim, read_outbox);
    if (!items) return items;
    // RETURNING yields rows in no promised order; restore the order the selection used.
    std::sort(items->begin(), items->end(), [](const OutboxItem& a, const OutboxItem& b) {
        return std::pair(a.next_attempt_at, a.id) < std::pair(b.next_attempt_at, b.id);
    });
    return items;
}

Result<EventAppend> SqliteStore::finish_attempt(std::int64_t id, std::string_view owner, AttemptOutcome outcome,
                                                std::optional<TimePoint> next_attempt, const AttemptReport& attempt,
                                                const NewOrderEvent* event, const std::optional<NewOutboxItem>& report) {
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    const std::int64_t now = now_ms();
    const std::string_view new_state = outcome == AttemptOutcome::success ? "done"
                                       : outcome == AttemptOutcome::retry ? "pending"
                                                                          : "dead";
    auto update = writer_.prepare(
        "UPDATE outbox SET state = ?3, next_attempt_at = COALESCE(?4, next_attempt_at), last_error = ?5, "
        "lease_owner = '', lease_expires_at = NULL, updated_at = ?6 "
        "WHERE id = ?1 AND state = 'in_flight' AND lease_owner = ?2");
    if (!update) return std::move(update).error();
    std::optional<std::int64_t> next_ms;
    if (next_attempt) next_ms = to_ms(*next_attempt);
    GW_STORE_TRY(update
                     ->bind_all(id, owner, new_state, next_ms,
                                outcome == AttemptOutcome::success ? std::string_view() : attempt.error, now)
                     .run());
    if (writer_.changes() == 0) {
        auto current = writer_.prepare("SELECT state, lease_owner FROM outbox WHERE id = ?1");
        if (!current) return std::move(current).error();
        current->bind(1, id);
        auto row = current->step();
        if (!row) return std::move(row).error();
        if (!*row) return make_error(ErrorCode::not_found, fmt::format("store: no outbox item {}", id));
        return make_error(ErrorCode::conflict,
                          fmt::format("store: outbox item {} is not leased to {} (state {}, lease owner '{}')", id,
                                      owner, current->text(0), current->text(1)));
    }
    auto record = writer_.prepare(
        "INSERT INTO delivery_attempt (outbox_id, started_at, outcome, http_status, error, duration_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!record) return std::move(record).error();
    GW_STORE_TRY(record
                     ->bind_all(id, attempt.started_at == TimePoint{} ? now : to_ms(attempt.started_at),
                                to_string(outcome), attempt.http_status, attempt.error, attempt.duration.count())
                     .run());
    EventAppend appended;
    if (event) {
        auto result = append_event_locked(*event, report, now);
        if (!result) return std::move(result).error();
        appended = *result;
    }
    GW_STORE_TRY(tx->commit());
    return appended;
}

namespace {
Result<void> drop_value(Result<EventAppend> r) {
    if (!r) return std::move(r).error();
    return {};
}
}  // namespace

Result<void> SqliteStore::complete(std::int64_t id, std::string_view owner, const AttemptReport& attempt) {
    return drop_value(finish_attempt(id, owner, AttemptOutcome::success, std::nullopt, attempt, nullptr, {}));
}

Result<void> SqliteStore::retry_later(std::int64_t id, std::string_view owner, TimePoint next_attempt,
                                      const AttemptReport& attempt) {
    return drop_value(finish_attempt(id, owner, AttemptOutcome::retry, next_attempt, attempt, nullptr, {}));
}

Result<void> SqliteStore::dead_letter(std::int64_t id, std::string_view owner, const AttemptReport& attempt) {
    return drop_value(finish_attempt(id, owner, AttemptOutcome::dead, std::nullopt, attempt, nullptr, {}));
}

Result<EventAppend> SqliteStore::complete_with_event(std::int64_t id, std::string_view owner,
                                                     const AttemptReport& attempt, const NewOrderEvent& event,
                                                     const std::optional<NewOutboxItem>& report) {
    return finish_attempt(id, owner, AttemptOutcome::success, std::nullopt, attempt, &event, report);
}

Result<EventAppend> SqliteStore::dead_letter_with_event(std::int64_t id, std::string_view owner,
                                                        const AttemptReport& attempt, const NewOrderEvent& event,
                                                        const std::optional<NewOutboxItem>& report) {
    return finish_attempt(id, owner, AttemptOutcome::dead, std::nullopt, attempt, &event, report);
}

Result<Page<OutboxItem>> SqliteStore::find_outbox(const OutboxQuery& query) {
    Filter filter;
    filter.equals("destination", query.destination);
    if (query.state) filter.add("state = ?", std::string(to_string(*query.state)));
    filter.equals("order_id", query.order_id);
    filter.cursor("id", query.page);
    std::lock_guard lock(reader_mutex_);
    return run_page_query<OutboxItem>(reader_, fmt::format("SELECT {} FROM outbox", kOutboxColumns), filter, "id",
                                      query.page, read_outbox, [](const OutboxItem& o) { return o.id; });
}

Result<std::size_t> SqliteStore::release_leases(std::string_view owner) {
    if (owner.empty()) return make_error(ErrorCode::invalid_argument, "store: release needs the lease owner");
    std::lock_guard lock(writer_mutex_);
    const std::int64_t now = now_ms();
    auto update = writer_.prepare(
        "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, lease_owner = '', lease_expires_at = NULL, "
        "updated_at = ?2 WHERE state = 'in_flight' AND lease_owner = ?1");
    if (!update) return std::move(update).error();
    GW_STORE_TRY(update->bind_all(owner, now).run());
    return static_cast<std::size_t>(writer_.changes());
}

Result<std::size_t> SqliteStore::requeue_dead(std::span<const std::int64_t> ids, std::string_view actor) {
    if (actor.empty()) return make_error(ErrorCode::invalid_argument, "store: requeue needs the acting user");
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    const std::int64_t now = now_ms();
    std::size_t requeued = 0;
    for (const std::int64_t id : ids) {
        // A payload emptied by retention cannot be delivered again; it stays dead.
        auto update = writer_.prepare(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, lease_owner = '', lease_expires_at = NULL, "
            "updated_at = ?2 WHERE id = ?1 AND state = 'dead' AND length(payload) > 0");
        if (!update) return std::move(update).error();
        GW_STORE_TRY(update->bind_all(id, now).run());
        if (writer_.changes() == 0) continue;
        ++requeued;
        auto audit = insert_audit(
            {std::string(actor), "outbox.requeue", fmt::format("outbox:{}", id), "dead letter requeued for delivery"},
            now);
        if (!audit) return std::move(audit).error();
    }
    GW_STORE_TRY(tx->commit());
    return requeued;
}

// ---- audit ----

Result<std::int64_t> SqliteStore::insert_audit(const NewAuditEntry& entry, std::int64_t now) {
    auto insert =
        writer_.prepare("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return std::move(insert).error();
    GW_STORE_TRY(insert->bind_all(now, entry.actor, entry.action, entry.target, entry.detail).run());
    return writer_.last_insert_rowid();
}

Result<std::int64_t> SqliteStore::append_audit(const NewAuditEntry& entry) {
    if (entry.actor.empty() || entry.action.empty()) {
        return make_error(ErrorCode::invalid_argument, "store: an audit entry needs an actor and an action");
    }
    std::lock_guard lock(writer_mutex_);
    return insert_audit(entry, now_ms());  // one statement: its own transaction
}

Result<Page<AuditEntry>> SqliteStore::find_audit(const AuditQuery& query) {
    Filter filter;
    filter.equals("actor", query.actor);
    filter.equals("action", query.action);
    filter.equals("target", query.target);
    filter.range("at", query.from, query.to);
    filter.cursor("id", query.page);
    std::lock_guard lock(reader_mutex_);
    return run_page_query<AuditEntry>(reader_, fmt::format("SELECT {} FROM audit_log", kAuditColumns), filter, "id",
                                      query.page, read_audit, [](const AuditEntry& a) { return a.id; });
}

// ---- housekeeping ----

Result<PurgeResult> SqliteStore::purge_personal_data(std::chrono::days older_than) {
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    const std::int64_t now = now_ms();
    const std::int64_t cutoff = now - std::chrono::duration_cast<std::chrono::milliseconds>(older_than).count();

    struct Due {
        std::int64_t seq;
        std::string id;
        std::optional<std::int64_t> message_id;
        std::string json;
    };
    std::vector<Due> due;
    {
        auto select =
            writer_.prepare(fmt::format("SELECT seq, id, message_id, canonical_json FROM orders "
                                        "WHERE purged_at IS NULL AND updated_at < ?1 AND state IN {}",
                                        kSettledStatesSql));
        if (!select) return std::move(select).error();
        select->bind(1, cutoff);
        auto rows = read_all<Due>(*select, [](const Statement& s) {
            return Due{s.int64(0), s.text(1), s.optional_int64(2), s.text(3)};
        });
        if (!rows) return std::move(rows).error();
        due = std::move(rows).value();
    }

    PurgeResult result;
    for (const Due& order : due) {
        auto update = writer_.prepare("UPDATE orders SET canonical_json = ?2, purged_at = ?3 WHERE seq = ?1");
        if (!update) return std::move(update).error();
        GW_STORE_TRY(update->bind_all(order.seq, strip_personal_data(order.json), now).run());
        ++result.orders;
        if (order.message_id) {
            auto message = writer_.prepare(
                "UPDATE inbound_message SET raw = NULL, purged_at = ?2 WHERE id = ?1 AND purged_at IS NULL");
            if (!message) return std::move(message).error();
            GW_STORE_TRY(message->bind_all(*order.message_id, now).run());
            result.messages += writer_.changes();
        }
        auto payloads = writer_.prepare(
            "UPDATE outbox SET payload = X'', updated_at = ?2 "
            "WHERE order_id = ?1 AND state IN ('done', 'dead') AND length(payload) > 0");
        if (!payloads) return std::move(payloads).error();
        GW_STORE_TRY(payloads->bind_all(order.id, now).run());
        result.outbox_payloads += writer_.changes();
    }
    {
        auto orphans = writer_.prepare(
            "UPDATE inbound_message SET raw = NULL, purged_at = ?1 WHERE purged_at IS NULL AND received_at < ?2 "
            "AND state IN ('rejected', 'failed') "
            "AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.message_id = inbound_message.id)");
        if (!orphans) return std::move(orphans).error();
        GW_STORE_TRY(orphans->bind_all(now, cutoff).run());
        result.messages += writer_.changes();
    }
    if (result.orders + result.messages + result.outbox_payloads > 0) {
        auto audit =
            insert_audit({"system", "retention.purge", "store",
                          fmt::format("older than {} days: {} orders, {} messages, {} outbox payloads",
                                      older_than.count(), result.orders, result.messages, result.outbox_payloads)},
                         now);
        if (!audit) return std::move(audit).error();
    }
    GW_STORE_TRY(tx->commit());
    return result;
}

Result<StoreStats> SqliteStore::stats() {
    std::lock_guard lock(reader_mutex_);
    auto snapshot = Transaction::begin_read(reader_);
    if (!snapshot) return std::move(snapshot).error();
    const std::int64_t now = now_ms();
    StoreStats stats;
    {
        auto stmt = reader_.prepare("SELECT state, COUNT(*) FROM inbound_message GROUP BY state");
        if (!stmt) return std::move(stmt).error();
        for (;;) {
            auto row = stmt->step();
            if (!row) return std::move(row).error();
            if (!*row) break;
            const auto state = parse_message_state(stmt->text(0));
            const std::int64_t n = stmt->int64(1);
            if (!state) continue;
            switch (*state) {
                case MessageState::received:
                    stats.messages_received = n;
                    break;
                case MessageState::processed:
                    stats.messages_processed = n;
                    break;
                case MessageState::rejected:
                    stats.messages_rejected = n;
                    break;
                case MessageState::failed:
                    stats.messages_failed = n;
                    break;
            }
        }
    }
    {
        auto stmt = reader_.prepare(
            "SELECT destination, SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN state = 'in_flight' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), "
            "MIN(CASE WHEN state IN ('pending', 'in_flight') THEN created_at END) "
            "FROM outbox WHERE state <> 'done' GROUP BY destination ORDER BY destination");
        if (!stmt) return std::move(stmt).error();
        auto rows = read_all<DestinationStats>(*stmt, [now](const Statement& s) {
            DestinationStats d;
            d.destination = s.text(0);
            d.pending = s.int64(1);
            d.in_flight = s.int64(2);
            d.dead = s.int64(3);
            if (!s.is_null(4))
                d.oldest_pending_age = std::chrono::milliseconds(std::max<std::int64_t>(0, now - s.int64(4)));
            return d;
        });
        if (!rows) return std::move(rows).error();
        stats.destinations = std::move(rows).value();
    }
    {
        auto stmt = reader_.prepare(
            "SELECT vendor, state, COUNT(*) FROM orders GROUP BY vendor, state ORDER BY vendor, state");
        if (!stmt) return std::move(stmt).error();
        auto rows = read_all<OrderCount>(
            *stmt, [](const Statement& s) { return OrderCount{s.text(0), s.text(1), s.int64(2)}; });
        if (!rows) return std::move(rows).error();
        stats.orders = std::move(rows).value();
    }
    GW_STORE_TRY(snapshot->commit());
    return stats;
}

}  // namespace gw::store
