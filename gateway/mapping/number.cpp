#include "gateway/mapping/number.hpp"

#include <array>

namespace gw::mapping {
namespace {

constexpr int kMaxScale = 18;

std::optional<std::int64_t> pow10(int n) {
    if (n < 0 || n > 18) return std::nullopt;
    std::int64_t v = 1;
    for (int i = 0; i < n; ++i) v *= 10;
    return v;
}

// Brings both numbers to the larger scale.
bool align(Number& a, Number& b) {
    while (a.scale < b.scale) {
        if (__builtin_mul_overflow(a.mantissa, 10, &a.mantissa)) return false;
        ++a.scale;
    }
    while (b.scale < a.scale) {
        if (__builtin_mul_overflow(b.mantissa, 10, &b.mantissa)) return false;
        ++b.scale;
    }
    return true;
}

struct UnitInfo {
    std::string_view code;
    int dimension;   // 0 mass, 1 volume, 2 count
    int exponent;    // base unit = 10^exponent of the smallest (mg, ml, piece)
};
constexpr std::array<UnitInfo, 14> kUnits{{{"MGM", 0, 0},
                                           {"GRM", 0, 3},
                                           {"HGM", 0, 5},
                                           {"KGM", 0, 6},
                                           {"MLT", 1, 0},
                                           {"CLT", 1, 1},
                                           {"DLT", 1, 2},
                                           {"LTR", 1, 3},
                                           {"EA", 2, 0},
                                           {"H87", 2, 0},
                                           {"C62", 2, 0},
                                           {"NAR", 2, 0},
                                           {"PCE", 2, 0},
                                           {"XPK", 3, 0}}};

const UnitInfo* unit_info(std::string_view code) {
    for (const auto& u : kUnits)
        if (u.code == code) return &u;
    return nullptr;
}

}  // namespace

std::optional<Rounding> parse_rounding(std::string_view name) noexcept {
    if (name == "half_up") return Rounding::half_up;
    if (name == "half_even") return Rounding::half_even;
    if (name == "down") return Rounding::down;
    if (name == "up") return Rounding::up;
    return std::nullopt;
}

std::optional<Number> Number::parse(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (text.empty()) return std::nullopt;
    bool negative = false;
    if (text.front() == '-' || text.front() == '+') {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    Number n;
    bool seen_point = false;
    int digits = 0;
    for (char c : text) {
        if (c == '.' || c == ',') {
            if (seen_point || digits == 0) return std::nullopt;
            seen_point = true;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        if (__builtin_mul_overflow(n.mantissa, 10, &n.mantissa) ||
            __builtin_add_overflow(n.mantissa, c - '0', &n.mantissa))
            return std::nullopt;
        ++digits;
        if (seen_point && ++n.scale > kMaxScale) return std::nullopt;
    }
    if (digits == 0 || (seen_point && n.scale == 0)) return std::nullopt;
    if (negative) n.mantissa = -n.mantissa;
    return n;
}

std::string Number::to_string() const {
    const bool negative = mantissa < 0;
    std::string digits = std::to_string(negative ? -static_cast<unsigned long long>(mantissa)
                                                 : static_cast<unsigned long long>(mantissa));
    if (scale > 0) {
        if (static_cast<int>(digits.size()) <= scale) digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
        digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
    }
    return negative ? "-" + digits : digits;
}

bool Number::is_integer() const noexcept { return normalize(*this).scale == 0; }

std::optional<Number> add(Number a, Number b) noexcept {
    if (!align(a, b)) return std::nullopt;
    Number r{0, a.scale};
    if (__builtin_add_overflow(a.mantissa, b.mantissa, &r.mantissa)) return std::nullopt;
    return r;
}

std::optional<Number> sub(Number a, Number b) noexcept {
    b.mantissa = -b.mantissa;
    return add(a, b);
}

std::optional<Number> mul(Number a, Number b) noexcept {
    Number r{0, a.scale + b.scale};
    if (r.scale > kMaxScale || __builtin_mul_overflow(a.mantissa, b.mantissa, &r.mantissa)) return std::nullopt;
    return normalize(r);
}

Number normalize(Number n) noexcept {
    while (n.scale > 0 && n.mantissa % 10 == 0) {
        n.mantissa /= 10;
        --n.scale;
    }
    return n;
}

std::optional<Number> round(Number n, int places, Rounding mode) noexcept {
    if (places < 0 || places > 9) return std::nullopt;
    if (n.scale <= places) {
        while (n.scale < places) {
            if (__builtin_mul_overflow(n.mantissa, 10, &n.mantissa)) return std::nullopt;
            ++n.scale;
        }
        return n;
    }
    const auto div = pow10(n.scale - places);
    if (!div) return std::nullopt;
    std::int64_t q = n.mantissa / *div;
    const std::int64_t r = n.mantissa % *div;
    const std::int64_t ar = r < 0 ? -r : r;
    const int sign = n.mantissa < 0 ? -1 : 1;
    bool away = false;
    switch (mode) {
        case Rounding::down: away = false; break;
        case Rounding::up: away = ar != 0; break;
        case Rounding::half_up: away = ar * 2 >= *div; break;
        case Rounding::half_even: away = ar * 2 > *div || (ar * 2 == *div && (q % 2 != 0)); break;
    }
    if (away) q += sign;
    return Number{q, places};
}

std::optional<Number> unit_factor(std::string_view from, std::string_view to) noexcept {
    const auto* a = unit_info(from);
    const auto* b = unit_info(to);
    if (!a || !b || a->dimension != b->dimension) return std::nullopt;
    const int diff = a->exponent - b->exponent;
    if (diff >= 0) return Number{*pow10(diff), 0};
    return Number{1, -diff};
}

bool is_known_unit(std::string_view code) noexcept { return unit_info(code) != nullptr; }

}  // namespace gw::mapping
