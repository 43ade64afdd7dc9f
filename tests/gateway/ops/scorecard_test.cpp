// The vendor scorecard against a fixture computed by hand (the numbers in the comments), and the loader against a
// real SQLite store.
#include <filesystem>

#include <gtest/gtest.h>

#include "gateway/model/datetime.hpp"
#include "gateway/ops/scorecard.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace gw::ops {
namespace {

using store::TimePoint;

TimePoint at(std::string_view rfc3339) {
    auto ts = model::parse_timestamp(rfc3339);
    EXPECT_TRUE(ts) << rfc3339;
    return std::chrono::time_point_cast<TimePoint::duration>(ts->to_sys());
}

// An order with `lines` lines and a delivery promise.
store::OrderDetail order(std::string id, std::string vendor, std::string_view created, int lines,
                         std::string delivery_date = {}, std::string window_start = {}, std::string window_end = {}) {
    store::OrderDetail d;
    d.order.id = id;
    d.order.vendor = vendor;
    d.order.created_at = at(created);
    std::string json = R"({"gateway_id":")" + id + R"(","lines":[)";
    for (int i = 1; i <= lines; ++i) json += (i > 1 ? "," : "") + std::string(R"({"line_number":)") + std::to_string(i) + "}";
    json += "]";
    if (!delivery_date.empty()) {
        json += R"(,"delivery":{"date":")" + delivery_date + "\"";
        if (!window_start.empty()) json += R"(,"window_start":")" + window_start + R"(","window_end":")" + window_end + "\"";
        json += "}";
    }
    d.order.canonical_json = json + "}";
    return d;
}

void event(store::OrderDetail& d, std::string state, std::string_view when, std::string lines_json = "[]") {
    store::OrderEventRecord e;
    e.order_id = d.order.id;
    e.state = state;
    e.occurred_at = at(when);
    e.json = R"({"state":")" + state + R"(","lines":)" + lines_json + "}";
    d.events.push_back(std::move(e));
}

// A delivery to `destination` with one attempt per outcome.
void delivery(store::OrderDetail& d, std::int64_t id, std::string destination,
              std::vector<store::AttemptOutcome> attempts) {
    store::OutboxItem item;
    item.id = id;
    item.destination = destination;
    item.order_id = d.order.id;
    d.deliveries.push_back(item);
    for (auto outcome : attempts) {
        store::DeliveryAttempt a;
        a.outbox_id = id;
        a.outcome = outcome;
        d.attempts.push_back(a);
    }
}

using O = store::AttemptOutcome;

std::vector<store::OrderDetail> fixture() {
    std::vector<store::OrderDetail> all;
    // oda-web ------------------------------------------------------------------------------------------------
    // O1: accepted after 120 s; line 2 substituted later; delivered 11:30 Oslo inside 10-12: on time.
    //     Submission needed a retry; its status report to the care system does not count.
    auto o1 = order("O1", "oda-web", "2026-11-10T08:00:00Z", 3, "2026-11-11", "10:00", "12:00");
    event(o1, "submitted", "2026-11-10T08:01:00Z");
    event(o1, "accepted", "2026-11-10T08:02:00Z");
    event(o1, "partially_accepted", "2026-11-10T08:30:00Z", R"([{"line_number":2,"outcome":"substituted"}])");
    event(o1, "delivered", "2026-11-11T10:30:00Z");
    delivery(o1, 1, "vendor:oda-web", {O::retry, O::success});
    delivery(o1, 2, "mllp:care-system", {O::retry, O::success});
    all.push_back(o1);
    // O2: accepted after 600 s with line 1 out of stock; delivered 13:30 Oslo: late.
    auto o2 = order("O2", "oda-web", "2026-11-12T09:00:00Z", 2, "2026-11-13", "10:00", "12:00");
    event(o2, "accepted", "2026-11-12T09:10:00Z", R"([{"line_number":1,"outcome":"out_of_stock"}])");
    event(o2, "delivered", "2026-11-13T12:30:00Z");
    delivery(o2, 3, "vendor:oda-web", {O::success});
    all.push_back(o2);
    // O3: rejected; the attempt was dead-lettered.
    auto o3 = order("O3", "oda-web", "2026-11-15T07:00:00Z", 2);
    event(o3, "rejected", "2026-11-15T07:01:00Z");
    delivery(o3, 4, "vendor:oda-web", {O::dead});
    all.push_back(o3);
    // O4: the gateway gave up after three failed attempts.
    auto o4 = order("O4", "oda-web", "2026-11-20T07:00:00Z", 1);
    event(o4, "failed", "2026-11-20T09:00:00Z");
    delivery(o4, 5, "vendor:oda-web", {O::retry, O::retry, O::dead});
    all.push_back(o4);
    // O5: 23:30 Oslo on 31 October: before the period.
    auto o5 = order("O5", "oda-web", "2026-10-31T22:30:00Z", 5);
    event(o5, "accepted", "2026-10-31T22:31:00Z");
    delivery(o5, 6, "vendor:oda-web", {O::retry, O::retry, O::success});
    all.push_back(o5);
    // O6: 23:59 Oslo on 30 November: inside. Accepted after 60 s, no line outcomes (all confirmed); delivered
    //     00:30 Oslo on 1 December, before the 10-12 window: early.
    auto o6 = order("O6", "oda-web", "2026-11-30T22:59:00Z", 3, "2026-12-01", "10:00", "12:00");
    event(o6, "accepted", "2026-11-30T23:00:00Z");
    event(o6, "delivered", "2026-11-30T23:30:00Z");
    delivery(o6, 7, "vendor:oda-web", {O::success});
    all.push_back(o6);
    // peppol-bis ---------------------------------------------------------------------------------------------
    // P1: accepted after 300 s; line 1 quantity changed (delivered), line 4 out of stock; not delivered yet.
    auto p1 = order("P1", "peppol-bis", "2026-11-05T10:00:00Z", 4, "2026-11-06");
    event(p1, "accepted", "2026-11-05T10:05:00Z",
          R"([{"line_number":1,"outcome":"quantity_changed","new_quantity":"1"},{"line_number":4,"outcome":"out_of_stock"}])");
    delivery(p1, 8, "vendor:peppol-bis", {O::success});
    all.push_back(p1);
    // P2: submitted, never decided.
    auto p2 = order("P2", "peppol-bis", "2026-11-06T10:00:00Z", 1, "2026-11-07");
    event(p2, "submitted", "2026-11-06T10:00:05Z");
    delivery(p2, 9, "vendor:peppol-bis", {O::success});
    all.push_back(p2);
    return all;
}

