// The pipeline on a real SQLite store with the shipped inbound mapping and sample messages.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "gateway/pipeline/order_pipeline.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace gw::pipeline {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class OrderPipelineTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gw-pipeline-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(dir_);
        store::SqliteStoreOptions o;
        o.path = (dir_ / "gw.db").string();
        auto opened = store::SqliteStore::open(o);
        ASSERT_TRUE(opened) << opened.error().to_string();
        store_ = std::move(opened).value();
        auto loaded = mapping::load_mapping("mappings/inbound/oms-o05.yaml");
        ASSERT_TRUE(loaded.mapping);
        options_.channels.emplace("care-system", loaded.mapping);
        options_.router = std::make_shared<routing::Router>(std::vector<config::RouteSection>{
            {"3201", "", {{"oda-web", "2020-01-01", ""}}, ""}});
        options_.on_queued = [this](const std::string& d) { queued_.push_back(d); };
    }
    void TearDown() override {
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    std::int64_t store_sample(const std::string& sample, const std::string& control_id) {
        ingest::InboundMessage m;
        m.channel = "care-system";
        m.raw = read_file("mappings/inbound/samples/" + sample);
        m.sender = "CARE^BAERUM";
        m.control_id = control_id;
        m.message_type = "OMS^O05";
        m.ack = "MSA|AA|" + control_id;
        auto appended = store_->append_messages(std::vector{m});
        EXPECT_TRUE(appended) << appended.error().to_string();
        return appended ? appended->at(0).message_id : 0;
    }

    std::filesystem::path dir_;
    std::unique_ptr<store::SqliteStore> store_;
    PipelineOptions options_;
    std::vector<std::string> queued_;
};

TEST_F(OrderPipelineTest, AMessageBecomesOneRoutedOrderWithItsSubmissionQueued) {
    const auto id = store_sample("oms-o05-three-lines.hl7", "C-1");
    OrderPipeline pipeline(*store_, options_);
    auto processed = pipeline.process(id);
    ASSERT_TRUE(processed) << processed.error().to_string();
    EXPECT_EQ(processed->vendor, "oda-web");
    EXPECT_EQ(processed->destination, "vendor:oda-web");
    EXPECT_EQ(queued_, std::vector<std::string>{"vendor:oda-web"});

    auto order = store_->get_order(processed->order_id);
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, "routed");
    EXPECT_EQ(order->municipality, "3201");
    EXPECT_EQ(order->message_id, id);
    EXPECT_FALSE(order->external_ref.empty());
    auto canonical = json::parse(order->canonical_json);
    EXPECT_EQ(canonical.at("gateway_id").as_string(), processed->order_id);
    EXPECT_EQ(canonical.at("lines").as_array().size(), 3u);
    EXPECT_EQ(store_->get_message(id)->state, store::MessageState::processed);

    store::OutboxQuery q;
    q.order_id = processed->order_id;
    auto deliveries = store_->find_outbox(q);
    ASSERT_TRUE(deliveries);
    ASSERT_EQ(deliveries->items.size(), 1u);
    EXPECT_EQ(deliveries->items[0].idempotency_key, processed->order_id);
    EXPECT_EQ(deliveries->items[0].payload, order->canonical_json);

    // Replaying a processed message is refused: a message becomes at most one order.
    auto again = pipeline.process(id);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
}

TEST_F(OrderPipelineTest, UnroutableAndUntranslatableMessagesAreMarkedFailedWithTheReason) {
    options_.router = std::make_shared<routing::Router>(std::vector<config::RouteSection>{
        {"0301", "", {{"oda-web", "2020-01-01", ""}}, ""}});
    const auto id = store_sample("oms-o05-one-line.hl7", "C-2");
    OrderPipeline pipeline(*store_, options_);
    ASSERT_FALSE(pipeline.process(id));
    auto message = store_->get_message(id);
    EXPECT_EQ(message->state, store::MessageState::failed);
    EXPECT_NE(message->error_text.find("3201"), std::string::npos);

    ingest::InboundMessage garbage;
    garbage.channel = "care-system";
    garbage.raw = "MSH|^~\\&|A|B|C|D|20261125||OMS^O05|G-1|P|2.5\rORC|NW\r";
    garbage.sender = "A^B";
    garbage.control_id = "G-1";
    auto appended = store_->append_messages(std::vector{garbage});
    ASSERT_TRUE(appended);
    ASSERT_FALSE(pipeline.process(appended->at(0).message_id));
    EXPECT_EQ(store_->get_message(appended->at(0).message_id)->state, store::MessageState::failed);
    EXPECT_TRUE(queued_.empty());
}

TEST_F(OrderPipelineTest, StartRecoversMessagesLeftReceivedAndQueuedOnesAreBatched) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(store_sample("oms-o05-one-line.hl7", "R-" + std::to_string(i)));
    {
        OrderPipeline pipeline(*store_, options_);
        pipeline.start();  // recovers all five, as after a crash between ACK and order
        const auto late = store_sample("oms-o05-twenty-lines.hl7", "R-late");
        pipeline.submit(late);
        pipeline.submit(late);  // twice: still one order
        ids.push_back(late);
        pipeline.stop();
        EXPECT_EQ(pipeline.stats().orders, 6u);
    }
    for (const auto id : ids) EXPECT_EQ(store_->get_message(id)->state, store::MessageState::processed) << id;
    store::OrderQuery q;
    q.vendor = "oda-web";
    auto orders = store_->find_orders(q);
    ASSERT_TRUE(orders);
    EXPECT_EQ(orders->items.size(), 6u);
}

}  // namespace
}  // namespace gw::pipeline
