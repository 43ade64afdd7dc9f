#include "gateway/model/decimal.hpp"

#include <gtest/gtest.h>

namespace gw::model {
namespace {

TEST(Decimal, ParsesAndPrintsExactly) {
    for (std::string_view text :
         {"0", "1", "2", "0.5", "1.50", "0.001", "-1.25", "123456789012345678", "0.000000001", "999999999.999999999"}) {
        auto d = Decimal::parse(text);
        ASSERT_TRUE(d) << text;
        EXPECT_EQ(d->to_string(), text);
    }
}

TEST(Decimal, KeepsScale) {
    auto d = Decimal::parse("1.50");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->mantissa(), 150);
    EXPECT_EQ(d->scale(), 2);
    EXPECT_NE(*d, *Decimal::parse("1.5"));
    EXPECT_EQ(Decimal::compare(*d, *Decimal::parse("1.5")), std::strong_ordering::equal);
}

TEST(Decimal, LeadingZerosAreAccepted) {
    EXPECT_EQ(Decimal::parse("007")->to_string(), "7");
}

TEST(Decimal, RejectsWhatIsNotAPlainDecimal) {
    for (std::string_view text : {"", "-", ".5", "5.", "+1", "1e3", "1,5", " 1", "1 ", "0x10", "1.2.3", "--1",
                                  "1234567890123456789", "0.0000000001", "NaN", "inf"}) {
        EXPECT_FALSE(Decimal::parse(text)) << text;
    }
}

TEST(Decimal, SignAndZero) {
    EXPECT_TRUE(Decimal::parse("0.001")->is_positive());
    EXPECT_FALSE(Decimal::parse("0.000")->is_positive());
    EXPECT_TRUE(Decimal::parse("0.000")->is_zero());
    EXPECT_FALSE(Decimal::parse("-0.5")->is_positive());
    EXPECT_EQ(Decimal::parse("-0.5")->to_string(), "-0.5");
}

TEST(Decimal, CompareIsNumeric) {
    const auto cmp = [](std::string_view a, std::string_view b) {
        return Decimal::compare(*Decimal::parse(a), *Decimal::parse(b));
    };
    EXPECT_EQ(cmp("1.2", "1.15"), std::strong_ordering::greater);
    EXPECT_EQ(cmp("-1.5", "-1.2"), std::strong_ordering::less);
    EXPECT_EQ(cmp("-0.5", "-1.2"), std::strong_ordering::greater);
    EXPECT_EQ(cmp("-0.5", "0.5"), std::strong_ordering::less);
    EXPECT_EQ(cmp("999999999999999999", "999999999.999999999"), std::strong_ordering::greater);
    EXPECT_EQ(cmp("2", "2.000000000"), std::strong_ordering::equal);
}

TEST(Decimal, FromParts) {
    EXPECT_EQ(Decimal::from_parts(125, 2)->to_string(), "1.25");
    EXPECT_EQ(Decimal::from_parts(-5, 3)->to_string(), "-0.005");
    EXPECT_FALSE(Decimal::from_parts(1, 10));
    EXPECT_FALSE(Decimal::from_parts(1, -1));
    EXPECT_FALSE(Decimal::from_parts(1'000'000'000'000'000'000, 0));
    EXPECT_EQ(Decimal::from_integer(3).to_string(), "3");
}

}  // namespace
}  // namespace gw::model
