#pragma once
// The effective route table on one Europe/Oslo day, as `gateway routes --at DATE` prints it: per route, the vendor
// an order arriving that day is stored with (its own contract, or the fallback route's when it has none that day),
// the contract in force, the next switch-over and the shadow vendor.

#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"

namespace gw::routing {

struct EffectiveRoute {
    std::string municipality;
    std::string district;        // empty: the whole municipality
    std::string vendor;          // who gets the order that day; empty: nobody (the order fails and waits for replay)
    bool by_fallback = false;    // the route has no contract that day; `vendor` comes from a fallback route
    std::string contract;        // the route's own contract in force that day ("2026-01-01..2026-12-31"), or empty
    std::string next_vendor;     // after the next switch-over ("" = nobody); empty next_day: no switch-over ahead
    std::string next_day;
    std::string shadow;          // empty when the route has none, or when it is the vendor of the day itself
};

std::vector<EffectiveRoute> effective_routes(const std::vector<config::RouteSection>& routes, const std::string& day);

// A fixed-width table with a header line, one line per route.
std::string format_route_table(const std::vector<EffectiveRoute>& rows);

}  // namespace gw::routing
