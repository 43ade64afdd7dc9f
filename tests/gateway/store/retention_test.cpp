#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "store_test_util.hpp"

namespace gw::store {
namespace {

using namespace std::chrono_literals;
using testing::hl7_message;
using testing::ManualClock;

constexpr std::string_view kCanonical = R"({"gateway_id":"ID","municipality":{"number":"3201"},
 "recipient":{"reference":"R-77","name":{"given":"Kari","family":"Nordmann"},
   "address":{"street":"Kirkeveien 12 B","postal_code":"1337","city":"Sandvika"},"phone":"+4791234567",
   "access_notes":"key box 4711"},
 "delivery":{"date":"2024-05-02","instructions":"ring twice, Kari is hard of hearing"},
 "lines":[{"line_number":1,"gtin":"07038010000010","description":"Lettmelk 1 l","quantity":"2"}]})";

class RetentionTest : public ::testing::TestWithParam<testing::Backend> {
  protected:
    void SetUp() override {
        GW_SKIP_UNLESS_BACKEND(GetParam());
        store_ = db_.open(clock_.clock());
        ASSERT_TRUE(store_);
    }

    // An order from its own message, moved to `state`, with its submission delivered.
    void make_order(const std::string& id, const std::string& state) {
        auto appended = store_->append_messages(std::vector{hl7_message("MSG-" + id)});
        ASSERT_TRUE(appended);
        NewOrder o;
        o.id = id;
        o.message_id = appended->at(0).message_id;
        o.canonical_json = std::string(kCanonical);
        o.municipality = "3201";
        o.vendor = "oda";
        o.external_ref = "PL-" + id;
        NewOutboxItem d;
        d.destination = "vendor:oda";
        d.payload = R"({"deliver_to":"Kari Nordmann, Kirkeveien 12 B"})";
        d.idempotency_key = "submit:" + id;
        auto outbox = store_->create_order(o, d);
        ASSERT_TRUE(outbox);
        auto claimed = store_->claim_due("vendor:oda", 10, "w", 30s);
        ASSERT_TRUE(claimed);
        for (const auto& item : *claimed) ASSERT_TRUE(store_->complete(item.id, "w", {}));
        NewOrderEvent e;
        e.order_id = id;
        e.vendor = "oda";
        e.vendor_event_id = "evt-" + id;
        e.state = state;
        e.json = R"({"state":")" + state + R"("})";
        ASSERT_TRUE(store_->append_order_event(e, std::nullopt));
    }

    testing::TestDatabase db_{GetParam()};
    ManualClock clock_;
    std::unique_ptr<Store> store_;
};

