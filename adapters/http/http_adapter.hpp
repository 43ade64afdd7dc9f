#pragma once
// The http_json / http_xml adapter: a vendor's operations (adapter.yaml) run over one HttpClient. Each run() is an
// OperationRun; at most `concurrency` of them run at once (the rest wait in order), so a cart API never sees two
// orders filling one session's cart.

#include <memory>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "adapters/http/adapter_yaml.hpp"
#include "gateway/core/result.hpp"

namespace gw::adapters::http {

// Builds the client (VendorSettings::http) and the auth scheme; errors name the bad option or secret.
Result<std::shared_ptr<Adapter>> make_http_adapter(boost::asio::io_context& io, const VendorSettings& settings,
                                                   std::shared_ptr<const AdapterConfig> config);

}  // namespace gw::adapters::http
