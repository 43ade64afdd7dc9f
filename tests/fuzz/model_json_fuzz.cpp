// Fuzzes the canonical model's JSON readers: no input may crash them, and whatever they accept must survive
// to_json -> parse unchanged (the round-trip contract in gateway/model/json.hpp), and validate() must not crash on it.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/model/json.hpp"
#include "gateway/model/validation.hpp"

namespace {

template <class Parse>
void round_trip(std::string_view text, Parse parse) {
    auto first = parse(text);
    if (!first) return;
    (void)gw::model::validate(*first);
    const std::string again = gw::model::to_json_string(*first);
    auto second = parse(again);
    if (!second || !(*second == *first) || gw::model::to_json_string(*second) != again) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    round_trip(text, [](std::string_view t) { return gw::model::care_order_from_json(t); });
    round_trip(text, [](std::string_view t) { return gw::model::order_event_from_json(t); });
    return 0;
}
