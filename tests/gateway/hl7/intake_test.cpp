#include "gateway/hl7/intake.hpp"

#include <gtest/gtest.h>

#include "gateway/ingest/in_memory_sink.hpp"

namespace gw::hl7 {
namespace {

using namespace std::string_literals;

std::string order(std::string_view control_id = "C-1", std::string_view type = "OMS^O05^OMS_O05",
                  std::string_view version = "2.5", std::string_view ack_types = "") {
    return "MSH|^~\\&|GERICA|3201|GROCERY|GW|20261111||" + std::string(type) + "|" + std::string(control_id) + "|P|" +
           std::string(version) + std::string(ack_types) + "\rPID|1||PSN-1^^^BAERUM^PI||Hansen^Kari\rORC|NW|O-1\r";
}

class IntakeTest : public ::testing::Test {
  protected:
    IntakeConfig config() {
        IntakeConfig c;
        c.channel = "mllp-test";
        c.clock = [] { return std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}}; };
        c.control_ids = [this] { return "ACK" + std::to_string(++next_id_); };
        return c;
    }

    // Processes one frame and returns the replies (zero or one).
    std::vector<Message> send(std::string frame) {
        std::vector<Message> replies;
        intake_.process(std::move(frame), "10.0.0.7:5123", [&](std::string ack) {
            auto m = parse(std::move(ack));
            EXPECT_TRUE(m.ok()) << m.error().to_string();
            if (m) replies.push_back(std::move(m).value());
        });
        return replies;
    }

    int next_id_ = 0;
    ingest::InMemorySink sink_;
    Hl7Intake intake_{config(), sink_};
};

TEST_F(IntakeTest, AcceptsStoresThenAcknowledges) {
    const auto replies = send(order());
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AA");
    EXPECT_EQ(replies[0].get("MSA-2"), "C-1");
    EXPECT_EQ(replies[0].get("MSH-9"), "ACK^O05^ACK");
    EXPECT_EQ(replies[0].get("MSH-10"), "ACK1");
    ASSERT_EQ(sink_.size(), 1u);
    const auto stored = sink_.messages()[0];
    EXPECT_EQ(stored.channel, "mllp-test");
    EXPECT_EQ(stored.raw, order());
    EXPECT_EQ(stored.sender, "GERICA^3201");
    EXPECT_EQ(stored.control_id, "C-1");
    EXPECT_EQ(stored.message_type, "OMS^O05");
    EXPECT_EQ(stored.peer, "10.0.0.7:5123");
    EXPECT_EQ(stored.correlation_id.size(), 16u);
    EXPECT_FALSE(stored.error.has_value());
    EXPECT_EQ(stored.ack, replies[0].encode());
}

TEST_F(IntakeTest, DuplicateGetsTheOriginalAck) {
    const auto first = send(order());
    const auto second = send(order());
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(second[0].encode(), first[0].encode());
    EXPECT_EQ(second[0].get("MSH-10"), "ACK1");
    EXPECT_EQ(sink_.size(), 1u);
}

TEST_F(IntakeTest, UnavailableStoreAnswersRetryLater) {
    sink_.set_unavailable(true);
    const auto replies = send(order());
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AE");
    EXPECT_EQ(replies[0].get("ERR-3.1"), "207");
    EXPECT_EQ(replies[0].get("ERR-8"), "store unavailable, retry later");
    EXPECT_EQ(sink_.size(), 0u);
}

TEST_F(IntakeTest, EnhancedModeAnswersCaOrCe) {
    auto replies = send(order("C-2", "OMS^O05", "2.5", "|||AL|NE"));
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "CA");
    sink_.set_unavailable(true);
    replies = send(order("C-3", "OMS^O05", "2.5", "|||NE|NE"));
    ASSERT_EQ(replies.size(), 1u);  // a message that was not stored is always answered
    EXPECT_EQ(replies[0].get("MSA-1"), "CE");
}

TEST_F(IntakeTest, NeverAcceptAckIsRespectedWhenStored) {
    EXPECT_TRUE(send(order("C-4", "OMS^O05", "2.5", "|||NE|AL")).empty());
    EXPECT_EQ(sink_.size(), 1u);
}

struct RejectCase {
    const char* name;
    std::string frame;
    const char* err3;
    const char* err2;
};

class IntakeReject : public IntakeTest, public ::testing::WithParamInterface<RejectCase> {};

