#include "gateway/mapping/clock.hpp"

#include <fmt/format.h>

namespace gw::mapping {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Last Sunday of `month` in `year`, as days since the epoch.
std::int64_t last_sunday(int year, unsigned month) {
    const unsigned days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned last = days_in[month - 1];
    if (month == 2 && valid_date(year, 2, 29)) last = 29;
    const std::int64_t d = days_from_civil(year, month, last);
    // 1970-01-01 was a Thursday (weekday 4, Sunday = 0).
    const std::int64_t weekday = ((d % 7) + 7 + 4) % 7;
    return d - weekday;
}

std::int64_t local_seconds(const CivilTime& t) {
    return days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

bool read_digits(std::string_view text, std::size_t& pos, std::size_t n, unsigned& out) {
    if (pos + n > text.size()) return false;
    unsigned v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = text[pos + i];
        if (!is_digit(c)) return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    pos += n;
    out = v;
    return true;
}

bool read_offset(std::string_view text, std::size_t& pos, bool colon, CivilTime& t) {
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
        t.offset_minutes = 0;
        return true;
    }
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return false;
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    unsigned h = 0, m = 0;
    if (!read_digits(text, pos, 2, h)) return false;
    if (colon && pos < text.size() && text[pos] == ':') ++pos;
    if (!read_digits(text, pos, 2, m) || h > 23 || m > 59) return false;
    t.offset_minutes = sign * static_cast<int>(h * 60 + m);
    return true;
}

bool read_fraction(std::string_view text, std::size_t& pos, CivilTime& t) {
    std::size_t n = 0;
    std::uint32_t v = 0;
    while (pos < text.size() && is_digit(text[pos])) {
        if (n < 9) v = v * 10 + static_cast<std::uint32_t>(text[pos] - '0');
        ++n;
        ++pos;
    }
    if (n == 0) return false;
    for (std::size_t i = n; i < 9; ++i) v *= 10;
    t.nanos = v;
    return true;
}

std::optional<CivilTime> parse_hl7(std::string_view text, std::string& problem) {
    CivilTime t;
    std::size_t pos = 0;
    unsigned y = 0;
    if (!read_digits(text, pos, 4, y)) {
        problem = "expected an HL7 date/time YYYYMMDD[HHMM[SS]][+ZZZZ]";
        return std::nullopt;
    }
    t.year = static_cast<int>(y);
    t.month = 1;
    t.day = 1;
    unsigned* parts[] = {&t.month, &t.day, &t.hour, &t.minute, &t.second};
    int got = 0;
    for (auto* p : parts) {
        if (pos >= text.size() || !is_digit(text[pos])) break;
        if (!read_digits(text, pos, 2, *p)) {
            problem = "odd number of digits in HL7 date/time";
            return std::nullopt;
        }
        ++got;
    }
    t.has_date = true;
    t.has_time = got >= 3;
    if (got == 3) {  // YYYYMMDDHH: an hour without minutes is still a time
        t.minute = 0;
    }
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        if (got < 5 || !read_fraction(text, pos, t)) {
            problem = "bad fraction in HL7 date/time";
            return std::nullopt;
        }
    }
    if (pos < text.size() && !read_offset(text, pos, false, t)) {
        problem = "bad UTC offset in HL7 date/time";
        return std::nullopt;
    }
    if (pos != text.size()) {
        problem = "unexpected characters in HL7 date/time";
        return std::nullopt;
    }
    return t;
}

std::optional<CivilTime> parse_iso(std::string_view text, std::string& problem) {
    CivilTime t;
    std::size_t pos = 0;
    unsigned y = 0;
    const bool date_first = text.size() >= 10 && text[4] == '-';
    if (date_first) {
        if (!read_digits(text, pos, 4, y) || text[pos++] != '-' || !read_digits(text, pos, 2, t.month) ||
            pos >= text.size() || text[pos++] != '-' || !read_digits(text, pos, 2, t.day)) {
            problem = "expected YYYY-MM-DD";
            return std::nullopt;
        }
        t.year = static_cast<int>(y);
        t.has_date = true;
        if (pos == text.size()) return t;
        if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
            problem = "expected 'T' after the date";
            return std::nullopt;
        }
        ++pos;
    }
    if (!read_digits(text, pos, 2, t.hour) || pos >= text.size() || text[pos++] != ':' ||
        !read_digits(text, pos, 2, t.minute)) {
        problem = date_first ? "expected HH:MM after the date" : "expected YYYY-MM-DD or HH:MM";
        return std::nullopt;
    }
    t.has_time = true;
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!read_digits(text, pos, 2, t.second)) {
            problem = "expected seconds";
            return std::nullopt;
        }
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            if (!read_fraction(text, pos, t)) {
                problem = "bad fraction";
                return std::nullopt;
            }
        }
    }
    if (pos < text.size() && !read_offset(text, pos, true, t)) {
        problem = "bad UTC offset";
        return std::nullopt;
    }
    if (pos != text.size()) {
        problem = "unexpected characters";
        return std::nullopt;
    }
    return t;
}

