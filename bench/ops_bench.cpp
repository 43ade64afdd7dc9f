// The ops module on a realistic store: 10,000 orders (600 recipients, 4 vendors, events, attempts, 40 dead
// letters) in SQLite. Measures what an operator or Prometheus waits for:
//   - GET /metrics: the whole scrape (store counts included) and the render alone;
//   - admin API searches over HTTP with a viewer token (vendor page, recipient, control id, external ref, state and
//     time range), one order's detail, and the scorecard over all 10,000 orders.
// Each benchmark checks its answer once before it is timed.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "gateway/http/server.hpp"
#include "gateway/http/test_client.hpp"
#include "gateway/ops/ops_service.hpp"
#include "gateway/ops/scorecard.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using namespace gw;

constexpr int kOrders = 10'000;
constexpr int kRecipients = 600;
const char* kVendors[] = {"oda-web", "peppol-bis", "kroger-cart", "instacart-connect"};

std::string canonical(int i) {
    return fmt::format(
        R"({{"gateway_id":"GW-{0}","source":{{"channel":"hl7_mllp","control_id":"CTRL-{0}","placer_order_number":"BK-{0}"}},)"
        R"("action":"new","municipality":{{"number":"3201"}},"recipient":{{"reference":"PSN-{1}","name":{{"given":"Kari",)"
        R"("family":"Hansen"}},"address":{{"street":"Kirkeveien {1}","postal_code":"1337","city":"Sandvika","country":"NO"}},)"
        R"("phone":"+4791234567"}},"delivery":{{"date":"2026-11-26","window_start":"10:00","window_end":"12:00"}},)"
        R"("lines":[{{"line_number":1,"gtin":"07038010000102","description":"Lettmelk 1 l","quantity":"1",)"
        R"("unit":{{"code":"EA"}},"substitution_allowed":true}},{{"line_number":2,"gtin":"07038010000119",)"
        R"("description":"Grovbrød","quantity":"1","unit":{{"code":"EA"}},"substitution_allowed":false}}],)"
        R"("ordered_by":{{"staff_id":"S-1"}},"created_at":"2026-11-25T14:00:00+01:00"}})",
        i, i % kRecipients);
}

// Everything the benchmarks share: the store, the ops service and an HTTP server in front of it.
struct World {
    std::filesystem::path dir;
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<ops::OpsService> ops;
    boost::asio::io_context io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    std::unique_ptr<http::HttpServer> server;

    World() {
        dir = std::filesystem::temp_directory_path() / fmt::format("gw-ops-bench-{}", ::getpid());
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        store::SqliteStoreOptions so;
        so.path = (dir / "gw.db").string();
        auto opened = store::SqliteStore::open(so);
        if (!opened) throw std::runtime_error(opened.error().to_string());
        store = std::move(opened).value();
        seed();
        ops::OpsHooks hooks;
        hooks.vendors = [] {
            std::vector<ops::VendorStatus> v;
            for (const char* name : kVendors) v.push_back({name, std::string("vendor:") + name});
            return v;
        };
        hooks.pipeline = [] { return ops::PipelineStatus{kOrders, 0}; };
        ops::OpsOptions options;
        options.stats_max_age = 0ms;  // every scrape queries the store: the worst case
        ops = std::make_unique<ops::OpsService>(
            *store, hooks, options,
            ops::TokenStore({{"bench", ops::sha256_hex("bench-token"), static_cast<std::uint8_t>(ops::Role::viewer)}}));
        // Typical hot-path series, so the render has what a running gateway has.
        auto channel = ops->metrics().channel("care-system");
        for (int i = 0; i < 1000; ++i) {
            channel.received();
            channel.answered("MSA|AA|X");
        }
        for (const char* v : kVendors) {
            for (int i = 0; i < 100; ++i) ops->metrics().delivery_attempt(v, i % 10 ? "success" : "retryable", 0.05 * (i % 20));
        }
        for (int i = 0; i < 100; ++i) ops->metrics().store_commit(1 + i % 64, 0.001 * (i % 10), true);
        http::Router router;
        ops->mount(router);
        http::ServerOptions ho;
        ho.port = 0;
        server = std::make_unique<http::HttpServer>(io, ho, std::move(router));
        if (auto r = server->start(); !r) throw std::runtime_error(r.error().to_string());
        work.emplace(io.get_executor());
        for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
    }

