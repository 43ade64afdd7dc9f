// ShadowRunner against real parts: the shipped vendor folders, a SQLite store in a temp dir, and the grocer sandbox as
// the shadow vendor's test endpoint. Orders that the new grocer's mappings take, cannot take, and that its sandbox
// refuses are each stored and counted as such, and nothing ever reaches a production URL.
#include <atomic>
#include <filesystem>
#include <future>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "adapters/registry.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/shadow/shadow_runner.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw::shadow {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using store::ShadowOutcome;

json::value canonical_order(const std::string& sample, const std::string& id) {
    const std::string root = GATEWAY_SOURCE_DIR;
    auto mapping = mapping::load_mapping(root + "/mappings/inbound/oms-o05.yaml");
    EXPECT_TRUE(mapping.mapping);
    std::ifstream in(root + "/mappings/inbound/samples/" + sample, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto order = mapping::translate_hl7_to_care_order(*mapping.mapping, ss.str());
    EXPECT_TRUE(order) << order.error().to_string();
    if (!order) return nullptr;
    order->as_object()["gateway_id"] = id;
    return std::move(order).value();
}

std::string sandbox_yaml() {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 3
vendors:
  instacart-connect:
    client_id: gw
    client_secret: s3cret
    token_ttl: 1h
    slot_hold: 5m
    webhook_url: http://127.0.0.1:9/instacart
    webhook_secret: hook-secret
    event_interval: 10s
  kroger-cart:
    client_id: gw
    client_secret: s3cret
)";
}

class ShadowRunnerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { sandbox_ = new gw::testing::SandboxProcess(sandbox_yaml()); }
    static void TearDownTestSuite() { delete sandbox_; }

    void SetUp() override {
        dir_ = gw::testing::temp_dir();
        auto opened = store::SqliteStore::open(store::SqliteStoreOptions{dir_ + "/gw.db"});
        ASSERT_TRUE(opened) << opened.error().to_string();
        store_ = std::move(opened).value();
        thread_ = std::thread([this] { io_.run(); });
    }
    void TearDown() override {
        runner_.reset();
        adapters_.clear();
        work_.reset();
        thread_.join();
        std::filesystem::remove_all(dir_);
    }

    std::shared_ptr<adapters::Adapter> adapter(const std::string& vendor, const std::string& base_url) {
        adapters::VendorSettings s;
        s.name = vendor;
        s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/" + vendor;
        s.base_url = base_url;
        s.secrets = {{"username", "care"}, {"password", "pw"}, {"client_id", "gw"}, {"client_secret", "s3cret"}};
        auto load = adapters::create_adapter(io_, s);
        EXPECT_TRUE(load.adapter) << (load.errors.empty() ? "" : load.errors.front().to_string());
        adapters_.push_back(load.adapter);
        return load.adapter;
    }

    // Stores an order routed to oda-web, as the pipeline would, and returns its shadow job for `vendor`.
    ShadowJob job(const std::string& id, json::value order, const std::string& vendor,
                  std::shared_ptr<adapters::Adapter> translator, std::shared_ptr<adapters::Adapter> sandbox = {}) {
        store::NewOrder o;
        o.id = id;
        o.canonical_json = json::serialize(order);
        o.municipality = "3201";
        o.vendor = "oda-web";
        o.external_ref = "P-" + id;
        store::NewOutboxItem item;
        item.destination = "vendor:oda-web";
        item.order_id = id;
        item.payload = o.canonical_json;
        item.idempotency_key = id;
        EXPECT_TRUE(store_->create_order(o, item));
        return ShadowJob{id, "oda-web", vendor, "3201", o.canonical_json, std::move(translator), std::move(sandbox)};
    }

    store::ShadowResult result_of(const std::string& order_id) {
        auto page = store_->find_shadow_results({});
        EXPECT_TRUE(page);
        for (const auto& r : page->items) {
            if (r.order_id == order_id) return r;
        }
        ADD_FAILURE() << "no shadow result for " << order_id;
        return {};
    }

    static inline gw::testing::SandboxProcess* sandbox_ = nullptr;
    std::string dir_;
    std::unique_ptr<store::SqliteStore> store_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
    std::thread thread_;
    std::vector<std::shared_ptr<adapters::Adapter>> adapters_;
    std::unique_ptr<ShadowRunner> runner_;
};

