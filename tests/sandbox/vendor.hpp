#pragma once
// The four API styles the sandbox imitates; their names are the URL path prefixes and the config keys.

#include <array>
#include <optional>
#include <string_view>

namespace sandbox {

enum class Vendor { oda = 0, instacart = 1, kroger = 2, peppol = 3 };

inline constexpr std::array<Vendor, 4> all_vendors{Vendor::oda, Vendor::instacart, Vendor::kroger, Vendor::peppol};

constexpr std::string_view name_of(Vendor vendor) {
    switch (vendor) {
        case Vendor::oda: return "oda-web";
        case Vendor::instacart: return "instacart-connect";
        case Vendor::kroger: return "kroger-cart";
        case Vendor::peppol: return "peppol-ap";
    }
    return "unknown";
}

inline std::optional<Vendor> vendor_named(std::string_view name) {
    for (auto vendor : all_vendors) {
        if (name_of(vendor) == name) return vendor;
    }
    return std::nullopt;
}

}  // namespace sandbox
