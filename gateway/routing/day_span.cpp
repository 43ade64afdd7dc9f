#include "gateway/routing/day_span.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace gw::routing {

DaySpan span_of(const config::ContractSection& contract) {
    return DaySpan{contract.from, contract.until.empty() ? kForever : contract.until};
}

std::optional<DaySpan> intersect(const DaySpan& a, const DaySpan& b) {
    DaySpan both{std::max(a.from, b.from), std::min(a.until, b.until)};
    if (both.empty()) return std::nullopt;
    return both;
}

std::vector<DaySpan> subtract(const DaySpan& want, std::vector<DaySpan> covered) {
    std::vector<DaySpan> out;
    if (want.empty()) return out;
    std::sort(covered.begin(), covered.end(), [](const DaySpan& a, const DaySpan& b) { return a.from < b.from; });
    std::string cursor = want.from;
    for (const auto& c : covered) {
        if (c.empty() || c.until <= cursor) continue;
        if (c.from >= want.until) break;
        if (c.from > cursor) out.push_back(DaySpan{cursor, c.from});
        cursor = std::max(cursor, c.until);
        if (cursor >= want.until) return out;
    }
    if (cursor < want.until) out.push_back(DaySpan{cursor, want.until});
    return out;
}

std::string previous_day(const std::string& day) {
    using namespace std::chrono;
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(day.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return day;
    const year_month_day ymd{sys_days{year{y} / month{m} / std::chrono::day{d}} - days{1}};
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

std::string to_text(const DaySpan& span) {
    if (span.until == kForever) return span.from + " on";
    const auto last = previous_day(span.until);
    if (last == span.from) return span.from;
    return span.from + ".." + last;
}

}  // namespace gw::routing
