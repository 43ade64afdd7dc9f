#include <gtest/gtest.h>

#include "gateway/store/group_commit_sink.hpp"
#include "store_test_util.hpp"

namespace gw::store {
namespace {

using namespace std::chrono_literals;
using testing::hl7_message;
using testing::ManualClock;

constexpr std::string_view kVendor = "oda";
constexpr std::string_view kVendorDestination = "vendor:oda-web";

NewOrder make_order(const std::string& id, std::optional<std::int64_t> message_id = std::nullopt) {
    NewOrder o;
    o.id = id;
    o.message_id = message_id;
    o.canonical_json = R"({"gateway_id":")" + id + R"(","recipient":{"reference":"R-77","name":{"given":"Kari"}}})";
    o.municipality = "3201";
    o.vendor = std::string(kVendor);
    o.external_ref = "PLACER-" + id;
    return o;
}

NewOutboxItem submission(const std::string& order_id) {
    NewOutboxItem item;
    item.destination = std::string(kVendorDestination);
    item.kind = OutboxKind::submit;
    item.payload = R"({"order":")" + order_id + R"("})";
    item.idempotency_key = "submit:" + order_id;
    return item;
}

NewOrderEvent event(const std::string& order_id, const std::string& state, const std::string& vendor_event_id) {
    NewOrderEvent e;
    e.order_id = order_id;
    e.vendor = std::string(kVendor);
    e.vendor_event_id = vendor_event_id;
    e.state = state;
    e.json = R"({"state":")" + state + R"("})";
    return e;
}

// The model's forward-only rule in miniature: ranks, final states never left.
bool forward_only(std::string_view from, std::string_view to) {
    auto rank = [](std::string_view s) {
        if (s == "received") return 0;
        if (s == "submitted") return 2;
        if (s == "accepted") return 3;
        if (s == "picking") return 4;
        if (s == "delivered") return 6;
        return -1;
    };
    return from != "delivered" && rank(to) > rank(from);
}

class OrdersOutboxTest : public ::testing::TestWithParam<testing::Backend> {
  protected:
    void SetUp() override {
        GW_SKIP_UNLESS_BACKEND(GetParam());
        store_ = db_.open(clock_.clock());
        ASSERT_TRUE(store_);
    }

    std::int64_t store_message(const std::string& control_id) {
        auto appended = store_->append_messages(std::vector{hl7_message(control_id)});
        EXPECT_TRUE(appended) << appended.error().to_string();
        return appended ? appended->at(0).message_id : 0;
    }

    std::int64_t create(const std::string& order_id) {
        auto outbox_id = store_->create_order(make_order(order_id), submission(order_id));
        EXPECT_TRUE(outbox_id) << outbox_id.error().to_string();
        return outbox_id ? *outbox_id : 0;
    }

    OutboxItem outbox_item(std::int64_t id) {
        auto page = store_->find_outbox({});
        EXPECT_TRUE(page);
        for (auto& item : page->items) {
            if (item.id == id) return item;
        }
        ADD_FAILURE() << "no outbox item " << id;
        return {};
    }

    testing::TestDatabase db_{GetParam()};
    ManualClock clock_;
    std::unique_ptr<Store> store_;
};

TEST_P(OrdersOutboxTest, CreateOrderQueuesItsDeliveryAndMarksTheMessageProcessed) {
    const auto message_id = store_message("ORD-1");
    auto outbox_id = store_->create_order(make_order("GW-1", message_id), submission("GW-1"));
    ASSERT_TRUE(outbox_id) << outbox_id.error().to_string();

    auto order = store_->get_order("GW-1");
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, "received");
    EXPECT_EQ(order->message_id, message_id);
    EXPECT_EQ(order->vendor, "oda");
    EXPECT_EQ(order->municipality, "3201");
    EXPECT_EQ(order->external_ref, "PLACER-GW-1");
    EXPECT_EQ(order->created_at, clock_.now());

    const auto item = outbox_item(*outbox_id);
    EXPECT_EQ(item.order_id, "GW-1");  // defaulted from the order
    EXPECT_EQ(item.state, OutboxState::pending);
    EXPECT_EQ(item.kind, OutboxKind::submit);
    EXPECT_EQ(item.next_attempt_at, clock_.now());

