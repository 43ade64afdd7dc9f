#include "gateway/mllp/framer.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gw::mllp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A compact view of an event for comparisons: "F:<payload>" or "E:<code>:<prefix>".
std::string describe(const FrameEvent& e) {
    if (e.is_error()) return "E:" + std::string(to_string(e.error->code)) + ":" + e.payload;
    return "F:" + e.payload;
}

std::vector<std::string> describe_all(const std::vector<FrameEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(describe(e));
    return out;
}

// Feeds `chunks` one after another, as separate reads would.
std::vector<std::string> decode_chunks(const std::vector<std::string_view>& chunks, FramerOptions options = {}) {
    MllpFramer framer(options);
    std::vector<FrameEvent> events;
    for (auto chunk : chunks) {
        auto more = framer.feed_all(chunk);
        events.insert(events.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    return describe_all(events);
}

std::vector<std::string> decode(std::string_view stream, FramerOptions options = {}) {
    return decode_chunks({stream}, options);
}

TEST(MllpFrame, WrapsPayloadInStartAndEndBlocks) {
    EXPECT_EQ(frame("MSH|^~\\&"), std::string("\x0BMSH|^~\\&\x1C\x0D"));
    EXPECT_EQ(frame(""), std::string("\x0B\x1C\x0D"));
}

TEST(MllpFramer, DecodesOneFrame) {
    EXPECT_THAT(decode(frame("MSH|1")), ElementsAre("F:MSH|1"));
}

TEST(MllpFramer, DeliversAnEmptyFrameAsAFrame) {
    EXPECT_THAT(decode(frame("")), ElementsAre("F:"));
}

TEST(MllpFramer, DecodesSeveralFramesInOneRead) {
    EXPECT_THAT(decode(frame("a") + frame("bb") + frame("ccc")), ElementsAre("F:a", "F:bb", "F:ccc"));
}

TEST(MllpFramer, FeedStopsAfterEachEvent) {
    MllpFramer framer;
    const std::string stream = frame("a") + frame("b");
    auto first = framer.feed(stream);
    ASSERT_TRUE(first.event);
    EXPECT_EQ(first.consumed, 4u);
    EXPECT_EQ(first.event->payload, "a");
    auto second = framer.feed(std::string_view(stream).substr(first.consumed));
    ASSERT_TRUE(second.event);
    EXPECT_EQ(second.consumed, 4u);
    EXPECT_EQ(second.event->payload, "b");
}

// The stream exercises every kind of event; splitting it anywhere, into two or three reads, must not change them.
const std::string& tricky_stream() {
    static const std::string s = std::string("junk\r\n") + frame("MSH|first\rPID|1") + "\r\n" + frame("") +
                                 std::string(
                                     "\x0B"
                                     "broken\x1C"
                                     "X") +
                                 frame("second") +
                                 std::string(
                                     "\x0B"
                                     "abandoned") +
                                 frame("third") +
                                 std::string(
                                     "\x0B"
                                     "0123456789abcdefghij"
                                     "\x1C\x0D") +
                                 frame("last");
    return s;
}

// Error prefixes are cut to error_prefix_bytes (4 here), like every error prefix.
const std::vector<std::string> kTrickyEvents = {"F:MSH|first\rPID|1", "F:",      "E:parse_error:brok", "F:second",
                                                "E:parse_error:aban", "F:third", "E:too_large:0123",   "F:last"};

FramerOptions small_limit() {
    return FramerOptions{.max_message_bytes = 16, .error_prefix_bytes = 4};
}

TEST(MllpFramer, DecodesTheTrickyStreamInOneRead) {
    EXPECT_EQ(decode(tricky_stream(), small_limit()), kTrickyEvents);
}

TEST(MllpFramer, SameEventsAtEverySplitPoint) {
    const std::string_view s = tricky_stream();
    for (std::size_t i = 0; i <= s.size(); ++i) {
        EXPECT_EQ(decode_chunks({s.substr(0, i), s.substr(i)}, small_limit()), kTrickyEvents) << "split at " << i;
    }
}

TEST(MllpFramer, SameEventsAtEveryPairOfSplitPoints) {
    const std::string_view s = tricky_stream();
    for (std::size_t i = 0; i <= s.size(); ++i) {
        for (std::size_t j = i; j <= s.size(); ++j) {
            ASSERT_EQ(decode_chunks({s.substr(0, i), s.substr(i, j - i), s.substr(j)}, small_limit()), kTrickyEvents)
                << "split at " << i << " and " << j;
        }
    }
}

TEST(MllpFramer, SameEventsOneByteAtATime) {
    std::vector<std::string_view> bytes;
    const std::string_view s = tricky_stream();
    for (std::size_t i = 0; i < s.size(); ++i) bytes.push_back(s.substr(i, 1));
    EXPECT_EQ(decode_chunks(bytes, small_limit()), kTrickyEvents);
}

TEST(MllpFramer, SkipsAndCountsJunkOutsideFrames) {
    MllpFramer framer;
    auto events = framer.feed_all("garbage" + frame("a") + "\r\n" + frame("b") + "tail");
    EXPECT_THAT(describe_all(events), ElementsAre("F:a", "F:b"));
    EXPECT_EQ(framer.skipped_bytes(), 7u + 2u + 4u);
    EXPECT_FALSE(framer.in_frame());
}

TEST(MllpFramer, EndBlockNotFollowedByCarriageReturnIsAnErrorAndResyncs) {
    MllpFramer framer;
    auto events = framer.feed_all(std::string("\x0B"
                                              "abc\x1C"
                                              "Z") +
                                  frame("next"));
    ASSERT_EQ(events.size(), 2u);
    ASSERT_TRUE(events[0].is_error());
    EXPECT_EQ(events[0].error->code, ErrorCode::parse_error);
    EXPECT_THAT(events[0].error->message, HasSubstr("0x1C not followed by 0x0D"));
    EXPECT_EQ(events[0].payload, "abc");
    EXPECT_EQ(describe(events[1]), "F:next");
    EXPECT_EQ(framer.skipped_bytes(), 1u);  // the 'Z'
}

TEST(MllpFramer, EndBlockFollowedByStartBlockStartsTheNextFrame) {
    EXPECT_THAT(decode(std::string("\x0B"
                                   "abc\x1C\x0B"
                                   "def\x1C\x0D")),
                ElementsAre("E:parse_error:abc", "F:def"));
}

TEST(MllpFramer, StartBlockInsideAFrameAbandonsTheFrameBeforeIt) {
    EXPECT_THAT(decode(std::string("\x0B"
                                   "abc\x0B"
                                   "def\x1C\x0D")),
                ElementsAre("E:parse_error:abc", "F:def"));
}

TEST(MllpFramer, AcceptsAPayloadOfExactlyTheLimit) {
    FramerOptions options{.max_message_bytes = 5, .error_prefix_bytes = 2};
    EXPECT_THAT(decode(frame("12345") + frame("123456"), options), ElementsAre("F:12345", "E:too_large:12"));
}

TEST(MllpFramer, OversizedFrameIsReportedWithItsSizeAndOffset) {
    MllpFramer framer(FramerOptions{.max_message_bytes = 10, .error_prefix_bytes = 3});
    auto events = framer.feed_all("xx" + frame(std::string(100, 'p')) + frame("ok"));
    ASSERT_EQ(events.size(), 2u);
    ASSERT_TRUE(events[0].is_error());
    EXPECT_EQ(events[0].error->code, ErrorCode::too_large);
    EXPECT_THAT(events[0].error->message, HasSubstr("100 bytes"));
    EXPECT_THAT(events[0].error->message, HasSubstr("limit of 10 bytes"));
    EXPECT_EQ(events[0].error->where.byte_offset, 2u);
    EXPECT_EQ(events[0].offset, 2u);
    EXPECT_EQ(events[0].payload, "ppp");
    EXPECT_EQ(describe(events[1]), "F:ok");
    EXPECT_EQ(events[1].offset, 2u + 103u);
}

TEST(MllpFramer, FiftyMegabyteFrameIsDiscardedInBoundedMemory) {
    constexpr std::size_t kLimit = 64 * 1024;
    MllpFramer framer(FramerOptions{.max_message_bytes = kLimit, .error_prefix_bytes = 100});
    const std::string chunk(64 * 1024 + 7, 'A');  // odd size: the limit is crossed mid-chunk
    std::vector<FrameEvent> events;
    auto feed = [&](std::string_view bytes) {
        auto more = framer.feed_all(bytes);
        for (auto& e : more) events.push_back(std::move(e));
        ASSERT_LE(framer.buffered_bytes(), kLimit);
    };
    feed(std::string(1, kStartBlock));
    std::size_t sent = 0;
    while (sent < 50u * 1024 * 1024) {
        feed(chunk);
        sent += chunk.size();
        if (sent > 2 * kLimit) {
            ASSERT_LE(framer.buffered_bytes(), 100u);  // the discarded part is not kept
        }
    }
    feed(std::string("\x1C\x0D"));
    feed(frame("after"));
    ASSERT_EQ(events.size(), 2u);
    ASSERT_TRUE(events[0].is_error());
    EXPECT_EQ(events[0].error->code, ErrorCode::too_large);
    EXPECT_EQ(events[0].payload, std::string(100, 'A'));
    EXPECT_THAT(events[0].error->message, HasSubstr(std::to_string(sent) + " bytes"));
    EXPECT_EQ(describe(events[1]), "F:after");
}

TEST(MllpFramer, ReportsAFrameInProgress) {
    MllpFramer framer;
    EXPECT_TRUE(framer
                    .feed_all("\x0B"
                              "MSH")
                    .empty());
    EXPECT_TRUE(framer.in_frame());
    EXPECT_EQ(framer.buffered_bytes(), 3u);
    EXPECT_TRUE(framer.feed_all("|x\x1C").empty());
    EXPECT_TRUE(framer.in_frame());
    EXPECT_THAT(describe_all(framer.feed_all("\x0D")), ElementsAre("F:MSH|x"));
    EXPECT_FALSE(framer.in_frame());
    EXPECT_EQ(framer.buffered_bytes(), 0u);
    EXPECT_EQ(framer.stream_offset(), 8u);
}

TEST(MllpFramer, ErrorPrefixNeverExceedsTheLimit) {
    MllpFramer framer(FramerOptions{.max_message_bytes = 4, .error_prefix_bytes = 1000});
    EXPECT_EQ(framer.options().error_prefix_bytes, 4u);
    EXPECT_THAT(describe_all(framer.feed_all(frame("123456789"))), ElementsAre("E:too_large:1234"));
}

}  // namespace
}  // namespace gw::mllp
