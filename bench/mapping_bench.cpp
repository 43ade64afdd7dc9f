// Mapping engine throughput: OMS^O05 with 20 lines -> canonical CareOrder (parsed and validated by the model) ->
// vendor JSON body, and -> PEPPOL UBL Order XML. Every benchmark checks its output before it times anything.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/hl7/message.hpp"
#include "gateway/mapping/mapping.hpp"

namespace {

using gw::mapping::Mapping;

std::string read(const std::string& path) {
    std::ifstream in(std::string(GATEWAY_SOURCE_DIR) + "/" + path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::shared_ptr<const Mapping> load(const char* path) {
    auto r = gw::mapping::load_mapping(std::string(GATEWAY_SOURCE_DIR) + "/" + path);
    if (!r.mapping) {
        for (const auto& e : r.errors) std::cerr << e.to_string() << "\n";
        std::abort();
    }
    return r.mapping;
}

struct Fixture {
    std::string frame = read("mappings/inbound/samples/oms-o05-twenty-lines.hl7");
    std::shared_ptr<const Mapping> inbound = load("mappings/inbound/oms-o05.yaml");
    std::shared_ptr<const Mapping> vendor_json = load("mappings/vendors/example-json/order.yaml");
    std::shared_ptr<const Mapping> ubl = load("mappings/vendors/peppol-bis/order.yaml");
    gw::mapping::Params ubl_params{{"seller_org_number", "987654325"}, {"seller_name", "Grossist AS"}};
    gw::mapping::RunOptions options;

    Fixture() { options.now = "2026-11-25T15:00:00+01:00"; }

    static Fixture& get() {
        static Fixture f;
        return f;
    }
};

void require(bool ok, const char* what) {
    if (!ok) {
        std::cerr << "benchmark output check failed: " << what << "\n";
        std::abort();
    }
}

void BM_Hl7ToCareOrder(benchmark::State& state) {
    auto& f = Fixture::get();
    auto check = gw::mapping::translate_hl7_to_care_order(*f.inbound, f.frame, f.options);
    require(check && check->at("lines").as_array().size() == 20 &&
                check->at("source").at("placer_order_number").as_string() == "BK-2026-004712",
            "care order");
    for (auto _ : state) {
        auto order = gw::mapping::translate_hl7_to_care_order(*f.inbound, f.frame, f.options);
        benchmark::DoNotOptimize(order);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_Hl7ToVendorJson(benchmark::State& state) {
    auto& f = Fixture::get();
    {
        auto order = gw::mapping::translate_hl7_to_care_order(*f.inbound, f.frame, f.options);
        auto body = gw::mapping::render_vendor_request(*f.vendor_json, *order);
        require(body && body->find("\"externalReference\":\"BK-2026-004712\"") != std::string::npos &&
                    body->find("\"lineNo\":20") != std::string::npos,
                "vendor json");
    }
    for (auto _ : state) {
        auto order = gw::mapping::translate_hl7_to_care_order(*f.inbound, f.frame, f.options);
        auto body = gw::mapping::render_vendor_request(*f.vendor_json, *order);
        benchmark::DoNotOptimize(body);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_CareOrderToVendorJson(benchmark::State& state) {
    auto& f = Fixture::get();
    auto order = gw::mapping::translate_hl7_to_care_order(*f.inbound, f.frame, f.options);
    require(order.ok(), "care order");
    for (auto _ : state) {
        auto body = gw::mapping::render_vendor_request(*f.vendor_json, *order);
        benchmark::DoNotOptimize(body);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_Hl7ToUblOrder(benchmark::State& state) {
    auto& f = Fixture::get();
    {
        auto order = gw::mapping::translate_hl7_to_care_order(*f.inbound, f.frame, f.options);
        auto xml = gw::mapping::render_vendor_request(*f.ubl, *order, f.ubl_params);
        require(xml && xml->find("<cbc:ID>BK-2026-004712</cbc:ID>") != std::string::npos &&
                    xml->find("<cbc:ID>20</cbc:ID>") != std::string::npos,
                "UBL order");
    }
    for (auto _ : state) {
        auto order = gw::mapping::translate_hl7_to_care_order(*f.inbound, f.frame, f.options);
        auto xml = gw::mapping::render_vendor_request(*f.ubl, *order, f.ubl_params);
        benchmark::DoNotOptimize(xml);
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Hl7ToCareOrder);
BENCHMARK(BM_Hl7ToVendorJson);
BENCHMARK(BM_CareOrderToVendorJson);
BENCHMARK(BM_Hl7ToUblOrder);

}  // namespace

BENCHMARK_MAIN();
