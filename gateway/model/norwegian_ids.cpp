#include "gateway/model/norwegian_ids.hpp"

#include <array>
#include <span>

namespace gw::model {

namespace {

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) noexcept {
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}

// 11 - (weighted sum mod 11), with 11 -> 0; 10 means "no valid check digit exists" (returned as 10, never matches).
int mod11_check(std::string_view digits, std::span<const int> weights) noexcept {
    int sum = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) sum += (digits[i] - '0') * weights[i];
    const int k = 11 - sum % 11;
    return k == 11 ? 0 : k;
}

constexpr std::array<int, 8> org_weights{3, 2, 7, 6, 5, 4, 3, 2};
constexpr std::array<int, 9> k1_weights{3, 7, 6, 1, 8, 9, 4, 5, 2};
constexpr std::array<int, 10> k2_weights{5, 4, 3, 2, 7, 6, 5, 4, 3, 2};

std::size_t digit_run(std::string_view text, std::size_t pos) noexcept {
    std::size_t n = 0;
    while (pos + n < text.size() && is_digit(text[pos + n])) ++n;
    return n;
}

bool is_separator(char c) noexcept {
    return c == ' ' || c == '-' || c == '.';
}

}  // namespace

bool is_valid_municipality_number(std::string_view number) noexcept {
    return number.size() == 4 && all_digits(number) && number != "0000";
}

bool is_valid_organisation_number(std::string_view number) noexcept {
    if (number.size() != 9 || !all_digits(number)) return false;
    return mod11_check(number, org_weights) == number[8] - '0';
}

bool is_fodselsnummer(std::string_view d) noexcept {
    if (d.size() != 11 || !all_digits(d)) return false;
    return mod11_check(d, k1_weights) == d[9] - '0' && mod11_check(d, k2_weights) == d[10] - '0';
}

std::optional<std::size_t> find_fodselsnummer(std::string_view text) noexcept {
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!is_digit(text[pos])) {
            ++pos;
            continue;
        }
        const std::size_t run = digit_run(text, pos);
        if (run == 11 && is_fodselsnummer(text.substr(pos, 11))) return pos;
        if (run == 6 && pos + 7 < text.size() && is_separator(text[pos + 6]) && digit_run(text, pos + 7) == 5) {
            char joined[11];
            text.copy(joined, 6, pos);
            text.copy(joined + 6, 5, pos + 7);
            if (is_fodselsnummer(std::string_view(joined, 11))) return pos;
        }
        pos += run;
    }
    return std::nullopt;
}

}  // namespace gw::model
