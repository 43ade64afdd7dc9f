#include "gateway/model/norwegian_ids.hpp"

#include <gtest/gtest.h>

namespace gw::model {
namespace {

// Synthetic numbers that pass both check digits (computed for these tests; no real person's number).
constexpr std::string_view fnr = "01019010046";
constexpr std::string_view fnr2 = "15057510061";
constexpr std::string_view d_number = "41019010110";   // day + 40
constexpr std::string_view synthetic = "01819010001";  // month + 80 (test numbers)

TEST(Fodselsnummer, PassesBothCheckDigits) {
    for (auto n : {fnr, fnr2, d_number, synthetic}) EXPECT_TRUE(is_fodselsnummer(n)) << n;
}

TEST(Fodselsnummer, FailsWhenAnyCheckDigitIsWrong) {
    EXPECT_FALSE(is_fodselsnummer("01019010047"));  // k2 off
    EXPECT_FALSE(is_fodselsnummer("01019010036"));  // k1 off
    EXPECT_FALSE(is_fodselsnummer("0101901004"));
    EXPECT_FALSE(is_fodselsnummer("010190100466"));
    EXPECT_FALSE(is_fodselsnummer("0101901004a"));
    EXPECT_FALSE(is_fodselsnummer("12345678901"));
}

TEST(Fodselsnummer, FoundInFreeText) {
    EXPECT_EQ(find_fodselsnummer("fnr 01019010046, ring på"), 4U);
    EXPECT_EQ(find_fodselsnummer("01019010046"), 0U);
    EXPECT_EQ(find_fodselsnummer("pnr: 010190 10046"), 5U);
    EXPECT_EQ(find_fodselsnummer("pnr: 010190-10046"), 5U);
    EXPECT_EQ(find_fodselsnummer("x150575.10061"), 1U);
    EXPECT_EQ(find_fodselsnummer("first 12345678901 then 15057510061"), 23U);
}

TEST(Fodselsnummer, NotFoundInOtherNumbers) {
    EXPECT_FALSE(find_fodselsnummer(""));
    EXPECT_FALSE(find_fodselsnummer("Nøkkelboks kode 1234, ring 91234567"));
    EXPECT_FALSE(find_fodselsnummer("GTIN 07038010069307"));
    EXPECT_FALSE(find_fodselsnummer("0101901004612"));  // inside a longer run
    EXPECT_FALSE(find_fodselsnummer("9010190100461"));
    EXPECT_FALSE(find_fodselsnummer("1010190 10046"));  // 7 + 5 digits
    EXPECT_FALSE(find_fodselsnummer("010190  10046"));  // two separators
    EXPECT_FALSE(find_fodselsnummer("010190 100461"));
    EXPECT_FALSE(find_fodselsnummer("12345678901"));
    EXPECT_FALSE(contains_fodselsnummer("konto 1234.56.78903"));
}

TEST(MunicipalityNumber, FourDigits) {
    EXPECT_TRUE(is_valid_municipality_number("3201"));
    EXPECT_TRUE(is_valid_municipality_number("0301"));
    for (std::string_view bad : {"320", "32011", "32O1", "0000", "", " 3201"}) {
        EXPECT_FALSE(is_valid_municipality_number(bad)) << bad;
    }
}

TEST(OrganisationNumber, Mod11) {
    EXPECT_TRUE(is_valid_organisation_number("974760673"));  // Brønnøysundregistrene
    EXPECT_FALSE(is_valid_organisation_number("974760674"));
    EXPECT_FALSE(is_valid_organisation_number("97476067"));
    EXPECT_FALSE(is_valid_organisation_number("97476067a"));
    // A prefix whose weighted sum leaves remainder 1 would need check digit 10: no digit makes it valid.
    for (char c = '0'; c <= '9'; ++c) EXPECT_FALSE(is_valid_organisation_number(std::string("10000013") + c));
}

}  // namespace
}  // namespace gw::model