    auto message = store_->get_message(message_id);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->state, MessageState::processed);
}

TEST_P(OrdersOutboxTest, DuplicateOrderIsAConflictAndQueuesNothing) {
    create("GW-1");
    NewOutboxItem other = submission("GW-1");
    other.idempotency_key = "another-key";
    auto again = store_->create_order(make_order("GW-1"), other);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
    auto items = store_->find_outbox({});
    ASSERT_TRUE(items);
    EXPECT_EQ(items->items.size(), 1u);
}

TEST_P(OrdersOutboxTest, FailedOutboxInsertRollsBackTheOrder) {
    NewOutboxItem broken = submission("GW-9");
    broken.destination.clear();
    auto created = store_->create_order(make_order("GW-9"), broken);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ErrorCode::invalid_argument);
    auto order = store_->get_order("GW-9");
    ASSERT_FALSE(order);
    EXPECT_EQ(order.error().code, ErrorCode::not_found);
}

TEST_P(OrdersOutboxTest, MarkMessageFailedKeepsTheErrorAndRejectedCannotBeMarked) {
    const auto id = store_message("MARK-1");
    ASSERT_TRUE(store_->mark_message(id, MessageState::failed, make_error(ErrorCode::not_found, "no route for 3201")));
    auto message = store_->get_message(id);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->state, MessageState::failed);
    EXPECT_EQ(message->error_code, "not_found");
    EXPECT_NE(message->error_text.find("no route"), std::string::npos);

    EXPECT_FALSE(store_->mark_message(id, MessageState::failed, std::nullopt));
    EXPECT_FALSE(store_->mark_message(id, MessageState::rejected, std::nullopt));
    auto missing = store_->mark_message(9999, MessageState::processed, std::nullopt);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);

    auto rejected_message = hl7_message("MARK-2");
    rejected_message.error = make_error(ErrorCode::parse_error, "bad");
    auto appended = store_->append_messages(std::vector{rejected_message});
    ASSERT_TRUE(appended);
    EXPECT_FALSE(store_->mark_message(appended->at(0).message_id, MessageState::processed, std::nullopt));
}

TEST_P(OrdersOutboxTest, EnqueueIsIdempotentByKey) {
    create("GW-1");
    NewOutboxItem report;
    report.destination = "mllp:care-system";
    report.order_id = "GW-1";
    report.kind = OutboxKind::status_report;
    report.payload = "MSH|...ORS^O06";
    report.idempotency_key = "report:GW-1:accepted";
    auto first = store_->enqueue(report);
    auto second = store_->enqueue(report);
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_EQ(*first, *second);
    auto items = store_->find_outbox({.destination = "mllp:care-system", .state = {}, .order_id = {}, .page = {}});
    ASSERT_TRUE(items);
    EXPECT_EQ(items->items.size(), 1u);
}

TEST_P(OrdersOutboxTest, ClaimLeasesDueItemsOldestFirstAndOnlyOnce) {
    const auto a = create("GW-A");
    clock_.advance(1s);
    const auto b = create("GW-B");
    NewOutboxItem later = submission("GW-C");
    later.order_id = std::nullopt;
    later.not_before = clock_.now() + 60s;
    ASSERT_TRUE(store_->enqueue(later));
    NewOutboxItem elsewhere = submission("GW-D");
    elsewhere.destination = "vendor:other";
    ASSERT_TRUE(store_->enqueue(elsewhere));

    auto claimed = store_->claim_due(kVendorDestination, 10, "worker-1", 30s);
    ASSERT_TRUE(claimed) << claimed.error().to_string();
    ASSERT_EQ(claimed->size(), 2u);
    EXPECT_EQ(claimed->at(0).id, a);
    EXPECT_EQ(claimed->at(1).id, b);
    for (const auto& item : *claimed) {
        EXPECT_EQ(item.state, OutboxState::in_flight);
        EXPECT_EQ(item.lease_owner, "worker-1");
        EXPECT_EQ(item.lease_expires_at, clock_.now() + 30s);
        EXPECT_EQ(item.attempts, 1);
        EXPECT_EQ(item.destination, kVendorDestination);
    }
    auto again = store_->claim_due(kVendorDestination, 10, "worker-2", 30s);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->empty());

    auto limited = store_->claim_due("vendor:other", 0, "worker-2", 30s);
    ASSERT_TRUE(limited);
    EXPECT_TRUE(limited->empty());
    EXPECT_FALSE(store_->claim_due(kVendorDestination, 1, "", 30s));
}

