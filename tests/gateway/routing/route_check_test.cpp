#include <gtest/gtest.h>

#include "gateway/config/gateway_config.hpp"
#include "gateway/routing/day_span.hpp"
#include "gateway/routing/route_check.hpp"
#include "gateway/routing/route_table.hpp"

namespace gw::routing {
namespace {

// Routes as `gateway check` sees them: loaded from YAML, so every problem has a real FILE:LINE:COL.
std::vector<config::RouteSection> load(const std::string& routes_yaml) {
    const std::string yaml = R"(
vendors:
  oda-web: {folder: x, base_url: "http://127.0.0.1:1/oda"}
  instacart-connect: {folder: x, base_url: "http://127.0.0.1:1/ic"}
  kroger-cart: {folder: x, base_url: "http://127.0.0.1:1/kc"}
  peppol-bis: {folder: x, base_url: "http://127.0.0.1:1/pb"}
  paused-grocer: {folder: x, base_url: "http://127.0.0.1:1/pg", enabled: false}
)" + routes_yaml;
    config::LoadOptions options;
    options.check_files = false;
    auto loaded = config::load_gateway_config_text(yaml, "routes.yaml", options);
    EXPECT_TRUE(loaded.errors.empty()) << (loaded.errors.empty() ? "" : loaded.errors.front().to_string());
    return loaded.config ? loaded.config->routes : std::vector<config::RouteSection>{};
}

VendorFactsMap facts() {
    VendorFactsMap m;
    m["oda-web"] = VendorFacts{true, false, false, false};
    m["instacart-connect"] = VendorFacts{true, true, false, false};
    m["kroger-cart"] = VendorFacts{true, false, false, true};
    m["peppol-bis"] = VendorFacts{true, true, false, false};
    m["paused-grocer"] = VendorFacts{false, true, true, false};
    return m;
}

std::string all(const std::vector<Error>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
}

TEST(DaySpan, SubtractFindsEveryHoleInDayOrder) {
    auto holes = subtract({"2026-01-01", kForever},
                          {{"2026-03-01", "2026-04-01"}, {"2026-01-01", "2026-02-01"}, {"2026-05-01", kForever}});
    ASSERT_EQ(holes.size(), 2u);
    EXPECT_EQ(to_text(holes[0]), "2026-02-01..2026-02-28");
    EXPECT_EQ(to_text(holes[1]), "2026-04-01..2026-04-30");
    EXPECT_TRUE(subtract({"2026-01-01", "2026-06-01"}, {{"2025-01-01", kForever}}).empty());
    EXPECT_EQ(to_text(subtract({"2026-01-01", kForever}, {{"2020-01-01", "2027-01-01"}}).at(0)), "2027-01-01 on");
    EXPECT_EQ(to_text(DaySpan{"2024-02-29", "2024-03-01"}), "2024-02-29");  // leap day, one day
    EXPECT_EQ(previous_day("2027-01-01"), "2026-12-31");
}

TEST(RouteCheck, AShippedStyleTableIsClean) {
    auto routes = load(R"(
routes:
  - municipality: "3201"
    requires: [status]
    shadow: instacart-connect
    contracts:
      - {vendor: peppol-bis, from: "2026-01-01", until: "2027-01-01"}
      - {vendor: instacart-connect, from: "2027-01-01"}
  - municipality: "*"
    contracts:
      - {vendor: peppol-bis, from: "2020-01-01"}
)");
    auto check = check_routes(routes, facts(), "2026-06-01");
    EXPECT_TRUE(check.errors.empty()) << all(check.errors);
    EXPECT_TRUE(check.warnings.empty()) << all(check.warnings);
}

TEST(RouteCheck, OverlappingContractsAreRejectedAtTheLaterContract) {
    auto routes = load(R"(
routes:
  - municipality: "3201"
    contracts:
      - {vendor: oda-web, from: "2026-01-01", until: "2027-01-01"}
      - {vendor: instacart-connect, from: "2026-12-01"}
)");
    auto check = check_routes(routes, facts(), "2026-06-01");
    ASSERT_EQ(check.errors.size(), 1u) << all(check.errors);
    const auto& e = check.errors[0];
    EXPECT_EQ(e.code, ErrorCode::conflict);
    EXPECT_EQ(e.where.file, "routes.yaml");
    EXPECT_EQ(e.where.line, 13);  // the second contract
    EXPECT_NE(e.message.find("on 2026-12-01..2026-12-31"), std::string::npos) << e.message;
    EXPECT_NE(e.to_string().find("routes.yaml:13:9:"), std::string::npos) << e.to_string();
}

TEST(RouteCheck, AGapBetweenContractsIsAnErrorUnlessAFallbackCoversIt) {
    const std::string gap = R"(
routes:
  - municipality: "3201"
    contracts:
      - {vendor: oda-web, from: "2026-01-01", until: "2026-12-01"}
      - {vendor: instacart-connect, from: "2027-01-01"}
)";
    auto check = check_routes(load(gap), facts(), "2026-06-01");
    ASSERT_EQ(check.errors.size(), 1u) << all(check.errors);
    EXPECT_NE(check.errors[0].message.find("no vendor for municipality 3201 on 2026-12-01..2026-12-31"),
              std::string::npos)
        << check.errors[0].message;
    EXPECT_EQ(check.errors[0].where.line, 10);  // the route

