// Runs every shipped mapping test case (mappings/**/*.test.yaml) inside the unit tests, so the sanitizer build
// covers the mappings the product ships, not only the engine's own cases.
#include <gtest/gtest.h>

#include <sstream>

#include "gateway/mapping/test_runner.hpp"

namespace gw::mapping {
namespace {

TEST(ShippedMappings, AllCasesPass) {
    std::ostringstream out;
    const auto summary = run_mapping_tests({"mappings"}, out);
    EXPECT_EQ(summary.failed, 0) << out.str();
    EXPECT_GE(summary.passed, 60) << out.str();
    std::cout << summary.passed << " passed, " << summary.failed << " failed\n";
}

TEST(ShippedMappings, FailureShowsADiff) {
    std::ostringstream out;
    const auto summary = run_mapping_tests({"tests/gateway/mapping/data/failing.test.yaml"}, out);
    EXPECT_EQ(summary.failed, 3) << out.str();
    EXPECT_EQ(summary.passed, 0) << out.str();
    const std::string text = out.str();
    EXPECT_NE(text.find("/source/placer_order_number: expected \"WRONG\", got \"BK-2026-004711\""), std::string::npos)
        << text;
    EXPECT_NE(text.find("expected an error, but the mapping succeeded"), std::string::npos) << text;
    EXPECT_NE(text.find("error does not mention \"nothing like this\""), std::string::npos) << text;
}

}  // namespace
}  // namespace gw::mapping