TEST_P(OrdersOutboxTest, ExpiredLeaseIsReclaimedAndTheOldOwnerLosesIt) {
    const auto id = create("GW-1");
    auto first = store_->claim_due(kVendorDestination, 1, "worker-1", 30s);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 1u);

    clock_.advance(29s);
    auto early = store_->claim_due(kVendorDestination, 1, "worker-2", 30s);
    ASSERT_TRUE(early);
    EXPECT_TRUE(early->empty());

    clock_.advance(1s);
    auto taken = store_->claim_due(kVendorDestination, 1, "worker-2", 30s);
    ASSERT_TRUE(taken);
    ASSERT_EQ(taken->size(), 1u);
    EXPECT_EQ(taken->at(0).id, id);
    EXPECT_EQ(taken->at(0).attempts, 2);
    EXPECT_EQ(taken->at(0).lease_owner, "worker-2");

    auto stale = store_->complete(id, "worker-1", {});
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error().code, ErrorCode::conflict);
    EXPECT_NE(stale.error().message.find("worker-2"), std::string::npos);
    ASSERT_TRUE(store_->complete(id, "worker-2",
                                 {.started_at = clock_.now(), .duration = 120ms, .http_status = 201, .error = {}}));
    EXPECT_EQ(outbox_item(id).state, OutboxState::done);
    auto missing = store_->complete(424242, "worker-2", {});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_P(OrdersOutboxTest, DeliveriesOfOneOrderGoOutInQueueOrder) {
    const auto submit = create("GW-1");
    NewOutboxItem cancel = submission("GW-1");
    cancel.kind = OutboxKind::cancel;
    cancel.idempotency_key = "cancel:GW-1";
    cancel.order_id = "GW-1";
    auto cancel_id = store_->enqueue(cancel);
    ASSERT_TRUE(cancel_id);
    const auto other = create("GW-2");

    // The submit is retrying later; the cancel behind it must wait although it is due, the other order is not held.
    auto first = store_->claim_due(kVendorDestination, 10, "w", 30s);
    ASSERT_TRUE(first);
    ASSERT_EQ(first->size(), 2u);
    EXPECT_EQ(first->at(0).id, submit);
    EXPECT_EQ(first->at(1).id, other);
    ASSERT_TRUE(store_->retry_later(submit, "w", clock_.now() + 10s, AttemptReport{.started_at = {}, .duration = {}, .http_status = 503, .error = "503"}));
    auto blocked = store_->claim_due(kVendorDestination, 10, "w", 30s);
    ASSERT_TRUE(blocked);
    EXPECT_TRUE(blocked->empty());

    clock_.advance(10s);
    auto again = store_->claim_due(kVendorDestination, 10, "w", 30s);
    ASSERT_TRUE(again);
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ(again->at(0).id, submit);
    ASSERT_TRUE(store_->complete(submit, "w", {}));
    auto now_cancel = store_->claim_due(kVendorDestination, 10, "w", 30s);
    ASSERT_TRUE(now_cancel);
    ASSERT_EQ(now_cancel->size(), 1u);
    EXPECT_EQ(now_cancel->at(0).id, *cancel_id);
}