    auto covered = check_routes(load(gap + R"(
  - municipality: "*"
    contracts:
      - {vendor: peppol-bis, from: "2020-01-01"}
)"),
                                facts(), "2026-06-01");
    EXPECT_TRUE(covered.errors.empty()) << all(covered.errors);

    // A gap that lies in the past is history, not a problem.
    EXPECT_TRUE(check_routes(load(gap), facts(), "2027-02-01").errors.empty());
}

TEST(RouteCheck, AnEndingLastContractNeedsAFallbackAndAFallbackMayHaveHolesToo) {
    auto check = check_routes(load(R"(
routes:
  - municipality: "3201"
    district: VEST
    contracts:
      - {vendor: oda-web, from: "2026-01-01", until: "2027-01-01"}
  - municipality: "3201"
    contracts:
      - {vendor: peppol-bis, from: "2026-01-01", until: "2027-06-01"}
)"),
                              facts(), "2026-06-01");
    // VEST falls back to 3201 until 2027-06-01; after that both have nothing.
    ASSERT_EQ(check.errors.size(), 2u) << all(check.errors);
    EXPECT_NE(check.errors[0].message.find("municipality 3201 district VEST on 2027-06-01 on"), std::string::npos)
        << all(check.errors);
    EXPECT_NE(check.errors[1].message.find("municipality 3201 on 2027-06-01 on"), std::string::npos)
        << all(check.errors);
}

TEST(RouteCheck, DaysBeforeAFutureFirstContractOnlyWarn) {
    auto check = check_routes(load(R"(
routes:
  - municipality: "0301"
    contracts:
      - {vendor: peppol-bis, from: "2027-01-01"}
)"),
                              facts(), "2026-06-01");
    EXPECT_TRUE(check.errors.empty()) << all(check.errors);
    ASSERT_EQ(check.warnings.size(), 1u);
    EXPECT_NE(check.warnings[0].message.find("2026-06-01..2026-12-31"), std::string::npos) << all(check.warnings);
    EXPECT_NE(warning_text(check.warnings[0]).find("routes.yaml:10:5: warning: orders from municipality 0301"),
              std::string::npos)
        << warning_text(check.warnings[0]);
}

TEST(RouteCheck, VendorsThatCannotDoWhatTheRouteRequiresAreRejected) {
    auto check = check_routes(load(R"(
routes:
  - municipality: "3201"
    requires: [status, cancel]
    shadow: kroger-cart
    contracts:
      - {vendor: oda-web, from: "2020-01-01", until: "2026-01-01"}
      - {vendor: kroger-cart, from: "2026-01-01", until: "2027-01-01"}
      - {vendor: paused-grocer, from: "2027-01-01"}
)"),
                              facts(), "2026-06-01");
    // oda-web's contract is history; kroger-cart cannot report status nor cancel; paused-grocer can do both.
    ASSERT_EQ(check.errors.size(), 2u) << all(check.errors);
    EXPECT_NE(check.errors[0].message.find("vendor kroger-cart cannot serve municipality 3201: it takes a cart "
                                           "hand-off and never reports order status"),
              std::string::npos)
        << all(check.errors);
    EXPECT_EQ(check.errors[0].code, ErrorCode::unsupported);
    EXPECT_EQ(check.errors[0].where.line, 15);
    EXPECT_NE(check.errors[1].message.find("cannot cancel"), std::string::npos);
    EXPECT_NE(check.errors[0].hint.find("requires: [status, cancel]"), std::string::npos);
    // Warnings: the shadow could not take over (twice: status, cancel), it already serves the route today, and the
    // paused vendor's orders will wait.
    std::string warnings = all(check.warnings);
    EXPECT_NE(warnings.find("shadow vendor kroger-cart could not take over"), std::string::npos) << warnings;
    EXPECT_NE(warnings.find("already serves municipality 3201 on 2026-06-01"), std::string::npos) << warnings;
    EXPECT_NE(warnings.find("vendor paused-grocer is paused (enabled: false)"), std::string::npos) << warnings;
    EXPECT_NE(warnings.find("wait in the outbox"), std::string::npos) << warnings;
}

