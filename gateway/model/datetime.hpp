#pragma once
// Calendar values of the canonical model and their ISO-8601 / RFC 3339 text forms.
//   Date       "2026-11-26"                 a delivery day, no zone (the municipality's local day)
//   LocalTime  "08:00"                      a wall-clock time on that day (delivery window bounds)
//   Timestamp  "2026-11-25T14:03:00+01:00"  an instant with the offset it was recorded in
// A Timestamp keeps its offset rather than normalising to UTC, so what a care system or grocer said prints back
// unchanged; compare instants with to_sys().

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::model {

struct Date {
    int year = 0;        // 1..9999
    unsigned month = 0;  // 1..12
    unsigned day = 0;    // 1..31, valid for the month and year

    bool valid() const noexcept;
    friend auto operator<=>(const Date&, const Date&) = default;
};

struct LocalTime {
    unsigned hour = 0;    // 0..23
    unsigned minute = 0;  // 0..59

    bool valid() const noexcept { return hour < 24 && minute < 60; }
    friend auto operator<=>(const LocalTime&, const LocalTime&) = default;
};

struct Timestamp {
    Date date;
    unsigned hour = 0;             // 0..23
    unsigned minute = 0;           // 0..59
    unsigned second = 0;           // 0..59 (leap seconds are not represented)
    std::uint32_t nanosecond = 0;  // 0..999'999'999
    int offset_minutes = 0;        // -1439..1439; 0 prints as "Z"

    bool valid() const noexcept;
    // The instant in UTC. Only meaningful when valid().
    std::chrono::sys_time<std::chrono::nanoseconds> to_sys() const noexcept;
    // Representation equality (same fields, same offset). Two spellings of one instant differ; use to_sys().
    friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

// "YYYY-MM-DD"; nullopt unless the text has exactly that shape and names a real day.
std::optional<Date> parse_date(std::string_view text) noexcept;
// "HH:MM"; nullopt otherwise.
std::optional<LocalTime> parse_local_time(std::string_view text) noexcept;
// RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; 't'/'z' and a space for 'T' are accepted
// (RFC 3339 5.6 note). Up to 9 fraction digits. The offset is required: a timestamp without one is ambiguous.
std::optional<Timestamp> parse_timestamp(std::string_view text) noexcept;

// The instant `t` in UTC ("Z"), millisecond precision: events the gateway itself records.
Timestamp utc_timestamp(std::chrono::system_clock::time_point t) noexcept;

std::string to_string(const Date& d);
std::string to_string(const LocalTime& t);
// Shortest exact form: fraction digits only as needed (trailing zeros dropped), "Z" for offset 0.
std::string to_string(const Timestamp& ts);

}  // namespace gw::model
