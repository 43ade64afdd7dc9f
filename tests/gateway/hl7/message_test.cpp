#include "gateway/hl7/message.hpp"

#include <gtest/gtest.h>

namespace gw::hl7 {
namespace {

using namespace std::string_literals;

const std::string kOrder =
    "MSH|^~\\&|GERICA|3201^BAERUM|GW|GW|20261111091500||OMS^O05^OMS_O05|C1|P|2.5\r"
    "PID|1||PSN-1^^^BAERUM^PI~X-2^^^NOR^NNFNR||Hansen^Kari||19400101\r"
    "RQD|1|7038010009457^Melk^GTIN||2|EA\r"
    "RQD|2|7040513000855^Brød^GTIN||1|EA\r";

Message must_parse(std::string bytes, ParseOptions options = {}) {
    auto m = parse(std::move(bytes), options);
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    return std::move(m).value();
}

Error must_fail(std::string bytes, ParseOptions options = {}) {
    auto m = parse(std::move(bytes), options);
    EXPECT_FALSE(m.ok());
    return m.ok() ? Error{} : m.error();
}

TEST(Parse, ReadsLevels) {
    const auto m = must_parse(kOrder);
    EXPECT_EQ(m.segment_count(), 4u);
    EXPECT_EQ(m.get("PID-3"), "PSN-1^^^BAERUM^PI");
    EXPECT_EQ(m.get("PID-3[2].5"), "NNFNR");
    EXPECT_EQ(m.get("PID-5.2"), "Kari");
    EXPECT_EQ(m.get("RQD[2]-2.2"), "Brød");
    EXPECT_EQ(m.get("MSH-4.2"), "BAERUM");
    EXPECT_EQ(m.raw(make_path("MSH", 9)), "OMS^O05^OMS_O05");
    EXPECT_EQ(m.get("RQD[3]-1"), "");
    EXPECT_EQ(m.get("PID-3[3]"), "");
    EXPECT_EQ(m.get("PID-5.9"), "");
    EXPECT_EQ(m.get("PID-5.1.2"), "");
    EXPECT_EQ(m.get("not a path"), "");
    EXPECT_EQ(m.find_segment("RQD", 2), 3u);
    EXPECT_EQ(m.segment_offset(1), kOrder.find("PID"));
}

TEST(Parse, ViewDoesNotCopy) {
    const auto m = parse_view(kOrder);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->input().data(), kOrder.data());
    EXPECT_EQ(m->raw(make_path("PID", 5, 1)).data(), kOrder.data() + kOrder.find("Hansen"));
}

TEST(Parse, SegmentSeparatorsInAnyMixAndEmptyLines) {
    const auto m = must_parse("\r\nMSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r\n\r\nEVN|A01\n\nPID|1\rPV1|1\r\n");
    EXPECT_EQ(m.segment_count(), 4u);
    EXPECT_EQ(m.segment_name(3), "PV1");
    EXPECT_EQ(m.encode(), "\r\nMSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r\n\r\nEVN|A01\n\nPID|1\rPV1|1\r\n");
}

TEST(Parse, NullIsReturnedAsTwoQuotes) {
    const auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPID|1||\"\"|\"\"^x\r");
    EXPECT_EQ(m.get("PID-3"), "\"\"");
    EXPECT_EQ(m.get("PID-4.1"), "\"\"");
    EXPECT_EQ(m.get("PID-2"), "");
}

TEST(Parse, ThreeEncodingCharactersHaveNoSubcomponents) {
    const auto m = must_parse("MSH|^~\\|A|B|C|D|1||ADT^A01|X|P|2.4\rPID|1||a&b^c\r");
    EXPECT_FALSE(m.delimiters().has_subcomponent());
    EXPECT_EQ(m.get("PID-3.1"), "a&b");
    EXPECT_EQ(m.get("PID-3.1.1"), "a&b");
    EXPECT_EQ(m.get("PID-3.1.2"), "");
    EXPECT_EQ(m.get("MSH-2"), "^~\\");
}

TEST(Parse, TruncationCharacterIsLiteralInValues) {
    const auto m = must_parse("MSH|^~\\&#|A|B|C|D|1||ADT^A01|X|P|2.7\rPID|1||12#^x\r");
    EXPECT_EQ(m.delimiters().truncation, '#');
    EXPECT_EQ(m.get("MSH-2"), "^~\\&#");
    EXPECT_EQ(m.get("PID-3.1"), "12#");
    EXPECT_EQ(m.get("MSH-3"), "A");
}

TEST(Parse, CustomDelimitersEverywhere) {
    const auto m = must_parse("MSH*!@$%*A*B*C*D*1**ADT!A01*X*P*2.5\rPID*1**a%b!c@d!$S$x\r");
    EXPECT_EQ(m.get("MSH-1"), "*");
    EXPECT_EQ(m.get("MSH-9.2"), "A01");
    EXPECT_EQ(m.get("PID-3.1.2"), "b");
    EXPECT_EQ(m.get("PID-3[2]"), "d!$S$x");
    EXPECT_EQ(m.get("PID-3[2].2"), "!x");
}