std::string offset_text(int minutes, bool colon, bool z_for_utc) {
    if (minutes == 0 && z_for_utc) return "Z";
    const char sign = minutes < 0 ? '-' : '+';
    const int m = minutes < 0 ? -minutes : minutes;
    return colon ? fmt::format("{}{:02}:{:02}", sign, m / 60, m % 60) : fmt::format("{}{:02}{:02}", sign, m / 60, m % 60);
}

std::string fraction_text(std::uint32_t nanos) {
    std::string s = fmt::format("{:09}", nanos);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    return s;
}

}  // namespace

std::optional<Zone> parse_zone(std::string_view name) noexcept {
    if (name == "Europe/Oslo") return Zone::europe_oslo;
    if (name == "UTC" || name == "Etc/UTC" || name == "Z") return Zone::utc;
    return std::nullopt;
}

std::string_view zone_name(Zone zone) noexcept { return zone == Zone::utc ? "UTC" : "Europe/Oslo"; }

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

bool valid_date(int y, unsigned m, unsigned d) noexcept {
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    static const unsigned days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned last = days_in[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) last = 29;
    return d <= last;
}

int utc_offset_minutes(Zone zone, std::int64_t utc_seconds) noexcept {
    if (zone == Zone::utc) return 0;
    std::int64_t days = utc_seconds >= 0 ? utc_seconds / 86400 : (utc_seconds - 86399) / 86400;
    int y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    const std::int64_t start = last_sunday(y, 3) * 86400 + 3600;
    const std::int64_t end = last_sunday(y, 10) * 86400 + 3600;
    return utc_seconds >= start && utc_seconds < end ? 120 : 60;
}

std::optional<int> resolve_local(Zone zone, const CivilTime& t, std::string& problem) {
    if (zone == Zone::utc) return 0;
    const std::int64_t local = local_seconds(t);
    const bool summer_ok = utc_offset_minutes(zone, local - 7200) == 120;
    const bool winter_ok = utc_offset_minutes(zone, local - 3600) == 60;
    if (summer_ok) return 120;  // also the overlap: the first occurrence is summer time
    if (winter_ok) return 60;
    problem = fmt::format("local time {} {} does not exist in {} (daylight-saving gap)", iso_date(t), iso_time(t),
                          zone_name(zone));
    return std::nullopt;
}

CivilTime to_zone(const CivilTime& t, Zone zone) noexcept {
    const std::int64_t utc = local_seconds(t) - static_cast<std::int64_t>(t.offset_minutes.value_or(0)) * 60;
    const int offset = utc_offset_minutes(zone, utc);
    const std::int64_t local = utc + offset * 60;
    CivilTime out = t;
    const std::int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    civil_from_days(days, out.year, out.month, out.day);
    const std::int64_t secs = local - days * 86400;
    out.hour = static_cast<unsigned>(secs / 3600);
    out.minute = static_cast<unsigned>(secs / 60 % 60);
    out.second = static_cast<unsigned>(secs % 60);
    out.offset_minutes = offset;
    out.has_date = out.has_time = true;
    return out;
}

std::string check_pattern(std::string_view pattern) {
    if (pattern == "iso" || pattern == "hl7") return {};
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%') continue;
        if (i + 1 >= pattern.size()) return "pattern ends with '%'";
        const char c = pattern[i + 1];
        if (c == ':' && i + 2 < pattern.size() && pattern[i + 2] == 'z') {
            i += 2;
            continue;
        }
        if (std::string_view("YmdHMSfz%").find(c) == std::string_view::npos)
            return fmt::format("unknown directive '%{}' (use %Y %m %d %H %M %S %f %z %:z %%)", c);
        ++i;
    }
    return {};
}