TEST_P(OrdersOutboxTest, CompletionAndOrderEventCommitTogether) {
    const auto id = create("GW-1");
    ASSERT_TRUE(store_->claim_due(kVendorDestination, 1, "w", 30s));
    auto accepted = event("GW-1", "accepted", "");
    accepted.vendor_order_ref = "ODA-77";
    NewOutboxItem report;
    report.destination = "mllp:care-system";
    report.kind = OutboxKind::status_report;
    report.payload = "MSH|...";
    report.idempotency_key = "report:GW-1:accepted";
    auto done = store_->complete_with_event(id, "w", AttemptReport{}, accepted, report);
    ASSERT_TRUE(done) << done.error().to_string();
    EXPECT_TRUE(done->inserted);
    EXPECT_TRUE(done->state_changed);
    EXPECT_EQ(outbox_item(id).state, OutboxState::done);
    auto order = store_->get_order("GW-1");
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, "accepted");
    EXPECT_EQ(order->vendor_order_ref, "ODA-77");
    OutboxQuery to_care_system;
    to_care_system.destination = "mllp:care-system";
    auto reports = store_->find_outbox(to_care_system);
    ASSERT_TRUE(reports);
    ASSERT_EQ(reports->items.size(), 1u);
    EXPECT_EQ(reports->items[0].order_id, "GW-1");

    // A completion that is not ours changes nothing: neither the item nor the order.
    const auto second = create("GW-2");
    ASSERT_TRUE(store_->claim_due(kVendorDestination, 1, "w", 30s));
    auto stale = store_->complete_with_event(second, "someone-else", {}, event("GW-2", "accepted", ""), std::nullopt);
    ASSERT_FALSE(stale);
    EXPECT_EQ(store_->get_order("GW-2")->state, "received");
    auto dead = store_->dead_letter_with_event(second, "w", AttemptReport{.started_at = {}, .duration = {}, .http_status = 400, .error = "bad ean"},
                                               event("GW-2", "failed", ""), std::nullopt);
    ASSERT_TRUE(dead);
    EXPECT_EQ(outbox_item(second).state, OutboxState::dead);
    EXPECT_EQ(store_->get_order("GW-2")->state, "failed");
}

TEST_P(OrdersOutboxTest, CreateOrdersInOneBatchAndAMessageBecomesAtMostOneOrder) {
    const auto m1 = store_message("C-1");
    const auto m2 = store_message("C-2");
    std::vector<OrderWithDelivery> batch{{make_order("GW-1", m1), submission("GW-1")},
                                         {make_order("GW-2", m2), submission("GW-2")}};
    auto created = store_->create_orders(batch);
    ASSERT_TRUE(created) << created.error().to_string();
    ASSERT_EQ(created->size(), 2u);
    EXPECT_TRUE(created->at(0));
    EXPECT_TRUE(created->at(1));
    EXPECT_EQ(store_->get_message(m1)->state, MessageState::processed);

    // Message m1 already has an order: a second one for it is refused, while the rest of the batch goes in.
    const auto m3 = store_message("C-3");
    std::vector<OrderWithDelivery> again{{make_order("GW-1b", m1), submission("GW-1b")},
                                         {make_order("GW-3", m3), submission("GW-3")}};
    auto second = store_->create_orders(again);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->size(), 2u);
    ASSERT_FALSE(second->at(0));
    EXPECT_EQ(second->at(0).error().code, ErrorCode::conflict);
    EXPECT_TRUE(second->at(1));
    EXPECT_FALSE(store_->get_order("GW-1b"));
    EXPECT_TRUE(store_->get_order("GW-3"));
}

TEST_P(OrdersOutboxTest, ReleaseLeasesReturnsOnlyTheOwnersItemsAtOnce) {
    const auto mine = create("GW-1");
    ASSERT_TRUE(store_->claim_due(kVendorDestination, 1, "gateway-1", 5min));
    const auto theirs = create("GW-2");
    ASSERT_TRUE(store_->claim_due(kVendorDestination, 1, "gateway-2", 5min));

    auto released = store_->release_leases("gateway-1");
    ASSERT_TRUE(released) << released.error().to_string();
    EXPECT_EQ(*released, 1u);
    EXPECT_EQ(outbox_item(mine).state, OutboxState::pending);
    EXPECT_EQ(outbox_item(mine).attempts, 1);
    EXPECT_EQ(outbox_item(theirs).state, OutboxState::in_flight);
    auto reclaimed = store_->claim_due(kVendorDestination, 10, "gateway-1", 5min);
    ASSERT_TRUE(reclaimed);
    ASSERT_EQ(reclaimed->size(), 1u);
    EXPECT_EQ(reclaimed->at(0).id, mine);
    EXPECT_FALSE(store_->release_leases(""));
}