TEST(Parse, Latin1AndCp1252AreConvertedWhenRead) {
    const auto latin = must_parse(
        "MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5||||||8859/1\rPID|1||1||\xD8"
        "deg\xE5rd^\xC6se\r");
    EXPECT_EQ(latin.charset(), Charset::latin1);
    EXPECT_EQ(latin.get("PID-5.1"), "Ødegård");
    EXPECT_EQ(latin.get("PID-5"), "Ødegård^Æse");
    const auto win = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5||||||WINDOWS-1252\rNTE|1||Pris 30 \x80\r");
    EXPECT_EQ(win.get("NTE-3"), "Pris 30 €");
    const auto hex = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5||||||8859/1\rNTE|1||gr\\XF8\\nn\r");
    EXPECT_EQ(hex.get("NTE-3"), "grønn");
}

TEST(Parse, InvalidUtf8ReadsAsReplacementCharacter) {
    const auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rNTE|1||bad \xFF\xFE end\r");
    EXPECT_EQ(m.get("NTE-3"), "bad \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(Parse, UnknownCharsetIsFlaggedAndReadAsUtf8) {
    const auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5||||||ISO IR87\rNTE|1||x\r");
    EXPECT_FALSE(m.charset_known());
    EXPECT_EQ(m.charset(), Charset::utf8);
}

TEST(Parse, ZSegmentsAreOrdinarySegments) {
    const auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rZGW|1|kode^4711\r");
    EXPECT_EQ(m.get("ZGW-2.2"), "4711");
}

TEST(StrictParse, Failures) {
    struct Bad {
        std::string bytes;
        std::size_t offset;
        const char* says;
    };
    const std::vector<Bad> cases = {
        {"", 0, "empty input"},
        {"\r\n\r\n", 0, "empty input"},
        {"PID|1||123\r", 0, "MSH"},
        {"MSH|^~", 0, "at least 8 bytes"},
        {"MSHA^~\\&A1A2A3A4A5A6A7A8A9", 3, "non-alphanumeric"},
        {"MSH|^~|A|B|C|D|1||ADT^A01|X|P|2.5\r", 4, "3 to 5 encoding characters"},
        {"MSH|^~\\&&|A|B|C|D|1||ADT^A01|X|P|2.5\r", 8, "distinct"},
        {"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P\r", 31, "at least 12 fields"},
        {"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPID|1|\0|x\r"s, 42, "NUL"},
        {"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rpid|1\r", 36, "segment name"},
        {"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPIDX|1\r", 36, "segment name"},
        {"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPI\r", 36, "segment name"},
        {"BHS|^~\\&\rMSH|^~\\$|A|B|C|D|1||ADT^A01|X|P|2.5\r", 13, "encoding characters"},
    };
    for (const auto& c : cases) {
        const auto e = must_fail(c.bytes);
        EXPECT_EQ(e.code, ErrorCode::parse_error) << c.bytes;
        EXPECT_EQ(e.where.byte_offset, c.offset) << c.bytes << " -> " << e.to_string();
        EXPECT_NE(e.message.find(c.says), std::string::npos) << e.to_string();
        EXPECT_NE(e.message.find("expected"), std::string::npos) << e.to_string();
    }
}

TEST(LenientParse, AcceptsWhatStrictRejectsWhenDelimitersAreKnown) {
    const ParseOptions lenient{false, std::nullopt};
    const auto m = parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X\rPID|1|\0|x\rxx\r"s, lenient);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->get("MSH-10"), "X");
    EXPECT_EQ(m->segment_count(), 3u);
    EXPECT_FALSE(parse("PID|1\r", lenient).ok());
}

TEST(Batch, ParsesIntoMessages) {
    const std::string batch =
        "FHS|^~\\&|A\rBHS|^~\\&|A\r"
        "MSH|^~\\&|A|B|C|D|1||ADT^A01|M1|P|2.5\rPID|1||111\r"
        "MSH|^~\\&|A|B|C|D|1||ADT^A01|M2|P|2.5\rPID|1||222\rNTE|1||x\r"
        "BTS|2\rFTS|1\r";
    auto m = parse(batch);
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(m->is_batch());
    EXPECT_EQ(m->segment_count(), 9u);
    EXPECT_EQ(m->get("PID[2]-3"), "222");
    EXPECT_EQ(m->get("FHS-2"), "^~\\&");
    const auto parts = m->messages();
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].segment_count(), 2u);
    EXPECT_EQ(parts[1].segment_count(), 3u);
    EXPECT_EQ(parts[0].get("MSH-10"), "M1");
    EXPECT_EQ(parts[1].get("PID-3"), "222");
    EXPECT_FALSE(parts[1].is_batch());
    EXPECT_EQ(parts[1].input(), "MSH|^~\\&|A|B|C|D|1||ADT^A01|M2|P|2.5\rPID|1||222\rNTE|1||x\r");
    // The parts keep the shared bytes alive on their own.
    m = parse(std::string("MSH|^~\\&|x|x|x|x|1||ADT^A01|z|P|2.5\r"));
    EXPECT_EQ(parts[0].get("PID-3"), "111");
}

