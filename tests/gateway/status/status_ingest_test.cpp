// StatusIngest against a real SQLite store: every ordered pair of grocer states, delivered in both orders, ends where
// the state machine says and never moves an order backwards; duplicates, unknown orders, events that do not fit the
// order, events after a cancel; and which of them queue a status report for the care system.

#include <algorithm>
#include <future>

#include "gateway/hl7/message.hpp"
#include "gateway/model/order_state.hpp"
#include "gateway/status/status_ingest.hpp"
#include "tests/gateway/status/status_test_support.hpp"

namespace gw::status {
namespace {

using model::OrderState;
using S = OrderState;
using testing::StatusFixture;

class Ingest : public StatusFixture {
protected:
    void SetUp() override {
        StatusFixture::SetUp();
        reporter_ = std::make_unique<StatusReporter>(*store_, reporter_options());
        ingest_ = std::make_unique<StatusIngest>(*store_, reporter_.get());
    }
    void TearDown() override {
        ingest_.reset();
        reporter_.reset();
        StatusFixture::TearDown();
    }

    IngestResult deliver(model::OrderEvent e, adapters::status::OrderKey key = adapters::status::OrderKey::order_id) {
        IncomingStatus in;
        in.vendor = e.vendor;
        in.key = key;
        in.event = std::move(e);
        in.raw = "{\"test\":true}";
        return ingest_->process(std::move(in));
    }

