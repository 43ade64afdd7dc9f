#pragma once
// Store on PostgreSQL: several gateway instances behind a load balancer share one database.
//
// Durability: every commit waits for the WAL flush (synchronous_commit=on is set per session, whatever the server
// default), so an acknowledged message survives a crash of the database host too. Inbound messages still commit in
// batches (GroupCommitSink): one batch is one transaction sent in one round trip (pipeline mode), one WAL flush.
//
// Sharing the work between instances:
//  - claim_due selects with FOR UPDATE SKIP LOCKED, so instances claiming at the same moment get disjoint items;
//    a lease (lease_owner, lease_expires_at) marks what is being delivered, and when an instance dies its leases
//    expire and any instance claims the items again (the idempotency key makes that re-delivery harmless);
//  - a duplicate inbound message (same sender + control id) sent to two instances at once is stored once: the
//    second waits for the first's commit (ON CONFLICT on the unique index) and returns its ack;
//  - order events lock their order row, so a webhook and a poll on different instances never both decide from the
//    same stale state;
//  - try_lead() takes a session advisory lock per singleton job on a dedicated connection.
//
// Connections: a small pool (options.pool_size) opened on demand, plus one connection for leadership. Every call
// has a deadline (options.operation_timeout) on the client side, and the same limits are set on the server
// (statement_timeout, lock_timeout, idle_in_transaction_session_timeout), so a stuck network or a stuck peer never
// holds a thread or a lock forever. Callers are the GroupCommitSink's writer thread, the pipeline and delivery
// engine threads — never Asio threads.
//
// Start-up: open() connects and migrates the schema under an advisory lock (instances starting together migrate
// once), refusing a database whose schema is newer than this code. When the database cannot be reached and
// options.wait_for_database is set, open() returns a store that keeps trying in the background with exponential
// backoff: until it succeeds every operation fails with unavailable and readiness() says why.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "gateway/store/postgres_db.hpp"
#include "gateway/store/store.hpp"