    ~World() {
        server->stop();
        ops->stop();
        work.reset();
        io.stop();
        for (auto& t : threads) t.join();
        server.reset();
        ops.reset();
        store.reset();
        std::filesystem::remove_all(dir);
    }

    void seed() {
        std::vector<ingest::InboundMessage> messages;
        for (int i = 0; i < kOrders; ++i) {
            ingest::InboundMessage m;
            m.channel = "care-system";
            m.raw = "MSH|^~\\&|GERICA|3201|GW|GW|20261125||OMS^O05|CTRL-" + std::to_string(i) + "|P|2.5\r";
            m.sender = "GERICA^3201";
            m.control_id = "CTRL-" + std::to_string(i);
            m.message_type = "OMS^O05";
            m.ack = "MSA|AA|" + m.control_id;
            messages.push_back(std::move(m));
        }
        auto appended = store->append_messages(messages);
        if (!appended) throw std::runtime_error(appended.error().to_string());
        std::vector<store::OrderWithDelivery> batch;
        for (int i = 0; i < kOrders; ++i) {
            store::NewOrder o;
            o.id = fmt::format("GW-{:05}", i);
            o.message_id = (*appended)[static_cast<std::size_t>(i)].message_id;
            o.canonical_json = canonical(i);
            o.municipality = "3201";
            o.vendor = kVendors[i % 4];
            o.external_ref = "BK-" + std::to_string(i);
            store::NewOutboxItem d;
            d.destination = "vendor:" + o.vendor;
            d.payload = o.canonical_json;
            d.idempotency_key = "submit-" + o.id;
            batch.push_back({o, d});
        }
        auto created = store->create_orders(batch);
        if (!created) throw std::runtime_error(created.error().to_string());
        // Deliver them all (40 dead letters), with an accepting event each.
        for (const char* v : kVendors) {
            const std::string destination = std::string("vendor:") + v;
            int n = 0;
            for (;;) {
                auto claimed = store->claim_due(destination, 1000, "bench", 60s);
                if (!claimed || claimed->empty()) break;
                for (const auto& item : *claimed) {
                    store::AttemptReport attempt;
                    attempt.http_status = 200;
                    attempt.duration = 40ms;
                    store::NewOrderEvent event;
                    event.order_id = *item.order_id;
                    event.vendor = v;
                    event.state = ++n % 250 == 0 ? "rejected" : "accepted";
                    event.json = R"({"lines":[]})";
                    auto r = event.state == "rejected"
                                 ? store->dead_letter_with_event(item.id, "bench", attempt, event, std::nullopt)
                                 : store->complete_with_event(item.id, "bench", attempt, event, std::nullopt);
                    if (!r) throw std::runtime_error(r.error().to_string());
                }
            }
        }
    }

    http::ClientResponse get(http::TestClient& client, const std::string& target) {
        http::Fields headers;
        headers.set(http::beast_http::field::authorization, "Bearer bench-token");
        auto r = client.request(http::Verb::get, target, {}, headers);
        if (!r) throw std::runtime_error(r.error().to_string());
        return std::move(*r);
    }
};

World& world() {
    static World w;
    return w;
}

http::TestClient connect() {
    http::TestClient c;
    if (!c.connect(world().server->port())) throw std::runtime_error("connect");
    return c;
}

void BM_MetricsScrape(benchmark::State& state) {
    auto& w = world();
    const auto first = w.ops->scrape();
    if (first.find(R"(gateway_orders{vendor="oda-web",state="accepted"} 2490)") == std::string::npos) {
        state.SkipWithError("scrape does not show the seeded orders");
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto text = w.ops->scrape();
        bytes = text.size();
        benchmark::DoNotOptimize(text);
    }
    state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_MetricsScrape)->Unit(benchmark::kMillisecond);

