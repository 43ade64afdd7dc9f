#pragma once
// What a config reload (SIGHUP, the admin API) may change while the gateway runs, and what it reports.
//
// Applied at once: routes (contracts, shadow vendors, requires), every vendor's folder (adapter.yaml, mappings,
// lookup tables), base_url, sandbox_url, secrets, params, TLS and proxy, and each MLLP channel's inbound mapping.
// Applied at the next start (reported, never refused): listeners, the store, threads, logging, admin, retention, a
// vendor's delivery policy and `enabled:`, vendors added or removed. A reload is refused — the running config stays
// in force, untouched — when the new config or anything it names has an error, or when a route would send orders to
// a vendor the running delivery engine has no queue for (a vendor added since start: restart to serve it).

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/core/error.hpp"

namespace gw::app {

struct ReloadReport {
    bool applied = false;
    std::uint64_t generation = 0;             // the config generation in force afterwards (1 = the start-up one)
    std::vector<Error> errors;                // why the new config was refused: every problem, FILE:LINE:COL
    std::vector<Error> warnings;              // route warnings of the new config (routing/route_check.hpp)
    std::vector<std::string> restart_needed;  // what changed that only a restart applies ("http.port", ...)
    std::chrono::milliseconds took{0};        // loading and checking everything, and the swap
};

// The keys that differ between the config the process started with and `next` and that a reload cannot apply.
std::vector<std::string> changes_needing_restart(const config::GatewayConfig& started, const config::GatewayConfig& next);

// Contracts of `next` in force on or after `today` whose vendor has no delivery queue in this process (`served`).
std::vector<Error> vendors_without_delivery(const config::GatewayConfig& next, const std::set<std::string>& served,
                                            const std::string& today);

}  // namespace gw::app
