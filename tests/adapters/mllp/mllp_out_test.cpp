// The mllp_out adapter kind against a real MLLP receiver on a real socket (tests/support/care_system_receiver.hpp):
// what each acknowledgement code means, deadlines, connection reuse and recovery, refusals before anything is sent,
// and TLS against the gateway's own MllpListener with the dev certificates.

#include <chrono>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "adapters/mllp/ack_verdict.hpp"
#include "adapters/registry.hpp"
#include "gateway/hl7/message.hpp"
#include "tests/gateway/mllp/test_support.hpp"
#include "tests/support/care_system_receiver.hpp"

namespace gw::adapters {
namespace {

using namespace std::chrono_literals;
using Answer = gw::testing::CareSystemReceiver::Answer;
using gw::testing::CareSystemReceiver;

std::string ors(const std::string& control_id) {
    return "MSH|^~\\&|MATGATEWAY|GATEWAY|GERICA|BAERUM_HJT|20261125151230+0100||ORS^O06^ORS_O06|" + control_id +
           "|P|2.5|||AL|NE|NOR|UNICODE UTF-8\rMSA|AA|MSG00001\rORC|OK|BK-2026-004711|EX-889911||IP\r";
}

class MllpOut : public ::testing::Test {
protected:
    static void SetUpTestSuite() { log::init(log::Options{.level = log::Level::error}); }

    std::shared_ptr<Adapter> adapter(std::uint16_t port, std::chrono::milliseconds ack_timeout = 2s,
                                     const std::string& scheme = "mllp") {
        VendorSettings s;
        s.name = "care-system";
        s.base_url = scheme + "://127.0.0.1:" + std::to_string(port);
        s.http.connect_timeout = 2s;
        s.http.request_timeout = ack_timeout;
        s.http.max_connections_per_host = 1;
        if (scheme == "mllps") {
            const auto& certs = gw::mllp::testing::DevCerts::get();
            s.http.tls.ca_file = certs.path("ca.pem");
        }
        auto load = create_adapter_of_kind(io_.context(), "mllp_out", s);
        EXPECT_TRUE(load.adapter) << (load.errors.empty() ? "" : load.errors.front().to_string());
        return load.adapter;
    }

    static DeliveryOutcome send(Adapter& a, const std::string& payload, std::chrono::milliseconds timeout = 10s,
                                Operation op = Operation::submit) {
        std::promise<DeliveryOutcome> promise;
        auto future = promise.get_future();
        DeliveryRequest r;
        r.order_id = "GW-1";
        r.idempotency_key = "status:GW-1:1";
        r.payload = payload;
        r.timeout = timeout;
        a.run(op, std::move(r), [&promise](DeliveryOutcome o) { promise.set_value(std::move(o)); });
        EXPECT_EQ(future.wait_for(20s), std::future_status::ready);
        return future.get();
    }

    gw::mllp::testing::IoThreads io_{2};
};

TEST_F(MllpOut, IsRegisteredAsAKind) {
    const auto kinds = adapter_kinds();
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "mllp_out"), kinds.end());
}

TEST_F(MllpOut, AcceptedAcknowledgementsAreSuccessAndTheConnectionIsKept) {
    CareSystemReceiver receiver;
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind(), "mllp_out");
    EXPECT_TRUE(a->supports(Operation::submit));
    EXPECT_FALSE(a->supports(Operation::cancel));
    for (int i = 1; i <= 3; ++i) {
        auto out = send(*a, ors("GW" + std::to_string(i)));
        EXPECT_EQ(out.outcome, Outcome::success) << out.error;
    }
    auto received = receiver.messages();
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[0], ors("GW1"));  // byte for byte, framing removed
    EXPECT_EQ(received[2], ors("GW3"));
    EXPECT_EQ(receiver.connections(), 1u);
}

TEST_F(MllpOut, ApplicationErrorIsRetryableAndRejectIsPermanent) {
    CareSystemReceiver receiver([](const std::string&, std::size_t i) {
        Answer a;
        a.code = i == 0 ? "AE" : "AR";
        a.condition = "";
        a.text = "";
        return a;
    });
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    auto ae = send(*a, ors("GWAE"));
    EXPECT_EQ(ae.outcome, Outcome::retryable);
    EXPECT_NE(ae.error.find("AE from the care system"), std::string::npos) << ae.error;
    auto ar = send(*a, ors("GWAR"));
    EXPECT_EQ(ar.outcome, Outcome::permanent);
    EXPECT_NE(ar.error.find("AR from the care system"), std::string::npos) << ar.error;
}

TEST_F(MllpOut, ErrorConditionOverridesTheCode) {
    CareSystemReceiver receiver([](const std::string&, std::size_t i) {
        Answer a;
        if (i == 0) {
            a.code = "AR";
            a.condition = "207";  // internal error: try later
            a.text = "database is restarting";
        } else {
            a.code = "AE";
            a.condition = "101";  // required field missing: the same bytes will fail again
            a.text = "ORC-2 is required";
        }
        return a;
    });
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    auto internal = send(*a, ors("GW207"));
    EXPECT_EQ(internal.outcome, Outcome::retryable);
    EXPECT_NE(internal.error.find("HL7 error 207"), std::string::npos) << internal.error;
    EXPECT_NE(internal.error.find("database is restarting"), std::string::npos) << internal.error;
    auto missing = send(*a, ors("GW101"));
    EXPECT_EQ(missing.outcome, Outcome::permanent);
    EXPECT_NE(missing.error.find("ORC-2 is required"), std::string::npos) << missing.error;
}

