// The care system's cancels with a real store: forwarded to a grocer that can cancel (an outbox cancel item behind
// the submit), answered truthfully when it cannot (ORS^O06 ORC-1 UC with the reason, MSA-2 = the cancel's MSH-10,
// the request in the order's history and the audit log), already-final orders, unknown orders, and a refusal by
// the grocer after all.

#include "gateway/hl7/message.hpp"
#include "gateway/status/cancel_forwarder.hpp"
#include "tests/gateway/status/status_test_support.hpp"

namespace gw::status {
namespace {

class Cancels : public testing::StatusFixture {
protected:
    void SetUp() override {
        StatusFixture::SetUp();
        reporter_ = std::make_unique<StatusReporter>(*store_, reporter_options());
        CancelOptions options;
        options.capabilities = [](const std::string& vendor) -> std::optional<adapters::Capabilities> {
            if (vendor == "gone") return std::nullopt;
            adapters::Capabilities c;
            c.cancel = vendor == "can-cancel";
            return c;
        };
        options.on_queued = [this](const std::string& d) { woken_.push_back(d); };
        forwarder_ = std::make_unique<CancelForwarder>(*store_, reporter_.get(), options);
    }

    // The cancel as the pipeline hands it over: the stored message and its canonical form.
    Result<CancelOutcome> cancel(const std::string& placer, const std::string& control_id) {
        std::string raw = testing::read_file(testing::source("mappings/inbound/samples/oms-o05-cancel.hl7"));
        replace(raw, "MSG00006", control_id);
        replace(raw, "BK-2026-004711", placer);
        auto canonical = mapping::translate_hl7_to_care_order(*inbound_, raw);
        EXPECT_TRUE(canonical) << (canonical ? "" : canonical.error().to_string());
        store::MessageRecord message;
        message.id = 4711;
        message.channel = "care-system";
        return forwarder_->handle(message, *canonical);
    }

    std::unique_ptr<StatusReporter> reporter_;
    std::unique_ptr<CancelForwarder> forwarder_;
    std::vector<std::string> woken_;
};

TEST_F(Cancels, AGrocerThatCanCancelGetsACancelItemBehindTheSubmit) {
    auto order = make_order("can-cancel", "accepted", "BK-C-1");
    auto out = cancel("BK-C-1", "CAN0001");
    ASSERT_TRUE(out) << out.error().to_string();
    EXPECT_EQ(out->result, CancelResult::forwarded);
    EXPECT_EQ(out->order_id, order.id);
    auto items = outbox("vendor:can-cancel", order.id);
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].kind, store::OutboxKind::submit);
    EXPECT_EQ(items[1].kind, store::OutboxKind::cancel);
    EXPECT_EQ(items[1].idempotency_key, "cancel:" + order.id);
    EXPECT_EQ(items[1].payload, order.canonical_json);  // the engine hands the order to the adapter's cancel
    EXPECT_TRUE(outbox("mllp:care-system").empty());     // the answer comes with the grocer's confirmation
    EXPECT_EQ(woken_, std::vector<std::string>{"vendor:can-cancel"});
    // A resend of the cancel queues nothing new.
    ASSERT_TRUE(cancel("BK-C-1", "CAN0002"));
    EXPECT_EQ(outbox("vendor:can-cancel", order.id).size(), 2u);
}

TEST_F(Cancels, AGrocerWithoutCancelIsAnsweredUnableToCancelAtOnce) {
    auto order = make_order("peppol-bis", "accepted", "BK-C-2");
    auto out = cancel("BK-C-2", "CAN0003");
    ASSERT_TRUE(out) << out.error().to_string();
    EXPECT_EQ(out->result, CancelResult::unable);
    EXPECT_EQ(state_of(order.id), "accepted");  // nothing was cancelled, so nothing says it was
    auto reports = outbox("mllp:care-system", order.id);
    ASSERT_EQ(reports.size(), 1u);
    auto m = hl7::parse(reports[0].payload);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->get("ORC-1"), "UC");
    EXPECT_EQ(m->get("MSA-2"), "CAN0003");  // answers the cancel message
    EXPECT_EQ(m->get("ORC-2"), "BK-C-2");
    EXPECT_NE(m->get("ORC-16.2").find("cannot cancel"), std::string::npos) << m->get("ORC-16.2");
    auto detail = store_->get_order_detail(order.id);
    ASSERT_EQ(detail->events.size(), 1u);  // the request is history
    EXPECT_EQ(detail->events[0].vendor, "gateway");
    store::AuditQuery q;
    q.target = "order:" + order.id;
    EXPECT_EQ(store_->find_audit(q)->items.size(), 1u);
    EXPECT_TRUE(outbox("vendor:peppol-bis", order.id).size() == 1u);  // only the submit
}

TEST_F(Cancels, FinalOrdersAreAnsweredWithWhatHappened) {
    make_order("can-cancel", "delivered", "BK-C-3");
    auto delivered = cancel("BK-C-3", "CAN0004");
    ASSERT_TRUE(delivered);
    EXPECT_EQ(delivered->result, CancelResult::unable);
    EXPECT_NE(delivered->reason.find("delivered"), std::string::npos);
    auto cancelled_order = make_order("can-cancel", "cancelled", "BK-C-4");
    auto already = cancel("BK-C-4", "CAN0005");
    ASSERT_TRUE(already);
    EXPECT_EQ(already->result, CancelResult::already_cancelled);
    auto reports = outbox("mllp:care-system", cancelled_order.id);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(hl7::parse(reports[0].payload)->get("ORC-1"), "CR");
}

TEST_F(Cancels, AnUnknownOrderIsAnErrorForThePipelineToKeep) {
    auto out = cancel("BK-NEVER", "CAN0006");
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, ErrorCode::not_found);
    EXPECT_NE(out.error().message.find("BK-NEVER"), std::string::npos);
}

TEST_F(Cancels, TheNewestOrderWithThePlacerNumberIsTheOneCancelled) {
    make_order("peppol-bis", "accepted", "BK-C-5");
    auto newer = make_order("peppol-bis", "accepted", "BK-C-5");
    auto out = cancel("BK-C-5", "CAN0007");
    ASSERT_TRUE(out);
    EXPECT_EQ(out->order_id, newer.id);
}

TEST_F(Cancels, AGrocerRefusingTheCancelIsReportedUnableToCancel) {
    auto order = make_order("can-cancel", "picking", "BK-C-6");
    ASSERT_TRUE(cancel("BK-C-6", "CAN0008"));
    auto item = outbox("vendor:can-cancel", order.id).back();
    forwarder_->refused(item, "HTTP 409 from cancel: the order is already being picked");
    auto reports = outbox("mllp:care-system", order.id);
    ASSERT_EQ(reports.size(), 1u);
    auto m = hl7::parse(reports[0].payload);
    EXPECT_EQ(m->get("ORC-1"), "UC");
    EXPECT_NE(m->get("ORC-16.2").find("already being picked"), std::string::npos);
    EXPECT_EQ(state_of(order.id), "picking");
}

}  // namespace
}  // namespace gw::status