TEST_P(OrdersOutboxTest, RetryDeadLetterAndRequeueWithAttemptsRecorded) {
    const auto id = create("GW-1");
    ASSERT_TRUE(store_->claim_due(kVendorDestination, 5, "w", 30s));
    ASSERT_TRUE(store_->retry_later(
        id, "w", clock_.now() + 10s,
        {.started_at = clock_.now(), .duration = 2s, .http_status = 503, .error = "503 Service Unavailable"}));
    auto item = outbox_item(id);
    EXPECT_EQ(item.state, OutboxState::pending);
    EXPECT_EQ(item.last_error, "503 Service Unavailable");
    EXPECT_EQ(item.next_attempt_at, clock_.now() + 10s);
    EXPECT_TRUE(item.lease_owner.empty());
    EXPECT_FALSE(item.lease_expires_at);

    auto not_yet = store_->claim_due(kVendorDestination, 5, "w", 30s);
    ASSERT_TRUE(not_yet);
    EXPECT_TRUE(not_yet->empty());
    clock_.advance(10s);
    auto second = store_->claim_due(kVendorDestination, 5, "w", 30s);
    ASSERT_TRUE(second);
    ASSERT_EQ(second->size(), 1u);
    EXPECT_EQ(second->at(0).attempts, 2);
    ASSERT_TRUE(store_->dead_letter(
        id, "w", {.started_at = clock_.now(), .duration = 5ms, .http_status = 400, .error = "400: unknown GTIN"}));

    auto dead = store_->find_outbox({.destination = {}, .state = OutboxState::dead, .order_id = {}, .page = {}});
    ASSERT_TRUE(dead);
    ASSERT_EQ(dead->items.size(), 1u);
    EXPECT_EQ(dead->items[0].id, id);
    EXPECT_EQ(dead->items[0].last_error, "400: unknown GTIN");
    auto stuck = store_->claim_due(kVendorDestination, 5, "w", 30s);
    ASSERT_TRUE(stuck);
    EXPECT_TRUE(stuck->empty());

    clock_.advance(1h);
    const std::vector<std::int64_t> ids{id, 999};
    auto requeued = store_->requeue_dead(ids, "ops@baerum.kommune.no");
    ASSERT_TRUE(requeued) << requeued.error().to_string();
    EXPECT_EQ(*requeued, 1u);
    item = outbox_item(id);
    EXPECT_EQ(item.state, OutboxState::pending);
    EXPECT_EQ(item.next_attempt_at, clock_.now());
    auto replay = store_->claim_due(kVendorDestination, 5, "w", 30s);
    ASSERT_TRUE(replay);
    ASSERT_EQ(replay->size(), 1u);
    EXPECT_EQ(replay->at(0).attempts, 3);

    auto audit = store_->find_audit(
        {.actor = "ops@baerum.kommune.no", .action = {}, .target = {}, .from = {}, .to = {}, .page = {}});
    ASSERT_TRUE(audit);
    ASSERT_EQ(audit->items.size(), 1u);
    EXPECT_EQ(audit->items[0].action, "outbox.requeue");
    EXPECT_EQ(audit->items[0].target, "outbox:" + std::to_string(id));
    EXPECT_EQ(audit->items[0].at, clock_.now());
    // Requeueing something that is not dead changes nothing.
    auto nothing = store_->requeue_dead(ids, "ops@baerum.kommune.no");
    ASSERT_TRUE(nothing);
    EXPECT_EQ(*nothing, 0u);

    auto detail = store_->get_order_detail("GW-1");
    ASSERT_TRUE(detail) << detail.error().to_string();
    ASSERT_EQ(detail->attempts.size(), 2u);
    EXPECT_EQ(detail->attempts[0].outcome, AttemptOutcome::retry);
    EXPECT_EQ(detail->attempts[0].http_status, 503);
    EXPECT_EQ(detail->attempts[0].duration, 2s);
    EXPECT_EQ(detail->attempts[0].outbox_id, id);
    EXPECT_EQ(detail->attempts[1].outcome, AttemptOutcome::dead);
    EXPECT_EQ(detail->attempts[1].error, "400: unknown GTIN");
    ASSERT_EQ(detail->deliveries.size(), 1u);
    EXPECT_EQ(detail->deliveries[0].id, id);
}