void BM_MetricsRenderWithoutStore(benchmark::State& state) {
    // The hot-path families alone (no store query): what exposing the counters costs.
    gw::ops::Registry registry;
    gw::ops::GatewayMetrics metrics(registry);
    auto channel = metrics.channel("care-system");
    channel.received();
    for (const char* v : kVendors) metrics.delivery_attempt(v, "success", 0.2);
    metrics.store_commit(8, 0.002, true);
    if (registry.render().find("gateway_delivery_attempt_duration_seconds_bucket") == std::string::npos) {
        state.SkipWithError("render lacks the histogram");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(registry.render());
}
BENCHMARK(BM_MetricsRenderWithoutStore)->Unit(benchmark::kMicrosecond);

void BM_MetricsOverHttp(benchmark::State& state) {
    auto& w = world();
    auto client = connect();
    if (w.get(client, "/metrics").status != 200) {
        state.SkipWithError("/metrics failed");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(w.get(client, "/metrics"));
}
BENCHMARK(BM_MetricsOverHttp)->Unit(benchmark::kMillisecond);

// One admin API search; `expected` items in the first page.
void search(benchmark::State& state, const std::string& target, std::size_t expected) {
    auto& w = world();
    auto client = connect();
    auto first = w.get(client, target);
    boost::system::error_code ec;
    auto body = json::parse(first.body, ec);
    if (first.status != 200 || ec || body.at("items").as_array().size() != expected) {
        state.SkipWithError(("unexpected answer: " + first.body.substr(0, 300)).c_str());
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(w.get(client, target));
}

void BM_SearchVendorPage(benchmark::State& state) { search(state, "/api/v1/orders?vendor=peppol-bis&limit=50", 50); }
BENCHMARK(BM_SearchVendorPage)->Unit(benchmark::kMicrosecond);

void BM_SearchVendorLastPage(benchmark::State& state) {
    // Keyset paging: a late page costs what the first does.
    search(state, "/api/v1/orders?vendor=peppol-bis&limit=50&cursor=200", 50);
}
BENCHMARK(BM_SearchVendorLastPage)->Unit(benchmark::kMicrosecond);

void BM_SearchRecipient(benchmark::State& state) {
    // 10,000 orders over 600 recipients: 16 or 17 each, found by the pseudonym inside the canonical JSON.
    search(state, "/api/v1/orders?recipient=PSN-123&limit=50", 17);
}
BENCHMARK(BM_SearchRecipient)->Unit(benchmark::kMicrosecond);

void BM_SearchControlId(benchmark::State& state) { search(state, "/api/v1/orders?control_id=CTRL-7777", 1); }
BENCHMARK(BM_SearchControlId)->Unit(benchmark::kMicrosecond);

void BM_SearchExternalRef(benchmark::State& state) { search(state, "/api/v1/orders?external_ref=BK-4242", 1); }
BENCHMARK(BM_SearchExternalRef)->Unit(benchmark::kMicrosecond);

void BM_SearchStateAndTime(benchmark::State& state) {
    search(state, "/api/v1/orders?state=rejected&from=2000-01-01&limit=50", 40);
}
BENCHMARK(BM_SearchStateAndTime)->Unit(benchmark::kMicrosecond);

void BM_DeadLetters(benchmark::State& state) { search(state, "/api/v1/dead-letters?limit=50", 40); }
BENCHMARK(BM_DeadLetters)->Unit(benchmark::kMicrosecond);

void BM_OrderDetail(benchmark::State& state) {
    auto& w = world();
    auto client = connect();
    auto first = w.get(client, "/api/v1/orders/GW-04242");
    if (first.status != 200 || first.body.find("\"masked\":true") == std::string::npos) {
        state.SkipWithError("detail failed");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(w.get(client, "/api/v1/orders/GW-04242"));
}
BENCHMARK(BM_OrderDetail)->Unit(benchmark::kMicrosecond);

void BM_ScorecardAllOrders(benchmark::State& state) {
    auto& w = world();
    auto period = gw::ops::oslo_days("2000-01-01", "2099-12-31");
    auto loaded = gw::ops::load_scorecard_orders(*w.store, *period);
    if (!loaded || loaded->size() != static_cast<std::size_t>(kOrders)) {
        state.SkipWithError("scorecard did not load every order");
        return;
    }
    for (auto _ : state) {
        auto orders = gw::ops::load_scorecard_orders(*w.store, *period);
        auto scores = gw::ops::compute_scorecard(*orders, *period);
        benchmark::DoNotOptimize(scores);
    }
}
BENCHMARK(BM_ScorecardAllOrders)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
