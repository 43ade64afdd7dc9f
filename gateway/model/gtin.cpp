#include "gateway/model/gtin.hpp"

#include <fmt/format.h>

namespace gw::model {

namespace {

bool all_digits(std::string_view s) noexcept {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

bool is_gtin_length(std::size_t n) noexcept {
    return n == 8 || n == 12 || n == 13 || n == 14;
}

// Problem with any-length GTIN, or nullopt if it is a valid GTIN-8/12/13/14.
std::optional<std::string> gtin_problem(std::string_view gtin) {
    if (gtin.empty()) return "empty GTIN";
    if (!all_digits(gtin)) return fmt::format("GTIN must be digits only, got \"{}\"", gtin);
    if (!is_gtin_length(gtin.size()))
        return fmt::format("GTIN must have 8, 12, 13 or 14 digits, got {} in \"{}\"", gtin.size(), gtin);
    const int expected = *gtin_check_digit(gtin.substr(0, gtin.size() - 1));
    const int actual = gtin.back() - '0';
    if (expected != actual)
        return fmt::format("check digit {} does not match computed {} for \"{}\"", actual, expected, gtin);
    return std::nullopt;
}

Error invalid(std::string message) {
    return make_error(ErrorCode::invalid_value, std::move(message));
}

}  // namespace

std::optional<int> gtin_check_digit(std::string_view body) noexcept {
    if (body.empty() || body.size() > 17 || !all_digits(body)) return std::nullopt;
    int sum = 0;
    int weight = 3;
    for (auto it = body.rbegin(); it != body.rend(); ++it) {
        sum += (*it - '0') * weight;
        weight = 4 - weight;
    }
    return (10 - sum % 10) % 10;
}

bool is_valid_gtin(std::string_view gtin) noexcept {
    if (!is_gtin_length(gtin.size()) || !all_digits(gtin)) return false;
    return *gtin_check_digit(gtin.substr(0, gtin.size() - 1)) == gtin.back() - '0';
}

bool is_valid_gtin14(std::string_view gtin) noexcept {
    return gtin.size() == gtin14_length && is_valid_gtin(gtin);
}

std::optional<std::string> gtin14_problem(std::string_view gtin) {
    if (all_digits(gtin) && !gtin.empty() && gtin.size() != gtin14_length && is_gtin_length(gtin.size()))
        return fmt::format("expected 14 digits (GTIN-14), got {}: normalise GTIN-8/12/13 with normalize_gtin",
                           gtin.size());
    return gtin_problem(gtin);
}

Result<std::string> normalize_gtin(std::string_view gtin) {
    if (auto problem = gtin_problem(gtin)) return invalid(std::move(*problem));
    std::string out(gtin14_length - gtin.size(), '0');
    out += gtin;
    return out;
}

Result<std::string> to_gtin13(std::string_view gtin) {
    auto g14 = normalize_gtin(gtin);
    if (!g14) return std::move(g14).error();
    if (g14->front() != '0')
        return invalid(
            fmt::format("GTIN-14 \"{}\" has packaging indicator {} and no 13-digit form", *g14, g14->front()));
    return g14->substr(1);
}

Result<std::string> to_upc_a(std::string_view gtin) {
    auto g14 = normalize_gtin(gtin);
    if (!g14) return std::move(g14).error();
    if (g14->compare(0, 2, "00") != 0)
        return invalid(fmt::format("GTIN \"{}\" is not a UPC-A (GTIN-14 must start with \"00\")", gtin));
    return g14->substr(2);
}

Result<std::string> upc_a_to_ean13(std::string_view upc_a) {
    if (upc_a.size() != 12) return invalid(fmt::format("UPC-A must have 12 digits, got {}", upc_a.size()));
    if (auto problem = gtin_problem(upc_a)) return invalid(std::move(*problem));
    return "0" + std::string(upc_a);
}

Result<std::string> ean13_to_upc_a(std::string_view ean13) {
    if (ean13.size() != 13) return invalid(fmt::format("EAN-13 must have 13 digits, got {}", ean13.size()));
    if (auto problem = gtin_problem(ean13)) return invalid(std::move(*problem));
    if (ean13.front() != '0')
        return invalid(fmt::format("EAN-13 \"{}\" is not a UPC-A (it must start with '0')", ean13));
    return std::string(ean13.substr(1));
}

}  // namespace gw::model