TEST_P(OrdersOutboxTest, EventsAreIdempotentByVendorEventId) {
    create("GW-1");
    auto first = store_->append_order_event(event("GW-1", "accepted", "evt-1"), std::nullopt);
    ASSERT_TRUE(first) << first.error().to_string();
    EXPECT_TRUE(first->inserted);
    EXPECT_TRUE(first->state_changed);

    auto replayed = event("GW-1", "picking", "evt-1");  // same vendor event id, even with different content
    auto second = store_->append_order_event(replayed, std::nullopt);
    ASSERT_TRUE(second);
    EXPECT_FALSE(second->inserted);
    EXPECT_FALSE(second->state_changed);
    EXPECT_EQ(second->event_id, first->event_id);

    auto other_vendor = event("GW-1", "accepted", "evt-1");
    other_vendor.vendor = "meny";
    auto third = store_->append_order_event(other_vendor, std::nullopt);
    ASSERT_TRUE(third);
    EXPECT_TRUE(third->inserted);

    // Gateway-internal events have no vendor id and are never deduplicated.
    ASSERT_TRUE(store_->append_order_event(event("GW-1", "accepted", ""), std::nullopt));
    ASSERT_TRUE(store_->append_order_event(event("GW-1", "accepted", ""), std::nullopt));

    auto detail = store_->get_order_detail("GW-1");
    ASSERT_TRUE(detail);
    EXPECT_EQ(detail->events.size(), 4u);
    EXPECT_EQ(detail->order.state, "accepted");

    auto unknown = store_->append_order_event(event("GW-404", "accepted", "evt-9"), std::nullopt);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(OrdersOutboxTest, StaleEventIsKeptAsHistoryButNeverMovesTheOrderBack) {
    create("GW-1");
    NewOutboxItem report;
    report.destination = "mllp:care-system";
    report.kind = OutboxKind::status_report;
    report.payload = "ORS^O06 delivered";
    report.idempotency_key = "report:GW-1:delivered";

    auto delivered = event("GW-1", "delivered", "evt-9");
    delivered.may_transition = forward_only;
    delivered.vendor_order_ref = "ODA-555";
    clock_.advance(5s);
    auto applied = store_->append_order_event(delivered, report);
    ASSERT_TRUE(applied);
    EXPECT_TRUE(applied->state_changed);

    auto late = event("GW-1", "picking", "evt-4");
    late.may_transition = forward_only;
    report.idempotency_key = "report:GW-1:picking";
    auto stale = store_->append_order_event(late, report);
    ASSERT_TRUE(stale);
    EXPECT_TRUE(stale->inserted);
    EXPECT_FALSE(stale->state_changed);

    auto order = store_->get_order("GW-1");
    ASSERT_TRUE(order);
    EXPECT_EQ(order->state, "delivered");
    EXPECT_EQ(order->vendor_order_ref, "ODA-555");
    EXPECT_EQ(order->updated_at, clock_.now());
    // Only the change was reported to the care system.
    auto reports = store_->find_outbox({.destination = "mllp:care-system", .state = {}, .order_id = {}, .page = {}});
    ASSERT_TRUE(reports);
    ASSERT_EQ(reports->items.size(), 1u);
    EXPECT_EQ(reports->items[0].idempotency_key, "report:GW-1:delivered");
    EXPECT_EQ(reports->items[0].order_id, "GW-1");
    OrderQuery by_vendor_ref;
    by_vendor_ref.vendor_order_ref = "ODA-555";
    auto found = store_->find_orders(by_vendor_ref);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->items.size(), 1u);
}

