// The monitoring files (config/monitoring/) and the API document (docs/openapi.yaml) against what the gateway
// really exports and mounts: a renamed metric or an undocumented route fails here, not in production.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "gateway/ops/ops_service.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "tests/gateway/ops/exposition_parser.hpp"

namespace gw::ops {
namespace {

std::string read(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << path << " (tests run from the repository root)";
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::set<std::string> metric_names_in(const std::string& text) {
    std::set<std::string> names;
    static const std::regex name(R"(\bgateway_[a-z0-9_]+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
        std::string n = it->str();
        for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
            if (n.size() > suffix.size() && n.ends_with(suffix)) n.resize(n.size() - suffix.size());
        }
        names.insert(n);
    }
    return names;
}

class MonitoringTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gw-monitoring-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(dir_);
        store::SqliteStoreOptions so;
        so.path = (dir_ / "gw.db").string();
        auto opened = store::SqliteStore::open(so);
        ASSERT_TRUE(opened) << opened.error().to_string();
        store_ = std::move(opened).value();
        // One order with a shadow result, so the store-backed families have samples.
        store::NewOrder o;
        o.id = "GW-1";
        o.vendor = "oda-web";
        o.canonical_json = "{}";
        ASSERT_TRUE(store_->create_order(o, {"vendor:oda-web", std::nullopt, store::OutboxKind::submit, "{}", "k1", {}}));
        store::NewShadowResult shadow;
        shadow.order_id = "GW-1";
        shadow.vendor = "peppol-bis";
        shadow.route_vendor = "oda-web";
        shadow.outcome = store::ShadowOutcome::mapping_error;
        ASSERT_TRUE(store_->record_shadow_results(std::span<const store::NewShadowResult>(&shadow, 1)));

        OpsHooks hooks;
        hooks.vendors = [] { return std::vector<VendorStatus>{{"oda-web", "vendor:oda-web"}}; };
        hooks.pipeline = [] { return PipelineStatus{}; };
        hooks.store_size_bytes = [] { return std::optional<std::int64_t>(4096); };
        ops_ = std::make_unique<OpsService>(*store_, hooks, OpsOptions{}, TokenStore{});
        auto channel = ops_->metrics().channel("care-system");
        channel.received();
        channel.answered("MSA|AA|1");
        ops_->metrics().delivery_attempt("oda-web", "success", 0.2);
        ops_->metrics().store_commit(3, 0.002, true);
        ops_->metrics().admin_request(200);
    }
    void TearDown() override {
        ops_.reset();
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    std::filesystem::path dir_;
    std::unique_ptr<store::SqliteStore> store_;
    std::unique_ptr<OpsService> ops_;
};

TEST_F(MonitoringTest, AlertRulesAndDashboardNameOnlyExportedMetrics) {
    const auto parsed = testing::parse_exposition(ops_->scrape());
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    for (const std::string file : {"config/monitoring/prometheus-alerts.yaml", "config/monitoring/grafana-dashboard.json"}) {
        const auto names = metric_names_in(read(file));
        EXPECT_GT(names.size(), 10u) << file;
        for (const auto& n : names) EXPECT_TRUE(parsed.families.count(n)) << file << " names " << n << ", not exported";
    }
}

TEST_F(MonitoringTest, AlertRulesAreWellFormed) {
    auto doc = YAML::LoadFile("config/monitoring/prometheus-alerts.yaml");
    std::set<std::string> names;
    std::size_t rules = 0;
    for (const auto& group : doc["groups"]) {
        for (const auto& rule : group["rules"]) {
            ++rules;
            const auto name = rule["alert"].as<std::string>();
            EXPECT_TRUE(names.insert(name).second) << name << " twice";
            EXPECT_FALSE(rule["expr"].as<std::string>().empty()) << name;
            const auto severity = rule["labels"]["severity"].as<std::string>();
            EXPECT_TRUE(severity == "page" || severity == "ticket") << name;
            EXPECT_FALSE(rule["annotations"]["summary"].as<std::string>().empty()) << name;
        }
    }
    EXPECT_GE(rules, 12u);
    boost::system::error_code ec;
    auto dashboard = boost::json::parse(read("config/monitoring/grafana-dashboard.json"), ec);
    ASSERT_FALSE(ec);
    EXPECT_GE(dashboard.at("panels").as_array().size(), 10u);
}

TEST_F(MonitoringTest, EveryApiRouteIsInTheOpenApiDocumentAndBack) {
    http::Router router;
    ops_->mount(router);
    std::set<std::pair<std::string, std::string>> mounted;
    for (const auto& route : router.routes()) {
        if (!route.pattern.starts_with("/api/")) continue;
        std::string method(http::beast_http::to_string(route.method));
        std::transform(method.begin(), method.end(), method.begin(), ::tolower);
        mounted.emplace(route.pattern, method);
    }
    auto doc = YAML::LoadFile("docs/openapi.yaml");
    std::set<std::pair<std::string, std::string>> documented;
    for (const auto& path : doc["paths"]) {
        for (const auto& op : path.second) documented.emplace(path.first.as<std::string>(), op.first.as<std::string>());
    }
    for (const auto& r : mounted) EXPECT_TRUE(documented.count(r)) << r.second << " " << r.first << " is not documented";
    for (const auto& d : documented) EXPECT_TRUE(mounted.count(d)) << d.second << " " << d.first << " is not mounted";
    EXPECT_GE(mounted.size(), 18u);
}

}  // namespace
}  // namespace gw::ops
