#include "adapters/http/retry_after.hpp"

#include <array>
#include <cstdint>

namespace gw::adapters::http {
namespace {

constexpr std::int64_t kMaxDelaySeconds = 24 * 3600;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Cursor {
    std::string_view s;
    std::size_t pos = 0;

    bool literal(std::string_view lit) {
        if (s.substr(pos, lit.size()) != lit) return false;
        pos += lit.size();
        return true;
    }
    bool spaces() {  // one or more
        const auto start = pos;
        while (pos < s.size() && s[pos] == ' ') ++pos;
        return pos > start;
    }
    // Exactly `min`..`max` digits.
    std::optional<unsigned> digits(std::size_t min, std::size_t max) {
        std::size_t n = 0;
        unsigned v = 0;
        while (pos < s.size() && n < max && s[pos] >= '0' && s[pos] <= '9') {
            v = v * 10 + static_cast<unsigned>(s[pos] - '0');
            ++pos;
            ++n;
        }
        if (n < min) return std::nullopt;
        return v;
    }
    std::optional<unsigned> month() {
        static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        for (unsigned i = 0; i < names.size(); ++i)
            if (literal(names[i])) return i + 1;
        return std::nullopt;
    }
    bool weekday(bool long_form) {
        static constexpr std::array<std::string_view, 7> shorts{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        static constexpr std::array<std::string_view, 7> longs{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                               "Friday", "Saturday", "Sunday"};
        for (const auto name : long_form ? longs : shorts)
            if (literal(name)) return true;
        return false;
    }
    bool time(unsigned& h, unsigned& m, unsigned& sec) {
        auto hh = digits(2, 2);
        if (!hh || !literal(":")) return false;
        auto mm = digits(2, 2);
        if (!mm || !literal(":")) return false;
        auto ss = digits(2, 2);
        if (!ss) return false;
        h = *hh;
        m = *mm;
        sec = *ss;
        return h < 24 && m < 60 && sec < 61;
    }
    bool at_end() const { return pos == s.size(); }
};

std::optional<std::int64_t> to_epoch(std::int64_t year, unsigned month, unsigned day, unsigned h, unsigned m,
                                     unsigned s) {
    static constexpr std::array<unsigned, 12> days_in{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > days_in[month - 1]) return std::nullopt;
    return days_from_civil(year, month, day) * 86400 + h * 3600 + m * 60 + s;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<std::int64_t> imf_fixdate(std::string_view v) {
    Cursor c{v};
    unsigned h = 0, m = 0, s = 0;
    if (!c.weekday(false) || !c.literal(", ")) return std::nullopt;
    auto day = c.digits(2, 2);
    if (!day || !c.literal(" ")) return std::nullopt;
    auto month = c.month();
    if (!month || !c.literal(" ")) return std::nullopt;
    auto year = c.digits(4, 4);
    if (!year || !c.literal(" ") || !c.time(h, m, s) || !c.literal(" GMT") || !c.at_end()) return std::nullopt;
    return to_epoch(*year, *month, *day, h, m, s);
}

// RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: RFC 9110 says within 50 years of now; 19xx/20xx
// split at 70 is what every server that still sends this means).
std::optional<std::int64_t> rfc850(std::string_view v) {
    Cursor c{v};
    unsigned h = 0, m = 0, s = 0;
    if (!c.weekday(true) || !c.literal(", ")) return std::nullopt;
    auto day = c.digits(2, 2);
    if (!day || !c.literal("-")) return std::nullopt;
    auto month = c.month();
    if (!month || !c.literal("-")) return std::nullopt;
    auto year = c.digits(2, 2);
    if (!year || !c.literal(" ") || !c.time(h, m, s) || !c.literal(" GMT") || !c.at_end()) return std::nullopt;
    const std::int64_t full = *year < 70 ? 2000 + *year : 1900 + *year;
    return to_epoch(full, *month, *day, h, m, s);
}

// asctime: "Sun Nov  6 08:49:37 1994"
std::optional<std::int64_t> asctime_date(std::string_view v) {
    Cursor c{v};
    unsigned h = 0, m = 0, s = 0;
    if (!c.weekday(false) || !c.literal(" ")) return std::nullopt;
    auto month = c.month();
    if (!month || !c.spaces()) return std::nullopt;
    auto day = c.digits(1, 2);
    if (!day || !c.literal(" ") || !c.time(h, m, s) || !c.literal(" ")) return std::nullopt;
    auto year = c.digits(4, 4);
    if (!year || !c.at_end()) return std::nullopt;
    return to_epoch(*year, *month, *day, h, m, s);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view value) {
    value = trim(value);
    if (auto t = imf_fixdate(value)) return t;
    if (auto t = rfc850(value)) return t;
    return asctime_date(value);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
    value = trim(value);
    if (value.empty()) return std::nullopt;
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t seconds = 0;
        for (char c : value) {
            seconds = seconds * 10 + (c - '0');
            if (seconds > kMaxDelaySeconds) {
                seconds = kMaxDelaySeconds;
                break;
            }
        }
        return std::chrono::seconds(seconds);
    }
    const auto at = parse_http_date(value);
    if (!at) return std::nullopt;
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    auto wait = std::chrono::milliseconds(*at * 1000) - now_ms;
    if (wait < std::chrono::milliseconds::zero()) wait = std::chrono::milliseconds::zero();
    if (wait > std::chrono::seconds(kMaxDelaySeconds)) wait = std::chrono::seconds(kMaxDelaySeconds);
    return wait;
}

}  // namespace gw::adapters::http
