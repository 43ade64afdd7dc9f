#include "gateway/routing/route_table.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "gateway/routing/day_span.hpp"
#include "gateway/routing/router.hpp"

namespace gw::routing {
namespace {

// Who gets an order of (municipality, district) on `day`, fallbacks included; empty when nobody does.
std::string vendor_on(const Router& router, const config::RouteSection& r, const std::string& day) {
    auto choice = router.choose_on_day(r.municipality == "*" ? std::string("*") : r.municipality, r.district, day);
    return choice ? choice->vendor : std::string();
}

// Every day on which the answer for route `r` may change: its own contract bounds and those of the routes it
// falls back to.
std::set<std::string> boundaries(const std::vector<config::RouteSection>& routes, const config::RouteSection& r) {
    std::set<std::string> out;
    for (const auto& other : routes) {
        const bool relevant = &other == &r || other.municipality == "*" ||
                              (other.municipality == r.municipality && other.district.empty());
        if (!relevant) continue;
        for (const auto& c : other.contracts) {
            out.insert(c.from);
            if (!c.until.empty()) out.insert(c.until);
        }
    }
    return out;
}

// Columns are padded by characters, not bytes: districts may be named "ØST".
std::size_t width(const std::string& text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::vector<EffectiveRoute> effective_routes(const std::vector<config::RouteSection>& routes, const std::string& day) {
    const Router router(routes);
    std::vector<EffectiveRoute> out;
    for (const auto& r : routes) {
        EffectiveRoute row;
        row.municipality = r.municipality;
        row.district = r.district;
        row.shadow = r.shadow;
        for (const auto& c : r.contracts) {
            if (span_of(c).contains(day)) {
                row.contract = to_text(span_of(c));
                break;
            }
        }
        row.vendor = vendor_on(router, r, day);
        row.by_fallback = row.contract.empty() && !row.vendor.empty();
        if (row.shadow == row.vendor) row.shadow.clear();  // not shadowed: it is the order's own vendor (router.hpp)
        for (const auto& b : boundaries(routes, r)) {
            if (b <= day) continue;
            auto then = vendor_on(router, r, b);
            if (then == row.vendor) continue;
            row.next_day = b;
            row.next_vendor = std::move(then);
            break;
        }
        out.push_back(std::move(row));
    }
    return out;
}

std::string format_route_table(const std::vector<EffectiveRoute>& rows) {
    struct Line {
        std::string municipality, district, vendor, contract, next, shadow;
    };
    std::vector<Line> lines;
    lines.push_back({"MUNICIPALITY", "DISTRICT", "VENDOR", "CONTRACT", "NEXT SWITCH-OVER", "SHADOW"});
    for (const auto& r : rows) {
        Line l;
        l.municipality = r.municipality;
        l.district = r.district.empty() ? "-" : r.district;
        l.vendor = r.vendor.empty() ? "(none: orders fail)" : r.vendor;
        if (r.by_fallback) l.vendor += " (fallback)";
        l.contract = r.contract.empty() ? "-" : r.contract;
        l.next = r.next_day.empty() ? "-"
                                    : fmt::format("{} -> {}", r.next_day,
                                                  r.next_vendor.empty() ? "(none)" : r.next_vendor);
        l.shadow = r.shadow.empty() ? "-" : r.shadow;
        lines.push_back(std::move(l));
    }
    std::size_t w[5] = {0, 0, 0, 0, 0};
    for (const auto& l : lines) {
        w[0] = std::max(w[0], width(l.municipality));
        w[1] = std::max(w[1], width(l.district));
        w[2] = std::max(w[2], width(l.vendor));
        w[3] = std::max(w[3], width(l.contract));
        w[4] = std::max(w[4], width(l.next));
    }
    std::string out;
    for (const auto& l : lines) {
        out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", l.municipality, w[0], l.district, w[1],
                           l.vendor, w[2], l.contract, w[3], l.next, w[4], l.shadow);
    }
    return out;
}

}  // namespace gw::routing
