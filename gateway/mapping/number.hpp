#pragma once
// Exact decimal arithmetic for mapping functions (number, decimal, add, mul, convert). Quantities cross HL7 text,
// JSON and XML; binary floating point would change "0.1" on the way, so numbers stay mantissa + decimal scale.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::mapping {

enum class Rounding : std::uint8_t { half_up, half_even, down, up };
std::optional<Rounding> parse_rounding(std::string_view name) noexcept;  // "half_up", "half_even", "down", "up"

struct Number {
    std::int64_t mantissa = 0;
    int scale = 0;  // 0..18

    // "-12.50", "+3", "1,5" (a decimal comma, as Norwegian senders write), surrounding blanks ignored.
    static std::optional<Number> parse(std::string_view text) noexcept;
    std::string to_string() const;
    bool is_integer() const noexcept;
};

std::optional<Number> add(Number a, Number b) noexcept;
std::optional<Number> sub(Number a, Number b) noexcept;
std::optional<Number> mul(Number a, Number b) noexcept;
// Rounds to `places` fractional digits (0..9); the result has exactly `places` digits after the point.
std::optional<Number> round(Number n, int places, Rounding mode) noexcept;
// Drops trailing fractional zeros: "2.500" -> "2.5", "3.0" -> "3".
Number normalize(Number n) noexcept;

// Factor to convert a quantity from one UN/ECE Rec 20 unit to another of the same dimension (mass, volume,
// count), or nullopt when the units cannot convert: KGM/GRM/HGM/MGM, LTR/DLT/CLT/MLT, EA/H87/C62/NAR/PCE.
std::optional<Number> unit_factor(std::string_view from, std::string_view to) noexcept;
bool is_known_unit(std::string_view code) noexcept;

}  // namespace gw::mapping
