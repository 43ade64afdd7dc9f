#pragma once
// Shared helpers for the store tests: a fresh database per test on either backend (the suite is parameterised over
// SQLite and PostgreSQL, so both implementations pass the same tests), a temporary directory, an injectable clock,
// message factories, a completion collector that waits with a bound (never sleeps), and a batch writer whose commits
// the test releases.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/store/postgres_store.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "gateway/store/store.hpp"
#include "tests/support/postgres_server.hpp"

namespace gw::store::testing {

inline constexpr std::chrono::seconds kWaitLimit{60};

class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "gw-store-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name = "gateway.db") const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// A clock the test moves by hand; copies share the time.
class ManualClock {
  public:
    ManualClock() : ms_(std::make_shared<std::atomic<std::int64_t>>(1'700'000'000'000)) {}
    Clock clock() const {
        return [ms = ms_] {
            return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms->load())));
        };
    }
    TimePoint now() const { return clock()(); }
    void advance(std::chrono::milliseconds d) { ms_->fetch_add(d.count()); }

  private:
    std::shared_ptr<std::atomic<std::int64_t>> ms_;
};

inline std::unique_ptr<SqliteStore> open_store(const std::string& path, Clock clock = system_clock(),
                                               std::chrono::milliseconds busy_timeout = std::chrono::seconds(5)) {
    auto store = SqliteStore::open(SqliteStoreOptions{path, busy_timeout, std::move(clock)});
    if (!store) {
        ADD_FAILURE() << "opening " << path << ": " << store.error().to_string();
        return nullptr;
    }
    return std::move(store).value();
}

// ---- both backends ----

enum class Backend { sqlite, postgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::sqlite ? "Sqlite" : "Postgres";
}

inline const auto kBothBackends = ::testing::Values(Backend::sqlite, Backend::postgres);

// Why `backend` cannot run here (GTEST_SKIP's message), or empty. Only missing PostgreSQL binaries skip; a server
// that is installed but fails to start fails the test.
inline std::string backend_skip_reason(Backend backend) {
    return backend == Backend::postgres ? gw::testing::postgres_unavailable_reason() : std::string();
}

#define GW_SKIP_UNLESS_BACKEND(backend)                                                              \
    do {                                                                                             \
        if (auto gw_why_ = ::gw::store::testing::backend_skip_reason(backend); !gw_why_.empty()) { \
            GTEST_SKIP() << gw_why_;                                                                 \
        }                                                                                            \
    } while (false)

// One test's database: a SQLite file in a temporary directory, or a PostgreSQL database of its own on the test
// process's server (created on the first open). open() again is a restart on the same data.
class TestDatabase {
  public:
    explicit TestDatabase(Backend backend) : backend_(backend) {}

    Backend backend() const { return backend_; }

    Result<std::unique_ptr<Store>> try_open(Clock clock = system_clock()) {
        if (backend_ == Backend::sqlite) {
            auto opened = SqliteStore::open(SqliteStoreOptions{dir_.file(), std::chrono::seconds(5), std::move(clock)});
            if (!opened) return std::move(opened).error();
            return std::unique_ptr<Store>(std::move(opened).value());
        }
        if (dsn_.empty()) {
            std::string why;
            auto* server = gw::testing::shared_postgres_server(&why);
            if (server == nullptr) return make_error(ErrorCode::unavailable, "test PostgreSQL server: " + why);
            dsn_ = server->create_database(&why);
            if (dsn_.empty()) return make_error(ErrorCode::unavailable, "creating a test database: " + why);
        }
        PostgresStoreOptions options;
        options.dsn = dsn_;
        options.clock = std::move(clock);
        auto opened = PostgresStore::open(std::move(options));
        if (!opened) return std::move(opened).error();
        return std::unique_ptr<Store>(std::move(opened).value());
    }