TEST(Scorecard, MatchesTheHandComputedFixture) {
    auto period = oslo_days("2026-11-01", "2026-11-30");
    ASSERT_TRUE(period) << period.error().to_string();
    const auto orders = fixture();
    const auto scores = compute_scorecard(orders, *period);
    ASSERT_EQ(scores.size(), 2u);

    const auto& oda = scores[0];
    EXPECT_EQ(oda.vendor, "oda-web");
    EXPECT_EQ(oda.orders, 5);  // O1 O2 O3 O4 O6
    EXPECT_EQ(oda.accepted, 3);
    EXPECT_EQ(oda.rejected, 1);
    EXPECT_EQ(oda.failed, 1);
    EXPECT_DOUBLE_EQ(*oda.acceptance_rate(), 0.75);      // 3 / (3 + 1)
    EXPECT_EQ(oda.lines_ordered, 8);                     // 3 + 2 + 3
    EXPECT_DOUBLE_EQ(*oda.line_fill_rate(), 7.0 / 8);    // all but O2 line 1
    EXPECT_DOUBLE_EQ(*oda.substitution_rate(), 1.0 / 8);
    EXPECT_DOUBLE_EQ(*oda.out_of_stock_rate(), 1.0 / 8);
    EXPECT_DOUBLE_EQ(*oda.time_to_accept_median(), 120);  // [60, 120, 600]
    EXPECT_DOUBLE_EQ(*oda.time_to_accept_p90(), 600);
    EXPECT_EQ(oda.delivered, 3);
    EXPECT_EQ(oda.on_time, 1);
    EXPECT_EQ(oda.early, 1);
    EXPECT_EQ(oda.late, 1);
    EXPECT_DOUBLE_EQ(*oda.on_time_rate(), 1.0 / 3);
    EXPECT_EQ(oda.deliveries, 5);  // status reports to the care system left out
    EXPECT_EQ(oda.attempts, 8);    // 2 + 1 + 1 + 3 + 1
    EXPECT_DOUBLE_EQ(*oda.error_rate(), 5.0 / 8);
    EXPECT_DOUBLE_EQ(*oda.retry_rate(), 2.0 / 5);  // O1 and O4

    const auto& peppol = scores[1];
    EXPECT_EQ(peppol.vendor, "peppol-bis");
    EXPECT_EQ(peppol.orders, 2);
    EXPECT_DOUBLE_EQ(*peppol.acceptance_rate(), 1.0);
    EXPECT_DOUBLE_EQ(*peppol.line_fill_rate(), 0.75);
    EXPECT_DOUBLE_EQ(*peppol.substitution_rate(), 0.0);
    EXPECT_DOUBLE_EQ(*peppol.out_of_stock_rate(), 0.25);
    EXPECT_FALSE(peppol.on_time_rate());  // nothing delivered: undefined, not 0

    const auto csv = scorecard_csv(scores, *period);
    EXPECT_EQ(csv,
              "vendor,period_from,period_to,orders,accepted,rejected,failed,acceptance_rate,lines_ordered,"
              "line_fill_rate,substitution_rate,out_of_stock_rate,time_to_accept_median_s,time_to_accept_p90_s,"
              "delivered,on_time,early,late,on_time_rate,deliveries,attempts,error_rate,retry_rate\r\n"
              "oda-web,2026-11-01,2026-11-30,5,3,1,1,0.7500,8,0.8750,0.1250,0.1250,120.0,600.0,3,1,1,1,0.3333,5,8,"
              "0.6250,0.4000\r\n"
              "peppol-bis,2026-11-01,2026-11-30,2,1,0,0,1.0000,4,0.7500,0.0000,0.2500,300.0,300.0,0,0,0,0,,2,2,"
              "0.0000,0.0000\r\n");
    const auto j = scorecard_json(scores, *period);
    EXPECT_EQ(j.at("vendors").at(0).at("acceptance_rate").as_double(), 0.75);
    EXPECT_TRUE(j.at("vendors").at(1).at("on_time_rate").is_null());
}

