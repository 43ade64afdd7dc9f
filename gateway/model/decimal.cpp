#include "gateway/model/decimal.hpp"

#include <utility>

namespace gw::model {

namespace {

constexpr std::int64_t pow10(int n) noexcept {
    std::int64_t p = 1;
    for (int i = 0; i < n; ++i) p *= 10;
    return p;
}

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

}  // namespace

std::optional<Decimal> Decimal::from_parts(std::int64_t mantissa, int scale) noexcept {
    if (scale < 0 || scale > max_scale) return std::nullopt;
    if (mantissa <= -pow10(max_digits) || mantissa >= pow10(max_digits)) return std::nullopt;
    return Decimal(mantissa, scale);
}

std::optional<Decimal> Decimal::parse(std::string_view text) noexcept {
    bool negative = false;
    if (!text.empty() && text.front() == '-') {
        negative = true;
        text.remove_prefix(1);
    }
    const auto dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
    if (frac.size() > static_cast<std::size_t>(max_scale)) return std::nullopt;

    std::int64_t mantissa = 0;
    int significant = 0;
    for (std::string_view part : {whole, frac}) {
        for (char c : part) {
            if (!is_digit(c)) return std::nullopt;
            if (mantissa != 0 || c != '0') ++significant;
            if (significant > max_digits) return std::nullopt;
            mantissa = mantissa * 10 + (c - '0');
        }
    }
    return Decimal(negative ? -mantissa : mantissa, static_cast<int>(frac.size()));
}

std::string Decimal::to_string() const {
    // The mantissa is bounded by 10^18 in magnitude, so negation cannot overflow.
    const bool negative = mantissa_ < 0;
    std::string digits = std::to_string(negative ? -mantissa_ : mantissa_);
    if (scale_ > 0) {
        const auto width = static_cast<std::size_t>(scale_) + 1;
        if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
        digits.insert(digits.size() - static_cast<std::size_t>(scale_), 1, '.');
    }
    if (negative) digits.insert(0, 1, '-');
    return digits;
}

std::strong_ordering Decimal::compare(const Decimal& a, const Decimal& b) noexcept {
    // Aligning both mantissas to one scale could overflow int64 (10^18 * 10^9), so compare the integer parts, then
    // the fractions widened to max_scale digits (< 10^9, always fits). Truncating division keeps both parts of a
    // negative number non-positive, which keeps the lexicographic order numeric.
    const auto split = [](const Decimal& d) {
        const std::int64_t unit = pow10(d.scale_);
        return std::pair{d.mantissa_ / unit, (d.mantissa_ % unit) * pow10(max_scale - d.scale_)};
    };
    return split(a) <=> split(b);
}

}  // namespace gw::model