std::optional<CivilTime> parse_civil(std::string_view text, std::string_view pattern, std::string& problem) {
    std::optional<CivilTime> parsed;
    if (pattern == "hl7") {
        parsed = parse_hl7(text, problem);
    } else if (pattern == "iso") {
        parsed = parse_iso(text, problem);
    } else {
        CivilTime t;
        t.month = t.day = 1;
        std::size_t pos = 0;
        for (std::size_t i = 0; i < pattern.size(); ++i) {
            bool ok = true;
            if (pattern[i] != '%') {
                ok = pos < text.size() && text[pos] == pattern[i];
                ++pos;
            } else {
                char c = pattern[++i];
                unsigned v = 0;
                switch (c) {
                    case 'Y': ok = read_digits(text, pos, 4, v); t.year = static_cast<int>(v); t.has_date = true; break;
                    case 'm': ok = read_digits(text, pos, 2, t.month); break;
                    case 'd': ok = read_digits(text, pos, 2, t.day); break;
                    case 'H': ok = read_digits(text, pos, 2, t.hour); t.has_time = true; break;
                    case 'M': ok = read_digits(text, pos, 2, t.minute); break;
                    case 'S': ok = read_digits(text, pos, 2, t.second); break;
                    case 'f': ok = read_fraction(text, pos, t); break;
                    case 'z': ok = read_offset(text, pos, false, t); break;
                    case ':': ++i; ok = read_offset(text, pos, true, t); break;
                    default: ok = pos < text.size() && text[pos++] == '%'; break;
                }
            }
            if (!ok) {
                problem = fmt::format("does not match pattern '{}'", pattern);
                return std::nullopt;
            }
        }
        if (pos != text.size()) {
            problem = fmt::format("does not match pattern '{}' (extra characters)", pattern);
            return std::nullopt;
        }
        parsed = t;
    }
    if (!parsed) return std::nullopt;
    if (parsed->has_date && !valid_date(parsed->year, parsed->month, parsed->day)) {
        problem = "no such date";
        return std::nullopt;
    }
    if (parsed->hour > 23 || parsed->minute > 59 || parsed->second > 59) {
        problem = "no such time of day";
        return std::nullopt;
    }
    return parsed;
}

std::string format_civil(const CivilTime& t, std::string_view pattern) {
    if (pattern == "iso") {
        if (t.has_date && t.has_time) return rfc3339(t);
        return t.has_date ? iso_date(t) : iso_time(t);
    }
    if (pattern == "hl7") {
        std::string s = fmt::format("{:04}{:02}{:02}", t.year, t.month, t.day);
        if (t.has_time) s += fmt::format("{:02}{:02}{:02}", t.hour, t.minute, t.second);
        if (t.has_time && t.offset_minutes) s += offset_text(*t.offset_minutes, false, false);
        return s;
    }
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%' || i + 1 >= pattern.size()) {
            out += pattern[i];
            continue;
        }
        switch (pattern[++i]) {
            case 'Y': out += fmt::format("{:04}", t.year); break;
            case 'm': out += fmt::format("{:02}", t.month); break;
            case 'd': out += fmt::format("{:02}", t.day); break;
            case 'H': out += fmt::format("{:02}", t.hour); break;
            case 'M': out += fmt::format("{:02}", t.minute); break;
            case 'S': out += fmt::format("{:02}", t.second); break;
            case 'f': out += fraction_text(t.nanos); break;
            case 'z': out += offset_text(t.offset_minutes.value_or(0), false, false); break;
            case ':': ++i; out += offset_text(t.offset_minutes.value_or(0), true, true); break;
            default: out += '%'; break;
        }
    }
    return out;
}

std::string iso_date(const CivilTime& t) { return fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day); }
std::string iso_time(const CivilTime& t) { return fmt::format("{:02}:{:02}", t.hour, t.minute); }

std::string rfc3339(const CivilTime& t) {
    std::string s = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour, t.minute,
                                t.second);
    if (t.nanos != 0) s += "." + fraction_text(t.nanos);
    s += offset_text(t.offset_minutes.value_or(0), true, true);
    return s;
}

}  // namespace gw::mapping