TEST(Batch, PlainMessageIsOneMessage) {
    const auto m = must_parse(kOrder);
    EXPECT_FALSE(m.is_batch());
    const auto parts = m.messages();
    ASSERT_EQ(parts.size(), 1u);
    EXPECT_EQ(parts[0].encode(), kOrder);
}

TEST(Encode, UnmodifiedIsByteIdentical) {
    const std::string odd = "MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r\nPID|1||\\X41\\|||\n\nNTE|1|||";
    EXPECT_EQ(must_parse(odd).encode(), odd);
}

TEST(Encode, SetEscapesAndKeepsUntouchedBytes) {
    auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r\nPID|1||123||Old^Name\r\nPV1|1\r\n");
    ASSERT_TRUE(m.set(make_path("PID", 5, 1), "O|Brien^&~\\").ok());
    EXPECT_TRUE(m.modified());
    EXPECT_EQ(m.get("PID-5.1"), "O|Brien^&~\\");
    EXPECT_EQ(m.encode(),
              "MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r\nPID|1||123||O\\F\\Brien\\S\\\\T\\\\R\\\\E\\^Name\r\nPV1|1\r\n");
}

TEST(Encode, SetCreatesMissingPartsAndSegments) {
    auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPID|1\r");
    ASSERT_TRUE(m.set(make_path("PID", 5, 2, 3), "x").ok());
    EXPECT_EQ(m.segment(1), "PID|1||||^&&x");
    ASSERT_TRUE(m.set(make_path("PID", 3, 1, 0, 2), "R2").ok());
    EXPECT_EQ(m.segment(1), "PID|1||~R2||^&&x");
    ASSERT_TRUE(m.set(*compile_path("NTE-3"), "note").ok());
    EXPECT_FALSE(m.set(*compile_path("NTE[3]-3"), "gap").ok());
    EXPECT_EQ(m.encode(), "MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPID|1||~R2||^&&x\rNTE|||note\r");
}

TEST(Encode, SetReplacesWholeElementAndRejectsDelimiterFields) {
    auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPID|1||a^b^c~d|e\r");
    ASSERT_TRUE(m.set(make_path("PID", 3), "z").ok());
    EXPECT_EQ(m.segment(1), "PID|1||z~d|e");
    EXPECT_FALSE(m.set(make_path("MSH", 1), "#").ok());
    EXPECT_FALSE(m.set(make_path("MSH", 2), "!").ok());
    ASSERT_TRUE(m.set(make_path("MSH", 10), "NEW").ok());
    EXPECT_EQ(m.get("MSH-10"), "NEW");
    EXPECT_EQ(m.get("MSH-2"), "^~\\&");
}

TEST(Encode, SetConvertsToTheMessageCharset) {
    auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5||||||8859/1\rNTE|1\r");
    ASSERT_TRUE(m.set(make_path("NTE", 3), "Bærum €").ok());
    EXPECT_EQ(m.segment(1), "NTE|1||B\xE6rum ?");
    EXPECT_EQ(m.get("NTE-3"), "Bærum ?");
}

TEST(Builder, BuildsFromScratch) {
    Message m;
    m.add_segment("MSH");
    ASSERT_TRUE(m.set(make_path("MSH", 3), "GW").ok());
    ASSERT_TRUE(m.set_encoded(make_path("MSH", 9), "ORS^O06^ORS_O06").ok());
    ASSERT_TRUE(m.set(make_path("MSH", 12), "2.5").ok());
    ASSERT_TRUE(m.set(make_path("MSA", 1), "AA").ok());
    EXPECT_EQ(m.encode(), "MSH|^~\\&|GW||||||ORS^O06^ORS_O06|||2.5\rMSA|AA\r");
    const auto again = parse(m.encode());
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->get("MSH-9.2"), "O06");
}

TEST(Encode, AppendingAfterUnterminatedLastSegmentAddsTerminator) {
    auto m = must_parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\nPID|1");
    ASSERT_TRUE(m.set(make_path("NTE", 1), "1").ok());
    EXPECT_EQ(m.encode(), "MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\nPID|1\rNTE|1\r");
}

TEST(Message, CopiesAreIndependent) {
    auto a = must_parse(kOrder);
    auto b = a;
    ASSERT_TRUE(b.set(make_path("PID", 5, 1), "Other").ok());
    EXPECT_EQ(a.get("PID-5.1"), "Hansen");
    EXPECT_EQ(b.get("PID-5.1"), "Other");
    EXPECT_FALSE(a.modified());
}

}  // namespace
}  // namespace gw::hl7