TEST(Scorecard, PeriodsAreOsloDaysAcrossSummerTime) {
    // 29 March 2026: clocks go forward; 1 April is CEST (+2), 1 March is CET (+1).
    auto p = oslo_days("2026-03-01", "2026-03-31");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->from, at("2026-02-28T23:00:00Z"));
    EXPECT_EQ(p->to, at("2026-03-31T22:00:00Z"));
    EXPECT_FALSE(oslo_days("2026-03-31", "2026-03-01"));
    EXPECT_FALSE(oslo_days("2026-02-30", "2026-03-01"));
    EXPECT_FALSE(oslo_days("yesterday", "today"));
}

TEST(Scorecard, NearestRankPercentiles) {
    EXPECT_FALSE(nearest_rank({}, 0.5));
    EXPECT_EQ(nearest_rank({7}, 0.9), 7);
    EXPECT_EQ(nearest_rank({1, 2, 3, 4}, 0.5), 2);
    EXPECT_EQ(nearest_rank({1, 2, 3, 4}, 0.9), 4);
    EXPECT_EQ(nearest_rank({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9), 9);
}

TEST(Scorecard, VendorNamesAreQuotedInCsv) {
    auto period = oslo_days("2026-11-01", "2026-11-30");
    ASSERT_TRUE(period);
    VendorScore s;
    s.vendor = "odd,\"name\"";
    const auto csv = scorecard_csv({s}, *period);
    EXPECT_NE(csv.find("\r\n\"odd,\"\"name\"\"\",2026-11-01"), std::string::npos) << csv;
}

TEST(Scorecard, LoadsEveryOrderOfThePeriodFromTheStore) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("gw-scorecard-" + std::to_string(::getpid()) + "-" +
                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    auto now = std::make_shared<TimePoint>(at("2026-11-10T08:00:00Z"));
    store::SqliteStoreOptions options;
    options.path = (dir / "gw.db").string();
    options.clock = [now] { return *now; };
    auto opened = store::SqliteStore::open(options);
    ASSERT_TRUE(opened) << opened.error().to_string();
    auto& db = **opened;
    // 1200 orders: more than one page of the loader's query (one transaction, as the pipeline writes them).
    std::vector<store::OrderWithDelivery> batch;
    for (int i = 0; i < 1200; ++i) {
        store::NewOrder o;
        o.id = "GW-" + std::to_string(i);
        o.vendor = i % 3 == 0 ? "peppol-bis" : "oda-web";
        o.municipality = "3201";
        o.canonical_json = R"({"lines":[{"line_number":1}]})";
        store::NewOutboxItem first;
        first.destination = "vendor:" + o.vendor;
        first.payload = "{}";
        first.idempotency_key = o.id;
        batch.push_back({o, first});
    }
    auto created = db.create_orders(batch);
    ASSERT_TRUE(created);
    for (const auto& r : *created) ASSERT_TRUE(r);
    ASSERT_TRUE(db.append_order_event({"GW-1", "oda-web", "ev-1", "accepted", R"({"lines":[]})", {}, "", {}},
                                      std::nullopt));
    *now = at("2026-12-02T08:00:00Z");  // outside the period
    store::NewOrder late;
    late.id = "GW-late";
    late.vendor = "oda-web";
    late.canonical_json = "{}";
    ASSERT_TRUE(db.create_order(late, {"vendor:oda-web", std::nullopt, store::OutboxKind::submit, "{}", "late", {}}));

    auto period = oslo_days("2026-11-01", "2026-11-30");
    ASSERT_TRUE(period);
    auto loaded = load_scorecard_orders(db, *period);
    ASSERT_TRUE(loaded) << loaded.error().to_string();
    EXPECT_EQ(loaded->size(), 1200u);
    const auto scores = compute_scorecard(*loaded, *period);
    ASSERT_EQ(scores.size(), 2u);
    EXPECT_EQ(scores[0].orders, 800);
    EXPECT_EQ(scores[0].accepted, 1);
    EXPECT_EQ(scores[0].deliveries, 800);
    EXPECT_EQ(scores[1].orders, 400);
    auto one_vendor = load_scorecard_orders(db, *period, "peppol-bis");
    ASSERT_TRUE(one_vendor);
    EXPECT_EQ(one_vendor->size(), 400u);
    auto capped = load_scorecard_orders(db, *period, "", 100);
    ASSERT_FALSE(capped);
    EXPECT_EQ(capped.error().code, ErrorCode::too_large);
    opened->reset();
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gw::ops