    std::unique_ptr<StatusReporter> reporter_;
    std::unique_ptr<StatusIngest> ingest_;
};

// Where a sequence of incoming states leaves an order that starts in `start`, by the model's rules alone.
S expected_after(S start, std::initializer_list<S> incoming) {
    S s = start;
    for (S in : incoming)
        if (model::can_transition(s, in)) s = in;
    return s;
}

// Every state a grocer can report, for an order the grocer has (submitted).
constexpr S kReported[] = {S::submitted, S::accepted,  S::partially_accepted, S::rejected, S::picking,
                           S::out_for_delivery, S::delivered, S::cancelled, S::failed, S::handed_over};

TEST_F(Ingest, EveryPairInBothOrdersEndsWhereTheStateMachineSaysAndNeverGoesBack) {
    int checked = 0;
    int id = 0;
    for (S a : kReported) {
        for (S b : kReported) {
            if (a == b) continue;
            for (bool swapped : {false, true}) {
                const S first = swapped ? b : a;
                const S second = swapped ? a : b;
                auto order = make_order("instacart-connect");
                auto r1 = deliver(event(order.id, first, "e" + std::to_string(++id)));
                ASSERT_NE(r1.status, IngestStatus::unavailable) << r1.detail;
                const auto after_first = *model::parse_order_state(state_of(order.id));
                EXPECT_EQ(after_first, expected_after(S::submitted, {first}));
                auto r2 = deliver(event(order.id, second, "e" + std::to_string(++id)));
                ASSERT_NE(r2.status, IngestStatus::unavailable) << r2.detail;
                const auto final_state = *model::parse_order_state(state_of(order.id));
                EXPECT_EQ(final_state, expected_after(S::submitted, {first, second}))
                    << model::to_string(first) << " then " << model::to_string(second);
                EXPECT_GE(model::rank(final_state), model::rank(after_first))
                    << model::to_string(first) << " then " << model::to_string(second) << " moved backwards";
                // The answer says what happened to the state.
                const bool moved = final_state != after_first;
                EXPECT_EQ(r2.state_changed, moved);
                EXPECT_EQ(r2.order_state, std::string(model::to_string(final_state)));
                if (!moved) {
                    EXPECT_TRUE(r2.status == IngestStatus::stale || r2.status == IngestStatus::invalid)
                        << to_string(r2.status);
                }
                // Both events are history, whatever they did to the state.
                EXPECT_EQ(store_->get_order_detail(order.id)->events.size(), 2u);
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 10 * 9 * 2);
}

TEST_F(Ingest, OutOfOrderLifecycleConvergesToTheLatestState) {
    // The sandbox's instacart lifecycle, delivered shuffled: the order ends delivered whatever the order.
    const S lifecycle[] = {S::submitted, S::accepted, S::picking, S::out_for_delivery, S::delivered};
    std::vector<int> perm{0, 1, 2, 3, 4};
    int id = 0;
    int permutations = 0;
    do {
        auto order = make_order("instacart-connect");
        int highest = 0;
        for (int i : perm) {
            deliver(event(order.id, lifecycle[i], "p" + std::to_string(++id)));
            highest = std::max(highest, model::rank(lifecycle[i]));
            EXPECT_EQ(model::rank(*model::parse_order_state(state_of(order.id))), highest);
        }
        EXPECT_EQ(state_of(order.id), "delivered");
        ++permutations;
    } while (std::next_permutation(perm.begin(), perm.end()) && permutations < 40);
}

TEST_F(Ingest, ADuplicateVendorEventChangesNothingAndQueuesNoSecondReport) {
    auto order = make_order("instacart-connect");
    auto first = deliver(event(order.id, S::accepted, "9007199254740993"));
    EXPECT_EQ(first.status, IngestStatus::stored);
    EXPECT_TRUE(first.state_changed);
    EXPECT_TRUE(first.reported);
    auto again = deliver(event(order.id, S::accepted, "9007199254740993"));
    EXPECT_EQ(again.status, IngestStatus::duplicate);
    EXPECT_FALSE(again.state_changed);
    EXPECT_FALSE(again.reported);
    // 2^53 + 1 and 2^53 are different events: ids are text, never doubles.
    auto neighbour = deliver(event(order.id, S::picking, "9007199254740992"));
    EXPECT_EQ(neighbour.status, IngestStatus::stored);
    EXPECT_EQ(store_->get_order_detail(order.id)->events.size(), 2u);
    EXPECT_EQ(outbox("mllp:care-system", order.id).size(), 2u);
    EXPECT_EQ(ingest_->stats().duplicates, 1u);
}

TEST_F(Ingest, EveryStateChangeIsReportedAsOrsO06ToTheOrdersChannel) {
    auto order = make_order("instacart-connect");
    deliver(event(order.id, S::accepted, "a1"));
    deliver(event(order.id, S::picking, "a2"));
    deliver(event(order.id, S::accepted, "a3"));  // late: no report, the care system never sees it go back
    deliver(event(order.id, S::delivered, "a4"));
    auto reports = outbox("mllp:care-system", order.id);
    ASSERT_EQ(reports.size(), 3u);
    const char* expected_status[] = {"IP", "IP", "CM"};
    const char* expected_state[] = {"accepted", "picking", "delivered"};
    for (std::size_t i = 0; i < reports.size(); ++i) {
        EXPECT_EQ(reports[i].kind, store::OutboxKind::status_report);
        EXPECT_EQ(reports[i].order_id, order.id);  // traceable from the order
        auto m = hl7::parse(reports[i].payload);
        ASSERT_TRUE(m) << reports[i].payload;
        EXPECT_EQ(m->get("MSH-9.1"), "ORS");
        EXPECT_EQ(m->get("MSH-5"), "GERICA");      // answered to the sender of the order
        EXPECT_EQ(m->get("MSH-6"), "BAERUM_HJT");
        EXPECT_EQ(m->get("MSA-2"), "MSG1001");     // the order's own MSH-10
        EXPECT_EQ(m->get("ORC-2"), order.external_ref);
        EXPECT_EQ(m->get("ORC-5"), expected_status[i]);
        EXPECT_EQ(m->get("ORC-16.1"), expected_state[i]);
        EXPECT_EQ(m->get("MSH-10").size(), 20u);
    }
}

TEST_F(Ingest, LineOutcomesWithoutAStateChangeAreReportedWithTheCurrentState) {
    auto order = make_order("peppol-bis");
    deliver(event(order.id, S::picking, "x1", "peppol-bis"));
    // A late confirmation that names an out-of-stock line and a substitute: the order stays picking, but the care
    // system must hear about the lines, and must not see the order go back to partially_accepted.
    auto late = event(order.id, S::partially_accepted, "x2", "peppol-bis");
    late.lines.push_back({1, model::LineOutcomeKind::confirmed, {}, {}});
    late.lines.push_back({2, model::LineOutcomeKind::substituted,
                          model::Substitute{"07038010000140", {}, "Grovbrød skivet", model::Decimal::from_integer(1), {}},
                          {}});
    late.lines.push_back({3, model::LineOutcomeKind::out_of_stock, {}, {}});
    auto r = deliver(late);
    EXPECT_EQ(r.status, IngestStatus::stale);
    EXPECT_FALSE(r.state_changed);
    EXPECT_TRUE(r.reported);
    EXPECT_EQ(state_of(order.id), "picking");
    auto reports = outbox("mllp:care-system", order.id);
    ASSERT_EQ(reports.size(), 2u);
    auto m = hl7::parse(reports[1].payload);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->get("ORC-16.1"), "picking");
    EXPECT_EQ(m->get("RQD[2]-1"), "2");
    EXPECT_EQ(m->get("RQD[2]-2.1"), "07038010000140");
    EXPECT_EQ(m->get("RQD[2]-2.2"), "Grovbrød skivet");
    EXPECT_EQ(m->get("NTE[2]-4.1"), "SUBSTITUTED");
    EXPECT_EQ(m->get("RQD[3]-5"), "0");
    EXPECT_EQ(m->get("NTE[3]-4.1"), "OUT_OF_STOCK");
    // The grocer sends it again: same report key, nothing new queued.
    auto again = deliver(late);
    EXPECT_EQ(again.status, IngestStatus::duplicate);
    EXPECT_EQ(outbox("mllp:care-system", order.id).size(), 2u);
}

TEST_F(Ingest, AnUnknownOrderIsStoredAsARejectedMessageAndCounted) {
    auto r = deliver(event("GW-NOPE", S::accepted, "u1"));
    EXPECT_EQ(r.status, IngestStatus::unknown_order);
    EXPECT_NE(r.detail.find("GW-NOPE"), std::string::npos);
    auto kept = rejected_messages("webhook:instacart-connect");
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept[0].raw, "{\"test\":true}");
    EXPECT_EQ(kept[0].error_code, "not_found");
    EXPECT_EQ(ingest_->stats().unknown_orders, 1u);
}

TEST_F(Ingest, AnotherVendorsOrderIsUnknownToThisVendor) {
    auto order = make_order("oda-web");
    auto r = deliver(event(order.id, S::delivered, "v1", "instacart-connect"));
    EXPECT_EQ(r.status, IngestStatus::unknown_order);
    EXPECT_EQ(state_of(order.id), "submitted");
}

TEST_F(Ingest, AnEventNamingALineTheOrderDoesNotHaveIsRejectedWithItsReason) {
    auto order = make_order("instacart-connect");
    auto e = event(order.id, S::partially_accepted, "l1");
    e.lines.push_back({9, model::LineOutcomeKind::out_of_stock, {}, {}});
    auto r = deliver(e);
    EXPECT_EQ(r.status, IngestStatus::rejected);
    EXPECT_NE(r.detail.find("lines[0]"), std::string::npos) << r.detail;
    EXPECT_EQ(state_of(order.id), "submitted");
    EXPECT_EQ(rejected_messages("webhook:instacart-connect").size(), 1u);
}

TEST_F(Ingest, AMappingErrorIsKeptForAnOperator) {
    IncomingStatus in;
    in.vendor = "instacart-connect";
    in.raw = "{\"status\": \"teleported\"}";
    in.error = make_error(ErrorCode::invalid_value, "state: no entry 'teleported' in map 'states'");
    auto r = ingest_->process(std::move(in));
    EXPECT_EQ(r.status, IngestStatus::rejected);
    auto kept = rejected_messages("webhook:instacart-connect");
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_NE(kept[0].error_text.find("teleported"), std::string::npos);
}

TEST_F(Ingest, EventsForACancelledOrderAreHistoryOnlyAndFlagged) {
    auto order = make_order("instacart-connect", "cancelled");
    auto r = deliver(event(order.id, S::delivered, "c1"));
    EXPECT_EQ(r.status, IngestStatus::stale);
    EXPECT_EQ(state_of(order.id), "cancelled");
    EXPECT_FALSE(r.reported);
    EXPECT_EQ(ingest_->stats().after_final, 1u);
}

TEST_F(Ingest, OrdersAreFoundByTheVendorsReferenceOrThePlacerNumber) {
    auto by_ref = make_order("peppol-bis", "submitted", "", "care-system", "AP-REF-77");
    auto r1 = deliver(event("AP-REF-77", S::accepted, "r1", "peppol-bis"), adapters::status::OrderKey::vendor_order_ref);
    EXPECT_EQ(r1.status, IngestStatus::stored);
    EXPECT_EQ(r1.order_id, by_ref.id);
    auto by_placer = make_order("peppol-bis", "submitted", "BK-PLACER-1");
    auto r2 = deliver(event("BK-PLACER-1", S::rejected, "r2", "peppol-bis"), adapters::status::OrderKey::external_ref);
    EXPECT_EQ(r2.order_id, by_placer.id);
    EXPECT_EQ(state_of(by_placer.id), "rejected");
    // The same placer number at another vendor is not this vendor's order.
    auto r3 = deliver(event("BK-PLACER-1", S::accepted, "r3", "instacart-connect"),
                      adapters::status::OrderKey::external_ref);
    EXPECT_EQ(r3.status, IngestStatus::unknown_order);
}

TEST_F(Ingest, ChannelsWithoutStatusOutGetNoReports) {
    auto order = make_order("instacart-connect", "submitted", "", "other-channel");
    auto r = deliver(event(order.id, S::accepted, "n1"));
    EXPECT_EQ(r.status, IngestStatus::stored);
    EXPECT_FALSE(r.reported);
    EXPECT_TRUE(outbox("mllp:care-system").empty());
}

TEST_F(Ingest, TheWorkerAnswersAfterTheCommitAndAFullQueueAnswersUnavailable) {
    auto order = make_order("instacart-connect");
    ingest_->start();
    std::promise<IngestResult> done;
    IncomingStatus in;
    in.vendor = "instacart-connect";
    in.event = event(order.id, S::accepted, "w1");
    ingest_->submit(std::move(in), [&done](IngestResult r) { done.set_value(std::move(r)); });
    auto f = done.get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(f.get().status, IngestStatus::stored);
    EXPECT_EQ(state_of(order.id), "accepted");  // committed before the answer
    ingest_->stop();
    // Stopped: refused at once, never lost silently.
    std::promise<IngestResult> refused;
    IncomingStatus late;
    late.vendor = "instacart-connect";
    late.event = event(order.id, S::picking, "w2");
    ingest_->submit(std::move(late), [&refused](IngestResult r) { refused.set_value(std::move(r)); });
    EXPECT_EQ(refused.get_future().get().status, IngestStatus::unavailable);
}

}  // namespace
}  // namespace gw::status
