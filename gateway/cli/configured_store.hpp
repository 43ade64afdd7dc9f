#pragma once
// The store a gateway.yaml names, opened for a one-shot command (replay, scorecard): errors are printed to stderr
// and the caller exits 2. `gateway serve` opens its store in gateway/app, where an unreachable PostgreSQL is waited
// for instead.

#include <memory>

#include "gateway/config/gateway_config.hpp"
#include "gateway/store/store.hpp"

namespace gw::cli {

std::unique_ptr<store::Store> open_configured_store(const config::GatewayConfig& config);

}  // namespace gw::cli