    std::unique_ptr<Store> open(Clock clock = system_clock()) {
        auto opened = try_open(std::move(clock));
        if (!opened) {
            ADD_FAILURE() << "opening the " << (backend_ == Backend::sqlite ? "SQLite" : "PostgreSQL")
                          << " store: " << opened.error().to_string();
            return nullptr;
        }
        return std::move(opened).value();
    }

    // The SQLite file, or the PostgreSQL DSN (after the first open).
    std::string location() const { return backend_ == Backend::sqlite ? dir_.file() : dsn_; }
    // The PostgreSQL database's name (after the first open).
    std::string database_name() const {
        const auto at = dsn_.rfind("dbname=");
        return at == std::string::npos ? std::string() : dsn_.substr(at + 7);
    }

  private:
    Backend backend_;
    TempDir dir_;
    std::string dsn_;
};

inline ingest::InboundMessage hl7_message(const std::string& control_id, const std::string& sender = "CARE^BAERUM") {
    ingest::InboundMessage m;
    m.channel = "mllp";
    m.sender = sender;
    m.control_id = control_id;
    m.message_type = "OMS^O05";
    m.raw = "MSH|^~\\&|CARE|BAERUM|GW|GW|20240501120000||OMS^O05|" + control_id + "|P|2.5\rPID|||R-77||Nordmann^Kari";
    m.peer = "10.0.0.7:50123";
    m.correlation_id = "corr-" + control_id;
    m.ack = "MSH|^~\\&|GW|GW|CARE|BAERUM|||ACK|A-" + control_id + "|P|2.5\rMSA|AA|" + control_id;
    return m;
}

// Collects completions from any thread and waits for them with a bound.
class Completions {
  public:
    ingest::SinkCompletion slot(std::size_t index) {
        return [this, index](ingest::SinkResult r) {
            std::lock_guard lock(mutex_);
            if (results_.size() <= index) results_.resize(index + 1);
            EXPECT_FALSE(results_[index].has_value()) << "completion " << index << " fired twice";
            results_[index] = std::move(r);
            ++count_;
            cv_.notify_all();
        };
    }
    [[nodiscard]] bool wait_for(std::size_t n) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, kWaitLimit, [&] { return count_ >= n; });
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return count_;
    }
    ingest::SinkResult at(std::size_t index) const {
        std::lock_guard lock(mutex_);
        if (index >= results_.size() || !results_[index]) {
            ADD_FAILURE() << "no completion " << index;
            return {};
        }
        return *results_[index];
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::optional<ingest::SinkResult>> results_;
    std::size_t count_ = 0;
};

// Holds every batch at the door until the test opens it, so tests can fill the queue or gather a known batch.
class GatedWriter final : public InboundBatchWriter {
  public:
    explicit GatedWriter(InboundBatchWriter& inner) : inner_(inner) {}

    Result<std::vector<InboundAppend>> append_messages(std::span<const ingest::InboundMessage> batch) override {
        {
            std::unique_lock lock(mutex_);
            batch_sizes_.push_back(batch.size());
            cv_.notify_all();
            cv_.wait(lock, [&] { return open_; });
        }
        return inner_.append_messages(batch);
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }
    [[nodiscard]] bool wait_for_batches(std::size_t n) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, kWaitLimit, [&] { return batch_sizes_.size() >= n; });
    }
    std::vector<std::size_t> batch_sizes() const {
        std::lock_guard lock(mutex_);
        return batch_sizes_;
    }

  private:
    InboundBatchWriter& inner_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
    std::vector<std::size_t> batch_sizes_;
};

inline std::int64_t count_messages(Store& store, MessageQuery query = {}) {
    query.page.limit = 1000;
    std::int64_t n = 0;
    for (;;) {
        auto page = store.find_messages(query);
        if (!page) {
            ADD_FAILURE() << page.error().to_string();
            return -1;
        }
        n += static_cast<std::int64_t>(page->items.size());
        if (!page->next_cursor) return n;
        query.page.cursor = page->next_cursor;
    }
}

}  // namespace gw::store::testing
