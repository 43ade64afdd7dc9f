// The delivery engine with everything real: a SQLite store, the shipped peppol-bis vendor folder (http_xml adapter)
// and the grocer sandbox as a separate process. Faults come from the sandbox (bursts, 400s) or from the grocer not
// running at all.

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include "adapters/registry.hpp"
#include "gateway/delivery/engine.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw::delivery {
namespace {

namespace json = boost::json;
namespace asio = boost::asio;
using namespace std::chrono_literals;
using httpclient::HttpRequest;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string sandbox_yaml() {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 5
vendors:
  peppol-ap:
    callback_url: http://127.0.0.1:9/peppol
    response_delay: 1h
)";
}

int free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

class EngineTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = gw::testing::temp_dir();
        store::SqliteStoreOptions o;
        o.path = dir_ + "/gw.db";
        store_ = std::move(store::SqliteStore::open(o)).value();
        threads_.emplace_back([this] { io_.run(); });
        threads_.emplace_back([this] { io_.run(); });
        control_ = std::move(httpclient::BlockingHttpClient::create()).value();
        auto mapping = mapping::load_mapping(std::string(GATEWAY_SOURCE_DIR) + "/mappings/inbound/oms-o05.yaml");
        ASSERT_TRUE(mapping.mapping);
        auto order = mapping::translate_hl7_to_care_order(
            *mapping.mapping,
            read_file(std::string(GATEWAY_SOURCE_DIR) + "/mappings/inbound/samples/oms-o05-three-lines.hl7"));
        ASSERT_TRUE(order) << order.error().to_string();
        template_order_ = std::move(order).value();
    }
    void TearDown() override {
        engine_.reset();
        if (adapter_) adapter_->shutdown();
        guard_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        sandbox_.reset();  // after the client's connections are gone, so it stops at once
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    void start_engine(const std::string& base_url, DestinationSpec spec = {}) {
        adapters::VendorSettings settings;
        settings.name = "peppol-bis";
        settings.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/peppol-bis";
        settings.base_url = base_url;
        settings.params = {{"seller_org_number", "937270062"}, {"seller_name", "Sandbox Grocer"}, {"currency", "NOK"}};
        settings.http.connect_timeout = 500ms;
        auto loaded = adapters::create_adapter(io_, settings);
        ASSERT_TRUE(loaded.adapter) << (loaded.errors.empty() ? "" : loaded.errors[0].to_string());
        adapter_ = loaded.adapter;
        spec.destination = "vendor:peppol-bis";
        spec.vendor = "peppol-bis";
        spec.adapter = adapter_;
        if (spec.retry.backoff.initial == 1000ms) spec.retry.backoff = {50ms, 200ms};
        spec.breaker_open_for = 200ms;
        spec.operation_timeout = 5s;
        spec.lease = 30s;
        EngineOptions options;
        options.owner = "test-engine";
        options.poll_interval = 50ms;
        options.seed = 3;
        engine_ = std::make_unique<DeliveryEngine>(io_, *store_, options, std::vector{spec});
        ASSERT_TRUE(engine_->start());
    }

    // An order as the pipeline makes it; `ref` is the placer order number the grocer sees as the order's cbc:ID.
    std::string create_order(const std::string& ref) {
        auto canonical = template_order_;
        const std::string id = "GW-TEST-" + ref;
        canonical.as_object()["gateway_id"] = id;
        canonical.as_object()["source"].as_object()["placer_order_number"] = ref;
        store::NewOrder order;
        order.id = id;
        order.canonical_json = json::serialize(canonical);
        order.municipality = "3201";
        order.vendor = "peppol-bis";
        order.external_ref = ref;
        order.state = "routed";
        store::NewOutboxItem item;
        item.destination = "vendor:peppol-bis";
        item.payload = order.canonical_json;
        item.idempotency_key = id;
        EXPECT_TRUE(store_->create_order(order, item));
        if (engine_) engine_->wake("vendor:peppol-bis");
        return id;
    }

    store::OutboxItem delivery_of(const std::string& order_id) {
        store::OutboxQuery q;
        q.order_id = order_id;
        auto page = store_->find_outbox(q);
        EXPECT_TRUE(page && !page->items.empty());
        return page && !page->items.empty() ? page->items[0] : store::OutboxItem{};
    }

    // Waits until the order's delivery is done or dead.
    store::OutboxItem settle(const std::string& order_id, std::chrono::milliseconds limit = 15s) {
        const auto until = std::chrono::steady_clock::now() + limit;
        for (;;) {
            auto item = delivery_of(order_id);
            if (item.state == store::OutboxState::done || item.state == store::OutboxState::dead) return item;
            if (std::chrono::steady_clock::now() > until) return item;
            std::this_thread::sleep_for(20ms);
        }
    }

    json::array sandbox_orders(const gw::testing::SandboxProcess& grocer) {
        auto r = control_->request(HttpRequest::get(grocer.url("/_sandbox/orders")));
        EXPECT_TRUE(r);
        return r ? json::parse(r->body).as_array() : json::array{};
    }

    void fault(const gw::testing::SandboxProcess& grocer, const std::string& body) {
        auto r = control_->request(HttpRequest::post(grocer.url("/_sandbox/faults"), body, "application/json"));
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200u) << r->body;
    }

    std::string dir_;
    std::unique_ptr<store::SqliteStore> store_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
    std::vector<std::thread> threads_;
    std::unique_ptr<httpclient::BlockingHttpClient> control_;
    std::shared_ptr<adapters::Adapter> adapter_;
    std::unique_ptr<DeliveryEngine> engine_;
    json::value template_order_;
    std::optional<gw::testing::SandboxProcess> sandbox_;
    gw::testing::SandboxProcess& sandbox(int port = 0) {
        sandbox_.emplace(sandbox_yaml(), port);
        return *sandbox_;
    }
};

