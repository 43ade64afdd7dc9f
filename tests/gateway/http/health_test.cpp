// /healthz and /readyz from the HealthRegistry, over a real connection.

#include <atomic>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "gateway/http/health.hpp"
#include "server_harness.hpp"

namespace gw::http {
namespace {

using testing::ServerHarness;
using testing::test_options;

TEST(Health, LivenessAndReadiness) {
    HealthRegistry health;
    std::atomic<bool> store_ok{true};
    health.add("store", [&]() -> Result<void> {
        if (store_ok) return {};
        return make_error(ErrorCode::unavailable, "store is read-only");
    });
    health.add("listeners", [] { return Result<void>{}; });
    Router router;
    health.mount(router);
    ServerHarness h(test_options(), std::move(router));
    ASSERT_TRUE(h.start());
    auto client = h.connect();

    auto live = client.request(Verb::get, "/healthz");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->status, 200U);
    EXPECT_EQ(boost::json::parse(live->body), boost::json::parse(R"({"status":"ok"})"));

    auto ready = client.request(Verb::get, "/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200U);
    auto ok_json = boost::json::parse(ready->body).as_object();
    EXPECT_EQ(ok_json.at("status").as_string(), "ok");
    EXPECT_EQ(ok_json.at("checks").as_array().size(), 2U);

    store_ok = false;
    auto unready = client.request(Verb::get, "/readyz");
    ASSERT_TRUE(unready);
    EXPECT_EQ(unready->status, 503U);
    EXPECT_EQ(unready->header("Content-Type"), "application/problem+json");
    auto json = boost::json::parse(unready->body).as_object();
    EXPECT_EQ(json.at("status").as_int64(), 503);
    const auto& checks = json.at("checks").as_array();
    ASSERT_EQ(checks.size(), 2U);
    EXPECT_EQ(checks.at(0).at("name").as_string(), "store");
    EXPECT_EQ(checks.at(0).at("status").as_string(), "fail");
    EXPECT_EQ(checks.at(0).at("error").as_string(), "store is read-only");
    EXPECT_EQ(checks.at(1).at("status").as_string(), "ok");

    // Liveness does not depend on readiness.
    auto still_live = client.request(Verb::get, "/healthz");
    ASSERT_TRUE(still_live);
    EXPECT_EQ(still_live->status, 200U);
}

TEST(Health, ReplacingRemovingAndThrowingChecks) {
    HealthRegistry health;
    health.add("a", [] { return Result<void>(make_error(ErrorCode::unavailable, "down")); });
    health.add("a", [] { return Result<void>{}; });
    health.add("b", []() -> Result<void> { throw std::runtime_error("bug"); });
    auto results = health.run();
    ASSERT_EQ(results.size(), 2U);
    EXPECT_TRUE(results[0].ok);
    EXPECT_FALSE(results[1].ok);
    EXPECT_NE(results[1].error.find("bug"), std::string::npos);
    health.remove("b");
    EXPECT_EQ(health.readiness().status, Status::ok);
    EXPECT_EQ(HealthRegistry{}.readiness().status, Status::ok);
}

}  // namespace
}  // namespace gw::http
