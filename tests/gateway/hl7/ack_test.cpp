#include "gateway/hl7/ack.hpp"

#include <gtest/gtest.h>

namespace gw::hl7 {
namespace {

using namespace std::string_literals;

const AckContext kCtx{"GROCERY-GW", "GW", "GWACK1",
                      std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}}};

Message inbound(std::string_view msh15_16 = "", std::string_view version = "2.5") {
    auto m = parse(std::string("MSH|^~\\&|GERICA|3201^BAERUM|GROCERY|GWFAC|20261111||OMS^O05^OMS_O05|CTRL-1|P|") +
                   std::string(version) + std::string(msh15_16) + "\rPID|1||X\r");
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    return std::move(m).value();
}

TEST(Ack, OriginalModeAccept) {
    const auto in = inbound();
    EXPECT_EQ(ack_mode(in), AckMode::original);
    const auto ack = build_accept_ack(in, Outcome::accepted, {}, kCtx);
    EXPECT_EQ(ack.encode(),
              "MSH|^~\\&|GROCERY|GWFAC|GERICA|3201^BAERUM|20270115080000+0000||ACK^O05^ACK|GWACK1|P|2.5\r"
              "MSA|AA|CTRL-1\r");
    EXPECT_TRUE(accept_ack_wanted(in, Outcome::accepted));
}

TEST(Ack, OriginalModeErrorsCarryErr) {
    const auto in = inbound();
    const AckIssue issues[] = {
        {ErrorCondition::required_field_missing, "MSH-10 missing", ErrorLocation{"MSH", 1, 10}, Severity::error},
        {ErrorCondition::data_type_error, "", ErrorLocation{"RQD", 1, 2, 1, 1}, Severity::warning},
    };
    const auto ack = parse(build_accept_ack(in, Outcome::rejected, issues, kCtx).encode());
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->get("MSA-1"), "AR");
    EXPECT_EQ(ack->get("ERR-2"), "MSH^1^10");
    EXPECT_EQ(ack->get("ERR-3"), "101^Required field missing^HL70357");
    EXPECT_EQ(ack->get("ERR-4"), "E");
    EXPECT_EQ(ack->get("ERR-8"), "MSH-10 missing");
    EXPECT_EQ(ack->get("ERR[2]-2"), "RQD^1^2^1^1");
    EXPECT_EQ(ack->get("ERR[2]-3.1"), "102");
    EXPECT_EQ(ack->get("ERR[2]-4"), "W");
    EXPECT_EQ(ack->get("ERR[2]-8"), "Data type error");
}

TEST(Ack, EnhancedModeUsesAcceptCodes) {
    const auto in = inbound("|||AL|NE");
    EXPECT_EQ(ack_mode(in), AckMode::enhanced);
    const auto ca = build_accept_ack(in, Outcome::accepted, {}, kCtx);
    EXPECT_EQ(ca.get("MSA-1"), "CA");
    EXPECT_EQ(ca.get("MSH-15"), "NE");
    EXPECT_EQ(build_accept_ack(in, Outcome::error, {}, kCtx).get("MSA-1"), "CE");
    EXPECT_EQ(build_accept_ack(in, Outcome::rejected, {}, kCtx).get("MSA-1"), "CR");
}

TEST(Ack, AcceptAckWantedFollowsMsh15) {
    EXPECT_FALSE(accept_ack_wanted(inbound("|||NE|AL"), Outcome::accepted));
    EXPECT_TRUE(accept_ack_wanted(inbound("|||ER|AL"), Outcome::rejected));
    EXPECT_FALSE(accept_ack_wanted(inbound("|||ER|AL"), Outcome::accepted));
    EXPECT_TRUE(accept_ack_wanted(inbound("|||SU|AL"), Outcome::accepted));
    EXPECT_FALSE(accept_ack_wanted(inbound("|||SU|AL"), Outcome::error));
    EXPECT_TRUE(accept_ack_wanted(inbound("||||AL"), Outcome::accepted));
}

TEST(Ack, ApplicationAckFollowsMsh16) {
    const auto al = build_application_ack(inbound("|||AL|AL"), Outcome::accepted, {}, kCtx);
    ASSERT_TRUE(al.has_value());
    EXPECT_EQ(al->get("MSA-1"), "AA");
    EXPECT_FALSE(build_application_ack(inbound("|||AL|NE"), Outcome::error, {}, kCtx).has_value());
    EXPECT_FALSE(build_application_ack(inbound("|||AL|ER"), Outcome::accepted, {}, kCtx).has_value());
    const auto er = build_application_ack(inbound("|||AL|ER"), Outcome::error, {}, kCtx);
    ASSERT_TRUE(er.has_value());
    EXPECT_EQ(er->get("MSA-1"), "AE");
    EXPECT_TRUE(build_application_ack(inbound("|||AL|SU"), Outcome::accepted, {}, kCtx).has_value());
    EXPECT_FALSE(build_application_ack(inbound("|||AL|SU"), Outcome::rejected, {}, kCtx).has_value());
    EXPECT_EQ(build_application_ack(inbound(), Outcome::rejected, {}, kCtx)->get("MSA-1"), "AR");
}

