#include "gateway/model/gtin.hpp"

#include <gtest/gtest.h>

namespace gw::model {
namespace {

TEST(Gtin, CheckDigitOfRealItems) {
    EXPECT_EQ(gtin_check_digit("703801006930"), 7);   // Norwegian EAN-13 7038010069307
    EXPECT_EQ(gtin_check_digit("500011263792"), 2);   // EAN-13 5000112637922
    EXPECT_EQ(gtin_check_digit("03600029145"), 2);    // UPC-A 036000291452
    EXPECT_EQ(gtin_check_digit("9638507"), 4);        // EAN-8 96385074
    EXPECT_EQ(gtin_check_digit("0703801006930"), 7);  // left zeros do not change it
    EXPECT_FALSE(gtin_check_digit(""));
    EXPECT_FALSE(gtin_check_digit("12a4"));
    EXPECT_FALSE(gtin_check_digit("123456789012345678"));
}

TEST(Gtin, ValidatesEveryLength) {
    for (std::string_view g :
         {"96385074", "036000291452", "7038010069307", "5000112637922", "07038010069307", "10036000291459"}) {
        EXPECT_TRUE(is_valid_gtin(g)) << g;
    }
    for (std::string_view g : {"7038010069303", "5000112637921", "703801006930", "1234567", "703801006930X", ""}) {
        EXPECT_FALSE(is_valid_gtin(g)) << g;
    }
    EXPECT_TRUE(is_valid_gtin14("07038010069307"));
    EXPECT_FALSE(is_valid_gtin14("7038010069307"));
}

TEST(Gtin, NormalisesToGtin14) {
    EXPECT_EQ(*normalize_gtin("7038010069307"), "07038010069307");
    EXPECT_EQ(*normalize_gtin("5000112637922"), "05000112637922");
    EXPECT_EQ(*normalize_gtin("036000291452"), "00036000291452");
    EXPECT_EQ(*normalize_gtin("96385074"), "00000096385074");
    EXPECT_EQ(*normalize_gtin("07038010069307"), "07038010069307");
}

TEST(Gtin, NormaliseNamesTheProblem) {
    auto bad = normalize_gtin("7038010069303");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::invalid_value);
    EXPECT_EQ(bad.error().message, "check digit 3 does not match computed 7 for \"7038010069303\"");
    EXPECT_EQ(normalize_gtin("70380100693").error().message,
              "GTIN must have 8, 12, 13 or 14 digits, got 11 in \"70380100693\"");
    EXPECT_EQ(normalize_gtin("7038-01006930").error().message, "GTIN must be digits only, got \"7038-01006930\"");
    EXPECT_EQ(normalize_gtin("").error().message, "empty GTIN");
}

TEST(Gtin, Gtin14ProblemMessages) {
    EXPECT_FALSE(gtin14_problem("07038010069307"));
    EXPECT_EQ(*gtin14_problem("07038010069303"), "check digit 3 does not match computed 7 for \"07038010069303\"");
    EXPECT_EQ(*gtin14_problem("7038010069307"),
              "expected 14 digits (GTIN-14), got 13: normalise GTIN-8/12/13 with normalize_gtin");
}

TEST(Gtin, ThirteenDigitForm) {
    EXPECT_EQ(*to_gtin13("07038010069307"), "7038010069307");
    EXPECT_EQ(*to_gtin13("036000291452"), "0036000291452");  // the 13-digit UPC a grocer asks for
    EXPECT_EQ(*to_gtin13("96385074"), "0000096385074");
    EXPECT_FALSE(to_gtin13("10036000291459"));  // packaging indicator 1: no 13-digit form
    EXPECT_FALSE(to_gtin13("07038010069303"));
}

TEST(Gtin, UpcAConversions) {
    EXPECT_EQ(*to_upc_a("00036000291452"), "036000291452");
    EXPECT_EQ(*to_upc_a("0036000291452"), "036000291452");
    EXPECT_FALSE(to_upc_a("07038010069307"));
    EXPECT_EQ(*upc_a_to_ean13("036000291452"), "0036000291452");
    EXPECT_EQ(*ean13_to_upc_a("0036000291452"), "036000291452");
    EXPECT_FALSE(ean13_to_upc_a("7038010069307"));  // a Norwegian EAN is no UPC
    EXPECT_FALSE(upc_a_to_ean13("036000291453"));   // bad check digit
    EXPECT_FALSE(upc_a_to_ean13("7038010069307"));  // wrong length
    EXPECT_FALSE(ean13_to_upc_a("036000291452"));
}

}  // namespace
}  // namespace gw::model
