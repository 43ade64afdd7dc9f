#pragma once
// Date/time support for mappings: the time zones mappings may name, local-time resolution that is safe across
// daylight-saving changes, and strftime-style parse/format patterns.
//
// libstdc++ 12 has no C++20 time zone database, so the zone rules live here. Europe/Oslo follows the EU rule that
// has applied since 1996: CET (UTC+01:00), and CEST (UTC+02:00) from the last Sunday of March 01:00 UTC to the last
// Sunday of October 01:00 UTC. The same rule is used for every year, which is exact for any date an order can carry.
//
// Local time to instant: a wall-clock time inside the spring-forward gap (e.g. 2026-03-29 02:30 in Oslo) does not
// exist and is an error; a time inside the autumn overlap (2026-10-25 02:30 happens twice) resolves to the FIRST
// occurrence, i.e. summer time (+02:00), because a delivery promised "at 02:30" is due at the earlier instant.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gw::mapping {

enum class Zone : std::uint8_t { utc, europe_oslo };
std::optional<Zone> parse_zone(std::string_view name) noexcept;  // "Europe/Oslo", "UTC"
std::string_view zone_name(Zone zone) noexcept;

// Broken-down date/time; which parts are set depends on what was parsed.
struct CivilTime {
    int year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
    std::uint32_t nanos = 0;
    std::optional<int> offset_minutes;  // set when the text carried a UTC offset
    bool has_date = false, has_time = false;
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept;
void civil_from_days(std::int64_t days, int& y, unsigned& m, unsigned& d) noexcept;
bool valid_date(int y, unsigned m, unsigned d) noexcept;

// UTC offset of `zone` at the instant `utc_seconds` (seconds since the epoch).
int utc_offset_minutes(Zone zone, std::int64_t utc_seconds) noexcept;

// Offset that makes the local time `t` (date and time set, offset ignored) an instant in `zone`. Empty with
// `problem` set when the local time falls into a DST gap.
std::optional<int> resolve_local(Zone zone, const CivilTime& t, std::string& problem);

// Converts an instant given as local time + offset into the local time of `zone` (sets offset_minutes).
CivilTime to_zone(const CivilTime& t, Zone zone) noexcept;

// Pattern directives: %Y %m %d %H %M %S, %f (fraction digits), %z (+0100), %:z (+01:00, or Z for UTC), %%, and
// literal characters. Named patterns: "iso" (YYYY-MM-DD, HH:MM[:SS], RFC 3339) and "hl7" (HL7 DTM:
// YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]). Returns a description of the first problem, or "" when valid.
std::string check_pattern(std::string_view pattern);
// Parses the whole of `text`. On failure returns nullopt and a short reason in `problem`.
std::optional<CivilTime> parse_civil(std::string_view text, std::string_view pattern, std::string& problem);
std::string format_civil(const CivilTime& t, std::string_view pattern);

// Canonical texts used by Value: "YYYY-MM-DD", "HH:MM", RFC 3339 with offset.
std::string iso_date(const CivilTime& t);
std::string iso_time(const CivilTime& t);
std::string rfc3339(const CivilTime& t);

}  // namespace gw::mapping
