#include "gateway/model/datetime.hpp"

#include <fmt/format.h>

namespace gw::model {

namespace {

// Reads exactly n digits at text[pos]; advances pos.
std::optional<unsigned> digits(std::string_view text, std::size_t& pos, std::size_t n) noexcept {
    if (text.size() < pos + n) return std::nullopt;
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    pos += n;
    return v;
}

bool expect(std::string_view text, std::size_t& pos, char c) noexcept {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

std::optional<Date> read_date(std::string_view text, std::size_t& pos) noexcept {
    const auto y = digits(text, pos, 4);
    if (!y || !expect(text, pos, '-')) return std::nullopt;
    const auto m = digits(text, pos, 2);
    if (!m || !expect(text, pos, '-')) return std::nullopt;
    const auto d = digits(text, pos, 2);
    if (!d) return std::nullopt;
    Date date{static_cast<int>(*y), *m, *d};
    if (!date.valid()) return std::nullopt;
    return date;
}

}  // namespace

bool Date::valid() const noexcept {
    if (year < 1 || year > 9999) return false;
    const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
    return ymd.ok();
}

bool Timestamp::valid() const noexcept {
    return date.valid() && hour < 24 && minute < 60 && second < 60 && nanosecond < 1'000'000'000U &&
           offset_minutes > -24 * 60 && offset_minutes < 24 * 60;
}

std::chrono::sys_time<std::chrono::nanoseconds> Timestamp::to_sys() const noexcept {
    using namespace std::chrono;
    const sys_days day{year_month_day{year{date.year}, month{date.month}, std::chrono::day{date.day}}};
    return day + hours{hour} + minutes{minute} + seconds{second} + nanoseconds{nanosecond} - minutes{offset_minutes};
}

Timestamp utc_timestamp(std::chrono::system_clock::time_point t) noexcept {
    using namespace std::chrono;
    const auto ms = time_point_cast<milliseconds>(t);
    const auto day = floor<days>(ms);
    const year_month_day ymd{day};
    const hh_mm_ss hms{ms - day};
    Timestamp ts;
    ts.date = Date{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
    ts.hour = static_cast<unsigned>(hms.hours().count());
    ts.minute = static_cast<unsigned>(hms.minutes().count());
    ts.second = static_cast<unsigned>(hms.seconds().count());
    ts.nanosecond = static_cast<std::uint32_t>(hms.subseconds().count() * 1'000'000);
    return ts;
}

std::optional<Date> parse_date(std::string_view text) noexcept {
    std::size_t pos = 0;
    auto d = read_date(text, pos);
    if (!d || pos != text.size()) return std::nullopt;
    return d;
}

std::optional<LocalTime> parse_local_time(std::string_view text) noexcept {
    std::size_t pos = 0;
    const auto h = digits(text, pos, 2);
    if (!h || !expect(text, pos, ':')) return std::nullopt;
    const auto m = digits(text, pos, 2);
    if (!m || pos != text.size()) return std::nullopt;
    LocalTime t{*h, *m};
    if (!t.valid()) return std::nullopt;
    return t;
}

std::optional<Timestamp> parse_timestamp(std::string_view text) noexcept {
    std::size_t pos = 0;
    Timestamp ts;
    const auto d = read_date(text, pos);
    if (!d) return std::nullopt;
    ts.date = *d;
    if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) return std::nullopt;
    ++pos;
    const auto h = digits(text, pos, 2);
    if (!h || !expect(text, pos, ':')) return std::nullopt;
    const auto mi = digits(text, pos, 2);
    if (!mi || !expect(text, pos, ':')) return std::nullopt;
    const auto s = digits(text, pos, 2);
    if (!s) return std::nullopt;
    ts.hour = *h;
    ts.minute = *mi;
    ts.second = *s;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t n = 0;
        std::uint32_t frac = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (++n > 9) return std::nullopt;
            frac = frac * 10 + static_cast<std::uint32_t>(text[pos] - '0');
            ++pos;
        }
        if (n == 0) return std::nullopt;
        for (; n < 9; ++n) frac *= 10;
        ts.nanosecond = frac;
    }
    if (pos >= text.size()) return std::nullopt;
    const char zone = text[pos++];
    if (zone == 'Z' || zone == 'z') {
        ts.offset_minutes = 0;
    } else if (zone == '+' || zone == '-') {
        const auto oh = digits(text, pos, 2);
        if (!oh || !expect(text, pos, ':')) return std::nullopt;
        const auto om = digits(text, pos, 2);
        if (!om || *oh > 23 || *om > 59) return std::nullopt;
        const int offset = static_cast<int>(*oh * 60 + *om);
        ts.offset_minutes = zone == '-' ? -offset : offset;
    } else {
        return std::nullopt;
    }
    if (pos != text.size() || !ts.valid()) return std::nullopt;
    return ts;
}

std::string to_string(const Date& d) {
    return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

std::string to_string(const LocalTime& t) {
    return fmt::format("{:02}:{:02}", t.hour, t.minute);
}

std::string to_string(const Timestamp& ts) {
    std::string out = fmt::format("{}T{:02}:{:02}:{:02}", to_string(ts.date), ts.hour, ts.minute, ts.second);
    if (ts.nanosecond != 0) {
        std::string frac = fmt::format("{:09}", ts.nanosecond);
        while (frac.back() == '0') frac.pop_back();
        out += '.';
        out += frac;
    }
    if (ts.offset_minutes == 0) {
        out += 'Z';
    } else {
        const int abs = ts.offset_minutes < 0 ? -ts.offset_minutes : ts.offset_minutes;
        out += fmt::format("{}{:02}:{:02}", ts.offset_minutes < 0 ? '-' : '+', abs / 60, abs % 60);
    }
    return out;
}

}  // namespace gw::model
