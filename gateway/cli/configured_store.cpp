#include "gateway/cli/configured_store.hpp"

#include <iostream>

#include "gateway/store/open_store.hpp"

namespace gw::cli {

std::unique_ptr<store::Store> open_configured_store(const config::GatewayConfig& config) {
    store::OpenStoreOptions options;
    options.kind = config.store.kind;
    options.path = config.store.path;
    options.dsn = config.store.dsn;
    auto opened = store::open_store(options);
    if (!opened) {
        std::cerr << opened.error().to_string() << "\n";
        return nullptr;
    }
    return std::move(opened).value();
}

}  // namespace gw::cli
