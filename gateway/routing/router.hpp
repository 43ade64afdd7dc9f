#pragma once
// Router: which vendor serves an order. Routes come from the config: per municipality (and optionally district) an
// ordered list of contracts {vendor, from, until} in Europe/Oslo calendar days. The route is chosen once, when the
// order is stored, from the day it arrived; the order keeps that vendor for life.
//
// Lookup: a route for the order's municipality and district first, then the municipality without district, then
// the "*" fallback route; within the route, the contract whose [from, until) contains the day.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/core/result.hpp"

namespace gw::routing {

struct RouteChoice {
    std::string vendor;
    std::string shadow;  // the route's shadow vendor, or empty (also when it is `vendor` itself)
    std::string day;     // the Oslo day the choice was made for
};

class Router {
public:
    explicit Router(std::vector<config::RouteSection> routes);

    // not_found with a readable message when no contract covers the order.
    Result<RouteChoice> choose(std::string_view municipality, std::string_view district,
                               std::chrono::system_clock::time_point at) const;
    Result<RouteChoice> choose_on_day(std::string_view municipality, std::string_view district,
                                      const std::string& day) const;

    const std::vector<config::RouteSection>& routes() const noexcept { return routes_; }

private:
    std::vector<config::RouteSection> routes_;
};

}  // namespace gw::routing