TEST_P(OrdersOutboxTest, StatsCountMessagesAndOutboxDepthPerDestination) {
    store_message("S-1");
    const auto processed = store_message("S-2");
    ASSERT_TRUE(store_->mark_message(processed, MessageState::processed, std::nullopt));
    auto rejected = hl7_message("S-3");
    rejected.error = make_error(ErrorCode::parse_error, "bad");
    ASSERT_TRUE(store_->append_messages(std::vector{rejected}));

    create("GW-1");
    clock_.advance(10s);
    create("GW-2");
    const auto dead_id = create("GW-3");
    NewOutboxItem report;
    report.destination = "mllp:care-system";
    report.payload = "x";
    report.kind = OutboxKind::status_report;
    report.idempotency_key = "r1";
    ASSERT_TRUE(store_->enqueue(report));
    auto claimed = store_->claim_due(kVendorDestination, 1, "w", 30s);  // GW-1: in flight
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), 1u);
    // Make GW-3's delivery dead: claim everything, dead-letter it, put GW-2 back.
    auto rest = store_->claim_due(kVendorDestination, 5, "w2", 30s);
    ASSERT_TRUE(rest);
    for (const auto& item : *rest) {
        if (item.id == dead_id) {
            ASSERT_TRUE(store_->dead_letter(item.id, "w2", {}));
        } else {
            ASSERT_TRUE(store_->retry_later(item.id, "w2", clock_.now(), {}));
        }
    }
    clock_.advance(5s);

    auto stats = store_->stats();
    ASSERT_TRUE(stats) << stats.error().to_string();
    EXPECT_EQ(stats->messages_received, 1);
    EXPECT_EQ(stats->messages_processed, 1);
    EXPECT_EQ(stats->messages_rejected, 1);
    EXPECT_EQ(stats->messages_failed, 0);
    ASSERT_EQ(stats->destinations.size(), 2u);
    EXPECT_EQ(stats->destinations[0].destination, "mllp:care-system");
    EXPECT_EQ(stats->destinations[0].pending, 1);
    EXPECT_EQ(stats->destinations[0].oldest_pending_age, 5s);
    const auto& vendor = stats->destinations[1];
    EXPECT_EQ(vendor.destination, kVendorDestination);
    EXPECT_EQ(vendor.pending, 1);
    EXPECT_EQ(vendor.in_flight, 1);
    EXPECT_EQ(vendor.dead, 1);
    EXPECT_EQ(vendor.depth(), 2);
    EXPECT_EQ(vendor.oldest_pending_age, 15s);  // GW-1, created 15 s ago, still in flight
}

TEST_P(OrdersOutboxTest, AuditAppendAndFilter) {
    ASSERT_TRUE(store_->append_audit({"alice", "route.change", "route:3201", "oda -> meny from 2025-01-01"}));
    clock_.advance(1min);
    const auto t1 = clock_.now();
    ASSERT_TRUE(store_->append_audit({"bob", "vendor.pause", "vendor:oda", ""}));
    clock_.advance(1min);
    ASSERT_TRUE(store_->append_audit({"alice", "vendor.resume", "vendor:oda", ""}));
    EXPECT_FALSE(store_->append_audit({"", "x", "y", ""}));

    auto all = store_->find_audit({});
    ASSERT_TRUE(all);
    ASSERT_EQ(all->items.size(), 3u);
    EXPECT_EQ(all->items[0].action, "vendor.resume");  // newest first
    auto by_target =
        store_->find_audit({.actor = {}, .action = {}, .target = "vendor:oda", .from = {}, .to = {}, .page = {}});
    ASSERT_TRUE(by_target);
    EXPECT_EQ(by_target->items.size(), 2u);
    auto by_action =
        store_->find_audit({.actor = {}, .action = "route.change", .target = {}, .from = {}, .to = {}, .page = {}});
    ASSERT_TRUE(by_action);
    ASSERT_EQ(by_action->items.size(), 1u);
    EXPECT_EQ(by_action->items[0].detail, "oda -> meny from 2025-01-01");
    auto window =
        store_->find_audit({.actor = {}, .action = {}, .target = {}, .from = t1, .to = t1 + 1min, .page = {}});
    ASSERT_TRUE(window);
    ASSERT_EQ(window->items.size(), 1u);
    EXPECT_EQ(window->items[0].actor, "bob");
}

INSTANTIATE_TEST_SUITE_P(Backends, OrdersOutboxTest, testing::kBothBackends, testing::backend_name);

}  // namespace
}  // namespace gw::store
