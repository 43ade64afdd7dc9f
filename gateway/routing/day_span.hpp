#pragma once
// Half-open spans of Europe/Oslo calendar days, [from, until), as contracts state them. Days are "YYYY-MM-DD", so
// text order is date order; an open end (a contract without until) is kForever, which sorts after every day.

#include <optional>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"

namespace gw::routing {

inline const std::string kForever = "9999-99-99";

struct DaySpan {
    std::string from;
    std::string until = kForever;

    bool contains(const std::string& day) const { return from <= day && day < until; }
    bool empty() const { return until <= from; }
};

DaySpan span_of(const config::ContractSection& contract);

// The days both spans cover, if any.
std::optional<DaySpan> intersect(const DaySpan& a, const DaySpan& b);

// The parts of `want` that none of `covered` covers, in day order.
std::vector<DaySpan> subtract(const DaySpan& want, std::vector<DaySpan> covered);

// "2026-01-01..2026-12-31" (until is exclusive, so the last day shown is the day before it), "2027-01-01 on",
// "2026-05-01" for a single day.
std::string to_text(const DaySpan& span);

// The day before "YYYY-MM-DD".
std::string previous_day(const std::string& day);

}  // namespace gw::routing
