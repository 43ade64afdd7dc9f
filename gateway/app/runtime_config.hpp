#pragma once
// RuntimeConfig: everything a config reload replaces, built completely off to the side from one GatewayConfig and
// then used as one immutable value — the inbound mappings of every MLLP channel, the router, one adapter per vendor
// (its adapter.yaml and mappings compiled), a sandbox adapter per vendor with a sandbox_url (shadow mode), and what
// the route checks know about each vendor. `gateway check` builds one and throws it away; GatewayApp builds one at
// start and one per reload, and swaps it in only when the build had no error.
//
// Building never sends anything: adapters are created with their HTTP clients idle.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/core/error.hpp"
#include "gateway/pipeline/order_pipeline.hpp"
#include "gateway/routing/route_check.hpp"

namespace gw::shadow {
class ShadowRunner;
}

namespace gw::app {

using AdapterMap = std::map<std::string, std::shared_ptr<adapters::Adapter>, std::less<>>;

struct RuntimeConfig {
    std::uint64_t generation = 0;  // 1 at start, +1 per applied reload
    config::GatewayConfig config;
    std::shared_ptr<const pipeline::PipelineConfig> pipeline;  // channels, router, shadow hook
    AdapterMap adapters;   // every vendor in `vendors:` (paused ones too), pointed at its base_url
    AdapterMap sandboxes;  // vendors with a sandbox_url, pointed at it; only shadow mode uses them
    routing::VendorFactsMap vendor_facts;
};

struct RuntimeBuildOptions {
    std::uint64_t generation = 1;
    std::string today;  // Europe/Oslo day the route checks start from (YYYY-MM-DD)
    // Shadow jobs of this runtime's pipeline go here; null: shadow routes are translated by nobody (gateway check).
    std::shared_ptr<shadow::ShadowRunner> shadow;
};

struct RuntimeBuild {
    std::shared_ptr<const RuntimeConfig> runtime;  // null when errors is not empty
    std::vector<Error> errors;                     // every problem: mappings, vendor folders, routes
    std::vector<Error> warnings;                   // route warnings (routing/route_check.hpp)
};

// The adapters' network objects use `io` (which must outlive them); nothing is sent while building.
RuntimeBuild build_runtime_config(boost::asio::io_context& io, config::GatewayConfig config,
                                  const RuntimeBuildOptions& options);

// What the route checks know about a vendor: from its adapter's capabilities and its `enabled:` setting.
routing::VendorFacts vendor_facts(const config::VendorSection& vendor, const adapters::Capabilities& capabilities);

}  // namespace gw::app
