// The pipeline's reloadable config: asked once per batch (a reload between two messages routes the second one by
// the new routes, never a message by half of each), the contract of the day the message arrived, and the shadow
// hook for orders whose route names a shadow vendor — called only after the order was committed.

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>

#include "gateway/pipeline/order_pipeline.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace gw::pipeline {
namespace {

using namespace std::chrono;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

config::RouteSection route(std::vector<config::ContractSection> contracts, std::string shadow = {}) {
    config::RouteSection r;
    r.municipality = "3201";
    r.contracts = std::move(contracts);
    r.shadow = std::move(shadow);
    return r;
}

class PipelineConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gw-pipeline-config-" + std::to_string(::getpid()) + "-" +
                std::to_string(steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(dir_);
        store::SqliteStoreOptions o;
        o.path = (dir_ / "gw.db").string();
        auto opened = store::SqliteStore::open(o);
        ASSERT_TRUE(opened) << opened.error().to_string();
        store_ = std::move(opened).value();
        mapping_ = mapping::load_mapping("mappings/inbound/oms-o05.yaml").mapping;
        ASSERT_TRUE(mapping_);
    }
    void TearDown() override {
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::shared_ptr<const PipelineConfig> config_with(std::vector<config::RouteSection> routes, std::uint64_t gen) {
        auto c = std::make_shared<PipelineConfig>();
        c->channels.emplace("care-system", mapping_);
        c->router = std::make_shared<routing::Router>(std::move(routes));
        c->generation = gen;
        c->shadow = [this](const ShadowOrder& order) {
            // Committed before the hook runs: the shadow result can refer to the order.
            EXPECT_TRUE(store_->get_order(order.order_id)) << order.order_id;
            std::lock_guard lock(mutex_);
            shadowed_.push_back(order);
        };
        return c;
    }

    std::int64_t store_sample(const std::string& control_id, system_clock::time_point received_at) {
        ingest::InboundMessage m;
        m.channel = "care-system";
        m.raw = read_file("mappings/inbound/samples/oms-o05-one-line.hl7");
        m.sender = "CARE^BAERUM";
        m.control_id = control_id;
        m.message_type = "OMS^O05";
        m.ack = "MSA|AA|" + control_id;
        m.received_at = received_at;
        auto appended = store_->append_messages(std::vector{m});
        EXPECT_TRUE(appended) << appended.error().to_string();
        return appended ? appended->at(0).message_id : 0;
    }

    std::filesystem::path dir_;
    std::unique_ptr<store::SqliteStore> store_;
    std::shared_ptr<const mapping::Mapping> mapping_;
    std::mutex mutex_;
    std::vector<ShadowOrder> shadowed_;
};

// 2026-11-30 12:00 and 2026-12-01 12:00 in Oslo (CET, UTC+1).
const auto kBeforeSwitch = sys_days{year{2026} / 11 / 30} + hours{11};
const auto kAfterSwitch = sys_days{year{2026} / 12 / 1} + hours{11};

TEST_F(PipelineConfigTest, TheContractOfTheArrivalDayRoutesAndTheShadowSeesCommittedOrders) {
    auto current = config_with({route({{"oda-web", "2026-01-01", "2026-12-01"}, {"instacart-connect", "2026-12-01", ""}},
                                      "instacart-connect")},
                               1);
    PipelineOptions options;
    options.config = [&] { return current; };
    OrderPipeline pipeline(*store_, options);
    auto before = pipeline.process(store_sample("S-1", kBeforeSwitch));
    ASSERT_TRUE(before) << before.error().to_string();
    EXPECT_EQ(before->vendor, "oda-web");
    auto after = pipeline.process(store_sample("S-2", kAfterSwitch));
    ASSERT_TRUE(after) << after.error().to_string();
    EXPECT_EQ(after->vendor, "instacart-connect");

    // Only the order that went to oda-web was shadowed: after the switch-over instacart-connect is the vendor, and a
    // shadow of itself would compare nothing (route checks warn about such a leftover shadow).
    ASSERT_EQ(shadowed_.size(), 1u);
    EXPECT_EQ(shadowed_[0].order_id, before->order_id);
    EXPECT_EQ(shadowed_[0].vendor, "oda-web");
    EXPECT_EQ(shadowed_[0].shadow, "instacart-connect");
    EXPECT_EQ(shadowed_[0].municipality, "3201");
    EXPECT_NE(shadowed_[0].canonical_json.find(before->order_id), std::string::npos);
}

TEST_F(PipelineConfigTest, EachBatchTakesTheConfigInForceWhenItStarts) {
    std::mutex config_mutex;
    auto current = config_with({route({{"oda-web", "2020-01-01", ""}})}, 1);
    int asked = 0;
    PipelineOptions options;
    options.config = [&] {
        std::lock_guard lock(config_mutex);
        ++asked;
        return current;
    };
    OrderPipeline pipeline(*store_, options);
    pipeline.start();
    const auto now = system_clock::now();
    pipeline.submit(store_sample("B-1", now));
    auto wait_for_orders = [&](std::uint64_t n) {
        const auto deadline = steady_clock::now() + seconds(20);
        while (pipeline.stats().orders < n && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(5));
        return pipeline.stats().orders >= n;
    };
    ASSERT_TRUE(wait_for_orders(1));
    {
        std::lock_guard lock(config_mutex);
        current = config_with({route({{"peppol-bis", "2020-01-01", ""}}, "oda-web")}, 2);  // a reload
    }
    pipeline.submit(store_sample("B-2", now));
    ASSERT_TRUE(wait_for_orders(2));
    pipeline.stop();

    store::OrderQuery q;
    auto orders = store_->find_orders(q);
    ASSERT_TRUE(orders);
    ASSERT_EQ(orders->items.size(), 2u);
    EXPECT_EQ(orders->items[0].vendor, "peppol-bis");  // newest first
    EXPECT_EQ(orders->items[1].vendor, "oda-web");
    EXPECT_GE(asked, 2);
    ASSERT_EQ(shadowed_.size(), 1u);  // only the second config has a shadow
    EXPECT_EQ(shadowed_[0].shadow, "oda-web");
}

TEST_F(PipelineConfigTest, WithoutAConfigSourceTheFixedChannelsAndRouterServe) {
    PipelineOptions options;
    options.channels.emplace("care-system", mapping_);
    options.router = std::make_shared<routing::Router>(std::vector{route({{"oda-web", "2020-01-01", ""}})});
    OrderPipeline pipeline(*store_, options);
    auto processed = pipeline.process(store_sample("F-1", system_clock::now()));
    ASSERT_TRUE(processed) << processed.error().to_string();
    EXPECT_EQ(processed->vendor, "oda-web");
}

}  // namespace
}  // namespace gw::pipeline
