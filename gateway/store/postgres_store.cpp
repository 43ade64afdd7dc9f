#include "gateway/store/postgres_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "gateway/log/log.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/retention_rules.hpp"

// Propagates the Error of a Result-returning call; keeps the many transaction steps readable.
#define GW_PG_TRY(expr)                          \
    do {                                         \
        if (auto gw_pg_r_ = (expr); !gw_pg_r_) { \
            return std::move(gw_pg_r_).error();  \
        }                                        \
    } while (false)

namespace gw::store {
namespace {

using pg::Bytes;
using pg::Connection;
using pg::Deadline;
using pg::Null;
using pg::Params;
using pg::Rows;
using pg::Statement;
using pg::Transaction;

constexpr std::size_t kMaxPageSize = 1000;

// Advisory lock keys (two int4 form): one class for the schema migration, one for singleton jobs.
constexpr int kMigrationLockClass = 715001;
constexpr int kJobLockClass = 715002;

std::int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

std::size_t page_limit(const PageRequest& page) {
    return std::clamp<std::size_t>(page.limit, 1, kMaxPageSize);
}

// FNV-1a: a job name's lock key, the same on every instance and every build.
std::int32_t job_key(std::string_view job) {
    std::uint32_t h = 2166136261u;
    for (const char c : job) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return static_cast<std::int32_t>(h);
}

// Every session: durable commits whatever the server default is, UTF-8, hex bytea output (Rows::bytes decodes it),
// UTC, and the operation timeout enforced on the server as well, so an abandoned statement or transaction never
// holds locks for long.
std::string session_setup(std::chrono::milliseconds operation_timeout) {
    const auto ms = operation_timeout.count();
    return fmt::format(
        "SET synchronous_commit = on; SET client_encoding = 'UTF8'; SET bytea_output = 'hex'; SET TIME ZONE 'UTC'; "
        "SET statement_timeout = {0}; SET lock_timeout = {0}; SET idle_in_transaction_session_timeout = {1}",
        ms, std::max<std::int64_t>(ms * 2, 60'000));
}

Error newer_schema_error(const std::string& target, std::int64_t found) {
    return make_error(ErrorCode::unsupported,
                      fmt::format("store: database {} has schema version {}, newer than this gateway understands "
                                  "(up to {}); run a newer gateway or restore a backup taken before the upgrade",
                                  target, found, latest_schema_version()));
}

void rollback_if_open(Connection& conn) {
    if (!conn.usable() || !conn.in_transaction()) return;
    if (auto r = conn.query("ROLLBACK", pg::deadline_after(std::chrono::seconds(5))); !r) {
        log::warn("store.rollback_failed", {{"error", r.error().to_string()}});
    }
}

// ---- dynamic filters: only the conditions a query sets, so every search can use its index ----

class Filter {
  public:
    // Every '?' in `condition` stands for the value.
    template <class V>
    void add(std::string_view condition, const V& value) {
        sql_ += conditions_++ == 0 ? " WHERE " : " AND ";
        const std::string placeholder = fmt::format("${}", params_.size() + 1);
        for (const char c : condition) {
            if (c == '?') {
                sql_ += placeholder;
            } else {
                sql_ += c;
            }
        }
        params_.add(value);
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
    Params& params() { return params_; }

  private:
    std::string sql_;
    int conditions_ = 0;
    Params params_;
};

// A filtered, newest-first page. One extra row tells whether another page follows.
template <class T, class Read, class Key>
Result<Page<T>> run_page_query(Connection& conn, std::string_view select, Filter& filter,
                               std::string_view order_column, const PageRequest& page, Read read, Key key,
                               Deadline deadline) {
    const std::size_t limit = page_limit(page);
    const std::string sql =
        fmt::format("{}{} ORDER BY {} DESC LIMIT ${}", select, filter.sql(), order_column, filter.params().size() + 1);
    filter.params().add(limit + 1);
    auto rows = conn.query(sql, filter.params(), deadline);
    if (!rows) return std::move(rows).error();
    Page<T> result;
    for (int r = 0; r < rows->size(); ++r) result.items.push_back(read(*rows, r));
    if (result.items.size() > limit) {
        result.items.resize(limit);
        result.next_cursor = key(result.items.back());
    }
    return result;
}

// ---- row readers; the column lists and readers go together (the same layout as the SQLite store) ----

constexpr std::string_view kMessageColumns =
    "id, channel, sender, control_id, message_type, peer, correlation_id, received_at, state, error_code, "
    "error_text, ack, purged_at";

MessageRecord read_message(const Rows& s, int r) {
    MessageRecord m;
    m.id = s.int64(r, 0);
    m.channel = s.text(r, 1);
    m.sender = s.text(r, 2);
    m.control_id = s.text(r, 3);
    m.message_type = s.text(r, 4);
    m.peer = s.text(r, 5);
    m.correlation_id = s.text(r, 6);
    m.received_at = from_ms(s.int64(r, 7));
    m.state = parse_message_state(s.text(r, 8)).value_or(MessageState::received);
    m.error_code = s.text(r, 9);
    m.error_text = s.text(r, 10);
    m.ack = s.bytes(r, 11);
    m.purged = !s.is_null(r, 12);
    if (!s.is_null(r, 13)) m.raw = s.bytes(r, 13);
    return m;
}

constexpr std::string_view kOrderColumns =
    "seq, id, message_id, canonical_json, municipality, vendor, external_ref, vendor_order_ref, state, created_at, "
    "updated_at, purged_at";

OrderRecord read_order(const Rows& s, int r) {
    OrderRecord o;
    o.seq = s.int64(r, 0);
    o.id = s.text(r, 1);
    o.message_id = s.optional_int64(r, 2);
    o.canonical_json = s.text(r, 3);
    o.municipality = s.text(r, 4);
    o.vendor = s.text(r, 5);
    o.external_ref = s.text(r, 6);
    o.vendor_order_ref = s.text(r, 7);
    o.state = s.text(r, 8);
    o.created_at = from_ms(s.int64(r, 9));
    o.updated_at = from_ms(s.int64(r, 10));
    o.purged = !s.is_null(r, 11);
    return o;
}

constexpr std::string_view kEventColumns =
    "id, order_id, vendor, vendor_event_id, state, event_json, occurred_at, recorded_at";

OrderEventRecord read_event(const Rows& s, int r) {
    OrderEventRecord e;
    e.id = s.int64(r, 0);
    e.order_id = s.text(r, 1);
    e.vendor = s.text(r, 2);
    e.vendor_event_id = s.text(r, 3);
    e.state = s.text(r, 4);
    e.json = s.text(r, 5);
    e.occurred_at = from_ms(s.int64(r, 6));
    e.recorded_at = from_ms(s.int64(r, 7));
    return e;
}

constexpr std::string_view kOutboxColumns =
    "id, destination, order_id, kind, payload, idempotency_key, state, attempts, next_attempt_at, last_error, "
    "lease_owner, lease_expires_at, created_at, updated_at";
// The same, qualified, for the claim's UPDATE ... FROM (where a bare `id` would be ambiguous).
constexpr std::string_view kOutboxColumnsQualified =
    "o.id, o.destination, o.order_id, o.kind, o.payload, o.idempotency_key, o.state, o.attempts, o.next_attempt_at, "
    "o.last_error, o.lease_owner, o.lease_expires_at, o.created_at, o.updated_at";

OutboxItem read_outbox(const Rows& s, int r) {
    OutboxItem o;
    o.id = s.int64(r, 0);
    o.destination = s.text(r, 1);
    if (!s.is_null(r, 2)) o.order_id = std::string(s.text(r, 2));
    o.kind = parse_outbox_kind(s.text(r, 3)).value_or(OutboxKind::submit);
    o.payload = s.bytes(r, 4);
    o.idempotency_key = s.text(r, 5);
    o.state = parse_outbox_state(s.text(r, 6)).value_or(OutboxState::pending);
    o.attempts = static_cast<int>(s.int64(r, 7));
    o.next_attempt_at = from_ms(s.int64(r, 8));
    o.last_error = s.text(r, 9);
    o.lease_owner = s.text(r, 10);
    if (!s.is_null(r, 11)) o.lease_expires_at = from_ms(s.int64(r, 11));
    o.created_at = from_ms(s.int64(r, 12));
    o.updated_at = from_ms(s.int64(r, 13));
    return o;
}

constexpr std::string_view kAttemptColumns = "a.id, a.outbox_id, a.started_at, a.outcome, a.http_status, a.error, "
                                             "a.duration_ms";

DeliveryAttempt read_attempt(const Rows& s, int r) {
    DeliveryAttempt a;
    a.id = s.int64(r, 0);
    a.outbox_id = s.int64(r, 1);
    a.started_at = from_ms(s.int64(r, 2));
    const std::string_view outcome = s.text(r, 3);
    a.outcome = outcome == "success" ? AttemptOutcome::success
                : outcome == "retry" ? AttemptOutcome::retry
                                     : AttemptOutcome::dead;
    if (!s.is_null(r, 4)) a.http_status = static_cast<int>(s.int64(r, 4));
    a.error = s.text(r, 5);
    a.duration = std::chrono::milliseconds(s.int64(r, 6));
    return a;
}

constexpr std::string_view kAuditColumns = "id, at, actor, action, target, detail";

AuditEntry read_audit(const Rows& s, int r) {
    AuditEntry a;
    a.id = s.int64(r, 0);
    a.at = from_ms(s.int64(r, 1));
    a.actor = s.text(r, 2);
    a.action = s.text(r, 3);
    a.target = s.text(r, 4);
    a.detail = s.text(r, 5);
    return a;
}

template <class T, class Read>
std::vector<T> read_all(const Rows& rows, Read read) {
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) out.push_back(read(rows, r));
    return out;
}

// ---- statements ----

// A duplicate (same sender + control id, committed earlier or earlier in this transaction) inserts nothing and
// returns the original's id and ack; a concurrent duplicate from another instance waits for that transaction and
// then conflicts, returning no row (its row is committed after this statement's snapshot; read again afterwards).
constexpr std::string_view kInsertClaimingMessage =
    "WITH ins AS (INSERT INTO inbound_message (channel, sender, control_id, message_type, peer, correlation_id, "
    "received_at, state, claims_control_id, raw, ack) VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', 1, $8, $9) "
    "ON CONFLICT (sender, control_id) WHERE claims_control_id = 1 DO NOTHING RETURNING id) "
    "SELECT id, NULL::bytea, false FROM ins UNION ALL "
    "SELECT id, ack, true FROM inbound_message WHERE sender = $2 AND control_id = $3 AND claims_control_id = 1 "
    "AND NOT EXISTS (SELECT 1 FROM ins)";

constexpr std::string_view kInsertOtherMessage =
    "INSERT INTO inbound_message (channel, sender, control_id, message_type, peer, correlation_id, received_at, "
    "state, claims_control_id, error_code, error_text, raw, ack) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12) RETURNING id";

constexpr std::string_view kFindClaimedMessage =
    "SELECT id, ack FROM inbound_message WHERE sender = $1 AND control_id = $2 AND claims_control_id = 1";

constexpr std::string_view kInsertOrder =
    "INSERT INTO orders (id, message_id, canonical_json, municipality, vendor, external_ref, state, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (id) DO NOTHING RETURNING seq";

constexpr std::string_view kInsertOutbox =
    "INSERT INTO outbox (destination, order_id, kind, payload, idempotency_key, state, attempts, next_attempt_at, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $7) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id";

constexpr std::string_view kFindOutboxByKey = "SELECT id FROM outbox WHERE idempotency_key = $1";

constexpr std::string_view kMarkProcessed =
    "UPDATE inbound_message SET state = 'processed', error_code = NULL, error_text = NULL "
    "WHERE id = $1 AND state IN ('received', 'failed') RETURNING id";

Params outbox_params(const NewOutboxItem& item, std::int64_t now) {
    return Params(item.destination, item.order_id, to_string(item.kind), Bytes{item.payload}, item.idempotency_key,
                  item.not_before ? to_ms(*item.not_before) : now, now);
}

Error invalid_outbox_item() {
    return make_error(ErrorCode::invalid_argument, "store: an outbox item needs a destination and idempotency key");
}

}  // namespace

// ---- open, connection state, readiness ----

PostgresStore::PostgresStore(PostgresStoreOptions options)
    : options_(std::move(options)),
      target_(pg::describe_dsn(options_.dsn)),
      pool_(pg::PoolOptions{options_.dsn, std::max<std::size_t>(options_.pool_size, 1), options_.connect_timeout,
                            session_setup(options_.operation_timeout)}) {}

PostgresStore::~PostgresStore() {
    {
        std::lock_guard lock(state_mutex_);
        stopping_ = true;
    }
    state_changed_.notify_all();
    if (monitor_.joinable()) monitor_.join();
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(PostgresStoreOptions options) {
    if (options.dsn.empty()) return make_error(ErrorCode::invalid_argument, "store: empty PostgreSQL DSN");
    {
        char* parse_error = nullptr;
        PQconninfoOption* parsed = PQconninfoParse(options.dsn.c_str(), &parse_error);
        if (parsed == nullptr) {
            std::string detail = parse_error != nullptr ? parse_error : "out of memory";
            PQfreemem(parse_error);
            while (!detail.empty() && detail.back() == '\n') detail.pop_back();
            return make_error(ErrorCode::invalid_argument, fmt::format("store: invalid PostgreSQL DSN: {}", detail));
        }
        PQconninfoFree(parsed);
    }
    if (!options.clock) options.clock = system_clock();
    auto store = std::unique_ptr<PostgresStore>(new PostgresStore(std::move(options)));
    auto migrated = store->connect_and_migrate();
    if (migrated) {
        store->schema_version_ = *migrated;
        store->phase_ = Phase::ready;
        store->reachable_ = true;
        log::info("store.connected", {{"database", store->target_}, {"schema_version", *migrated}});
    } else {
        if (migrated.error().code != ErrorCode::unavailable || !store->options_.wait_for_database) {
            return std::move(migrated).error();
        }
        log::warn("store.connect_failed", {{"database", store->target_},
                                           {"error", migrated.error().to_string()},
                                           {"retry_in_ms", store->options_.retry_initial.count()}});
        store->last_error_ = std::move(migrated).error();
    }
    store->start_monitor();
    return store;
}

Result<int> PostgresStore::connect_and_migrate() {
    const Deadline deadline = pg::deadline_after(options_.connect_timeout + options_.operation_timeout);
    auto conn = Connection::open(options_.dsn, pg::deadline_after(options_.connect_timeout),
                                 session_setup(options_.operation_timeout));
    if (!conn) return std::move(conn).error();
    auto encoding = conn->query("SHOW server_encoding", deadline);
    if (!encoding) return std::move(encoding).error();
    if (encoding->text(0, 0) != "UTF8") {
        return make_error(ErrorCode::unsupported,
                          fmt::format("store: database {} uses encoding {}; the gateway needs UTF8 (CREATE DATABASE "
                                      "... ENCODING 'UTF8')",
                                      target_, encoding->text(0, 0)));
    }
    // One transaction for every pending migration (PostgreSQL DDL is transactional), under an advisory lock so
    // instances starting together migrate once and the others then see the result.
    auto tx = Transaction::begin(*conn, deadline);
    if (!tx) return std::move(tx).error();
    GW_PG_TRY(conn->query("SELECT pg_advisory_xact_lock($1::int, 1)", Params(kMigrationLockClass), deadline));
    GW_PG_TRY(conn->exec_script(kSchemaVersionTable, deadline));
    auto current = conn->query("SELECT COALESCE(MAX(version), 0) FROM schema_version", deadline);
    if (!current) return std::move(current).error();
    const std::int64_t found = current->int64(0, 0);
    if (found > latest_schema_version()) return newer_schema_error(target_, found);
    const std::int64_t now = now_ms();
    for (const Migration& migration : migrations()) {
        if (migration.version <= found) continue;
        GW_PG_TRY(conn->exec_script(render(migration, SqlDialect::postgres), deadline));
        GW_PG_TRY(conn->query("INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                              Params(migration.version, migration.name, now), deadline));
        log::info("store.migrated", {{"database", target_}, {"version", migration.version}});
    }
    GW_PG_TRY(tx->commit());
    return latest_schema_version();
}

void PostgresStore::start_monitor() {
    monitor_ = std::thread([this] { monitor(); });
}

// The background thread: connects (with backoff) until the schema is migrated, then checks now and then that the
// database is still there, sooner after an operation failed with unavailable.
void PostgresStore::monitor() {
    auto backoff = options_.retry_initial;
    std::unique_lock lock(state_mutex_);
    while (!stopping_) {
        if (phase_ == Phase::refused) return;
        if (phase_ == Phase::connecting) {
            if (last_error_) {
                state_changed_.wait_for(lock, backoff, [this] { return stopping_; });
                if (stopping_) return;
                backoff = std::min(backoff * 2, options_.retry_max);
            }
            lock.unlock();
            auto migrated = connect_and_migrate();
            lock.lock();
            if (migrated) {
                schema_version_ = *migrated;
                phase_ = Phase::ready;
                reachable_ = true;
                last_error_.reset();
                backoff = options_.retry_initial;
                log::info("store.connected", {{"database", target_}, {"schema_version", *migrated}});
                state_changed_.notify_all();
                continue;
            }
            if (migrated.error().code != ErrorCode::unavailable) {
                phase_ = Phase::refused;
                last_error_ = migrated.error();
                log::error("store.refused", {{"database", target_}, {"error", migrated.error().to_string()}});
                state_changed_.notify_all();
                lock.unlock();
                if (options_.on_fatal) options_.on_fatal(migrated.error());
                return;
            }
            last_error_ = std::move(migrated).error();
            log::warn("store.connect_failed", {{"database", target_},
                                               {"error", last_error_->to_string()},
                                               {"retry_in_ms", backoff.count()}});
            continue;
        }
        // Ready: check the database now and then; sooner, with backoff, while it is unreachable.
        state_changed_.wait_for(lock, reachable_ ? options_.health_interval : backoff,
                                [this] { return stopping_ || check_now_ || !reachable_; });
        if (stopping_) return;
        check_now_ = false;
        lock.unlock();
        Result<void> alive;
        if (auto conn = pool_.acquire(pg::deadline_after(options_.connect_timeout)); !conn) {
            alive = std::move(conn).error();
        } else if (auto pong = (*conn)->query("SELECT 1", pg::deadline_after(options_.connect_timeout)); !pong) {
            alive = std::move(pong).error();
        }
        lock.lock();
        if (alive) {
            if (!reachable_) log::info("store.reconnected", {{"database", target_}});
            reachable_ = true;
            last_error_.reset();
            backoff = options_.retry_initial;
        } else {
            if (reachable_ || !last_error_) {
                log::warn("store.unreachable", {{"database", target_}, {"error", alive.error().to_string()}});
            }
            reachable_ = false;
            last_error_ = alive.error();
            pool_.clear_idle();  // after a restart of the database every idle connection is dead
            // Wait before the next check (the predicate above is already true while unreachable).
            state_changed_.wait_for(lock, backoff, [this] { return stopping_; });
            backoff = std::min(backoff * 2, options_.retry_max);
        }
    }
}

void PostgresStore::check_soon() {
    std::lock_guard lock(state_mutex_);
    if (phase_ != Phase::ready || !reachable_) return;  // the monitor is already checking
    check_now_ = true;
    state_changed_.notify_all();
}

template <class T>
Result<T> PostgresStore::observe(Result<T> result) {
    // The monitor's check decides whether the database is gone (readiness false) or the failure was this
    // operation's own (a lock or statement timeout, a connection the server had closed).
    if (!result && result.error().code == ErrorCode::unavailable) check_soon();
    return result;
}

Result<void> PostgresStore::readiness() {
    std::lock_guard lock(state_mutex_);
    switch (phase_) {
        case Phase::connecting:
            return make_error(ErrorCode::unavailable,
                              fmt::format("store: not connected to PostgreSQL ({}) yet; retrying: {}", target_,
                                          last_error_ ? last_error_->message : "connecting"));
        case Phase::refused:
            return last_error_ ? *last_error_ : make_error(ErrorCode::unsupported, "store: refused the database");
        case Phase::ready:
            if (!reachable_) {
                return make_error(ErrorCode::unavailable,
                                  fmt::format("store: PostgreSQL ({}) unreachable; retrying: {}", target_,
                                              last_error_ ? last_error_->message : "connection lost"));
            }
            return {};
    }
    return {};
}

Result<pg::Pool::Lease> PostgresStore::connection(Deadline deadline) {
    {
        std::lock_guard lock(state_mutex_);
        if (phase_ != Phase::ready) {
            return make_error(phase_ == Phase::refused ? ErrorCode::unsupported : ErrorCode::unavailable,
                              fmt::format("store: not connected to PostgreSQL ({}){}", target_,
                                          last_error_ ? ": " + last_error_->message : std::string()));
        }
    }
    return observe(pool_.acquire(deadline));
}

std::int64_t PostgresStore::now_ms() const {
    return to_ms(options_.clock());
}

// ---- leadership ----

Result<bool> PostgresStore::try_lead(std::string_view job) {
    if (job.empty()) return make_error(ErrorCode::invalid_argument, "store: try_lead needs a job name");
    if (auto ready = readiness(); !ready) return std::move(ready).error();
    std::lock_guard lock(lead_mutex_);
    const Deadline deadline = pg::deadline_after(options_.connect_timeout);
    auto lose = [this](Error e) -> Result<bool> {
        // The session (and every lock it held) is gone or about to be: lead nothing until a new session wins.
        if (!led_jobs_.empty()) log::warn("store.lead_lost", {{"jobs", led_jobs_.size()}, {"error", e.to_string()}});
        led_jobs_.clear();
        lead_connection_.reset();
        return e;
    };
    if (!lead_connection_ || !lead_connection_->still_open()) {
        led_jobs_.clear();
        auto opened = Connection::open(options_.dsn, deadline, session_setup(options_.operation_timeout));
        if (!opened) return lose(std::move(opened).error());
        lead_connection_ = std::make_unique<Connection>(std::move(opened).value());
    }
    if (led_jobs_.contains(job)) {
        // Held by this session as long as the session lives; one round trip proves it does.
        if (auto alive = lead_connection_->query("SELECT 1", deadline); !alive) return lose(std::move(alive).error());
        return true;
    }
    auto taken = lead_connection_->query("SELECT pg_try_advisory_lock($1::int, $2::int)",
                                         Params(kJobLockClass, job_key(job)), deadline);
    if (!taken) return lose(std::move(taken).error());
    if (!taken->boolean(0, 0)) return false;
    led_jobs_.emplace(job);
    log::info("store.lead_taken", {{"job", job}});
    return true;
}

// ---- inbound messages ----

Result<std::vector<InboundAppend>> PostgresStore::append_messages(std::span<const ingest::InboundMessage> batch) {
    if (batch.empty()) return std::vector<InboundAppend>{};
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    const std::int64_t now = now_ms();

    // BEGIN, one statement per message, COMMIT: one round trip, one WAL flush.
    std::vector<Params> params;
    params.reserve(batch.size());
    std::vector<Statement> statements;
    statements.reserve(batch.size() + 2);
    statements.push_back({"BEGIN", nullptr});
    for (const ingest::InboundMessage& m : batch) {
        const bool claims_control_id = !m.error && !m.control_id.empty();
        const std::int64_t received_at = m.received_at == TimePoint{} ? now : to_ms(m.received_at);
        if (claims_control_id) {
            params.emplace_back(m.channel, m.sender, m.control_id, m.message_type, m.peer, m.correlation_id,
                                received_at, Bytes{m.raw}, Bytes{m.ack});
            statements.push_back({kInsertClaimingMessage, &params.back()});
        } else {
            Params& p = params.emplace_back(m.channel, m.sender, m.control_id, m.message_type, m.peer,
                                            m.correlation_id, received_at, m.error ? "rejected" : "received");
            if (m.error) {
                p.add(gw::to_string(m.error->code)).add(m.error->to_string());
            } else {
                p.add(Null{}).add(Null{});
            }
            p.add(Bytes{m.raw}).add(Bytes{m.ack});
            statements.push_back({kInsertOtherMessage, &p});
        }
    }
    statements.push_back({"COMMIT", nullptr});
    auto results = observe((*conn)->pipeline(statements, deadline));
    if (!results) {
        rollback_if_open(**conn);
        return std::move(results).error();
    }

    std::vector<InboundAppend> out;
    out.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const Rows& rows = (*results)[i + 1];
        const ingest::InboundMessage& m = batch[i];
        if (rows.empty()) {
            // A duplicate committed by another instance while this batch ran: the batch is committed (this message
            // wrote nothing); read the original now that it is visible.
            auto original = (*conn)->query(kFindClaimedMessage, Params(m.sender, m.control_id), deadline);
            if (!original) return observe(Result<std::vector<InboundAppend>>(std::move(original).error()));
            if (original->empty()) {
                return make_error(ErrorCode::internal,
                                  fmt::format("store: message {} from {} conflicted but no original was found",
                                              m.control_id, m.sender));
            }
            out.push_back(InboundAppend{true, original->int64(0, 0), original->bytes(0, 1)});
            continue;
        }
        const bool duplicate = statements[i + 1].sql == kInsertClaimingMessage && rows.boolean(0, 2);
        if (duplicate) {
            out.push_back(InboundAppend{true, rows.int64(0, 0), rows.bytes(0, 1)});
        } else {
            out.push_back(InboundAppend{false, rows.int64(0, 0), m.ack});
        }
    }
    return out;
}

Result<void> PostgresStore::mark_message(std::int64_t id, MessageState state, const std::optional<Error>& error) {
    if (state != MessageState::processed && state != MessageState::failed) {
        return make_error(
            ErrorCode::invalid_argument,
            fmt::format("store: a message can only be marked processed or failed, not {}", to_string(state)));
    }
    if (state == MessageState::failed && !error) {
        return make_error(ErrorCode::invalid_argument, "store: marking a message failed needs the error");
    }
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    Params p(id, to_string(state));
    if (state == MessageState::failed) {
        p.add(gw::to_string(error->code)).add(error->to_string());
    } else {
        p.add(Null{}).add(Null{});
    }
    auto updated = observe((*conn)->query(
        "UPDATE inbound_message SET state = $2, error_code = $3, error_text = $4 WHERE id = $1 AND state <> 'rejected'",
        p, deadline));
    if (!updated) return std::move(updated).error();
    if (updated->affected() == 0) {
        return make_error(ErrorCode::not_found, fmt::format("store: no accepted message with id {}", id));
    }
    return {};
}

Result<MessageRecord> PostgresStore::get_message(std::int64_t id) {
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    auto rows = observe((*conn)->query(fmt::format("SELECT {}, raw FROM inbound_message WHERE id = $1", kMessageColumns),
                                       Params(id), deadline));
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(ErrorCode::not_found, fmt::format("store: no message with id {}", id));
    return read_message(*rows, 0);
}

Result<Page<MessageRecord>> PostgresStore::find_messages(const MessageQuery& query) {
    Filter filter;
    if (query.state) filter.add("state = ?", to_string(*query.state));
    filter.equals("channel", query.channel);
    filter.equals("sender", query.sender);
    filter.equals("control_id", query.control_id);
    filter.equals("correlation_id", query.correlation_id);
    filter.range("received_at", query.from, query.to);
    filter.cursor("id", query.page);
    const auto select = fmt::format("SELECT {}, {} FROM inbound_message", kMessageColumns,
                                    query.with_raw ? "raw" : "NULL::bytea");
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    return observe(run_page_query<MessageRecord>(**conn, select, filter, "id", query.page, read_message,
                                                 [](const MessageRecord& m) { return m.id; }, deadline));
}

// ---- orders ----

Result<std::int64_t> PostgresStore::insert_outbox(Connection& conn, const NewOutboxItem& item, std::int64_t now,
                                                  Deadline deadline) {
    if (item.destination.empty() || item.idempotency_key.empty()) return invalid_outbox_item();
    auto inserted = conn.query(kInsertOutbox, outbox_params(item, now), deadline);
    if (!inserted) return std::move(inserted).error();
    if (!inserted->empty()) return inserted->int64(0, 0);
    auto existing = conn.query(kFindOutboxByKey, Params(item.idempotency_key), deadline);
    if (!existing) return std::move(existing).error();
    if (existing->empty()) return make_error(ErrorCode::internal, "store: outbox insert ignored without a conflicting row");
    return existing->int64(0, 0);
}

// Every order of the batch in ONE transaction and one round trip (plus the commit), or none of them: the error
// names the order that was refused.
Result<std::vector<Result<std::int64_t>>> PostgresStore::create_orders_in_one(std::span<const OrderWithDelivery> batch,
                                                                              bool* refused) {
    *refused = false;
    for (const auto& [order, delivery] : batch) {
        if (order.id.empty()) {
            *refused = true;
            return make_error(ErrorCode::invalid_argument, "store: an order needs an id");
        }
        if (delivery.destination.empty() || delivery.idempotency_key.empty()) {
            *refused = true;
            return invalid_outbox_item();
        }
    }
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    const std::int64_t now = now_ms();

    struct Slots {
        std::size_t order = 0, outbox = 0, message = 0;  // statement indexes; message 0 = none
    };
    std::vector<Params> params;
    params.reserve(batch.size() * 3);
    std::vector<Statement> statements{{"BEGIN", nullptr}};
    std::vector<Slots> slots;
    for (const auto& [order, first_delivery] : batch) {
        Slots s;
        params.emplace_back(order.id, order.message_id, order.canonical_json, order.municipality, order.vendor,
                            order.external_ref, order.state, now);
        s.order = statements.size();
        statements.push_back({kInsertOrder, &params.back()});
        NewOutboxItem delivery = first_delivery;
        if (!delivery.order_id) delivery.order_id = order.id;
        params.push_back(outbox_params(delivery, now));
        s.outbox = statements.size();
        statements.push_back({kInsertOutbox, &params.back()});
        if (order.message_id) {
            params.emplace_back(*order.message_id);
            s.message = statements.size();
            statements.push_back({kMarkProcessed, &params.back()});
        }
        slots.push_back(s);
    }
    pg::PipelineError failed_at;
    auto results = observe((*conn)->pipeline(statements, deadline, &failed_at));
    if (!results) {
        rollback_if_open(**conn);
        Error error = std::move(results).error();
        if (error.code == ErrorCode::conflict || error.code == ErrorCode::invalid_argument) *refused = true;
        return error;
    }
    std::vector<Result<std::int64_t>> ids;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& order = batch[i].order;
        const Slots& s = slots[i];
        std::optional<Error> refusal;
        if ((*results)[s.order].empty()) {
            refusal = make_error(ErrorCode::conflict, fmt::format("store: order {} already exists", order.id));
        } else if (s.message != 0 && (*results)[s.message].empty()) {
            // A message becomes at most one order: a second pipeline run (recovery racing a replay, two instances)
            // must not create a second order for it.
            refusal = make_error(ErrorCode::conflict,
                                 fmt::format("store: message {} is already processed or does not exist",
                                             *order.message_id));
        }
        if (refusal) {
            rollback_if_open(**conn);
            *refused = true;
            return *refusal;
        }
        if (!(*results)[s.outbox].empty()) {
            ids.emplace_back((*results)[s.outbox].int64(0, 0));
            continue;
        }
        // The delivery's idempotency key was queued before: the existing item is the order's delivery.
        auto existing = (*conn)->query(kFindOutboxByKey, Params(batch[i].first_delivery.idempotency_key), deadline);
        if (!existing || existing->empty()) {
            rollback_if_open(**conn);
            if (!existing) return observe(Result<std::vector<Result<std::int64_t>>>(std::move(existing).error()));
            return make_error(ErrorCode::internal, "store: outbox insert ignored without a conflicting row");
        }
        ids.emplace_back(existing->int64(0, 0));
    }
    if (auto committed = observe((*conn)->query("COMMIT", deadline)); !committed) return std::move(committed).error();
    return ids;
}

Result<std::int64_t> PostgresStore::create_order(const NewOrder& order, const NewOutboxItem& first_delivery) {
    const OrderWithDelivery one{order, first_delivery};
    bool refused = false;
    auto created = create_orders_in_one(std::span(&one, 1), &refused);
    if (!created) return std::move(created).error();
    return std::move(created->front());
}

Result<std::vector<Result<std::int64_t>>> PostgresStore::create_orders(std::span<const OrderWithDelivery> batch) {
    if (batch.empty()) return std::vector<Result<std::int64_t>>{};
    bool refused = false;
    auto created = create_orders_in_one(batch, &refused);
    if (created || !refused) return created;
    // One of them was refused (nothing was stored): one transaction each, so the others still go in and the
    // refused one gets its own error.
    std::vector<Result<std::int64_t>> results;
    results.reserve(batch.size());
    for (const auto& [order, delivery] : batch) results.push_back(create_order(order, delivery));
    return results;
}

Result<EventAppend> PostgresStore::append_order_event(const NewOrderEvent& event,
                                                      const std::optional<NewOutboxItem>& report) {
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    auto tx = observe(Transaction::begin(**conn, deadline));
    if (!tx) return std::move(tx).error();
    auto result = observe(append_event_locked(**conn, event, report, now_ms(), deadline));
    if (!result) return result;
    if (!result->inserted) return result;  // a duplicate: the transaction rolls back, nothing changed
    if (auto committed = observe(tx->commit()); !committed) return std::move(committed).error();
    return result;
}

Result<EventAppend> PostgresStore::append_event_locked(Connection& conn, const NewOrderEvent& event,
                                                       const std::optional<NewOutboxItem>& report, std::int64_t now,
                                                       Deadline deadline) {
    // The order row stays locked until commit: concurrent events for one order (webhook and poll, two instances)
    // take turns, each deciding from the state the previous one left.
    auto order = conn.query("SELECT state FROM orders WHERE id = $1 FOR UPDATE", Params(event.order_id), deadline);
    if (!order) return std::move(order).error();
    if (order->empty()) return make_error(ErrorCode::not_found, fmt::format("store: no order {}", event.order_id));
    const std::string current_state(order->text(0, 0));

    const std::int64_t occurred_at = event.occurred_at == TimePoint{} ? now : to_ms(event.occurred_at);
    EventAppend result{0, true, false};
    if (event.vendor_event_id.empty()) {
        // NULL vendor_event_id: internal events never collide in the unique index.
        auto inserted = conn.query(
            "INSERT INTO order_event (order_id, vendor, vendor_event_id, state, event_json, occurred_at, recorded_at) "
            "VALUES ($1, $2, NULL, $3, $4, $5, $6) RETURNING id",
            Params(event.order_id, event.vendor, event.state, event.json, occurred_at, now), deadline);
        if (!inserted) return std::move(inserted).error();
        result.event_id = inserted->int64(0, 0);
    } else {
        auto inserted = conn.query(
            "INSERT INTO order_event (order_id, vendor, vendor_event_id, state, event_json, occurred_at, recorded_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vendor, vendor_event_id) DO NOTHING RETURNING id",
            Params(event.order_id, event.vendor, event.vendor_event_id, event.state, event.json, occurred_at, now),
            deadline);
        if (!inserted) return std::move(inserted).error();
        if (inserted->empty()) {
            auto seen = conn.query("SELECT id FROM order_event WHERE vendor = $1 AND vendor_event_id = $2",
                                   Params(event.vendor, event.vendor_event_id), deadline);
            if (!seen) return std::move(seen).error();
            if (seen->empty()) return make_error(ErrorCode::internal, "store: event conflict without an event");
            return EventAppend{seen->int64(0, 0), false, false};  // nothing written
        }
        result.event_id = inserted->int64(0, 0);
    }

    const bool moves =
        event.state != current_state && (!event.may_transition || event.may_transition(current_state, event.state));
    if (moves || !event.vendor_order_ref.empty()) {
        GW_PG_TRY(conn.query("UPDATE orders SET state = $2, vendor_order_ref = CASE WHEN $3::text = '' THEN "
                             "vendor_order_ref ELSE $3::text END, updated_at = $4 WHERE id = $1",
                             Params(event.order_id, moves ? event.state : current_state, event.vendor_order_ref, now),
                             deadline));
        result.state_changed = moves;
    }
    if (moves && report) {
        NewOutboxItem item = *report;
        if (!item.order_id) item.order_id = event.order_id;
        auto outbox_id = insert_outbox(conn, item, now, deadline);
        if (!outbox_id) return std::move(outbox_id).error();
    }
    return result;
}

Result<OrderRecord> PostgresStore::get_order(std::string_view id) {
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    auto rows = observe(
        (*conn)->query(fmt::format("SELECT {} FROM orders WHERE id = $1", kOrderColumns), Params(id), deadline));
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(ErrorCode::not_found, fmt::format("store: no order {}", id));
    return read_order(*rows, 0);
}

Result<OrderDetail> PostgresStore::get_order_detail(std::string_view id) {
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    // One snapshot: the order, its events and its deliveries as of the same commit.
    const Params by_id(id);
    const std::string order_sql = fmt::format("SELECT {} FROM orders WHERE id = $1", kOrderColumns);
    const std::string events_sql =
        fmt::format("SELECT {} FROM order_event WHERE order_id = $1 ORDER BY occurred_at, id", kEventColumns);
    const std::string outbox_sql = fmt::format("SELECT {} FROM outbox WHERE order_id = $1 ORDER BY id", kOutboxColumns);
    const std::string attempts_sql = fmt::format(
        "SELECT {} FROM delivery_attempt a JOIN outbox o ON o.id = a.outbox_id WHERE o.order_id = $1 ORDER BY a.id",
        kAttemptColumns);
    const Statement statements[] = {{"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", nullptr},
                                    {order_sql, &by_id},
                                    {events_sql, &by_id},
                                    {outbox_sql, &by_id},
                                    {attempts_sql, &by_id},
                                    {"COMMIT", nullptr}};
    auto results = observe((*conn)->pipeline(statements, deadline));
    if (!results) {
        rollback_if_open(**conn);
        return std::move(results).error();
    }
    if ((*results)[1].empty()) return make_error(ErrorCode::not_found, fmt::format("store: no order {}", id));
    OrderDetail detail;
    detail.order = read_order((*results)[1], 0);
    detail.events = read_all<OrderEventRecord>((*results)[2], read_event);
    detail.deliveries = read_all<OutboxItem>((*results)[3], read_outbox);
    detail.attempts = read_all<DeliveryAttempt>((*results)[4], read_attempt);
    return detail;
}

Result<Page<OrderRecord>> PostgresStore::find_orders(const OrderQuery& query) {
    Filter filter;
    filter.equals("state", query.state);
    filter.equals("vendor", query.vendor);
    filter.equals("municipality", query.municipality);
    filter.equals("external_ref", query.external_ref);
    filter.equals("vendor_order_ref", query.vendor_order_ref);
    if (!query.recipient_ref.empty()) {
        // CASE fixes the order: only orders whose text contains the reference are parsed as JSON.
        filter.add("CASE WHEN strpos(canonical_json, ?) > 0 THEN canonical_json::jsonb #>> '{recipient,reference}' "
                   "END = ?",
                   query.recipient_ref);
    }
    if (query.message_id) filter.add("message_id = ?", *query.message_id);
    filter.range("created_at", query.from, query.to);
    filter.cursor("seq", query.page);
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    return observe(run_page_query<OrderRecord>(**conn, fmt::format("SELECT {} FROM orders", kOrderColumns), filter,
                                               "seq", query.page, read_order,
                                               [](const OrderRecord& o) { return o.seq; }, deadline));
}

// ---- outbox ----

Result<std::int64_t> PostgresStore::enqueue(const NewOutboxItem& item) {
    if (item.destination.empty() || item.idempotency_key.empty()) return invalid_outbox_item();
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    return observe(insert_outbox(**conn, item, now_ms(), deadline));  // each statement commits by itself
}

Result<std::vector<OutboxItem>> PostgresStore::claim_due(std::string_view destination, std::size_t limit,
                                                         std::string_view owner, std::chrono::milliseconds lease) {
    if (owner.empty() || lease.count() <= 0) {
        return make_error(ErrorCode::invalid_argument, "store: a claim needs an owner and a positive lease");
    }
    if (limit == 0) return std::vector<OutboxItem>{};
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    const std::int64_t now = now_ms();
    // One statement: the choice and the lease are atomic. SKIP LOCKED: rows another instance is claiming right now
    // are passed over instead of waited for, so instances claiming together get disjoint items; a row whose claim
    // committed in between fails the re-checked condition (READ COMMITTED re-evaluates it on the newest version).
    static const std::string sql = fmt::format(
        "UPDATE outbox AS o SET state = 'in_flight', lease_owner = $1, lease_expires_at = $2, "
        "attempts = o.attempts + 1, updated_at = $3 FROM (SELECT id FROM outbox WHERE destination = $4 AND "
        "((state = 'pending' AND next_attempt_at <= $3) OR (state = 'in_flight' AND lease_expires_at <= $3)) "
        // Deliveries of one order go out in the order they were queued (submit before cancel, status reports in
        // sequence): an item waits while an earlier one of the same order and destination is unfinished.
        "AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.order_id = outbox.order_id "
        "AND earlier.destination = outbox.destination AND earlier.id < outbox.id "
        "AND earlier.state IN ('pending', 'in_flight')) "
        "ORDER BY next_attempt_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) AS due WHERE o.id = due.id RETURNING {}",
        kOutboxColumnsQualified);
    auto rows = observe((*conn)->query(
        sql, Params(owner, now + lease.count(), now, destination, std::min<std::size_t>(limit, kMaxPageSize)),
        deadline));
    if (!rows) return std::move(rows).error();
    auto items = read_all<OutboxItem>(*rows, read_outbox);
    // RETURNING yields rows in no promised order; restore the order the selection used.
    std::sort(items.begin(), items.end(), [](const OutboxItem& a, const OutboxItem& b) {
        return std::pair(a.next_attempt_at, a.id) < std::pair(b.next_attempt_at, b.id);
    });
    return items;
}

Result<EventAppend> PostgresStore::finish_attempt(std::int64_t id, std::string_view owner, AttemptOutcome outcome,
                                                  std::optional<TimePoint> next_attempt, const AttemptReport& attempt,
                                                  const NewOrderEvent* event,
                                                  const std::optional<NewOutboxItem>& report) {
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    const std::int64_t now = now_ms();
    const std::string_view new_state = outcome == AttemptOutcome::success ? "done"
                                       : outcome == AttemptOutcome::retry ? "pending"
                                                                          : "dead";
    std::optional<std::int64_t> next_ms;
    if (next_attempt) next_ms = to_ms(*next_attempt);
    // The lease check and the attempt record in one statement: the attempt is written only if the lease held.
    const Params finish(id, owner, new_state, next_ms,
                        outcome == AttemptOutcome::success ? std::string_view() : std::string_view(attempt.error), now,
                        attempt.started_at == TimePoint{} ? now : to_ms(attempt.started_at), to_string(outcome),
                        attempt.http_status, attempt.error, static_cast<std::int64_t>(attempt.duration.count()));
    constexpr std::string_view kFinish =
        "WITH finished AS (UPDATE outbox SET state = $3, next_attempt_at = COALESCE($4::bigint, next_attempt_at), "
        "last_error = $5, lease_owner = '', lease_expires_at = NULL, updated_at = $6 "
        "WHERE id = $1 AND state = 'in_flight' AND lease_owner = $2 RETURNING id) "
        "INSERT INTO delivery_attempt (outbox_id, started_at, outcome, http_status, error, duration_ms) "
        "SELECT id, $7::bigint, $8::text, $9::integer, $10::text, $11::bigint FROM finished RETURNING outbox_id";

    std::optional<Transaction> tx;
    if (event != nullptr) {
        auto begun = observe(Transaction::begin(**conn, deadline));
        if (!begun) return std::move(begun).error();
        tx.emplace(std::move(begun).value());
    }
    auto finished = observe((*conn)->query(kFinish, finish, deadline));
    if (!finished) return std::move(finished).error();
    if (finished->empty()) {
        auto current = observe((*conn)->query("SELECT state, lease_owner FROM outbox WHERE id = $1", Params(id), deadline));
        if (!current) return std::move(current).error();
        if (current->empty()) return make_error(ErrorCode::not_found, fmt::format("store: no outbox item {}", id));
        return make_error(ErrorCode::conflict,
                          fmt::format("store: outbox item {} is not leased to {} (state {}, lease owner '{}')", id,
                                      owner, current->text(0, 0), current->text(0, 1)));
    }
    EventAppend appended;
    if (event != nullptr) {
        auto result = observe(append_event_locked(**conn, *event, report, now, deadline));
        if (!result) return std::move(result).error();
        appended = *result;
        if (auto committed = observe(tx->commit()); !committed) return std::move(committed).error();
    }
    return appended;
}

namespace {
Result<void> drop_value(Result<EventAppend> r) {
    if (!r) return std::move(r).error();
    return {};
}
}  // namespace

Result<void> PostgresStore::complete(std::int64_t id, std::string_view owner, const AttemptReport& attempt) {
    return drop_value(finish_attempt(id, owner, AttemptOutcome::success, std::nullopt, attempt, nullptr, {}));
}

Result<void> PostgresStore::retry_later(std::int64_t id, std::string_view owner, TimePoint next_attempt,
                                        const AttemptReport& attempt) {
    return drop_value(finish_attempt(id, owner, AttemptOutcome::retry, next_attempt, attempt, nullptr, {}));
}

Result<void> PostgresStore::dead_letter(std::int64_t id, std::string_view owner, const AttemptReport& attempt) {
    return drop_value(finish_attempt(id, owner, AttemptOutcome::dead, std::nullopt, attempt, nullptr, {}));
}

Result<EventAppend> PostgresStore::complete_with_event(std::int64_t id, std::string_view owner,
                                                       const AttemptReport& attempt, const NewOrderEvent& event,
                                                       const std::optional<NewOutboxItem>& report) {
    return finish_attempt(id, owner, AttemptOutcome::success, std::nullopt, attempt, &event, report);
}

Result<EventAppend> PostgresStore::dead_letter_with_event(std::int64_t id, std::string_view owner,
                                                          const AttemptReport& attempt, const NewOrderEvent& event,
                                                          const std::optional<NewOutboxItem>& report) {
    return finish_attempt(id, owner, AttemptOutcome::dead, std::nullopt, attempt, &event, report);
}

Result<Page<OutboxItem>> PostgresStore::find_outbox(const OutboxQuery& query) {
    Filter filter;
    filter.equals("destination", query.destination);
    if (query.state) filter.add("state = ?", to_string(*query.state));
    filter.equals("order_id", query.order_id);
    filter.cursor("id", query.page);
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    return observe(run_page_query<OutboxItem>(**conn, fmt::format("SELECT {} FROM outbox", kOutboxColumns), filter,
                                              "id", query.page, read_outbox,
                                              [](const OutboxItem& o) { return o.id; }, deadline));
}

Result<std::size_t> PostgresStore::release_leases(std::string_view owner) {
    if (owner.empty()) return make_error(ErrorCode::invalid_argument, "store: release needs the lease owner");
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    const std::int64_t now = now_ms();
    auto updated = observe((*conn)->query(
        "UPDATE outbox SET state = 'pending', next_attempt_at = $2, lease_owner = '', lease_expires_at = NULL, "
        "updated_at = $2 WHERE state = 'in_flight' AND lease_owner = $1",
        Params(owner, now), deadline));
    if (!updated) return std::move(updated).error();
    return static_cast<std::size_t>(updated->affected());
}

Result<std::size_t> PostgresStore::requeue_dead(std::span<const std::int64_t> ids, std::string_view actor) {
    if (actor.empty()) return make_error(ErrorCode::invalid_argument, "store: requeue needs the acting user");
    if (ids.empty()) return std::size_t{0};
    std::string array = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) array += (i == 0 ? "" : ",") + std::to_string(ids[i]);
    array += "}";
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    // One statement: the requeue and its audit entries commit together. A payload emptied by retention cannot be
    // delivered again; it stays dead.
    auto audited = observe((*conn)->query(
        "WITH requeued AS (UPDATE outbox SET state = 'pending', next_attempt_at = $2, lease_owner = '', "
        "lease_expires_at = NULL, updated_at = $2 WHERE id = ANY($1::bigint[]) AND state = 'dead' "
        "AND length(payload) > 0 RETURNING id) "
        "INSERT INTO audit_log (at, actor, action, target, detail) SELECT $2::bigint, $3::text, 'outbox.requeue', "
        "'outbox:' || id, 'dead letter requeued for delivery' FROM requeued ORDER BY id RETURNING id",
        Params(array, now_ms(), actor), deadline));
    if (!audited) return std::move(audited).error();
    return static_cast<std::size_t>(audited->size());
}

// ---- audit ----

Result<std::int64_t> PostgresStore::append_audit(const NewAuditEntry& entry) {
    if (entry.actor.empty() || entry.action.empty()) {
        return make_error(ErrorCode::invalid_argument, "store: an audit entry needs an actor and an action");
    }
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    auto inserted = observe(
        (*conn)->query("INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5) "
                       "RETURNING id",
                       Params(now_ms(), entry.actor, entry.action, entry.target, entry.detail), deadline));
    if (!inserted) return std::move(inserted).error();
    return inserted->int64(0, 0);
}

Result<Page<AuditEntry>> PostgresStore::find_audit(const AuditQuery& query) {
    Filter filter;
    filter.equals("actor", query.actor);
    filter.equals("action", query.action);
    filter.equals("target", query.target);
    filter.range("at", query.from, query.to);
    filter.cursor("id", query.page);
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    return observe(run_page_query<AuditEntry>(**conn, fmt::format("SELECT {} FROM audit_log", kAuditColumns), filter,
                                              "id", query.page, read_audit,
                                              [](const AuditEntry& a) { return a.id; }, deadline));
}

// ---- housekeeping ----

Result<PurgeResult> PostgresStore::purge_personal_data(std::chrono::days older_than) {
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    auto tx = observe(Transaction::begin(**conn, deadline));
    if (!tx) return std::move(tx).error();
    const std::int64_t now = now_ms();
    const std::int64_t cutoff = now - std::chrono::duration_cast<std::chrono::milliseconds>(older_than).count();

    // Locked until commit, so a second purge (another instance at the moment of a lead takeover) skips them.
    auto due = observe((*conn)->query(fmt::format("SELECT seq, id, message_id, canonical_json FROM orders "
                                                  "WHERE purged_at IS NULL AND updated_at < $1 AND state IN {} "
                                                  "ORDER BY seq FOR UPDATE SKIP LOCKED",
                                                  kSettledStatesSql),
                                      Params(cutoff), deadline));
    if (!due) return std::move(due).error();

    PurgeResult result;
    for (int r = 0; r < due->size(); ++r) {
        const Params order(due->int64(r, 0), strip_personal_data(due->text(r, 3)), now);
        const Params message(due->optional_int64(r, 2), now);
        const Params payloads(due->text(r, 1), now);
        const Statement statements[] = {
            {"UPDATE orders SET canonical_json = $2, purged_at = $3 WHERE seq = $1", &order},
            {"UPDATE inbound_message SET raw = NULL, purged_at = $2 WHERE id = $1 AND purged_at IS NULL", &message},
            {"UPDATE outbox SET payload = ''::bytea, updated_at = $2 "
             "WHERE order_id = $1 AND state IN ('done', 'dead') AND length(payload) > 0",
             &payloads},
        };
        auto purged = observe((*conn)->pipeline(statements, deadline));
        if (!purged) return std::move(purged).error();
        result.orders += (*purged)[0].affected();
        result.messages += (*purged)[1].affected();
        result.outbox_payloads += (*purged)[2].affected();
    }
    auto orphans = observe((*conn)->query(
        "UPDATE inbound_message SET raw = NULL, purged_at = $1 WHERE purged_at IS NULL AND received_at < $2 "
        "AND state IN ('rejected', 'failed') "
        "AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.message_id = inbound_message.id)",
        Params(now, cutoff), deadline));
    if (!orphans) return std::move(orphans).error();
    result.messages += orphans->affected();
    if (result.orders + result.messages + result.outbox_payloads > 0) {
        GW_PG_TRY(observe((*conn)->query(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, 'system', 'retention.purge', "
            "'store', $2)",
            Params(now, fmt::format("older than {} days: {} orders, {} messages, {} outbox payloads",
                                    older_than.count(), result.orders, result.messages, result.outbox_payloads)),
            deadline)));
    }
    if (auto committed = observe(tx->commit()); !committed) return std::move(committed).error();
    return result;
}

Result<StoreStats> PostgresStore::stats() {
    const Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    const std::int64_t now = now_ms();
    // Byte order (COLLATE "C"), like SQLite, whatever the database's collation.
    const Statement statements[] = {
        {"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", nullptr},
        {"SELECT state, COUNT(*) FROM inbound_message GROUP BY state", nullptr},
        {"SELECT destination, SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), "
         "SUM(CASE WHEN state = 'in_flight' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), "
         "MIN(CASE WHEN state IN ('pending', 'in_flight') THEN created_at END) "
         "FROM outbox WHERE state <> 'done' GROUP BY destination ORDER BY destination COLLATE \"C\"",
         nullptr},
        {"SELECT vendor, state, COUNT(*) FROM orders GROUP BY vendor, state "
         "ORDER BY vendor COLLATE \"C\", state COLLATE \"C\"",
         nullptr},
        {"COMMIT", nullptr},
    };
    auto results = observe((*conn)->pipeline(statements, deadline));
    if (!results) {
        rollback_if_open(**conn);
        return std::move(results).error();
    }
    StoreStats stats;
    const Rows& messages = (*results)[1];
    for (int r = 0; r < messages.size(); ++r) {
        const auto state = parse_message_state(messages.text(r, 0));
        const std::int64_t n = messages.int64(r, 1);
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
    stats.destinations = read_all<DestinationStats>((*results)[2], [now](const Rows& s, int r) {
        DestinationStats d;
        d.destination = s.text(r, 0);
        d.pending = s.int64(r, 1);
        d.in_flight = s.int64(r, 2);
        d.dead = s.int64(r, 3);
        if (!s.is_null(r, 4)) {
            d.oldest_pending_age = std::chrono::milliseconds(std::max<std::int64_t>(0, now - s.int64(r, 4)));
        }
        return d;
    });
    stats.orders = read_all<OrderCount>((*results)[3], [](const Rows& s, int r) {
        return OrderCount{std::string(s.text(r, 0)), std::string(s.text(r, 1)), s.int64(r, 2)};
    });
    return stats;
}

}  // namespace gw::store
