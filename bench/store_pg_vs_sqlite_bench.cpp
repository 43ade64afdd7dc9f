// Durable inbound commits per second, PostgreSQL against SQLite, in one run on the same machine and disk: the same
// GroupCommitSink (group commit) in front of SqliteStore (WAL, synchronous=FULL) and of PostgresStore (a throwaway
// PostgreSQL server this benchmark starts with fsync on and synchronous_commit on: a commit has reached the disk
// before the ACK could go), with 1, 16 and 64 client threads that each submit a message and wait for its
// completion before sending the next, the way MLLP peers behave. Each run uses a fresh database and checks
// afterwards that every message is stored exactly once; a wrong count fails the benchmark.
//
//   build-bench/bin/store_pg_vs_sqlite_bench     # prints the table: commits/s per backend and concurrency
//
// PostgreSQL rows are skipped with a message when the server binaries are not installed (scripts/deps installs
// them). Over a network the PostgreSQL numbers also pay the round trip per batch; here the server is on 127.0.0.1.

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/store/group_commit_sink.hpp"
#include "gateway/store/postgres_store.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "tests/support/postgres_server.hpp"

namespace {

using gw::store::GroupCommitSink;
using gw::store::Store;

enum Backend { kSqlite = 0, kPostgres = 1 };

struct Totals {
    double seconds = 0;
    std::int64_t messages = 0;
    std::uint64_t batches = 0;
};
std::mutex g_mutex;
std::map<std::pair<int, int>, Totals> g_totals;  // (backend, concurrency)
gw::testing::PostgresServer* g_postgres = nullptr;
std::string g_postgres_error;

class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "gw-store-bench-XXXXXX").string();
        if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    bool ok() const { return !path_.empty(); }
    std::string file() const { return (path_ / "bench.db").string(); }

  private:
    std::filesystem::path path_;
};

gw::ingest::InboundMessage make_message(int thread, int i) {
    gw::ingest::InboundMessage m;
    m.channel = "mllp";
    m.sender = "CARE^BAERUM";
    m.control_id = "B-" + std::to_string(thread) + "-" + std::to_string(i);
    m.message_type = "OMS^O05";
    m.peer = "10.0.0.7:50123";
    m.correlation_id = "c-" + m.control_id;
    // A realistic order message is around 1-2 KB.
    m.raw = "MSH|^~\\&|CARE|BAERUM|GW|GW|20240501120000||OMS^O05|" + m.control_id + "|P|2.5\r" + std::string(1200, 'x');
    m.ack = "MSA|AA|" + m.control_id;
    return m;
}

gw::Result<std::unique_ptr<Store>> open_fresh(Backend backend, const TempDir& dir) {
    if (backend == kSqlite) {
        auto s = gw::store::SqliteStore::open({dir.file()});
        if (!s) return std::move(s).error();
        return std::unique_ptr<Store>(std::move(s).value());
    }
    std::string why;
    const std::string dsn = g_postgres->create_database(&why);
    if (dsn.empty()) return gw::make_error(gw::ErrorCode::unavailable, why);
    gw::store::PostgresStoreOptions options;
    options.dsn = dsn;
    auto s = gw::store::PostgresStore::open(std::move(options));
    if (!s) return std::move(s).error();
    return std::unique_ptr<Store>(std::move(s).value());
}