TEST_F(MllpOut, AnAcknowledgementForAnotherMessageIsRetryableAndDropsTheConnection) {
    CareSystemReceiver receiver([](const std::string& message, std::size_t i) {
        Answer a;
        if (i == 0) {
            a.kind = Answer::Kind::raw;
            a.raw = CareSystemReceiver::ack_for(ors("SOMEONE-ELSE"), Answer{});
        }
        (void)message;
        return a;
    });
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    auto wrong = send(*a, ors("GWMINE"));
    EXPECT_EQ(wrong.outcome, Outcome::retryable);
    EXPECT_NE(wrong.error.find("SOMEONE-ELSE"), std::string::npos) << wrong.error;
    auto next = send(*a, ors("GWMINE"));
    EXPECT_EQ(next.outcome, Outcome::success) << next.error;
    EXPECT_EQ(receiver.connections(), 2u);
}

TEST_F(MllpOut, GarbageAnswerIsRetryable) {
    CareSystemReceiver receiver([](const std::string&, std::size_t) {
        Answer a;
        a.kind = Answer::Kind::raw;
        a.raw = "<html>Service Unavailable</html>";
        return a;
    });
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    auto out = send(*a, ors("GWX"));
    EXPECT_EQ(out.outcome, Outcome::retryable);
    EXPECT_NE(out.error.find("not an HL7 acknowledgement"), std::string::npos) << out.error;
}

TEST_F(MllpOut, ASilentReceiverMeetsTheAckDeadline) {
    CareSystemReceiver receiver([](const std::string&, std::size_t) {
        Answer a;
        a.kind = Answer::Kind::silence;
        return a;
    });
    auto a = adapter(receiver.port(), 300ms);
    ASSERT_TRUE(a);
    const auto start = std::chrono::steady_clock::now();
    auto out = send(*a, ors("GWSLOW"));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(out.outcome, Outcome::retryable);
    EXPECT_NE(out.error.find("deadline passed during ack"), std::string::npos) << out.error;
    EXPECT_LT(took, 5s);
    // The operation's own timeout caps the step's.
    auto capped = send(*a, ors("GWSLOW2"), 100ms);
    EXPECT_EQ(capped.outcome, Outcome::retryable);
}

TEST_F(MllpOut, AConnectionTheReceiverDroppedIsReplacedWithoutFailingTheMessage) {
    CareSystemReceiver receiver([](const std::string&, std::size_t) {
        Answer a;
        a.close_after = true;  // like a receiver that closes idle peers
        return a;
    });
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    EXPECT_EQ(send(*a, ors("GWA")).outcome, Outcome::success);
    auto second = send(*a, ors("GWB"));
    EXPECT_EQ(second.outcome, Outcome::success) << second.error;
    EXPECT_EQ(receiver.messages().size(), 2u);
    EXPECT_EQ(receiver.connections(), 2u);
}

TEST_F(MllpOut, ReceiverClosingInsteadOfAnsweringIsRetryable) {
    CareSystemReceiver receiver([](const std::string&, std::size_t) {
        Answer a;
        a.kind = Answer::Kind::close;
        return a;
    });
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    auto out = send(*a, ors("GWC"));
    EXPECT_EQ(out.outcome, Outcome::retryable);
    EXPECT_NE(out.error.find("closed by the receiver"), std::string::npos) << out.error;
}

TEST_F(MllpOut, NobodyListeningIsRetryable) {
    std::uint16_t port = 0;
    {
        CareSystemReceiver gone;
        port = gone.port();
    }
    auto a = adapter(port);
    ASSERT_TRUE(a);
    auto out = send(*a, ors("GWD"));
    EXPECT_EQ(out.outcome, Outcome::retryable);
    EXPECT_EQ(out.step, "connect");
}

TEST_F(MllpOut, WhatCannotBeSentIsPermanentBeforeAnythingIsSent) {
    CareSystemReceiver receiver;
    auto a = adapter(receiver.port());
    ASSERT_TRUE(a);
    EXPECT_EQ(send(*a, "").outcome, Outcome::permanent);
    auto not_hl7 = send(*a, "{\"json\": true}");
    EXPECT_EQ(not_hl7.outcome, Outcome::permanent);
    auto no_id = send(*a, "MSH|^~\\&|A|B|C|D|20260101||ORS^O06|||2.5\rMSA|AA|X\r");
    EXPECT_EQ(no_id.outcome, Outcome::permanent);
    EXPECT_NE(no_id.error.find("MSH-10"), std::string::npos);
    EXPECT_EQ(send(*a, ors("GWE"), 2s, Operation::cancel).outcome, Outcome::permanent);
    EXPECT_TRUE(receiver.messages().empty());
}

