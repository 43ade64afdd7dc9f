#include "gateway/app/runtime_config.hpp"

#include <fmt/format.h>

#include "adapters/registry.hpp"
#include "gateway/app/vendor_settings.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/routing/router.hpp"
#include "gateway/shadow/shadow_runner.hpp"

namespace gw::app {
namespace {

// Where a shadow job's adapters come from: the runtime that routed the order, for that order's whole shadow run.
struct ShadowTargets {
    AdapterMap translators;
    AdapterMap sandboxes;
};

std::function<void(const pipeline::ShadowOrder&)> shadow_hook(std::shared_ptr<shadow::ShadowRunner> runner,
                                                              std::shared_ptr<const ShadowTargets> targets) {
    if (!runner) return {};
    return [runner = std::move(runner), targets = std::move(targets)](const pipeline::ShadowOrder& order) {
        shadow::ShadowJob job;
        job.order_id = order.order_id;
        job.route_vendor = order.vendor;
        job.shadow_vendor = order.shadow;
        job.municipality = order.municipality;
        job.canonical_json = order.canonical_json;
        if (auto it = targets->translators.find(order.shadow); it != targets->translators.end()) {
            job.translator = it->second;
        }
        if (auto it = targets->sandboxes.find(order.shadow); it != targets->sandboxes.end()) job.sandbox = it->second;
        runner->submit(std::move(job));
    };
}

}  // namespace

routing::VendorFacts vendor_facts(const config::VendorSection& vendor, const adapters::Capabilities& capabilities) {
    routing::VendorFacts f;
    f.enabled = vendor.enabled;
    f.cart_handoff_only = capabilities.cart_handoff_only;
    f.reports_status = capabilities.status != adapters::StatusMode::none && !capabilities.cart_handoff_only;
    f.cancel = capabilities.cancel;
    return f;
}

RuntimeBuild build_runtime_config(boost::asio::io_context& io, config::GatewayConfig config,
                                  const RuntimeBuildOptions& options) {
    RuntimeBuild out;
    auto runtime = std::make_shared<RuntimeConfig>();
    runtime->generation = options.generation;
    auto pipeline_config = std::make_shared<pipeline::PipelineConfig>();
    pipeline_config->generation = options.generation;

    for (const auto& section : config.mllp) {
        auto loaded = mapping::load_mapping(section.mapping);
        if (!loaded.mapping) {
            out.errors.insert(out.errors.end(), loaded.errors.begin(), loaded.errors.end());
            continue;
        }
        pipeline_config->channels.emplace(section.name, loaded.mapping);
    }
    for (const auto& v : config.vendors) {
        auto settings = vendor_settings(v);
        auto loaded = adapters::create_adapter(io, settings);
        if (!loaded.adapter) {
            out.errors.insert(out.errors.end(), loaded.errors.begin(), loaded.errors.end());
            continue;
        }
        runtime->vendor_facts.emplace(v.name, vendor_facts(v, loaded.adapter->capabilities()));
        runtime->adapters.emplace(v.name, std::move(loaded.adapter));
        if (v.sandbox_url.empty()) continue;
        settings.base_url = v.sandbox_url;
        auto sandbox = adapters::create_adapter(io, settings);
        if (!sandbox.adapter) {
            out.errors.insert(out.errors.end(), sandbox.errors.begin(), sandbox.errors.end());
            continue;
        }
        runtime->sandboxes.emplace(v.name, std::move(sandbox.adapter));
    }
    auto routes = routing::check_routes(config.routes, runtime->vendor_facts, options.today);
    out.errors.insert(out.errors.end(), routes.errors.begin(), routes.errors.end());
    out.warnings = std::move(routes.warnings);
    if (!out.errors.empty()) return out;

    pipeline_config->router = std::make_shared<routing::Router>(config.routes);
    auto targets = std::make_shared<ShadowTargets>();
    for (const auto& route : config.routes) {
        if (route.shadow.empty()) continue;
        if (auto it = runtime->adapters.find(route.shadow); it != runtime->adapters.end()) {
            targets->translators.emplace(it->first, it->second);
        }
        if (auto it = runtime->sandboxes.find(route.shadow); it != runtime->sandboxes.end()) {
            targets->sandboxes.emplace(it->first, it->second);
        }
    }
    pipeline_config->shadow = shadow_hook(options.shadow, std::move(targets));
    runtime->pipeline = std::move(pipeline_config);
    runtime->config = std::move(config);
    out.runtime = std::move(runtime);
    return out;
}

}  // namespace gw::app