void BM_DurableInbound(benchmark::State& state) {
    const auto backend = static_cast<Backend>(state.range(0));
    const int concurrency = static_cast<int>(state.range(1));
    if (backend == kPostgres && g_postgres == nullptr) {
        state.SkipWithError(("PostgreSQL: " + g_postgres_error).c_str());
        return;
    }
    // With one client group commit has nothing to group: size that run like a per-message one.
    const int total = concurrency > 1 ? 4096 : 512;
    const int per_thread = std::max(1, total / concurrency);
    Totals totals;

    for (auto _ : state) {
        TempDir dir;
        if (!dir.ok()) {
            state.SkipWithError("cannot create a temporary directory");
            return;
        }
        auto opened = open_fresh(backend, dir);
        if (!opened) {
            state.SkipWithError(opened.error().to_string().c_str());
            return;
        }
        auto store = std::move(opened).value();
        gw::store::GroupCommitSinkOptions options;
        options.queue_capacity = 4096;
        options.max_batch = 1024;
        GroupCommitSink sink(*store, options);

        std::atomic<int> failures{0};
        std::latch start(concurrency + 1);
        std::vector<std::thread> clients;
        for (int t = 0; t < concurrency; ++t) {
            clients.emplace_back([&, t] {
                start.arrive_and_wait();
                for (int i = 0; i < per_thread; ++i) {
                    std::promise<gw::ingest::SinkStatus> done;
                    auto status = done.get_future();
                    sink.submit(make_message(t, i), [&done](gw::ingest::SinkResult r) { done.set_value(r.status); });
                    if (status.get() != gw::ingest::SinkStatus::stored) failures.fetch_add(1);
                }
            });
        }
        const auto began = std::chrono::steady_clock::now();
        start.arrive_and_wait();
        for (auto& c : clients) c.join();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
        state.SetIterationTime(seconds);
        sink.stop();

        // Check the answer: every message stored, once.
        const std::int64_t expected = static_cast<std::int64_t>(per_thread) * concurrency;
        gw::store::MessageQuery q;
        q.page.limit = 1000;
        std::int64_t rows = 0;
        for (;;) {
            auto page = store->find_messages(q);
            if (!page) break;
            rows += static_cast<std::int64_t>(page->items.size());
            if (!page->next_cursor) break;
            q.page.cursor = page->next_cursor;
        }
        if (failures.load() != 0 || rows != expected) {
            state.SkipWithError(("stored " + std::to_string(rows) + " of " + std::to_string(expected) + " (" +
                                 std::to_string(failures.load()) + " failed)")
                                    .c_str());
            return;
        }
        totals.seconds += seconds;
        totals.messages += expected;
        totals.batches += sink.stats().batches;
    }
    const double rate = totals.seconds > 0 ? static_cast<double>(totals.messages) / totals.seconds : 0;
    state.counters["commits_per_s"] = rate;
    state.counters["msgs_per_txn"] =
        totals.batches > 0 ? static_cast<double>(totals.messages) / static_cast<double>(totals.batches) : 0;
    std::lock_guard lock(g_mutex);
    g_totals[{backend, concurrency}] = totals;
}

BENCHMARK(BM_DurableInbound)
    ->ArgNames({"postgres", "concurrency"})
    ->ArgsProduct({{kSqlite, kPostgres}, {1, 16, 64}})
    ->UseManualTime()
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);

double rate_of(const Totals& t) {
    return t.seconds > 0 ? static_cast<double>(t.messages) / t.seconds : 0;
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    // Durable: fsync on, as in production. Started here, on the main thread, and stopped when main returns.
    auto postgres = gw::testing::PostgresServer::start({.durable = true, .port = 0}, &g_postgres_error);
    g_postgres = postgres.get();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    std::printf("\ndurable inbound commits/s through GroupCommitSink (SQLite: WAL + synchronous=FULL; PostgreSQL 127.0.0.1: "
                "fsync + synchronous_commit=on)\n%-12s %12s %12s %10s\n",
                "concurrency", "sqlite", "postgres", "pg/sqlite");
    for (int c : {1, 16, 64}) {
        const auto lite = g_totals.find({kSqlite, c});
        const auto pg = g_totals.find({kPostgres, c});
        const double a = lite != g_totals.end() ? rate_of(lite->second) : 0;
        const double b = pg != g_totals.end() ? rate_of(pg->second) : 0;
        std::printf("%-12d %12.0f %12.0f %9.2fx\n", c, a, b, a > 0 ? b / a : 0);
    }
    if (g_postgres == nullptr) std::printf("PostgreSQL rows skipped: %s\n", g_postgres_error.c_str());
    return 0;
}
