// Fuzzes the mapping engine with arbitrary input documents: the shipped OMS^O05 mapping on fuzzed HL7, and the
// shipped UBL OrderResponse mapping on fuzzed XML. Any input must give an Output or an Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/mapping/mapping.hpp"

namespace {

std::shared_ptr<const gw::mapping::Mapping> load(const char* path) {
    auto r = gw::mapping::load_mapping(std::string(GATEWAY_SOURCE_DIR) + "/" + path);
    return r.mapping;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto hl7 = load("mappings/inbound/oms-o05.yaml");
    static const auto xml = load("mappings/vendors/peppol-bis/order-response.yaml");
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    gw::mapping::RunOptions options;
    options.now = "2026-11-25T12:00:00+01:00";
    const auto& m = (data[0] & 1) ? xml : hl7;
    if (m) {
        auto r = m->run(input, options);
        (void)r;
    }
    return 0;
}
