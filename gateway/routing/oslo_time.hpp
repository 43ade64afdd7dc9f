#pragma once
// Calendar days in Europe/Oslo, where contracts start and end. Norway follows the EU summer-time rule (CEST, UTC+2,
// from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October; CET, UTC+1, otherwise);
// Debian's GCC 12 has no time-zone database in <chrono>, and the rule has been stable since 1996.

#include <chrono>
#include <string>

namespace gw::routing {

// UTC offset of Europe/Oslo at instant `t`.
std::chrono::minutes oslo_offset(std::chrono::system_clock::time_point t) noexcept;

// The Oslo calendar day of `t` as "YYYY-MM-DD".
std::string oslo_date(std::chrono::system_clock::time_point t);

}  // namespace gw::routing