namespace gw::store {

struct PostgresStoreOptions {
    std::string dsn;  // libpq key=value string or postgresql:// URI
    std::size_t pool_size = 8;
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds operation_timeout{15'000};  // one store call, from waiting for a connection to commit
    // Unreachable at open(): false -> open() fails; true -> open() returns a store that connects in the background.
    bool wait_for_database = false;
    std::chrono::milliseconds retry_initial{500};  // background reconnect backoff, doubling up to retry_max
    std::chrono::milliseconds retry_max{30'000};
    std::chrono::milliseconds health_interval{5'000};  // how often a connected store checks the database is there
    // Called once, from the background thread, when the store gives up for good (the schema turned out newer than
    // this code): the gateway should stop.
    std::function<void(const Error&)> on_fatal;
    Clock clock = system_clock();
};

class PostgresStore final : public Store {
  public:
    // Errors: invalid_argument (empty or malformed DSN), unavailable (cannot connect, unless wait_for_database),
    // unsupported (schema newer than this code, or a database encoding other than UTF8).
    static Result<std::unique_ptr<PostgresStore>> open(PostgresStoreOptions options);
    ~PostgresStore() override;

    PostgresStore(const PostgresStore&) = delete;
    PostgresStore& operator=(const PostgresStore&) = delete;

    // 0 until the first successful migration.
    int schema_version() const noexcept { return schema_version_.load(); }
    // host/port/dbname/user of the DSN, never the password; for messages.
    const std::string& target() const noexcept { return target_; }
    pg::Pool::Stats pool_stats() const { return pool_.stats(); }

    Result<std::vector<InboundAppend>> append_messages(std::span<const ingest::InboundMessage> batch) override;
    Result<void> mark_message(std::int64_t id, MessageState state, const std::optional<Error>& error) override;
    Result<MessageRecord> get_message(std::int64_t id) override;
    Result<Page<MessageRecord>> find_messages(const MessageQuery& query) override;

    Result<std::int64_t> create_order(const NewOrder& order, const NewOutboxItem& first_delivery) override;
    Result<std::vector<Result<std::int64_t>>> create_orders(std::span<const OrderWithDelivery> batch) override;
    Result<EventAppend> append_order_event(const NewOrderEvent& event,
                                           const std::optional<NewOutboxItem>& report) override;
    Result<OrderRecord> get_order(std::string_view id) override;
    Result<OrderDetail> get_order_detail(std::string_view id) override;
    Result<Page<OrderRecord>> find_orders(const OrderQuery& query) override;

    Result<std::int64_t> enqueue(const NewOutboxItem& item) override;
    Result<std::vector<OutboxItem>> claim_due(std::string_view destination, std::size_t limit, std::string_view owner,
                                              std::chrono::milliseconds lease) override;
    Result<void> complete(std::int64_t id, std::string_view owner, const AttemptReport& attempt) override;
    Result<void> retry_later(std::int64_t id, std::string_view owner, TimePoint next_attempt,
                             const AttemptReport& attempt) override;
    Result<void> dead_letter(std::int64_t id, std::string_view owner, const AttemptReport& attempt) override;
    Result<EventAppend> complete_with_event(std::int64_t id, std::string_view owner, const AttemptReport& attempt,
                                            const NewOrderEvent& event,
                                            const std::optional<NewOutboxItem>& report) override;
    Result<EventAppend> dead_letter_with_event(std::int64_t id, std::string_view owner, const AttemptReport& attempt,
                                               const NewOrderEvent& event,
                                               const std::optional<NewOutboxItem>& report) override;
    Result<Page<OutboxItem>> find_outbox(const OutboxQuery& query) override;
    Result<std::size_t> release_leases(std::string_view owner) override;
    Result<std::size_t> requeue_dead(std::span<const std::int64_t> ids, std::string_view actor) override;

    Result<std::int64_t> append_audit(const NewAuditEntry& entry) override;
    Result<Page<AuditEntry>> find_audit(const AuditQuery& query) override;

    Result<PurgeResult> purge_personal_data(std::chrono::days older_than) override;
    Result<StoreStats> stats() override;

    // Shadow mode (postgres_shadow.cpp).
    Result<void> record_shadow_results(std::span<const NewShadowResult> results) override;
    Result<std::vector<ShadowCount>> shadow_counts(std::optional<TimePoint> since) override;
    Result<Page<ShadowResult>> find_shadow_results(const ShadowQuery& query) override;

    Result<bool> try_lead(std::string_view job) override;
    Result<void> readiness() override;

  private:
    enum class Phase { connecting, ready, refused };

    explicit PostgresStore(PostgresStoreOptions options);

    // Connects one connection and migrates; the first step of open() and of the background reconnect.
    Result<int> connect_and_migrate();
    void start_monitor();
    void monitor();
    // Every operation starts here: a pooled connection, or why there is none.
    Result<pg::Pool::Lease> connection(pg::Deadline deadline);
    // Passes an operation's outcome through; an unavailable one makes the monitor check the database right away.
    template <class T>
    Result<T> observe(Result<T> result);
    void check_soon();

    std::int64_t now_ms() const;
    pg::Deadline deadline() const { return pg::deadline_after(options_.operation_timeout); }

    Result<std::int64_t> insert_outbox(pg::Connection& conn, const NewOutboxItem& item, std::int64_t now,
                                       pg::Deadline deadline);
    Result<std::vector<Result<std::int64_t>>> create_orders_in_one(std::span<const OrderWithDelivery> batch,
                                                                   bool* refused);
    Result<EventAppend> append_event_locked(pg::Connection& conn, const NewOrderEvent& event,
                                            const std::optional<NewOutboxItem>& report, std::int64_t now,
                                            pg::Deadline deadline);
    Result<EventAppend> finish_attempt(std::int64_t id, std::string_view owner, AttemptOutcome outcome,
                                       std::optional<TimePoint> next_attempt, const AttemptReport& attempt,
                                       const NewOrderEvent* event, const std::optional<NewOutboxItem>& report);

    const PostgresStoreOptions options_;
    const std::string target_;
    pg::Pool pool_;
    std::atomic<int> schema_version_{0};

    mutable std::mutex state_mutex_;
    std::condition_variable state_changed_;
    Phase phase_ = Phase::connecting;
    bool reachable_ = false;
    std::optional<Error> last_error_;  // why the store is not ready (connecting, refused, or unreachable)
    bool check_now_ = false;
    bool stopping_ = false;
    std::thread monitor_;

    std::mutex lead_mutex_;
    std::unique_ptr<pg::Connection> lead_connection_;
    std::set<std::string, std::less<>> led_jobs_;
};

}  // namespace gw::store
