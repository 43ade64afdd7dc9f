#include "gateway/hl7/xml.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace gw::hl7 {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const std::string kXml = "../shared/data/hl7/xml/";

TEST(Xml, ReadsRepetitionsComponentsAndSubcomponents) {
    const auto m = parse_xml(read_file(kXml + "hapi-adt_a17.xml"));
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->get("PID-3[2].1"), "AST12345679");
    EXPECT_EQ(m->get("PID-3[3].4.1"), "HIS");
    EXPECT_EQ(m->get("PID-5.1.1"), "SaEZ");
    EXPECT_EQ(m->get("PID[2]-5.2"), "SWAP1");
    EXPECT_EQ(m->get("PV1[2]-3.3"), "217-2");
    EXPECT_EQ(m->get("MSH-15"), "AL");
}

TEST(Xml, ValuesWithSeparatorsAreEscapedAndReadBack) {
    const auto m = parse_xml(read_file(kXml + "hapi-OMD_O03.xml"));
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->get("ODS-3.2"), "320^1/2 HAM SANDWICH^99FD8");
    EXPECT_EQ(m->get("PID-3.4.1"), "hellin");
}

TEST(Xml, Msh18DoesNotReencodeXmlText) {
    const auto m = parse_xml(
        "<ADT_A01><MSH><MSH.1>|</MSH.1><MSH.2>^~\\&amp;</MSH.2><MSH.10>1</MSH.10><MSH.18>8859/1</MSH.18></MSH>"
        "<PID><PID.5><XPN.1><FN.1>Ødegård</FN.1></XPN.1></PID.5></PID></ADT_A01>");
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->get("PID-5.1.1"), "Ødegård");
    EXPECT_EQ(m->get("MSH-18"), "8859/1");
}

TEST(Xml, OwnDelimitersAreUsed) {
    const auto m = parse_xml(
        "<RSP_K22><MSH><MSH.1>|</MSH.1><MSH.2>^~/&amp;</MSH.2><MSH.9><CM.1>RSP</CM.1><CM.3>RSP_K22</CM.3></MSH.9>"
        "</MSH><MSA><MSA.1>AA</MSA.1><MSA.2>8/76</MSA.2></MSA></RSP_K22>");
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->get("MSH-2"), "^~/&");
    EXPECT_EQ(m->get("MSH-9.3"), "RSP_K22");
    EXPECT_EQ(m->get("MSA-2"), "8/76");
    EXPECT_NE(m->input().find("8/E/76"), std::string_view::npos);
}

TEST(Xml, TruncatedCorpusFileFailsCleanly) {
    // hapi-get_ack_id.xml ends inside QAK-3: it must fail with a position, not read a partial message.
    const auto m = parse_xml(read_file(kXml + "hapi-get_ack_id.xml"));
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().where.byte_offset, 913u);
}

TEST(Xml, ExternalDtdIsIgnoredNeverFetched) {
    const auto m = parse_xml(read_file(kXml + "hapi-get_version.xml"));
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->get("MSH-10"), "855");
    EXPECT_EQ(m->get("QPD-12"), "R&H Med");
}

TEST(Xml, EntitiesAreRefused) {
    const auto xxe = parse_xml(read_file(kXml + "hapi-xml-with-xxe.xml"));
    ASSERT_FALSE(xxe.ok());
    EXPECT_NE(xxe.error().message.find("external entity (XXE)"), std::string::npos);
    EXPECT_EQ(xxe.error().where.byte_offset, 55u);
    const auto bomb = parse_xml("<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]><x><MSH/></x>");
    ASSERT_FALSE(bomb.ok());
    EXPECT_NE(bomb.error().message.find("an entity"), std::string::npos);
    const auto subset = parse_xml("<!DOCTYPE x [<!ATTLIST x y CDATA \"1\">]><x><MSH/></x>");
    ASSERT_FALSE(subset.ok());
    EXPECT_NE(subset.error().message.find("internal DTD subset"), std::string::npos);
}

TEST(Xml, MalformedNamesOffsetAndExpectation) {
    const auto m = parse_xml("<ADT_A01><MSH><MSH.1>|</MSH.1></MSH");
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().where.byte_offset, SourceLocation::npos);
    EXPECT_NE(m.error().message.find("expected well-formed XML"), std::string::npos);
    EXPECT_FALSE(parse_xml("<ADT_A01><PID/></ADT_A01>").ok());
    EXPECT_FALSE(parse_xml("<ADT_A01><MSH><MSH.1>A</MSH.1><MSH.2>^~\\&amp;</MSH.2></MSH></ADT_A01>").ok());
    EXPECT_FALSE(parse_xml("").ok());
}

TEST(Xml, DeepGroupNestingIsBounded) {
    std::string deep = "<X>";
    for (int i = 0; i < 100; ++i) deep += "<G.1>";
    for (int i = 0; i < 100; ++i) deep += "</G.1>";
    deep += "</X>";
    EXPECT_FALSE(parse_xml(deep).ok());
}

TEST(Xml, LooksLikeXml) {
    EXPECT_TRUE(looks_like_xml("  \r\n<?xml"));
    EXPECT_TRUE(looks_like_xml("\xEF\xBB\xBF<ADT"));
    EXPECT_FALSE(looks_like_xml("MSH|"));
    EXPECT_FALSE(looks_like_xml(""));
}

}  // namespace
}  // namespace gw::hl7
