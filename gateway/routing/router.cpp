#include "gateway/routing/router.hpp"

#include <fmt/format.h>

#include "gateway/routing/oslo_time.hpp"

namespace gw::routing {

Router::Router(std::vector<config::RouteSection> routes) : routes_(std::move(routes)) {}

Result<RouteChoice> Router::choose(std::string_view municipality, std::string_view district,
                                   std::chrono::system_clock::time_point at) const {
    return choose_on_day(municipality, district, oslo_date(at));
}

Result<RouteChoice> Router::choose_on_day(std::string_view municipality, std::string_view district,
                                          const std::string& day) const {
    auto pick = [&](const config::RouteSection& route) -> std::optional<RouteChoice> {
        for (const auto& c : route.contracts) {
            // Dates are YYYY-MM-DD, so text order is date order.
            if (day >= c.from && (c.until.empty() || day < c.until)) {
                // A shadow that is the order's own vendor (left in the config after its switch-over) compares nothing.
                return RouteChoice{c.vendor, route.shadow == c.vendor ? std::string() : route.shadow, day};
            }
        }
        return std::nullopt;
    };
    const config::RouteSection* by_district = nullptr;
    const config::RouteSection* by_municipality = nullptr;
    const config::RouteSection* fallback = nullptr;
    for (const auto& route : routes_) {
        if (route.municipality == municipality) {
            if (!route.district.empty() && route.district == district) by_district = &route;
            if (route.district.empty()) by_municipality = &route;
        } else if (route.municipality == "*") {
            fallback = &route;
        }
    }
    for (const auto* route : {by_district, by_municipality, fallback}) {
        if (!route) continue;
        if (auto choice = pick(*route)) return *choice;
    }
    return make_error(ErrorCode::not_found,
                      fmt::format("no contract covers municipality {}{} on {}", municipality,
                                  district.empty() ? std::string() : fmt::format(" district {}", district), day));
}

}  // namespace gw::routing