TEST_F(MllpOut, BadSettingsAreErrorsWithTheValue) {
    VendorSettings s;
    s.name = "care-system";
    s.base_url = "http://127.0.0.1:2575";
    auto load = create_adapter_of_kind(io_.context(), "mllp_out", s);
    EXPECT_FALSE(load.adapter);
    ASSERT_FALSE(load.errors.empty());
    EXPECT_NE(load.errors.front().message.find("mllp://HOST:PORT"), std::string::npos);
    s.base_url = "mllp://127.0.0.1:99999";
    load = create_adapter_of_kind(io_.context(), "mllp_out", s);
    ASSERT_FALSE(load.errors.empty());
    EXPECT_NE(load.errors.front().message.find("99999"), std::string::npos);
    load = create_adapter_of_kind(io_.context(), "carrier_pigeon", s);
    ASSERT_FALSE(load.errors.empty());
}

TEST_F(MllpOut, ShutdownFailsQueuedWorkAsRetryable) {
    CareSystemReceiver receiver([](const std::string&, std::size_t) {
        Answer a;
        a.kind = Answer::Kind::silence;
        return a;
    });
    auto a = adapter(receiver.port(), 10s);
    ASSERT_TRUE(a);
    std::promise<DeliveryOutcome> first;
    DeliveryRequest r;
    r.payload = ors("GWQ1");
    r.timeout = 10s;
    a->run(Operation::submit, r, [&first](DeliveryOutcome o) { first.set_value(std::move(o)); });
    ASSERT_TRUE(receiver.wait_for(1, 5s).size() == 1);
    a->shutdown();
    auto f = first.get_future();
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(f.get().outcome, Outcome::retryable);
}

// TLS: the gateway's own MllpListener with the dev server certificate answers; the adapter verifies it.
class AckingHandler : public gw::mllp::FrameHandler {
public:
    void on_frame(std::string payload, const gw::mllp::PeerInfo&, gw::mllp::Reply reply) override {
        reply(CareSystemReceiver::ack_for(payload, Answer{}));
    }
    void on_frame_error(const Error&, std::string_view, const gw::mllp::PeerInfo&, gw::mllp::Reply) override {}
};

TEST_F(MllpOut, TlsWithAVerifiedServerCertificate) {
    const auto& certs = gw::mllp::testing::DevCerts::get();
    ASSERT_TRUE(certs.ok());
    gw::mllp::ListenerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.tls.enabled = true;
    o.tls.cert_file = certs.path("server.pem");
    o.tls.key_file = certs.path("server.key");
    auto listener = gw::mllp::MllpListener::create(io_.context(), o, std::make_shared<AckingHandler>());
    ASSERT_TRUE(listener) << listener.error().to_string();
    (*listener)->start();
    auto a = adapter((*listener)->port(), 2s, "mllps");
    ASSERT_TRUE(a);
    auto out = send(*a, ors("GWTLS"));
    EXPECT_EQ(out.outcome, Outcome::success) << out.error;
    // Plain MLLP to a TLS port never gets an ACK: retryable, bounded by the deadline.
    auto plain = adapter((*listener)->port(), 500ms, "mllp");
    ASSERT_TRUE(plain);
    EXPECT_EQ(send(*plain, ors("GWPLAIN")).outcome, Outcome::retryable);
    std::promise<void> stopped;
    (*listener)->stop(1s, [&stopped] { stopped.set_value(); });
    EXPECT_EQ(stopped.get_future().wait_for(5s), std::future_status::ready);
}

// ---- the verdict alone --------------------------------------------------------------------------------------------

TEST(AckVerdict, EnhancedModeCommitCodesAndOlderErrLocations) {
    auto ack = [](const std::string& msa, const std::string& err = "") {
        return "MSH|^~\\&|CARE|SYS|GW|GW|20260101||ACK|A1|P|2.3\rMSA|" + msa + "\r" + err;
    };
    EXPECT_EQ(mllp::judge_ack(ack("CA|X1"), "X1").outcome.outcome, Outcome::success);
    EXPECT_EQ(mllp::judge_ack(ack("CE|X1"), "X1").outcome.outcome, Outcome::retryable);
    EXPECT_EQ(mllp::judge_ack(ack("CR|X1"), "X1").outcome.outcome, Outcome::permanent);
    // v2.3: the condition sits in ERR-1.4.1.
    EXPECT_EQ(mllp::judge_ack(ack("AE|X1", "ERR|ORC^1^2^101&Required field missing\r"), "X1").outcome.outcome,
              Outcome::permanent);
    EXPECT_EQ(mllp::judge_ack(ack("AR|X1", "ERR|^^^206\r"), "X1").outcome.outcome, Outcome::retryable);
    auto unknown = mllp::judge_ack(ack("ZZ|X1"), "X1");
    EXPECT_EQ(unknown.outcome.outcome, Outcome::retryable);
    EXPECT_TRUE(unknown.drop_connection);
    EXPECT_TRUE(mllp::judge_ack(ack("AA|OTHER"), "X1").drop_connection);
}

}  // namespace
}  // namespace gw::adapters
