// Grocer webhooks into the gateway: what one webhook costs on the HTTP (Asio) thread — HMAC-SHA256 verification,
// the instacart-connect status mapping, the canonical event — and the whole path on a real SQLite file: signed
// POST /api/v1/webhooks/instacart-connect over keep-alive connections -> verify -> map -> StatusIngest worker ->
// order event committed (WAL, synchronous=FULL) -> 200. Each webhook carries a new event id for one order, so every
// one is a stored event (the state stays; nothing is reported twice). Before timing, a first webhook must move the
// order to `picking` and the answers must be 200; after the run the store must hold exactly one event per webhook.

#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

#include <benchmark/benchmark.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "adapters/status/status_in_config.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/test_client.hpp"
#include "gateway/log/log.hpp"
#include "gateway/model/json.hpp"
#include "gateway/status/status_ingest.hpp"
#include "gateway/status/webhook_routes.hpp"
#include "gateway/status/webhook_verifier.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace {

using namespace gw;

adapters::status::StatusInConfig instacart_status() {
    adapters::VendorSettings s;
    s.name = "instacart-connect";
    s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/instacart-connect";
    s.secrets = {{"webhook_secret", "bench-secret"}};
    auto loaded = adapters::status::load_status_in(s);
    if (!loaded.config) {
        std::fprintf(stderr, "status_in: %s\n", loaded.errors.front().to_string().c_str());
        std::abort();
    }
    return *loaded.config;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string body_for(const std::string& order_id, const std::string& status, std::uint64_t event_id) {
    return R"({"event_id":)" + std::to_string(event_id) + R"(,"event_type":"order.status_changed","order_id":")" +
           order_id + R"(","status":")" + status + R"(","occurred_at":"2026-11-25T14:05:12Z"})";
}

// The work the HTTP thread does per webhook, before the store.
void BM_VerifyAndMap(benchmark::State& state) {
    const auto cfg = instacart_status();
    const auto ts = std::to_string(unix_now());
    const auto body = body_for("GW-BENCH-1", "picking", 9007199254740993ull);
    http::Request request;
    request.body = body;
    request.headers.set("X-Instacart-Timestamp", ts);
    request.headers.set("X-Instacart-Signature", status::sign_webhook(*cfg.webhook, ts, body));
    mapping::Params params{{"vendor", "instacart-connect"}, {"order_id", ""}};
    mapping::RunOptions run;
    run.params = &params;
    {
        auto v = status::verify_webhook(*cfg.webhook, request, std::chrono::system_clock::now());
        auto mapped = cfg.mapping->run(body, run);
        auto event = mapped ? model::order_event_from_value(mapped->json) : Result<model::OrderEvent>(mapped.error());
        if (!v.ok() || !event || event->state != model::OrderState::picking ||
            event->vendor_event_id != "9007199254740993") {
            state.SkipWithError("verification or mapping gave the wrong answer");
            return;
        }
    }
    for (auto _ : state) {
        auto v = status::verify_webhook(*cfg.webhook, request, std::chrono::system_clock::now());
        auto mapped = cfg.mapping->run(body, run);
        auto event = model::order_event_from_value(mapped->json);
        benchmark::DoNotOptimize(v);
        benchmark::DoNotOptimize(event);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyAndMap);

// The whole path over HTTP onto a real SQLite file, with 1..16 clients.
class Gateway {
public:
    Gateway() {
        dir_ = std::filesystem::temp_directory_path() / ("gw-webhook-bench-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        store::SqliteStoreOptions o;
        o.path = (dir_ / "gateway.db").string();
        store_ = std::move(store::SqliteStore::open(o)).value();
        store::NewOrder order;
        order.id = "GW-BENCH-1";
        order.canonical_json = "{}";
        order.municipality = "3201";
        order.vendor = "instacart-connect";
        order.external_ref = "BK-BENCH-1";
        order.state = "submitted";
        store::NewOutboxItem submit;
        submit.destination = "vendor:instacart-connect";
        submit.order_id = order.id;
        submit.payload = "{}";
        submit.idempotency_key = order.id;
        (void)store_->create_order(order, submit);
        ingest_ = std::make_unique<status::StatusIngest>(*store_, nullptr);
        ingest_->start();
        cfg_ = instacart_status();
        routes_ = std::make_unique<status::WebhookRoutes>(*ingest_, std::vector<status::WebhookVendor>{{cfg_, {}}});
        http::Router router;
        routes_->mount(router);
        http::ServerOptions options;
        options.port = 0;
        server_ = std::make_unique<http::HttpServer>(io_, options, std::move(router));
        (void)server_->start();
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    ~Gateway() {
        server_.reset();
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        ingest_->stop();
        ingest_.reset();
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    unsigned post(http::TestClient& client, const std::string& status, std::uint64_t event_id) {
        const auto ts = std::to_string(unix_now());
        const auto body = body_for("GW-BENCH-1", status, event_id);
        http::Fields h;
        h.set("Content-Type", "application/json");
        h.set("X-Instacart-Timestamp", ts);
        h.set("X-Instacart-Signature", status::sign_webhook(*cfg_.webhook, ts, body));
        auto r = client.request(http::Verb::post, "/api/v1/webhooks/instacart-connect", body, h);
        return r ? r->status : 0;
    }
    std::size_t events() { return store_->get_order_detail("GW-BENCH-1")->events.size(); }
    std::string state() { return store_->get_order("GW-BENCH-1")->state; }
    std::uint16_t port() const { return server_->port(); }

private:
    std::filesystem::path dir_;
    std::unique_ptr<store::SqliteStore> store_;
    std::unique_ptr<status::StatusIngest> ingest_;
    adapters::status::StatusInConfig cfg_;
    std::unique_ptr<status::WebhookRoutes> routes_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    std::unique_ptr<http::HttpServer> server_;
    std::vector<std::thread> threads_;
};

std::unique_ptr<Gateway> g_gateway;
std::atomic<std::uint64_t> g_next_id{9007199254740993ull};
std::atomic<std::uint64_t> g_sent{0};
std::atomic<bool> g_failed{false};

void BM_WebhookRoundTrip(benchmark::State& state) {
    if (state.thread_index() == 0) {
        g_gateway = std::make_unique<Gateway>();
        http::TestClient first;
        if (!first.connect(g_gateway->port()) || g_gateway->post(first, "picking", g_next_id++) != 200 ||
            g_gateway->state() != "picking") {
            g_failed = true;
        }
        g_sent = 1;
    }
    http::TestClient client;
    // Other threads wait at the first iteration until thread 0 has set up (Google Benchmark's barrier).
    bool connected = false;
    for (auto _ : state) {
        if (!connected) {
            connected = static_cast<bool>(client.connect(g_gateway->port()));
            if (!connected) {
                state.SkipWithError("cannot connect");
                break;
            }
        }
        if (g_gateway->post(client, "picking", g_next_id++) != 200) g_failed = true;
        g_sent.fetch_add(1);
    }
    state.SetItemsProcessed(state.iterations());
    if (state.thread_index() == 0) {
        client.close();
        if (g_failed || g_gateway->events() != g_sent.load()) {
            state.SkipWithError("a webhook was not answered 200 or not stored exactly once");
        }
        g_gateway.reset();
    }
}
BENCHMARK(BM_WebhookRoundTrip)->Threads(1)->Threads(4)->Threads(16)->UseRealTime()->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
    gw::log::init(gw::log::Options{.level = gw::log::Level::error});
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
