#pragma once
// The checks `gateway check` (and every reload) runs on the route table before it may take effect:
//  - errors: two routes for the same municipality and district; a route without contracts; contracts of one route
//    that overlap; days from `today` on where an order could arrive and no contract — of the route itself or of
//    its fallbacks (district -> municipality -> "*") — names a vendor; a current or future contract whose vendor
//    cannot do what the route `requires:` (status, cancel), e.g. a cart hand-off vendor where status is required.
//  - warnings (printed, never fatal): days before a route's first contract with no fallback; a current or future
//    contract naming a paused vendor (`enabled: false`: its orders are stored and routed and wait in the outbox
//    until it is resumed); a shadow vendor that could not take the route over, or that already serves it.
// Days are Europe/Oslo calendar days as YYYY-MM-DD; contracts that ended before `today` are history and only take
// part in the overlap check. Every problem carries the route's or contract's FILE:LINE:COL.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/core/error.hpp"

namespace gw::routing {

// What the route checks need to know about a vendor (from its adapter.yaml capabilities and gateway.yaml).
struct VendorFacts {
    bool enabled = true;             // false: paused by config
    bool reports_status = false;     // status by webhook or poll, and not a cart hand-off
    bool cancel = false;
    bool cart_handoff_only = false;
};

using VendorFactsMap = std::map<std::string, VendorFacts, std::less<>>;

struct RouteCheck {
    std::vector<Error> errors;
    std::vector<Error> warnings;
};

// Vendors missing from `vendors` (their folder failed to load, reported elsewhere) are not checked for
// capabilities.
RouteCheck check_routes(const std::vector<config::RouteSection>& routes, const VendorFactsMap& vendors,
                        const std::string& today);

// "FILE:LINE:COL: warning: MESSAGE (hint: HINT)", the warning twin of Error::to_string().
std::string warning_text(const Error& warning);

}  // namespace gw::routing
