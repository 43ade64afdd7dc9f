#include "gateway/model/datetime.hpp"

#include <gtest/gtest.h>

namespace gw::model {
namespace {

TEST(Date, ParsesRealDaysOnly) {
    EXPECT_EQ(parse_date("2026-11-26"), (Date{2026, 11, 26}));
    EXPECT_EQ(parse_date("2028-02-29"), (Date{2028, 2, 29}));
    for (std::string_view bad : {"2026-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-01-00", "2026-1-1",
                                 "26-11-26", "2026-11-26T00:00", "2026/11/26", "", "0000-01-01"}) {
        EXPECT_FALSE(parse_date(bad)) << bad;
    }
    EXPECT_EQ(to_string(Date{2026, 1, 2}), "2026-01-02");
}

TEST(LocalTime, ParsesHoursAndMinutes) {
    EXPECT_EQ(parse_local_time("08:00"), (LocalTime{8, 0}));
    EXPECT_EQ(parse_local_time("23:59"), (LocalTime{23, 59}));
    for (std::string_view bad : {"24:00", "08:60", "8:00", "08:00:00", "0800", ""}) {
        EXPECT_FALSE(parse_local_time(bad)) << bad;
    }
    EXPECT_EQ(to_string(LocalTime{8, 5}), "08:05");
    EXPECT_LT((LocalTime{8, 0}), (LocalTime{10, 30}));
}

TEST(Timestamp, RoundTripsRfc3339) {
    for (std::string_view text : {"2026-11-25T14:03:00+01:00", "2026-11-25T14:03:00Z", "2026-11-25T14:03:00.5Z",
                                  "2026-11-25T14:03:00.123456789-05:30", "2026-06-01T00:00:00.001+02:00"}) {
        auto t = parse_timestamp(text);
        ASSERT_TRUE(t) << text;
        EXPECT_EQ(to_string(*t), text);
    }
}

TEST(Timestamp, NormalisesEquivalentSpellings) {
    EXPECT_EQ(to_string(*parse_timestamp("2026-11-25t14:03:00.500z")), "2026-11-25T14:03:00.5Z");
    EXPECT_EQ(to_string(*parse_timestamp("2026-11-25 14:03:00+00:00")), "2026-11-25T14:03:00Z");
}

TEST(Timestamp, RejectsAmbiguousOrMalformed) {
    for (std::string_view bad :
         {"2026-11-25T14:03:00", "2026-11-25T14:03+01:00", "2026-11-25T24:00:00Z", "2026-11-25T14:03:60Z",
          "2026-11-25T14:03:00.Z", "2026-11-25T14:03:00.1234567890Z", "2026-11-25T14:03:00+0100",
          "2026-11-25T14:03:00+24:00", "2026-02-30T00:00:00Z", "2026-11-25T14:03:00Z ", ""}) {
        EXPECT_FALSE(parse_timestamp(bad)) << bad;
    }
}

TEST(Timestamp, ToSysComparesInstants) {
    const auto a = *parse_timestamp("2026-11-25T14:03:00+01:00");
    const auto b = *parse_timestamp("2026-11-25T13:03:00Z");
    EXPECT_NE(a, b);
    EXPECT_EQ(a.to_sys(), b.to_sys());
    EXPECT_LT(parse_timestamp("2026-11-25T13:03:00.1Z")->to_sys(), parse_timestamp("2026-11-25T13:03:00.2Z")->to_sys());
}

}  // namespace
}  // namespace gw::model

TEST(UtcTimestamp, RoundTripsAnInstantToTheMillisecond) {
    using namespace std::chrono;
    const auto t = sys_days{2026y / November / 25} + 13h + 4min + 5s + 678ms;
    const auto ts = gw::model::utc_timestamp(time_point_cast<system_clock::duration>(t));
    EXPECT_EQ(gw::model::to_string(ts), "2026-11-25T13:04:05.678Z");
    EXPECT_EQ(ts.to_sys(), t);
}
