#pragma once
// Connects the ops module (metrics, admin API, dashboard) to the running parts of the gateway: fills OpsHooks from
// the delivery engine, the pipeline, the inbound mappings and the config. Kept out of gateway_app.cpp so the
// composition root only says when things are created, started and stopped.

#include <map>
#include <memory>
#include <string>

#include "gateway/config/gateway_config.hpp"
#include "gateway/delivery/engine.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/ops/ops_hooks.hpp"
#include "gateway/ops/ops_service.hpp"
#include "gateway/pipeline/order_pipeline.hpp"

namespace gw::app {

using ChannelMappings = std::map<std::string, std::shared_ptr<const mapping::Mapping>, std::less<>>;

// The hooks read the engine and pipeline through these owners, which may still be empty when the hooks are made
// (the engine reports to metrics that must exist first); a hook called before they exist answers "nothing yet".
ops::OpsHooks make_ops_hooks(const std::unique_ptr<delivery::DeliveryEngine>& engine,
                             const std::unique_ptr<pipeline::OrderPipeline>& pipeline,
                             const config::GatewayConfig& config, const ChannelMappings& mappings);

ops::OpsOptions ops_options(const config::GatewayConfig& config);

}  // namespace gw::app