TEST(RouteCheck, DuplicateAndEmptyRoutesAreRejected) {
    auto check = check_routes(load(R"(
routes:
  - municipality: "3201"
    contracts: [{vendor: oda-web, from: "2020-01-01"}]
  - municipality: "3201"
    contracts: [{vendor: peppol-bis, from: "2020-01-01"}]
  - municipality: "0301"
    contracts: []
)"),
                              facts(), "2026-06-01");
    ASSERT_EQ(check.errors.size(), 2u) << all(check.errors);
    EXPECT_NE(check.errors[0].message.find("a second route for municipality 3201"), std::string::npos);
    EXPECT_NE(check.errors[0].hint.find("line 10"), std::string::npos) << check.errors[0].hint;
    EXPECT_NE(check.errors[1].message.find("municipality 0301 has no contracts"), std::string::npos);
}

TEST(RouteCheck, UnknownRequirementIsAConfigError) {
    config::LoadOptions options;
    options.check_files = false;
    auto loaded = config::load_gateway_config_text(R"(
vendors:
  oda-web: {folder: x, base_url: "http://127.0.0.1:1/oda"}
routes:
  - municipality: "3201"
    requires: [status, refunds]
    contracts: [{vendor: oda-web, from: "2020-01-01"}]
)",
                                                   "r.yaml", options);
    ASSERT_EQ(loaded.errors.size(), 1u);
    EXPECT_NE(loaded.errors[0].message.find("unknown capability 'refunds'"), std::string::npos);
}

TEST(RouteTable, ShowsTheVendorOfTheDayAndTheNextSwitchOver) {
    auto routes = load(R"(
routes:
  - municipality: "3201"
    shadow: instacart-connect
    contracts:
      - {vendor: oda-web, from: "2026-01-01", until: "2026-12-01"}
      - {vendor: instacart-connect, from: "2026-12-01"}
  - municipality: "3201"
    district: ØST
    contracts:
      - {vendor: kroger-cart, from: "2026-01-01", until: "2026-07-01"}
  - municipality: "*"
    contracts:
      - {vendor: peppol-bis, from: "2020-01-01"}
)");
    auto before = effective_routes(routes, "2026-11-30");
    ASSERT_EQ(before.size(), 3u);
    EXPECT_EQ(before[0].vendor, "oda-web");
    EXPECT_EQ(before[0].contract, "2026-01-01..2026-11-30");
    EXPECT_EQ(before[0].next_day, "2026-12-01");
    EXPECT_EQ(before[0].next_vendor, "instacart-connect");
    EXPECT_EQ(before[0].shadow, "instacart-connect");
    // ØST's own contract ended: it falls back to the municipality route, and follows its switch-over.
    EXPECT_EQ(before[1].vendor, "oda-web");
    EXPECT_TRUE(before[1].by_fallback);
    EXPECT_EQ(before[1].next_vendor, "instacart-connect");
    EXPECT_EQ(before[2].vendor, "peppol-bis");
    EXPECT_TRUE(before[2].next_day.empty());

    auto after = effective_routes(routes, "2026-12-01");
    EXPECT_EQ(after[0].vendor, "instacart-connect");
    EXPECT_EQ(after[0].contract, "2026-12-01 on");
    EXPECT_TRUE(after[0].next_day.empty());

    const auto text = format_route_table(effective_routes(routes, "2026-06-01"));
    EXPECT_NE(text.find("MUNICIPALITY  DISTRICT  VENDOR"), std::string::npos) << text;
    EXPECT_NE(text.find("3201          ØST       kroger-cart"), std::string::npos) << text;
    EXPECT_NE(text.find("2026-07-01 -> oda-web"), std::string::npos) << text;
}

TEST(RouteTable, ARouteWithNobodyOnTheDaySaysSo) {
    auto rows = effective_routes(load(R"(
routes:
  - municipality: "3201"
    contracts:
      - {vendor: oda-web, from: "2027-01-01"}
)"),
                                 "2026-06-01");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(rows[0].vendor.empty());
    EXPECT_EQ(rows[0].next_vendor, "oda-web");
    EXPECT_NE(format_route_table(rows).find("(none: orders fail)"), std::string::npos);
}

}  // namespace
}  // namespace gw::routing
