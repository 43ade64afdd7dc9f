#include <gtest/gtest.h>

#include "gateway/routing/oslo_time.hpp"
#include "gateway/routing/router.hpp"

namespace gw::routing {
namespace {

using namespace std::chrono;

system_clock::time_point utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min};
}

TEST(OsloTime, WinterIsUtcPlusOneAndSummerUtcPlusTwo) {
    EXPECT_EQ(oslo_offset(utc(2026, 1, 15, 12)), minutes{60});
    EXPECT_EQ(oslo_offset(utc(2026, 7, 1, 12)), minutes{120});
    // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
    EXPECT_EQ(oslo_offset(utc(2026, 3, 29, 0, 59)), minutes{60});
    EXPECT_EQ(oslo_offset(utc(2026, 3, 29, 1, 0)), minutes{120});
    EXPECT_EQ(oslo_offset(utc(2026, 10, 25, 0, 59)), minutes{120});
    EXPECT_EQ(oslo_offset(utc(2026, 10, 25, 1, 0)), minutes{60});
}

TEST(OsloTime, TheOsloDayStartsBeforeTheUtcDay) {
    EXPECT_EQ(oslo_date(utc(2026, 11, 30, 23, 30)), "2026-12-01");  // 00:30 CET
    EXPECT_EQ(oslo_date(utc(2026, 11, 30, 22, 59)), "2026-11-30");
    EXPECT_EQ(oslo_date(utc(2026, 6, 30, 22, 0)), "2026-07-01");    // 00:00 CEST
    EXPECT_EQ(oslo_date(utc(2026, 6, 30, 21, 59)), "2026-06-30");
}

config::RouteSection route(std::string municipality, std::string district,
                           std::vector<config::ContractSection> contracts, std::string shadow = {}) {
    return {std::move(municipality), std::move(district), std::move(contracts), std::move(shadow)};
}

TEST(Router, ContractsSwitchAtOsloMidnight) {
    Router router({route("3201", "", {{"oda-web", "2026-01-01", "2026-12-01"}, {"instacart-connect", "2026-12-01", ""}},
                         "instacart-connect")});
    auto before = router.choose("3201", "", utc(2026, 11, 30, 22, 59));
    ASSERT_TRUE(before);
    EXPECT_EQ(before->vendor, "oda-web");
    EXPECT_EQ(before->shadow, "instacart-connect");
    auto after = router.choose("3201", "", utc(2026, 11, 30, 23, 0));  // 00:00 on 1 December in Oslo
    ASSERT_TRUE(after);
    EXPECT_EQ(after->vendor, "instacart-connect");
    EXPECT_EQ(after->day, "2026-12-01");
    EXPECT_EQ(after->shadow, "");  // the shadow vendor serves the route now: nothing to compare
}

TEST(Router, DistrictBeatsMunicipalityBeatsFallback) {
    Router router({route("*", "", {{"peppol-bis", "2020-01-01", ""}}),
                   route("3201", "", {{"oda-web", "2026-01-01", ""}}),
                   route("3201", "VEST", {{"kroger-cart", "2026-01-01", "2027-01-01"}})});
    EXPECT_EQ(router.choose_on_day("3201", "VEST", "2026-05-01")->vendor, "kroger-cart");
    EXPECT_EQ(router.choose_on_day("3201", "ØST", "2026-05-01")->vendor, "oda-web");
    // The district's contract ended: the municipality's route takes over.
    EXPECT_EQ(router.choose_on_day("3201", "VEST", "2027-01-01")->vendor, "oda-web");
    EXPECT_EQ(router.choose_on_day("0301", "", "2026-05-01")->vendor, "peppol-bis");
}

TEST(Router, NoContractIsAReadableError) {
    Router router({route("3201", "", {{"oda-web", "2026-01-01", "2026-12-01"}})});
    auto none = router.choose_on_day("3201", "", "2026-12-01");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, ErrorCode::not_found);
    EXPECT_NE(none.error().message.find("3201"), std::string::npos);
    EXPECT_NE(none.error().message.find("2026-12-01"), std::string::npos);
    EXPECT_FALSE(router.choose_on_day("0301", "", "2026-06-01"));
}

}  // namespace
}  // namespace gw::routing
