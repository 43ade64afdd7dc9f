// Shadow results (migration 2), on both backends: stored per (order, shadow vendor), replaced when the shadow runs
// again, counted per vendor and outcome, and listed newest first.
#include <gtest/gtest.h>

#include "tests/gateway/store/store_test_util.hpp"

namespace gw::store {
namespace {

using namespace std::chrono_literals;
using testing::ManualClock;

class ShadowResults : public ::testing::TestWithParam<testing::Backend> {
protected:
    void SetUp() override {
        GW_SKIP_UNLESS_BACKEND(GetParam());
        store_ = db_.open(clock_.clock());
        ASSERT_TRUE(store_);
        for (int i = 1; i <= 4; ++i) create_order("GW-" + std::to_string(i));
    }
    void create_order(const std::string& id) {
        NewOrder o;
        o.id = id;
        o.canonical_json = R"({"gateway_id":")" + id + R"("})";
        o.municipality = "3201";
        o.vendor = "oda-web";
        o.external_ref = "P-" + id;
        NewOutboxItem item;
        item.destination = "vendor:oda-web";
        item.order_id = id;
        item.payload = o.canonical_json;
        item.idempotency_key = id;
        ASSERT_TRUE(store_->create_order(o, item));
    }
    static NewShadowResult result(const std::string& order, ShadowOutcome outcome, std::string detail = {}) {
        NewShadowResult r;
        r.order_id = order;
        r.vendor = "instacart-connect";
        r.route_vendor = "oda-web";
        r.municipality = "3201";
        r.outcome = outcome;
        r.detail = std::move(detail);
        return r;
    }

    testing::TestDatabase db_{GetParam()};
    ManualClock clock_;
    std::unique_ptr<Store> store_;
};

TEST_P(ShadowResults, AreCountedPerVendorAndOutcome) {
    std::vector<NewShadowResult> batch{result("GW-1", ShadowOutcome::would_succeed),
                                       result("GW-2", ShadowOutcome::would_succeed),
                                       result("GW-3", ShadowOutcome::mapping_error, "create_order: no GTIN")};
    auto other = result("GW-1", ShadowOutcome::validation_error);
    other.vendor = "kroger-cart";
    other.sent = true;
    other.http_status = 400;
    batch.push_back(other);
    ASSERT_TRUE(store_->record_shadow_results(batch));

    auto counts = store_->shadow_counts(std::nullopt);
    ASSERT_TRUE(counts) << counts.error().to_string();
    ASSERT_EQ(counts->size(), 3u);
    EXPECT_EQ((*counts)[0].vendor, "instacart-connect");
    EXPECT_EQ((*counts)[0].outcome, ShadowOutcome::mapping_error);
    EXPECT_EQ((*counts)[0].count, 1);
    EXPECT_EQ((*counts)[1].outcome, ShadowOutcome::would_succeed);
    EXPECT_EQ((*counts)[1].count, 2);
    EXPECT_EQ((*counts)[2].vendor, "kroger-cart");
    EXPECT_EQ((*counts)[2].outcome, ShadowOutcome::validation_error);
    EXPECT_EQ((*counts)[1].last_at, clock_.now());

    ShadowQuery failing;
    failing.vendor = "instacart-connect";
    failing.outcome = ShadowOutcome::mapping_error;
    auto page = store_->find_shadow_results(failing);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].order_id, "GW-3");
    EXPECT_EQ(page->items[0].detail, "create_order: no GTIN");
    EXPECT_FALSE(page->items[0].sent);

    ShadowQuery kroger;
    kroger.vendor = "kroger-cart";
    auto sent = store_->find_shadow_results(kroger);
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->items.size(), 1u);
    EXPECT_TRUE(sent->items[0].sent);
    EXPECT_EQ(sent->items[0].http_status, 400);
}

TEST_P(ShadowResults, ARepeatedRunReplacesTheEarlierResult) {
    ASSERT_TRUE(store_->record_shadow_results(std::vector{result("GW-1", ShadowOutcome::mapping_error, "old")}));
    clock_.advance(1min);
    // The vendor's mapping was fixed and the message replayed: the order now translates.
    ASSERT_TRUE(store_->record_shadow_results(std::vector{result("GW-1", ShadowOutcome::would_succeed)}));
    auto counts = store_->shadow_counts(std::nullopt);
    ASSERT_TRUE(counts);
    ASSERT_EQ(counts->size(), 1u);
    EXPECT_EQ((*counts)[0].outcome, ShadowOutcome::would_succeed);
    EXPECT_EQ((*counts)[0].count, 1);
    // `since` leaves out what was recorded before it.
    auto later = store_->shadow_counts(clock_.now() + 1ms);
    ASSERT_TRUE(later);
    EXPECT_TRUE(later->empty());
}

TEST_P(ShadowResults, PagesNewestFirstAndRefusesUnknownOrders) {
    std::vector<NewShadowResult> batch;
    for (int i = 1; i <= 4; ++i) batch.push_back(result("GW-" + std::to_string(i), ShadowOutcome::would_succeed));
    ASSERT_TRUE(store_->record_shadow_results(batch));
    ShadowQuery q;
    q.page.limit = 3;
    auto first = store_->find_shadow_results(q);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->items.size(), 3u);
    EXPECT_EQ(first->items[0].order_id, "GW-4");
    ASSERT_TRUE(first->next_cursor);
    q.page.cursor = first->next_cursor;
    auto second = store_->find_shadow_results(q);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->items.size(), 1u);
    EXPECT_EQ(second->items[0].order_id, "GW-1");
    EXPECT_FALSE(second->next_cursor);

    // A result for an order that does not exist changes nothing, not even the good results of its batch.
    auto bad = store_->record_shadow_results(
        std::vector{result("GW-1", ShadowOutcome::mapping_error), result("GW-404", ShadowOutcome::would_succeed)});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::not_found);
    auto counts = store_->shadow_counts(std::nullopt);
    ASSERT_TRUE(counts);
    ASSERT_EQ(counts->size(), 1u);
    EXPECT_EQ((*counts)[0].count, 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, ShadowResults, testing::kBothBackends, testing::backend_name);

}  // namespace
}  // namespace gw::store