TEST_P(RetentionTest, PurgesPersonalDataOfOldSettledOrdersAndKeepsTheRest) {
    make_order("GW-OLD", "delivered");
    make_order("GW-ACTIVE", "picking");  // old but not settled: still needed
    auto rejected = hl7_message("REJ-1");
    rejected.error = make_error(ErrorCode::parse_error, "bad");
    auto rejected_id = store_->append_messages(std::vector{rejected});
    ASSERT_TRUE(rejected_id);
    clock_.advance(std::chrono::days(20));
    make_order("GW-RECENT", "delivered");
    clock_.advance(std::chrono::days(15));

    auto stats_before = store_->stats();
    ASSERT_TRUE(stats_before);
    auto purged = store_->purge_personal_data(std::chrono::days(30));
    ASSERT_TRUE(purged) << purged.error().to_string();
    EXPECT_EQ(purged->orders, 1);
    EXPECT_EQ(purged->messages, 2);  // GW-OLD's message and the old rejected one
    EXPECT_EQ(purged->outbox_payloads, 1);

    auto old = store_->get_order_detail("GW-OLD");
    ASSERT_TRUE(old);
    EXPECT_TRUE(old->order.purged);
    for (const char* personal : {"Kari", "Nordmann", "Kirkeveien", "+4791234567", "key box", "R-77", "ring twice"}) {
        EXPECT_EQ(old->order.canonical_json.find(personal), std::string::npos) << personal;
    }
    const auto json = boost::json::parse(old->order.canonical_json).as_object();
    EXPECT_EQ(json.at("lines").as_array().size(), 1u);  // non-personal content stays
    EXPECT_EQ(json.at("municipality").at("number").as_string(), "3201");
    EXPECT_EQ(json.at("delivery").at("date").as_string(), "2024-05-02");
    EXPECT_EQ(old->order.state, "delivered");
    EXPECT_EQ(old->order.vendor, "oda");
    EXPECT_EQ(old->order.external_ref, "PL-GW-OLD");
    EXPECT_EQ(old->events.size(), 1u);
    ASSERT_EQ(old->deliveries.size(), 1u);
    EXPECT_TRUE(old->deliveries[0].payload.empty());
    EXPECT_EQ(old->attempts.size(), 1u);

    auto message = store_->get_message(*old->order.message_id);
    ASSERT_TRUE(message);
    EXPECT_TRUE(message->purged);
    EXPECT_TRUE(message->raw.empty());
    EXPECT_EQ(message->control_id, "MSG-GW-OLD");  // metadata stays
    auto rejected_message = store_->get_message(rejected_id->at(0).message_id);
    ASSERT_TRUE(rejected_message);
    EXPECT_TRUE(rejected_message->raw.empty());

    for (const char* kept : {"GW-ACTIVE", "GW-RECENT"}) {
        auto order = store_->get_order_detail(kept);
        ASSERT_TRUE(order);
        EXPECT_FALSE(order->order.purged) << kept;
        EXPECT_NE(order->order.canonical_json.find("Kari"), std::string::npos) << kept;
        EXPECT_FALSE(order->deliveries.at(0).payload.empty()) << kept;
        auto m = store_->get_message(*order->order.message_id);
        ASSERT_TRUE(m);
        EXPECT_FALSE(m->raw.empty()) << kept;
    }

    // Counts for metrics and reports are unchanged.
    auto stats_after = store_->stats();
    ASSERT_TRUE(stats_after);
    EXPECT_EQ(stats_after->messages_processed, stats_before->messages_processed);
    EXPECT_EQ(stats_after->messages_rejected, stats_before->messages_rejected);
    EXPECT_EQ(testing::count_messages(*store_), 4);
    auto orders = store_->find_orders({});
    ASSERT_TRUE(orders);
    EXPECT_EQ(orders->items.size(), 3u);

    auto audit =
        store_->find_audit({.actor = {}, .action = "retention.purge", .target = {}, .from = {}, .to = {}, .page = {}});
    ASSERT_TRUE(audit);
    ASSERT_EQ(audit->items.size(), 1u);
    EXPECT_NE(audit->items[0].detail.find("1 orders"), std::string::npos) << audit->items[0].detail;

    // A second run finds nothing new and writes no audit entry.
    auto again = store_->purge_personal_data(std::chrono::days(30));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->orders + again->messages + again->outbox_payloads, 0);
    audit = store_->find_audit({});
    ASSERT_TRUE(audit);
    EXPECT_EQ(audit->items.size(), 1u);
}

TEST_P(RetentionTest, PurgedDeadLetterIsNotRequeued) {
    auto appended = store_->append_messages(std::vector{hl7_message("M")});
    ASSERT_TRUE(appended);
    NewOrder o;
    o.id = "GW-D";
    o.canonical_json = std::string(kCanonical);
    o.state = "failed";
    NewOutboxItem d;
    d.destination = "vendor:oda";
    d.payload = "personal";
    d.idempotency_key = "k";
    auto id = store_->create_order(o, d);
    ASSERT_TRUE(id);
    ASSERT_TRUE(store_->claim_due("vendor:oda", 1, "w", 30s));
    ASSERT_TRUE(store_->dead_letter(*id, "w", {}));
    clock_.advance(std::chrono::days(31));
    auto purged = store_->purge_personal_data(std::chrono::days(30));
    ASSERT_TRUE(purged);
    EXPECT_EQ(purged->outbox_payloads, 1);
    const std::vector<std::int64_t> ids{*id};
    auto requeued = store_->requeue_dead(ids, "ops");
    ASSERT_TRUE(requeued);
    EXPECT_EQ(*requeued, 0u);
}

TEST_P(RetentionTest, UnparseableCanonicalJsonIsReplacedEntirely) {
    NewOrder o;
    o.id = "GW-BAD";
    o.canonical_json = "not json: Kari Nordmann";
    o.state = "cancelled";
    NewOutboxItem d;
    d.destination = "vendor:oda";
    d.payload = "x";
    d.idempotency_key = "k";
    ASSERT_TRUE(store_->create_order(o, d));
    clock_.advance(std::chrono::days(2));
    ASSERT_TRUE(store_->purge_personal_data(std::chrono::days(1)));
    auto order = store_->get_order("GW-BAD");
    ASSERT_TRUE(order);
    EXPECT_EQ(order->canonical_json.find("Kari"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, RetentionTest, testing::kBothBackends, testing::backend_name);

}  // namespace
}  // namespace gw::store
