#include <set>

#include <gtest/gtest.h>

#include "gateway/pipeline/order_id.hpp"

namespace gw::pipeline {
namespace {

TEST(OrderId, UlidShapeUniqueAndSortedByTime) {
    using namespace std::chrono;
    const auto t = system_clock::time_point(milliseconds(1'764'000'000'000));
    const auto a = new_order_id(t);
    EXPECT_EQ(a.size(), 3u + 26u);
    EXPECT_TRUE(a.starts_with("GW-"));
    EXPECT_EQ(a.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 3), std::string::npos);
    std::set<std::string> seen;
    for (int i = 0; i < 10'000; ++i) seen.insert(new_order_id(t));
    EXPECT_EQ(seen.size(), 10'000u);
    EXPECT_LT(new_order_id(t).substr(0, 13), new_order_id(t + milliseconds(1)).substr(0, 13));
    EXPECT_LT(new_order_id(t), new_order_id(t + hours(24 * 365)));
}

}  // namespace
}  // namespace gw::pipeline
