// Data-driven test over shared/data/hl7/EXPECTED.tsv: one test case per row, named after the file and path, so a
// failure reads as "own-latin1.hl7 PID-5.1" rather than "row 212".

#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/hl7/escape.hpp"
#include "gateway/hl7/message.hpp"
#include "gateway/hl7/xml.hpp"

namespace {

const std::string kCorpus = "../shared/data/hl7/";

struct Row {
    std::string file;
    std::string path;
    std::string expected;
    std::size_t line = 0;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// EXPECTED.tsv writes a backslash as \\, a tab \t, CR \r and LF \n.
std::string decode_expected(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char n = s[++i];
            switch (n) {
                case '\\':
                    out.push_back('\\');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case 'n':
                    out.push_back('\n');
                    break;
                default:
                    out.push_back('\\'), out.push_back(n);
                    break;
            }
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::vector<Row> load_rows() {
    std::vector<Row> rows;
    std::istringstream in(read_file(kCorpus + "EXPECTED.tsv"));
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (n == 1 || line.empty()) continue;
        const auto t1 = line.find('\t');
        const auto t2 = line.find('\t', t1 + 1);
        if (t1 == std::string::npos || t2 == std::string::npos) continue;
        rows.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1), decode_expected(line.substr(t2 + 1)), n});
    }
    return rows;
}

// Keeps gtest from dumping the struct's bytes when a row fails.
void PrintTo(const Row& row, std::ostream* os) {
    *os << row.file << " " << row.path << " (EXPECTED.tsv:" << row.line << ")";
}

bool is_xml(const std::string& file) {
    return file.size() > 4 && file.substr(file.size() - 4) == ".xml";
}

gw::Result<gw::hl7::Message> parse_file(const std::string& file) {
    auto bytes = read_file(kCorpus + file);
    if (is_xml(file)) return gw::hl7::parse_xml(bytes);
    return gw::hl7::parse(std::move(bytes));
}

class CorpusRow : public ::testing::TestWithParam<Row> {};

TEST_P(CorpusRow, Holds) {
    const Row& row = GetParam();
    if (row.path == "#unescape") {
        const auto input = read_file(kCorpus + row.file);
        const auto expected = read_file(kCorpus + row.expected);
        ASSERT_FALSE(input.empty());
        EXPECT_EQ(gw::hl7::unescape(input, gw::hl7::Delimiters{}), expected);
        return;
    }
    auto msg = parse_file(row.file);
    if (row.path == "#parse") {
        ASSERT_EQ(row.expected.rfind("MUST_FAIL", 0), 0u);
        ASSERT_FALSE(msg.ok()) << row.file << " parsed but must fail: " << row.expected;
        EXPECT_NE(msg.error().where.byte_offset, gw::SourceLocation::npos) << msg.error().to_string();
        EXPECT_NE(msg.error().message.find("expected"), std::string::npos) << msg.error().to_string();
        return;
    }
    ASSERT_TRUE(msg.ok()) << msg.error().to_string();
    if (row.path == "#segments") {
        EXPECT_EQ(std::to_string(msg->segment_count()), row.expected);
    } else if (row.path == "#roundtrip") {
        ASSERT_EQ(row.expected, "IDENTICAL");
        EXPECT_EQ(msg->encode(), read_file(kCorpus + row.file));
    } else {
        const auto path = gw::hl7::compile_path(row.path);
        ASSERT_TRUE(path.ok()) << path.error().to_string();
        EXPECT_EQ(msg->get(*path), row.expected);
    }
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
    std::string name = "L" + std::to_string(info.param.line) + "_" + info.param.file + "_" + info.param.path;
    for (char& c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Expected, CorpusRow, ::testing::ValuesIn(load_rows()), row_name);

TEST(Corpus, HasAllRows) {
    EXPECT_GT(load_rows().size(), 400u);
}

}  // namespace
