#pragma once
// Decimal: an exact fixed-point number for quantities ("2", "0.5", "1.250"). Quantities cross three formats (HL7
// ER7 text, JSON, UBL XML); a binary double would turn "0.1" into 0.1000000000000000055 somewhere along the way, so
// the model keeps an integer mantissa and a decimal scale and prints exactly what it parsed.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::model {

class Decimal {
  public:
    // Up to 18 significant digits and 9 fractional digits: far beyond any grocery quantity, and the mantissa stays
    // inside int64 so arithmetic never needs a big-number library.
    static constexpr int max_digits = 18;
    static constexpr int max_scale = 9;

    constexpr Decimal() = default;
    // value = mantissa / 10^scale. scale must be in [0, max_scale].
    static std::optional<Decimal> from_parts(std::int64_t mantissa, int scale) noexcept;
    static constexpr Decimal from_integer(std::int32_t n) noexcept { return Decimal(n, 0); }

    // Accepts "-"? digits ("." digits)?, e.g. "2", "0.5", "-1.25", "007". No exponent, no "+", no ".5" or "5.".
    // The scale is kept as written: "1.50" prints back as "1.50".
    static std::optional<Decimal> parse(std::string_view text) noexcept;

    std::string to_string() const;

    std::int64_t mantissa() const noexcept { return mantissa_; }
    int scale() const noexcept { return scale_; }
    bool is_positive() const noexcept { return mantissa_ > 0; }
    bool is_zero() const noexcept { return mantissa_ == 0; }

    // Representation equality: "1.5" != "1.50". Use compare() for numeric order.
    friend bool operator==(const Decimal&, const Decimal&) = default;
    // Numeric order, scale-independent: compare("1.5", "1.50") == equal.
    static std::strong_ordering compare(const Decimal& a, const Decimal& b) noexcept;

  private:
    constexpr Decimal(std::int64_t mantissa, int scale) : mantissa_(mantissa), scale_(scale) {}
    std::int64_t mantissa_ = 0;
    int scale_ = 0;
};

}  // namespace gw::model
