#pragma once
// The one place that knows every adapter kind. A vendor folder's adapter.yaml names its `kind:`; create_adapter()
// reads the file, finds the kind here and builds the adapter. Adding a protocol = one C++ kind + one line in
// registry.cpp; adding a grocer = a folder of YAML (mappings/vendors/README.md).

#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "gateway/core/error.hpp"

namespace gw::adapters {

struct AdapterLoad {
    std::shared_ptr<Adapter> adapter;  // null when errors is not empty
    std::vector<Error> errors;         // every problem in adapter.yaml and its mappings, FILE:LINE:COL with hints
};

// Reads `settings.folder`/adapter.yaml and the mappings it names, checks them completely, and builds the adapter.
// The io_context runs its network I/O and must outlive it.
AdapterLoad create_adapter(boost::asio::io_context& io, const VendorSettings& settings);

// For a destination without a vendor folder, whose kind the deployment implies: the care system's MLLP receiver
// for status reports (kind mllp_out, everything from `settings`: base_url mllp://HOST:PORT, TLS, timeouts).
AdapterLoad create_adapter_of_kind(boost::asio::io_context& io, std::string_view kind, const VendorSettings& settings);

// Only checks the folder (gateway check / gateway test): same errors, no network objects.
std::vector<Error> check_adapter_folder(const VendorSettings& settings);

// Names of the registered kinds, for error hints and docs.
std::vector<std::string_view> adapter_kinds();

}  // namespace gw::adapters