TEST_F(ShadowRunnerTest, TranslatesEveryOrderAndCountsWhatTheMappingsCannotTake) {
    // Translate only: the production URL is one nobody listens on, and nothing may try it.
    auto instacart = adapter("instacart-connect", "http://127.0.0.1:9/production");
    runner_ = std::make_unique<ShadowRunner>(*store_);
    runner_->start();
    ASSERT_TRUE(runner_->submit(job("GW-1", canonical_order("oms-o05-three-lines.hl7", "GW-1"), "instacart-connect",
                                    instacart)));
    ASSERT_TRUE(runner_->submit(job("GW-2", canonical_order("oms-o05-twenty-lines.hl7", "GW-2"), "instacart-connect",
                                    instacart)));
    auto sku_only = canonical_order("oms-o05-three-lines.hl7", "GW-3");
    auto& line = sku_only.as_object()["lines"].as_array()[0].as_object();
    line.erase("gtin");
    line["vendor_sku"] = "ODA-123";
    ASSERT_TRUE(runner_->submit(job("GW-3", sku_only, "instacart-connect", instacart)));
    ASSERT_TRUE(runner_->wait_idle(20s));

    auto stats = runner_->stats();
    EXPECT_EQ(stats["instacart-connect"].would_succeed, 2u);
    EXPECT_EQ(stats["instacart-connect"].mapping_error, 1u);
    auto counts = store_->shadow_counts(std::nullopt);
    ASSERT_TRUE(counts);
    ASSERT_EQ(counts->size(), 2u);
    EXPECT_EQ((*counts)[0].outcome, ShadowOutcome::mapping_error);
    EXPECT_EQ((*counts)[1].count, 2);

    auto ok = result_of("GW-1");
    EXPECT_EQ(ok.outcome, ShadowOutcome::would_succeed);
    EXPECT_FALSE(ok.sent);
    EXPECT_EQ(ok.detail, "2 requests: hold_slot, create_order");
    EXPECT_EQ(ok.route_vendor, "oda-web");
    auto bad = result_of("GW-3");
    EXPECT_EQ(bad.outcome, ShadowOutcome::mapping_error);
    EXPECT_NE(bad.detail.find("Instacart needs a GTIN for every line"), std::string::npos) << bad.detail;
}

TEST_F(ShadowRunnerTest, SendsToTheSandboxAndRecordsWhatItSays) {
    ASSERT_TRUE(sandbox_->running());
    auto blocking = httpclient::BlockingHttpClient::create();
    ASSERT_TRUE(blocking);
    auto control = [&](httpclient::Verb verb, const std::string& path, std::string body = {}) {
        auto request = httpclient::HttpRequest::post(sandbox_->url(path), std::move(body), "application/json");
        request.method = verb;
        auto r = (*blocking)->request(std::move(request));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? r->body : std::string();
    };
    control(httpclient::Verb::delete_, "/_sandbox/orders");
    control(httpclient::Verb::delete_, "/_sandbox/faults");

    auto kroger = adapter("kroger-cart", "http://127.0.0.1:9/production");
    auto kroger_sandbox = adapter("kroger-cart", sandbox_->url("/kroger-cart"));
    runner_ = std::make_unique<ShadowRunner>(*store_);
    runner_->start();
    ASSERT_TRUE(runner_->submit(
        job("GW-10", canonical_order("oms-o05-three-lines.hl7", "GW-10"), "kroger-cart", kroger, kroger_sandbox)));
    ASSERT_TRUE(runner_->wait_idle(30s));
    // The grocer's test system refuses the next cart outright, as it would a cart it finds invalid.
    control(httpclient::Verb::post, "/_sandbox/faults", R"({"kroger-cart": {"burst": {"status": 400, "count": 1}}})");
    ASSERT_TRUE(runner_->submit(
        job("GW-11", canonical_order("oms-o05-one-line.hl7", "GW-11"), "kroger-cart", kroger, kroger_sandbox)));
    ASSERT_TRUE(runner_->wait_idle(30s));
    control(httpclient::Verb::delete_, "/_sandbox/faults");

    auto ok = result_of("GW-10");
    EXPECT_EQ(ok.outcome, ShadowOutcome::would_succeed) << ok.detail;
    EXPECT_TRUE(ok.sent);
    ASSERT_TRUE(ok.http_status);
    EXPECT_EQ(*ok.http_status / 100, 2);
    EXPECT_NE(ok.detail.find("1 request: add_to_cart; sandbox: handed_over"), std::string::npos) << ok.detail;
    auto refused = result_of("GW-11");
    EXPECT_EQ(refused.outcome, ShadowOutcome::validation_error) << refused.detail;
    EXPECT_TRUE(refused.sent);
    EXPECT_EQ(refused.http_status, 400);
    EXPECT_NE(refused.detail.find("sandbox: HTTP 400"), std::string::npos) << refused.detail;

    // The sandbox holds exactly the one cart it accepted; the production URL saw nothing (nobody listens there).
    auto orders = json::parse(control(httpclient::Verb::get, "/_sandbox/orders"));
    ASSERT_EQ(orders.as_array().size(), 1u) << orders;
    EXPECT_EQ(runner_->stats()["kroger-cart"].would_succeed, 1u);
    EXPECT_EQ(runner_->stats()["kroger-cart"].validation_error, 1u);
}

