#pragma once
// From the config's view of a vendor (gateway.yaml `vendors:`) to what adapters and the delivery engine take.
// Shared by `gateway serve` (GatewayApp) and `gateway check`.

#include <memory>

#include "adapters/adapter.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/delivery/engine.hpp"

namespace gw::app {

adapters::VendorSettings vendor_settings(const config::VendorSection& vendor);
delivery::DestinationSpec destination_spec(const config::VendorSection& vendor,
                                           std::shared_ptr<adapters::Adapter> adapter);

}  // namespace gw::app
