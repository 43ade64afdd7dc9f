#pragma once
// Store on one SQLite file: the embedded default for a single gateway instance.
//
// Durability: WAL journal with synchronous=FULL, so a commit has reached the disk (fsync) before the call returns;
// foreign keys on. Two connections: one writer (all writes, serialised by a mutex) and one read-only reader for
// queries, so the ops API's searches never wait behind a batch commit and vice versa. Prepared statements are cached
// per connection. On open the schema is migrated to the newest version this code knows (migrations.hpp); a database
// whose schema is newer than that is refused rather than misread.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/store/sqlite_db.hpp"
#include "gateway/store/store.hpp"

namespace gw::store {

struct SqliteStoreOptions {
    std::string path;  // the database file; created (with its schema) when missing
    // How long a write waits for a lock held by another process before failing with unavailable.
    std::chrono::milliseconds busy_timeout{5000};
    Clock clock = system_clock();
};

class SqliteStore final : public Store {
  public:
    // Opens or creates the database and migrates it. Errors: io_error (cannot open / not a database / read-only
    // while a migration is needed), unsupported (schema newer than this code), unavailable (locked).
    static Result<std::unique_ptr<SqliteStore>> open(SqliteStoreOptions options);

    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    int schema_version() const noexcept { return schema_version_; }
    const std::string& path() const noexcept { return options_.path; }

    // Test hook: PRAGMA query_only on the writer, so every later write fails inside SQLite itself (SQLITE_READONLY)
    // — a real commit failure that works even when tests run as root, where file permissions do not stop writes.
    Result<void> set_query_only_for_testing(bool query_only);

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

    // sqlite_shadow.cpp
    Result<void> record_shadow_results(std::span<const NewShadowResult> results) override;
    Result<std::vector<ShadowCount>> shadow_counts(std::optional<TimePoint> since) override;
    Result<Page<ShadowResult>> find_shadow_results(const ShadowQuery& query) override;

    Result<PurgeResult> purge_personal_data(std::chrono::days older_than) override;
    Result<StoreStats> stats() override;
    Result<void> maintain() override;
    // One instance per SQLite file: it always leads, and it is ready once open.
    Result<bool> try_lead(std::string_view) override { return true; }
    Result<void> readiness() override { return {}; }

  private:
    SqliteStore(SqliteStoreOptions options, sqlite::Connection writer, sqlite::Connection reader, int version);

    std::int64_t now_ms() const;
    Result<std::int64_t> insert_outbox(const NewOutboxItem& item, std::int64_t now);
    Result<EventAppend> finish_attempt(std::int64_t id, std::string_view owner, AttemptOutcome outcome,
                                       std::optional<TimePoint> next_attempt, const AttemptReport& attempt,
                                       const NewOrderEvent* event, const std::optional<NewOutboxItem>& report);
    // append_order_event's work inside the caller's transaction (writer_mutex_ held).
    Result<std::int64_t> create_order_locked(const NewOrder& order, const NewOutboxItem& first_delivery,
                                             std::int64_t now);
    Result<EventAppend> append_event_locked(const NewOrderEvent& event, const std::optional<NewOutboxItem>& report,
                                            std::int64_t now);
    Result<std::int64_t> insert_audit(const NewAuditEntry& entry, std::int64_t now);

    SqliteStoreOptions options_;
    int schema_version_;
    std::mutex writer_mutex_;
    sqlite::Connection writer_;
    std::mutex reader_mutex_;
    sqlite::Connection reader_;
};

}  // namespace gw::store
