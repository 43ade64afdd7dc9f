#pragma once
// The registry's entry points for kind mllp_out (adapters/registry.cpp lists them next to http_json/http_xml).
// A destination of this kind usually has no folder (gateway.yaml `mllp[].status_out`, built with
// create_adapter_of_kind); a folder whose adapter.yaml says `kind: mllp_out` may hold only `adapter`, `kind` and
// `description` — the rest is the deployment's (base_url mllp:// or mllps://, TLS, timeouts).

#include <vector>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "adapters/registry.hpp"
#include "gateway/core/error.hpp"

namespace gw::adapters::mllp {

std::vector<Error> check_mllp_out(const VendorSettings& settings);
AdapterLoad create_mllp_out(boost::asio::io_context& io, const VendorSettings& settings);

}  // namespace gw::adapters::mllp