TEST_F(EngineTest, DeliversAnOrderOnceAndRecordsTheGrocersReference) {
    auto& grocer = sandbox();
    ASSERT_TRUE(grocer.running());
    start_engine(grocer.url("/peppol-ap"));
    const auto id = create_order("REF-1");
    auto item = settle(id);
    ASSERT_EQ(item.state, store::OutboxState::done) << item.last_error;
    EXPECT_EQ(item.attempts, 1);
    auto order = store_->get_order(id);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, "submitted");
    EXPECT_FALSE(order->vendor_order_ref.empty());
    auto detail = store_->get_order_detail(id);
    ASSERT_TRUE(detail);
    ASSERT_EQ(detail->attempts.size(), 1u);
    EXPECT_EQ(detail->attempts[0].http_status, 202);  // the attempt log shows what the grocer answered
    ASSERT_EQ(detail->events.size(), 1u);
    EXPECT_EQ(detail->events[0].state, "submitted");
    auto orders = sandbox_orders(grocer);
    ASSERT_EQ(orders.size(), 1u);
    EXPECT_EQ(orders[0].at("external_ref").as_string(), "REF-1");
}

TEST_F(EngineTest, GrocerDownOrdersWaitAndAreDeliveredInOrderWhenItReturns) {
    const int port = free_port();
    start_engine("http://127.0.0.1:" + std::to_string(port) + "/peppol-ap");
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(create_order("DOWN-" + std::to_string(i)));
    // Nobody listens: every attempt is a connect failure, retried with backoff.
    // Wait for a moment between attempts (attempts counts claims, so an item seen in flight is mid-attempt).
    const auto until = std::chrono::steady_clock::now() + 10s;
    auto waiting = delivery_of(ids[0]);
    while ((waiting.attempts < 2 || waiting.state != store::OutboxState::pending) &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(20ms);
        waiting = delivery_of(ids[0]);
    }
    ASSERT_GE(waiting.attempts, 2);
    EXPECT_EQ(waiting.state, store::OutboxState::pending);
    EXPECT_NE(waiting.last_error.find("connect"), std::string::npos) << waiting.last_error;

    auto& grocer = sandbox(port);
    ASSERT_TRUE(grocer.running());
    for (const auto& id : ids) EXPECT_EQ(settle(id).state, store::OutboxState::done) << id;
    auto orders = sandbox_orders(grocer);
    ASSERT_EQ(orders.size(), 5u);
    std::set<std::string> refs;
    for (const auto& o : orders) refs.insert(std::string(o.at("external_ref").as_string()));
    EXPECT_EQ(refs.size(), 5u);  // each exactly once
}

