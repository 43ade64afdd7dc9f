#include "gateway/hl7/charset.hpp"

#include <gtest/gtest.h>

namespace gw::hl7 {
namespace {

std::string to_utf8(std::string_view bytes, Charset cs) {
    std::string out;
    append_utf8(bytes, cs, out);
    return out;
}

std::string from_utf8(std::string_view text, Charset cs) {
    std::string out;
    append_from_utf8(text, cs, out);
    return out;
}

TEST(Charset, NamesFromMsh18) {
    EXPECT_EQ(charset_from_name(""), Charset::utf8);
    EXPECT_EQ(charset_from_name("UNICODE UTF-8"), Charset::utf8);
    EXPECT_EQ(charset_from_name("ASCII"), Charset::ascii);
    EXPECT_EQ(charset_from_name("8859/1"), Charset::latin1);
    EXPECT_EQ(charset_from_name(" iso-8859-1 "), Charset::latin1);
    EXPECT_EQ(charset_from_name("8859/15"), Charset::latin9);
    EXPECT_EQ(charset_from_name("windows-1252"), Charset::cp1252);
    EXPECT_EQ(charset_from_name("CP1252"), Charset::cp1252);
    EXPECT_EQ(charset_from_name("KOI8-R"), std::nullopt);
}

TEST(Charset, Latin1NorwegianLetters) {
    EXPECT_EQ(to_utf8("\xE6\xF8\xE5\xC6\xD8\xC5", Charset::latin1), "æøåÆØÅ");
    EXPECT_EQ(from_utf8("æøåÆØÅ", Charset::latin1), "\xE6\xF8\xE5\xC6\xD8\xC5");
}

TEST(Charset, Cp1252EuroAndQuotes) {
    EXPECT_EQ(to_utf8("\x80 5", Charset::cp1252), "€ 5");
    EXPECT_EQ(to_utf8("\x93hei\x94", Charset::cp1252), "“hei”");
    EXPECT_EQ(to_utf8("\xE6\xF8\xE5", Charset::cp1252), "æøå");
    EXPECT_EQ(to_utf8("\x81", Charset::cp1252), "\xEF\xBF\xBD");  // undefined in cp1252
    EXPECT_EQ(from_utf8("€", Charset::cp1252), "\x80");
}

TEST(Charset, Latin1HasNoEuroSoItBecomesQuestionMark) {
    EXPECT_EQ(from_utf8("5 €", Charset::latin1), "5 ?");
    EXPECT_EQ(to_utf8("\xA4", Charset::latin9), "€");
    EXPECT_EQ(from_utf8("€", Charset::latin9), "\xA4");
}

TEST(Charset, InvalidUtf8BecomesReplacementCharacter) {
    EXPECT_EQ(to_utf8("a\xFF"
                      "b",
                      Charset::utf8),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(to_utf8("\xC3", Charset::utf8), "\xEF\xBF\xBD");                          // truncated
    EXPECT_EQ(to_utf8("\xC0\xAF", Charset::utf8), "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong
    EXPECT_EQ(to_utf8("\xED\xA0\x80", Charset::utf8).find("\xED"), std::string::npos);  // surrogate
    EXPECT_EQ(to_utf8("Bærum", Charset::ascii), "Bærum");
    EXPECT_EQ(to_utf8("\xF0\x9F\x8D\x8C", Charset::utf8), "\xF0\x9F\x8D\x8C");  // banana emoji intact
}

TEST(Charset, AsciiFastPath) {
    EXPECT_TRUE(is_ascii("MSH|^~\\&"));
    EXPECT_FALSE(is_ascii("Bærum"));
}

}  // namespace
}  // namespace gw::hl7