TEST(Ack, LegacyVersionsGetErr1AndMsa3) {
    const AckIssue issue{ErrorCondition::unsupported_event_code, "no such event", ErrorLocation{"MSH", 1, 9},
                         Severity::error};
    const auto ack = build_accept_ack(inbound("", "2.3"), Outcome::rejected, {&issue, 1}, kCtx);
    EXPECT_EQ(ack.get("MSA-3"), "no such event");
    EXPECT_EQ(ack.get("ERR-1"), "MSH^1^9^201&no such event&HL70357");
    EXPECT_EQ(ack.get("MSH-12"), "2.3");
}

TEST(Ack, UsesInboundDelimitersAndCharset) {
    const auto in = parse(std::string("MSH*!@$%*APP*FAC*GW*GWF*1**OMS!O05*C9*P*2.5******8859/1\r"));
    ASSERT_TRUE(in.ok()) << in.error().to_string();
    const AckIssue issue{ErrorCondition::application_internal_error, "Bærum*feil", std::nullopt, Severity::error};
    const auto ack = build_accept_ack(*in, Outcome::error, {&issue, 1}, kCtx);
    const auto wire = ack.encode();
    EXPECT_EQ(wire.substr(0, 8), "MSH*!@$%");
    EXPECT_NE(wire.find("B\xE6rum$F$feil"), std::string::npos);
    EXPECT_NE(wire.find("MSA*AE*C9"), std::string::npos);
    EXPECT_NE(wire.find("*8859/1"), std::string::npos);
}

TEST(Ack, FallsBackToGatewayIdentity) {
    const auto in = parse(std::string("MSH|^~\\&|APP|FAC|||1||OMS^O05|C2|P|2.5\r"));
    ASSERT_TRUE(in.ok());
    const auto ack = build_accept_ack(*in, Outcome::accepted, {}, kCtx);
    EXPECT_EQ(ack.get("MSH-3"), "GROCERY-GW");
    EXPECT_EQ(ack.get("MSH-4"), "GW");
    EXPECT_EQ(ack.get("MSH-5"), "APP");
}

TEST(Ack, RejectForUnparsedSalvagesHeader) {
    const std::string broken = "garbage\rMSH|^~\\&|APP|FAC|GW|GWF|1||OMS^O05|C3|P\rPID|1|\0|x"s;
    const AckIssue issue{ErrorCondition::segment_sequence_error, "bad", std::nullopt, Severity::error};
    const auto ack = build_reject_for_unparsed(broken, {&issue, 1}, kCtx);
    EXPECT_EQ(ack.get("MSA-1"), "AR");
    EXPECT_EQ(ack.get("MSA-2"), "C3");
    EXPECT_EQ(ack.get("MSH-5"), "APP");
}

TEST(Ack, RejectWithoutAnyMshStillAnswers) {
    const AckIssue issue{ErrorCondition::segment_sequence_error, "no MSH", std::nullopt, Severity::error};
    const auto ack = build_reject_for_unparsed("PID|1||x\r", {&issue, 1}, kCtx);
    const auto wire = ack.encode();
    EXPECT_EQ(wire.rfind("MSH|^~\\&|GROCERY-GW|GW|||", 0), 0u);
    EXPECT_EQ(ack.get("MSA-1"), "AR");
    EXPECT_EQ(ack.get("MSA-2"), "");
    EXPECT_EQ(ack.get("MSH-12"), "2.5");
    EXPECT_TRUE(parse(wire).ok());
}

TEST(Ack, IssueFromParseError) {
    const auto e = parse(std::string("MSH|^~|A|B|C|D|1||ADT^A01|X|P|2.5\r")).error();
    const auto issue = issue_from_error(e);
    EXPECT_EQ(issue.condition, ErrorCondition::data_type_error);
    ASSERT_TRUE(issue.location.has_value());
    EXPECT_EQ(issue.location->field, 2u);
    EXPECT_EQ(issue_from_error(parse(std::string("PID|1")).error()).condition, ErrorCondition::segment_sequence_error);
}

TEST(Ack, TimestampAndControlId) {
    EXPECT_EQ(format_timestamp(kCtx.time), "20270115080000+0000");
    const auto a = new_control_id();
    EXPECT_EQ(a.size(), 18u);
    EXPECT_EQ(a.substr(0, 2), "GW");
    EXPECT_NE(a, new_control_id());
}

}  // namespace
}  // namespace gw::hl7
