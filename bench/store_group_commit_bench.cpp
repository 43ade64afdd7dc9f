// Durable commits per second through GroupCommitSink on a real SQLite file (WAL, synchronous=FULL): group commit
// (every waiting message in one transaction) against one transaction per message (max_batch = 1), with 1, 16 and 64
// client threads that each submit a message and wait for its completion before sending the next — the way MLLP
// peers behave (one message in flight per connection until its ACK). Each run uses a fresh database in a temporary
// directory and checks afterwards that every message is stored exactly once; a wrong count fails the benchmark.
//
//   build-store/bin/store_group_commit_bench            # prints the table and the group/per-message ratio at 64

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
#include "gateway/store/sqlite_store.hpp"

namespace {

using gw::store::GroupCommitSink;
using gw::store::SqliteStore;

struct Totals {
    double seconds = 0;
    std::int64_t messages = 0;
    std::uint64_t batches = 0;
};
std::mutex g_mutex;
std::map<std::pair<bool, int>, Totals> g_totals;  // (group commit?, concurrency)

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
    // A realistic order message is around 1-2 KB.
    m.raw = "MSH|^~\\&|CARE|BAERUM|GW|GW|20240501120000||OMS^O05|" + m.control_id + "|P|2.5\r" + std::string(1200, 'x');
    m.ack = "MSA|AA|" + m.control_id;
    return m;
}

void BM_DurableCommits(benchmark::State& state) {
    const bool group = state.range(0) == 1;
    const int concurrency = static_cast<int>(state.range(1));
    // Enough messages for a steady state, few enough to keep the per-message runs short on a shared machine.
    // With one client, group commit has nothing to group: it runs at the per-message rate, so size it like that.
    const int total = group && concurrency > 1 ? 4096 : 512;
    const int per_thread = std::max(1, total / concurrency);
    Totals totals;

    for (auto _ : state) {
        TempDir dir;
        if (!dir.ok()) {
            state.SkipWithError("cannot create a temporary directory");
            return;
        }
        auto opened = SqliteStore::open({dir.file()});
        if (!opened) {
            state.SkipWithError(opened.error().to_string().c_str());
            return;
        }
        auto store = std::move(opened).value();
        GroupCommitSink sink(*store, {.queue_capacity = 4096, .max_batch = group ? 1024u : 1u, .on_stored = {}});

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
    g_totals[{group, concurrency}] = totals;
}

BENCHMARK(BM_DurableCommits)
    ->ArgNames({"group", "concurrency"})
    ->ArgsProduct({{0, 1}, {1, 16, 64}})
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
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    std::printf("\ndurable commits/s (WAL, synchronous=FULL)\n%-12s %14s %14s %8s\n", "concurrency", "per-message",
                "group-commit", "ratio");
    for (int c : {1, 16, 64}) {
        const auto single = g_totals.find({false, c});
        const auto grouped = g_totals.find({true, c});
        if (single == g_totals.end() || grouped == g_totals.end()) continue;
        const double a = rate_of(single->second);
        const double b = rate_of(grouped->second);
        std::printf("%-12d %14.0f %14.0f %7.1fx\n", c, a, b, a > 0 ? b / a : 0);
    }
    const auto single = g_totals.find({false, 64});
    const auto grouped = g_totals.find({true, 64});
    if (single != g_totals.end() && grouped != g_totals.end() && rate_of(single->second) > 0) {
        const double ratio = rate_of(grouped->second) / rate_of(single->second);
        std::printf("group commit / per-message at concurrency 64: %.1fx (goal >= 10x): %s\n", ratio,
                    ratio >= 10 ? "met" : "NOT met");
    }
    return 0;
}
