#include "gateway/hl7/tool.hpp"

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

TEST(Tool, GetPrintsOneValuePerLine) {
    std::ostringstream out, err;
    const auto bytes = read_file("../shared/data/hl7/own-latin1.hl7");
    EXPECT_EQ(run_get("own-latin1.hl7", bytes, {"MSH-9.2", "PID-5.1", "PID-99"}, out, err), 0);
    EXPECT_EQ(out.str(), "O05\nØdegård\n\n");
    EXPECT_EQ(err.str(), "");
}

TEST(Tool, GetReadsXml) {
    std::ostringstream out, err;
    const auto bytes = read_file("../shared/data/hl7/xml/hapi-adt_a17.xml");
    EXPECT_EQ(run_get("a17.xml", bytes, {"MSH-10", "PID-3[2].1"}, out, err), 0);
    EXPECT_EQ(out.str(), "MENSAJE_EJEMPLO_ADT_A17_1\nAST12345679\n");
}

TEST(Tool, MalformedInputFailsWithOffsetAndExpectation) {
    std::ostringstream out, err;
    EXPECT_EQ(run_get("bad.hl7", read_file("../shared/data/hl7/own-alnum-field-separator.hl7"), {"MSH-9"}, out, err),
              1);
    EXPECT_EQ(out.str(), "");
    EXPECT_NE(err.str().find("bad.hl7: error: expected a non-alphanumeric field separator"), std::string::npos);
    EXPECT_NE(err.str().find("byte offset 3"), std::string::npos);
    std::ostringstream out2, err2;
    EXPECT_EQ(run_roundtrip("empty.hl7", "", out2, err2), 1);
    EXPECT_NE(err2.str().find("empty input"), std::string::npos);
}

TEST(Tool, InvalidPathFails) {
    std::ostringstream out, err;
    EXPECT_EQ(run_get("x", "MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r", {"PID-x"}, out, err), 1);
    EXPECT_NE(err.str().find("expected a number"), std::string::npos);
}

TEST(Tool, RoundtripIsByteIdentical) {
    std::ostringstream out, err;
    const auto bytes = read_file("../shared/data/hl7/own-crlf-adt.hl7");
    EXPECT_EQ(run_roundtrip("own-crlf-adt.hl7", bytes, out, err), 0);
    EXPECT_EQ(out.str(), bytes);
}

}  // namespace
}  // namespace gw::hl7
