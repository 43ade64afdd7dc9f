#include "gateway/hl7/escape.hpp"

#include <gtest/gtest.h>

namespace gw::hl7 {
namespace {

const Delimiters kStd{};

struct Case {
    const char* encoded;
    const char* expected;
};

class UnescapeCase : public ::testing::TestWithParam<Case> {};

TEST_P(UnescapeCase, Decodes) {
    EXPECT_EQ(unescape(GetParam().encoded, kStd), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Readme, UnescapeCase,
    ::testing::Values(Case{R"(a\F\b)", "a|b"}, Case{R"(a\S\b)", "a^b"}, Case{R"(a\T\b)", "a&b"},
                      Case{R"(a\R\b)", "a~b"}, Case{R"(a\E\b)", "a\\b"}, Case{R"(\X41\)", "A"},
                      Case{R"(\X414243\)", "ABC"}, Case{R"(\X0D\\X0A\)", "\r\n"}, Case{R"(1\.br\2)", "1\n2"},
                      Case{R"(\H\bold\N\)", "bold"}, Case{R"(a\.sp\b)", "ab"}, Case{R"(a\.sp2\b)", "ab"},
                      Case{R"(a\.in+4\b)", "ab"}, Case{R"(a\.ti-2\b)", "ab"}, Case{R"(a\.sk3\b)", "ab"},
                      Case{R"(\.ce\c\.fi\\.nf\)", "c"}, Case{R"(x\C2842\y)", "xy"}, Case{R"(x\M2442\y)", "xy"},
                      Case{R"(x\M244241\y)", "xy"},
                      // unknown or malformed sequences stay exactly as written
                      Case{R"(\Zcustom\)", R"(\Zcustom\)"}, Case{R"(\X4\)", R"(\X4\)"}, Case{R"(\XZZ\)", R"(\XZZ\)"},
                      Case{R"(\.zz\)", R"(\.zz\)"}, Case{R"(\P\)", R"(\P\)"}, Case{R"(tail\)", R"(tail\)"},
                      Case{R"(\\)", R"(\\)"}, Case{"plain", "plain"}, Case{"", ""}));

TEST(Unescape, UsesTheMessagesOwnDelimiters) {
    Delimiters d;
    d.field = '^';
    d.component = '~';
    d.repetition = '|';
    d.escape = '/';
    EXPECT_EQ(unescape("a/F/b/S/c/R/d/E/e", d), "a^b~c|d/e");
}

TEST(Unescape, TruncationEscapeOnlyWhenDeclared) {
    Delimiters d;
    d.truncation = '#';
    EXPECT_EQ(unescape(R"(Per\P\)", d), "Per#");
    EXPECT_EQ(unescape(R"(Per\P\)", kStd), R"(Per\P\)");
}

TEST(Unescape, SubcomponentEscapeWithoutSubcomponentSeparatorStays) {
    Delimiters d;
    d.subcomponent = '\0';
    EXPECT_EQ(unescape(R"(a\T\b)", d), R"(a\T\b)");
}

TEST(Escape, EscapesEveryStructuralCharacterAndLineBreaks) {
    EXPECT_EQ(escape("a|b^c~d\\e&f\rg\nh#", kStd), R"(a\F\b\S\c\R\d\E\e\T\f\X0D\g\X0A\h#)");
}

TEST(Escape, RoundTripsThroughUnescape) {
    const std::string value = "O'Brien | Nøkkel ^ 50% & ~ \\ \r\n end";
    EXPECT_EQ(unescape(escape(value, kStd), kStd), value);
}

}  // namespace
}  // namespace gw::hl7