TEST_F(ShadowRunnerTest, AnOrderTheMappingCannotTakeIsNeverSent) {
    auto kroger = adapter("kroger-cart", "http://127.0.0.1:9/production");
    auto kroger_sandbox = adapter("kroger-cart", sandbox_->url("/kroger-cart"));
    runner_ = std::make_unique<ShadowRunner>(*store_);
    runner_->start();
    // Kroger's cart takes whole items: half a kilo cannot be put in it.
    auto half = canonical_order("oms-o05-three-lines.hl7", "GW-12");
    half.as_object()["lines"].as_array()[0].as_object()["quantity"] = 0.5;
    ASSERT_TRUE(runner_->submit(job("GW-12", half, "kroger-cart", kroger, kroger_sandbox)));
    ASSERT_TRUE(runner_->wait_idle(30s));
    auto r = result_of("GW-12");
    EXPECT_EQ(r.outcome, ShadowOutcome::mapping_error);
    EXPECT_FALSE(r.sent);
    EXPECT_NE(r.detail.find("add_to_cart: mapping"), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find("not a whole number"), std::string::npos) << r.detail;
}

TEST_F(ShadowRunnerTest, ASandboxThatIsDownSaysNothingEitherWay) {
    auto kroger = adapter("kroger-cart", "http://127.0.0.1:9/production");
    auto down = adapter("kroger-cart", "http://127.0.0.1:9/sandbox");  // discard port: connection refused
    runner_ = std::make_unique<ShadowRunner>(*store_, ShadowOptions{10, 10, 1, 5s});
    runner_->start();
    ASSERT_TRUE(runner_->submit(job("GW-20", canonical_order("oms-o05-three-lines.hl7", "GW-20"), "kroger-cart",
                                    kroger, down)));
    ASSERT_TRUE(runner_->wait_idle(30s));
    auto r = result_of("GW-20");
    EXPECT_EQ(r.outcome, ShadowOutcome::unavailable);
    EXPECT_TRUE(r.sent);
    EXPECT_EQ(runner_->stats()["kroger-cart"].unavailable, 1u);
}

// A translator that holds the runner's thread until the test lets it go, so the queue behind it fills up.
class HeldTranslator final : public adapters::Adapter {
public:
    const std::string& vendor() const noexcept override { return name_; }
    std::string_view kind() const noexcept override { return "held"; }
    const adapters::Capabilities& capabilities() const noexcept override { return caps_; }
    bool supports(adapters::Operation) const noexcept override { return true; }
    void run(adapters::Operation, adapters::DeliveryRequest, std::function<void(adapters::DeliveryOutcome)>) override {}
    void shutdown() override {}
    Result<std::vector<adapters::RenderedRequest>> render(adapters::Operation,
                                                          const adapters::DeliveryRequest&) const override {
        if (!entered_flag_.exchange(true)) entered_.set_value();
        release_.wait();
        return std::vector<adapters::RenderedRequest>{{"submit", "POST", "/orders", "{}"}};
    }
    void wait_entered() { entered_future_.wait(); }
    void release() { release_promise_.set_value(); }

private:
    std::string name_ = "held";
    adapters::Capabilities caps_;
    std::promise<void> release_promise_;
    std::shared_future<void> release_ = release_promise_.get_future().share();
    mutable std::atomic<bool> entered_flag_{false};
    mutable std::promise<void> entered_;
    std::future<void> entered_future_ = entered_.get_future();
};

TEST_F(ShadowRunnerTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
    auto held = std::make_shared<HeldTranslator>();
    runner_ = std::make_unique<ShadowRunner>(*store_, ShadowOptions{2, 1, 1, 5s});
    auto order = [&](const std::string& id) { return job(id, canonical_order("oms-o05-one-line.hl7", id), "held", held); };
    EXPECT_FALSE(runner_->submit(order("GW-30")));  // not started yet
    runner_->start();
    ASSERT_TRUE(runner_->submit(order("GW-31")));
    held->wait_entered();  // the runner thread is inside render() for GW-31
    ASSERT_TRUE(runner_->submit(order("GW-32")));
    ASSERT_TRUE(runner_->submit(order("GW-33")));
    EXPECT_FALSE(runner_->submit(order("GW-34")));  // two waiting: the queue is full
    held->release();
    ASSERT_TRUE(runner_->wait_idle(20s));
    runner_->stop(0ms);
    EXPECT_FALSE(runner_->submit(order("GW-35")));  // stopped
    auto stats = runner_->stats()["held"];
    EXPECT_EQ(stats.dropped, 3u);
    EXPECT_EQ(stats.would_succeed, 3u);
    auto counts = store_->shadow_counts(std::nullopt);
    ASSERT_TRUE(counts);
    ASSERT_EQ(counts->size(), 1u);
    EXPECT_EQ((*counts)[0].count, 3);
}

}  // namespace
}  // namespace gw::shadow
