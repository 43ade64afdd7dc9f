// Retry-After in both forms RFC 9110 allows: delta-seconds and HTTP-date (IMF-fixdate, RFC 850, asctime).
#include <gtest/gtest.h>

#include "adapters/http/retry_after.hpp"

namespace gw::adapters::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// 1994-11-06T08:49:37Z, RFC 9110's example date.
const auto kExample = std::chrono::system_clock::time_point(seconds(784111777));

TEST(RetryAfter, DeltaSeconds) {
    EXPECT_EQ(parse_retry_after("120", kExample), milliseconds(120'000));
    EXPECT_EQ(parse_retry_after(" 0 ", kExample), milliseconds(0));
    // Capped at a day: a typo must not park an order for years.
    EXPECT_EQ(parse_retry_after("99999999999999999999", kExample), milliseconds(86'400'000));
}

TEST(RetryAfter, HttpDateInAllThreeForms) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
    EXPECT_EQ(parse_http_date("Thu, 26 Nov 2026 10:00:00 GMT"), 1795687200);
}

TEST(RetryAfter, HttpDateIsRelativeToNow) {
    const auto now = std::chrono::system_clock::time_point(seconds(784111777) - milliseconds(1500));
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), milliseconds(1500));
    // A date in the past means "now".
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kExample + seconds(60)), milliseconds(0));
}

TEST(RetryAfter, GarbageIsIgnored) {
    EXPECT_EQ(parse_retry_after("", kExample), std::nullopt);
    EXPECT_EQ(parse_retry_after("-5", kExample), std::nullopt);
    EXPECT_EQ(parse_retry_after("1.5", kExample), std::nullopt);
    EXPECT_EQ(parse_retry_after("soon", kExample), std::nullopt);
    EXPECT_EQ(parse_retry_after("Sun, 31 Feb 1994 08:49:37 GMT", kExample), std::nullopt);
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 25:49:37 GMT", kExample), std::nullopt);
    EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 CET", kExample), std::nullopt);
}

}  // namespace
}  // namespace gw::adapters::http