TEST_F(EngineTest, A429StormIsRetriedNoEarlierThanRetryAfter) {
    auto& grocer = sandbox();
    start_engine(grocer.url("/peppol-ap"));
    fault(grocer, R"({"peppol-ap": {"burst": {"status": 429, "count": 2, "retry_after_s": 1}}})");
    const auto started = std::chrono::steady_clock::now();
    const auto id = create_order("STORM-1");
    auto item = settle(id);
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(item.state, store::OutboxState::done) << item.last_error;
    EXPECT_EQ(item.attempts, 3);
    EXPECT_GE(took, 2s);  // two refusals, each asked for a second
    auto detail = store_->get_order_detail(id);
    ASSERT_EQ(detail->attempts.size(), 3u);
    EXPECT_EQ(detail->attempts[0].http_status, 429);
    EXPECT_EQ(detail->attempts[0].outcome, store::AttemptOutcome::retry);
    EXPECT_EQ(sandbox_orders(grocer).size(), 1u);
}

TEST_F(EngineTest, APermanent400IsADeadLetterAfterOneAttemptWithTheGrocersText) {
    auto& grocer = sandbox();
    start_engine(grocer.url("/peppol-ap"));
    fault(grocer, R"({"peppol-ap": {"burst": {"status": 400, "count": 1}}})");
    const auto id = create_order("BAD-1");
    auto item = settle(id);
    ASSERT_EQ(item.state, store::OutboxState::dead);
    EXPECT_EQ(item.attempts, 1);
    EXPECT_FALSE(item.last_error.empty());
    EXPECT_EQ(store_->get_order(id)->state, "rejected");
    EXPECT_TRUE(sandbox_orders(grocer).empty());

    // Requeued by an operator, it goes through (the burst is spent).
    std::vector<std::int64_t> ids{item.id};
    ASSERT_EQ(*store_->requeue_dead(ids, "ops"), 1u);
    engine_->wake("vendor:peppol-bis");
    EXPECT_EQ(settle(id).state, store::OutboxState::done);
}

TEST_F(EngineTest, MaxAttemptsTurnsRetriesIntoADeadLetterWithTheLastError) {
    const int port = free_port();  // nobody listens, ever
    DestinationSpec spec;
    spec.retry.max_attempts = 3;
    spec.retry.backoff = {10ms, 20ms};
    start_engine("http://127.0.0.1:" + std::to_string(port) + "/peppol-ap", spec);
    const auto id = create_order("GIVEUP-1");
    auto item = settle(id);
    ASSERT_EQ(item.state, store::OutboxState::dead);
    EXPECT_EQ(item.attempts, 3);
    EXPECT_NE(item.last_error.find("gave up after 3 attempts"), std::string::npos) << item.last_error;
    EXPECT_EQ(store_->get_order(id)->state, "failed");
}

TEST_F(EngineTest, PausedDestinationClaimsNothingUntilResumedAndIsAudited) {
    auto& grocer = sandbox();
    start_engine(grocer.url("/peppol-ap"));
    ASSERT_TRUE(engine_->pause("vendor:peppol-bis", "ops-kari"));
    std::this_thread::sleep_for(100ms);  // let a poll that was already running finish
    const auto id = create_order("PAUSE-1");
    std::this_thread::sleep_for(400ms);
    EXPECT_EQ(delivery_of(id).state, store::OutboxState::pending);
    EXPECT_EQ(delivery_of(id).attempts, 0);
    EXPECT_TRUE(engine_->status()[0].paused);
    ASSERT_TRUE(engine_->resume("vendor:peppol-bis", "ops-kari"));
    EXPECT_EQ(settle(id).state, store::OutboxState::done);
    store::AuditQuery q;
    q.actor = "ops-kari";
    auto audit = store_->find_audit(q);
    ASSERT_TRUE(audit);
    ASSERT_EQ(audit->items.size(), 2u);
    EXPECT_FALSE(engine_->pause("vendor:nobody", "ops"));
}

}  // namespace
}  // namespace gw::delivery
