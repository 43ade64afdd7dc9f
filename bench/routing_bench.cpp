// Routing, reload and shadow mode costs:
//   BM_BuildRuntimeConfig  what a reload (and gateway check) does off to the side with the shipped default config:
//                          the inbound mapping and every vendor folder loaded and compiled, adapters created, the
//                          route table checked. The swap itself is one pointer.
//   BM_RouterChoose        the route of one order among all 356 Norwegian municipalities, each with a district
//                          route and a switch-over (what the pipeline does per order).
//   BM_ShadowRender        shadow mode's translation of one order (20 lines) with instacart-connect's mappings.
// Each benchmark checks its result once before it is timed.
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "adapters/registry.hpp"
#include "gateway/app/runtime_config.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/routing/router.hpp"

namespace {

const std::string kSrc = GATEWAY_SOURCE_DIR;

void BM_BuildRuntimeConfig(benchmark::State& state) {
    gw::log::Options quiet;
    quiet.level = gw::log::Level::error;
    gw::log::init(quiet);
    auto loaded = gw::config::load_gateway_config(kSrc + "/config/gateway.yaml");
    if (!loaded.config) {
        state.SkipWithError(loaded.errors.front().to_string().c_str());
        return;
    }
    boost::asio::io_context io;
    auto check = gw::app::build_runtime_config(io, *loaded.config, {1, "2026-06-01", nullptr});
    if (!check.runtime || check.runtime->adapters.size() != loaded.config->vendors.size()) {
        state.SkipWithError(check.errors.empty() ? "adapters missing" : check.errors.front().to_string().c_str());
        return;
    }
    for (auto _ : state) {
        auto built = gw::app::build_runtime_config(io, *loaded.config, {2, "2026-06-01", nullptr});
        benchmark::DoNotOptimize(built.runtime);
    }
    state.counters["vendors"] = static_cast<double>(loaded.config->vendors.size());
}
BENCHMARK(BM_BuildRuntimeConfig)->Unit(benchmark::kMillisecond);

void BM_RouterChoose(benchmark::State& state) {
    std::vector<gw::config::RouteSection> routes;
    for (int m = 0; m < 356; ++m) {
        gw::config::RouteSection municipality;
        municipality.municipality = fmt::format("{:04}", 301 + m);
        municipality.contracts = {{"oda-web", "2024-01-01", "2026-12-01"}, {"instacart-connect", "2026-12-01", ""}};
        municipality.shadow = "instacart-connect";
        routes.push_back(municipality);
        auto district = municipality;
        district.district = "VEST";
        district.contracts = {{"kroger-cart", "2025-01-01", "2027-01-01"}};
        routes.push_back(district);
    }
    gw::config::RouteSection fallback;
    fallback.municipality = "*";
    fallback.contracts = {{"peppol-bis", "2020-01-01", ""}};
    routes.push_back(fallback);
    const gw::routing::Router router(routes);
    const auto at = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + std::chrono::hours{9};
    auto check = router.choose("0656", "", at);
    if (!check || check->vendor != "instacart-connect") {
        state.SkipWithError("wrong route");
        return;
    }
    int i = 0;
    for (auto _ : state) {
        const auto number = fmt::format("{:04}", 301 + (i++ % 356));
        auto choice = router.choose(number, i % 2 ? "VEST" : "", at);
        benchmark::DoNotOptimize(choice);
    }
}
BENCHMARK(BM_RouterChoose);

void BM_ShadowRender(benchmark::State& state) {
    auto mapping = gw::mapping::load_mapping(kSrc + "/mappings/inbound/oms-o05.yaml");
    std::ifstream in(kSrc + "/mappings/inbound/samples/oms-o05-twenty-lines.hl7", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto order = gw::mapping::translate_hl7_to_care_order(*mapping.mapping, ss.str());
    if (!order) {
        state.SkipWithError(order.error().to_string().c_str());
        return;
    }
    order->as_object()["gateway_id"] = "GW-BENCH";
    boost::asio::io_context io;
    gw::adapters::VendorSettings settings;
    settings.name = "instacart-connect";
    settings.folder = kSrc + "/mappings/vendors/instacart-connect";
    settings.base_url = "http://127.0.0.1:9/never-called";
    settings.secrets = {{"client_id", "c"}, {"client_secret", "s"}, {"webhook_secret", "w"}};
    auto adapter = gw::adapters::create_adapter(io, settings);
    if (!adapter.adapter) {
        state.SkipWithError(adapter.errors.front().to_string().c_str());
        return;
    }
    gw::adapters::DeliveryRequest request;
    request.order_id = "GW-BENCH";
    request.idempotency_key = "shadow-GW-BENCH";
    request.order = std::move(*order);
    auto check = adapter.adapter->render(gw::adapters::Operation::submit, request);
    if (!check || check->size() != 2 || boost::json::parse(check->back().body).at("items").as_array().size() != 20) {
        state.SkipWithError("wrong rendering");
        return;
    }
    for (auto _ : state) {
        auto rendered = adapter.adapter->render(gw::adapters::Operation::submit, request);
        benchmark::DoNotOptimize(rendered);
    }
}
BENCHMARK(BM_ShadowRender)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
