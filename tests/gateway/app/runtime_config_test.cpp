// What a start, a reload and `gateway check` build from a config: every mapping and vendor folder loaded, the route
// table checked against the vendors' real capabilities (the shipped adapter.yaml files), all problems at once; and
// what a reload may apply at once versus what waits for a restart.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "gateway/app/config_reload.hpp"
#include "gateway/app/runtime_config.hpp"

namespace gw::app {
namespace {

const std::string kSrc = GATEWAY_SOURCE_DIR;

config::GatewayConfig load(const std::string& routes, const std::string& extra_vendor = {}) {
    const auto yaml = fmt::format(R"(mllp: [{{name: care-system, port: 0, mapping: {src}/mappings/inbound/oms-o05.yaml}}]
store: {{path: /tmp/unused.db}}
vendors:
  oda-web:
    folder: {src}/mappings/vendors/oda-web
    base_url: http://127.0.0.1:9/oda
    secrets: {{username: u, password: p}}
  instacart-connect:
    folder: {src}/mappings/vendors/instacart-connect
    base_url: http://127.0.0.1:9/ic
    sandbox_url: http://127.0.0.1:9/ic-test
    secrets: {{client_id: c, client_secret: s, webhook_secret: w}}
  kroger-cart:
    folder: {src}/mappings/vendors/kroger-cart
    base_url: http://127.0.0.1:9/kc
    secrets: {{client_id: c, client_secret: s}}
    enabled: false
{extra}routes:
{routes})",
                                  fmt::arg("src", kSrc), fmt::arg("routes", routes), fmt::arg("extra", extra_vendor));
    auto loaded = config::load_gateway_config_text(yaml, "gw.yaml");
    EXPECT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors.front().to_string());
    return loaded.config ? *loaded.config : config::GatewayConfig{};
}

std::string all(const std::vector<Error>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
}

TEST(RuntimeConfig, BuildsEveryAdapterAndKnowsWhatEachVendorCanDo) {
    boost::asio::io_context io;
    auto built = build_runtime_config(io, load(R"(  - municipality: "3201"
    shadow: instacart-connect
    requires: [status]
    contracts:
      - {vendor: instacart-connect, from: "2020-01-01"}
)"),
                                      {1, "2026-06-01", nullptr});
    ASSERT_TRUE(built.runtime) << all(built.errors);
    const auto& r = *built.runtime;
    EXPECT_EQ(r.generation, 1u);
    EXPECT_EQ(r.adapters.size(), 3u);  // the paused kroger-cart too: it keeps a (paused) delivery queue
    EXPECT_EQ(r.sandboxes.size(), 1u);
    EXPECT_TRUE(r.sandboxes.contains("instacart-connect"));
    EXPECT_TRUE(r.vendor_facts.at("instacart-connect").reports_status);
    EXPECT_FALSE(r.vendor_facts.at("oda-web").reports_status);
    EXPECT_TRUE(r.vendor_facts.at("kroger-cart").cart_handoff_only);
    EXPECT_FALSE(r.vendor_facts.at("kroger-cart").enabled);
    ASSERT_TRUE(r.pipeline);
    EXPECT_TRUE(r.pipeline->channels.contains("care-system"));
    ASSERT_TRUE(r.pipeline->router);
    EXPECT_EQ(r.pipeline->router->choose_on_day("3201", "", "2026-06-01")->vendor, "instacart-connect");
    // No shadow runner (gateway check): nobody to hand shadow jobs to.
    EXPECT_FALSE(r.pipeline->shadow);
    // The shadow is the route's own vendor: a warning, not an error.
    EXPECT_NE(all(built.warnings).find("shadow vendor instacart-connect already serves"), std::string::npos);
}

TEST(RuntimeConfig, ReportsEveryProblemOfFoldersAndRoutesTogether) {
    boost::asio::io_context io;
    auto config = load(R"(  - municipality: "3201"
    requires: [status]
    contracts:
      - {vendor: oda-web, from: "2020-01-01", until: "2027-01-01"}
      - {vendor: kroger-cart, from: "2026-12-01"}
)");
    config.vendors[0].folder = kSrc + "/mappings/vendors/no-such-grocer";
    auto built = build_runtime_config(io, config, {1, "2026-06-01", nullptr});
    EXPECT_FALSE(built.runtime);
    const auto text = all(built.errors);
    EXPECT_NE(text.find("no-such-grocer/adapter.yaml"), std::string::npos) << text;
    EXPECT_NE(text.find("gw.yaml:23:9: error: contract kroger-cart 2026-12-01 on overlaps"), std::string::npos) << text;
    EXPECT_NE(text.find("vendor kroger-cart cannot serve municipality 3201: it takes a cart hand-off"),
              std::string::npos)
        << text;
    EXPECT_NE(all(built.warnings).find("vendor kroger-cart is paused"), std::string::npos);
}

TEST(ConfigReload, NamesWhatOnlyARestartApplies) {
    const auto routes = R"(  - municipality: "3201"
    contracts: [{vendor: oda-web, from: "2020-01-01"}]
)";
    auto started = load(routes);
    auto next = started;
    EXPECT_TRUE(changes_needing_restart(started, next).empty());
    // Reloadable: routes, URLs, secrets, params, inbound mappings.
    next.routes[0].contracts[0].vendor = "instacart-connect";
    next.vendors[0].base_url = "http://127.0.0.1:9/oda-v2";
    next.vendors[1].secrets["client_secret"] = "rotated";
    next.mllp[0].mapping = kSrc + "/mappings/inbound/msghead-order.yaml";
    EXPECT_TRUE(changes_needing_restart(started, next).empty());
    // Not reloadable: listeners, store, delivery policies, the vendor set.
    next.mllp[0].port = 2576;
    next.http.port = 8081;
    next.store.path = "/tmp/other.db";
    next.vendors[0].delivery.concurrency = 2;
    next.vendors[2].enabled = true;
    next.vendors.erase(next.vendors.begin() + 1);
    config::VendorSection peppol;
    peppol.name = "peppol-bis";
    next.vendors.push_back(peppol);
    const auto changed = changes_needing_restart(started, next);
    const std::vector<std::string> expected{
        "http",
        "mllp care-system",
        "store",
        "vendors.oda-web.delivery",
        "vendors.kroger-cart.enabled (pause or resume it in the admin API to change it now)",
        "vendors.peppol-bis (new vendor: its delivery queue starts with the process)",
        "vendors.instacart-connect (removed: its queued deliveries still go out with its last configuration)"};
    EXPECT_EQ(changed, expected);
}

TEST(ConfigReload, ARouteToAVendorWithoutADeliveryQueueIsRefusedButHistoryIsNot) {
    auto next = load(R"(  - municipality: "3201"
    contracts:
      - {vendor: instacart-connect, from: "2020-01-01", until: "2026-01-01"}
      - {vendor: oda-web, from: "2026-01-01"}
)");
    // Only oda-web has a queue in the running process.
    EXPECT_EQ(vendors_without_delivery(next, {"oda-web"}, "2026-06-01").size(), 0u);  // instacart's contract ended
    auto errors = vendors_without_delivery(next, {"kroger-cart"}, "2026-06-01");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("vendor oda-web is new since the gateway started"), std::string::npos);
    EXPECT_EQ(errors[0].where.line, 22);
}

}  // namespace
}  // namespace gw::app