TEST_P(IntakeReject, AnswersArAndStoresWithError) {
    const auto& c = GetParam();
    const auto replies = send(c.frame);
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AR");
    EXPECT_EQ(replies[0].get("ERR-3.1"), c.err3);
    EXPECT_EQ(replies[0].get("ERR-2"), c.err2);
    ASSERT_EQ(sink_.size(), 1u);
    const auto stored = sink_.messages()[0];
    EXPECT_EQ(stored.raw, c.frame);
    ASSERT_TRUE(stored.error.has_value());
    EXPECT_EQ(stored.ack, replies[0].encode());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IntakeReject,
    ::testing::Values(RejectCase{"missing_control_id", order(""), "101", "MSH^1^10"},
                      RejectCase{"unsupported_version", order("C-5", "OMS^O05", "2.999"), "203", "MSH^1^12"},
                      RejectCase{"unsupported_type", order("C-6", "ADT^A01"), "200", "MSH^1^9^^1"},
                      RejectCase{"unsupported_event", order("C-7", "OMS^O99"), "201", "MSH^1^9^^2"},
                      RejectCase{"missing_type", order("C-8", ""), "101", "MSH^1^9"},
                      RejectCase{"wrong_msh_field_count", "MSH|^~\\&|GERICA|3201|GROCERY|GW|1||OMS^O05|C-9|P\r", "102",
                                 "MSH^1^12"},
                      RejectCase{"nul_byte", order("C-10") + "NTE|1||a\0b\r"s, "100", ""},
                      RejectCase{"bad_segment", order("C-11") + "nte|1\r", "100", ""}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(IntakeTest, RejectKeepsSenderAndControlIdButDoesNotClaimIt) {
    send(order("C-12", "OMS^O05", "2.999"));
    const auto stored = sink_.messages()[0];
    EXPECT_EQ(stored.control_id, "C-12");
    EXPECT_EQ(stored.sender, "GERICA^3201");
    EXPECT_EQ(stored.error->code, ErrorCode::unsupported);
    // A corrected resend with the same control ID goes through.
    const auto replies = send(order("C-12"));
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AA");
}

TEST_F(IntakeTest, NoMshStillAnswersAndStores) {
    const auto replies = send("PID|1||x\r");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AR");
    EXPECT_EQ(replies[0].get("MSA-2"), "");
    ASSERT_EQ(sink_.size(), 1u);
    EXPECT_EQ(sink_.messages()[0].error->code, ErrorCode::parse_error);
    EXPECT_EQ(sink_.messages()[0].error->where.byte_offset, 0u);
}

TEST_F(IntakeTest, EmptyFrameIsRejected) {
    const auto replies = send("");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AR");
    EXPECT_EQ(sink_.size(), 1u);
}

TEST_F(IntakeTest, XmlFramesAreAccepted) {
    const auto replies = send(
        "<OMS_O05 xmlns=\"urn:hl7-org:v2xml\"><MSH><MSH.1>|</MSH.1><MSH.2>^~\\&amp;</MSH.2><MSH.3><HD.1>EPJ</HD.1>"
        "</MSH.3><MSH.9><MSG.1>OMS</MSG.1><MSG.2>O05</MSG.2></MSH.9><MSH.10>X-1</MSH.10><MSH.12><VID.1>2.5</VID.1>"
        "</MSH.12></MSH></OMS_O05>");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AA");
    EXPECT_EQ(replies[0].get("MSA-2"), "X-1");
}

TEST_F(IntakeTest, OversizedFrameWithReadableMshIsRejectedAndKept) {
    const auto prefix = order("C-13").substr(0, 70);
    std::vector<std::string> replies;
    intake_.report_frame_error(prefix, make_error(ErrorCode::too_large, "frame larger than 1048576 bytes"), "peer",
                               [&](std::string ack) { replies.push_back(std::move(ack)); });
    ASSERT_EQ(replies.size(), 1u);
    const auto ack = parse(replies[0]);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->get("MSA-1"), "AR");
    EXPECT_EQ(ack->get("MSA-2"), "C-13");
    EXPECT_EQ(ack->get("ERR-8"), "frame larger than 1048576 bytes");
    ASSERT_EQ(sink_.size(), 1u);
    EXPECT_EQ(sink_.messages()[0].raw, prefix);
    EXPECT_EQ(sink_.messages()[0].error->code, ErrorCode::too_large);
}

TEST_F(IntakeTest, UnterminatedFrameWithoutMshIsKeptWithoutReply) {
    bool replied = false;
    intake_.report_frame_error("\x0bPID|1", make_error(ErrorCode::parse_error, "unterminated frame"), "peer",
                               [&](std::string) { replied = true; });
    EXPECT_FALSE(replied);
    ASSERT_EQ(sink_.size(), 1u);
    EXPECT_EQ(sink_.messages()[0].error->message, "unterminated frame");
}

TEST_F(IntakeTest, BatchFrameIsRejected) {
    const auto replies = send("BHS|^~\\&\r" + order("C-14") + "BTS|1\r");
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].get("MSA-1"), "AR");
    EXPECT_EQ(replies[0].get("ERR-3.1"), "100");
}

}  // namespace
}  // namespace gw::hl7
