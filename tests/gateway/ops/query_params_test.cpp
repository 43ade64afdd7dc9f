// Query parameters of the admin API: strict names, capped page sizes, times as instants or Oslo days.
#include <gtest/gtest.h>

#include "gateway/ops/query_params.hpp"

namespace gw::ops {
namespace {

TEST(QueryParams, UnknownAndRepeatedParametersAreErrors) {
    http::Params p{{"vendor", "oda"}, {"stat", "failed"}};
    QueryParams q(p, {"vendor", "state"});
    ASSERT_TRUE(q.error());
    EXPECT_NE(q.error()->message.find("unknown query parameter 'stat'"), std::string::npos);
    http::Params twice{{"vendor", "a"}, {"vendor", "b"}};
    EXPECT_TRUE(QueryParams(twice, {"vendor"}).error());
    http::Params fine{{"vendor", "a"}};
    QueryParams ok(fine, {"vendor", "state"});
    EXPECT_EQ(ok.text("vendor"), "a");
    EXPECT_EQ(ok.text("state"), "");
    EXPECT_FALSE(ok.error());
}

TEST(QueryParams, PageSizesAreCapped) {
    auto page = [](std::string limit) {
        http::Params p{{"limit", limit}};
        QueryParams q(p, {"limit", "cursor"});
        auto r = q.page(50, 200);
        return std::pair(r.limit, q.error().has_value());
    };
    using Outcome = std::pair<std::size_t, bool>;  // limit, error
    EXPECT_EQ(page("10"), Outcome(10, false));
    EXPECT_EQ(page("200"), Outcome(200, false));
    EXPECT_EQ(page("5000"), Outcome(200, false));
    EXPECT_EQ(page("99999999999999999999999999999999"), Outcome(200, false));
    EXPECT_TRUE(page("0").second);
    EXPECT_TRUE(page("-1").second);
    EXPECT_TRUE(page("1e3").second);
    EXPECT_TRUE(page("").second);
    http::Params none;
    QueryParams q(none, {"limit"});
    EXPECT_EQ(q.page(50, 200).limit, 50u);
}

TEST(QueryParams, TimesAreInstantsOrOsloDays) {
    http::Params p{{"from", "2026-11-12"}, {"to", "2026-11-12T09:00:00+01:00"}, {"bad", "12/11/2026"}};
    QueryParams q(p, {"from", "to", "bad"});
    EXPECT_EQ(format_time(*q.time("from")), "2026-11-11T23:00:00Z");  // midnight in Oslo (CET)
    EXPECT_EQ(format_time(*q.time("to")), "2026-11-12T08:00:00Z");
    EXPECT_FALSE(q.error());
    EXPECT_FALSE(q.time("bad"));
    EXPECT_TRUE(q.error());
    EXPECT_EQ(format_time(*oslo_day_start("2026-07-01")), "2026-06-30T22:00:00Z");  // CEST
}

TEST(QueryParams, IntegersTextAndFlags) {
    http::Params p{{"id", "42x"}, {"n", "7"}, {"text", std::string(300, 'a')}, {"f", "true"}, {"g", "maybe"}};
    QueryParams q(p, {"id", "n", "text", "f", "g"});
    EXPECT_EQ(q.integer("n", 1, 10), 7);
    EXPECT_TRUE(q.flag("f"));
    EXPECT_FALSE(q.error());
    EXPECT_FALSE(q.integer("id", 1, 100));
    EXPECT_TRUE(q.error());
    QueryParams q2(p, {"id", "n", "text", "f", "g"});
    EXPECT_EQ(q2.text("text"), "");
    EXPECT_TRUE(q2.error());
    QueryParams q3(p, {"id", "n", "text", "f", "g"});
    EXPECT_FALSE(q3.flag("g"));
    EXPECT_TRUE(q3.error());
}

}  // namespace
}  // namespace gw::ops
