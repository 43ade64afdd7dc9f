#pragma once
// The typed, validated gateway configuration (config/gateway.yaml). Built once by load_gateway_config(); components
// receive the parts they need and never re-check them. The JSON Schema in config/schema/gateway.schema.json
// describes the same keys for editors; tests keep the two in step.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/error.hpp"
#include "gateway/tls/tls_context.hpp"

namespace gw::config {

using std::chrono::milliseconds;

struct GatewaySection {
    std::string instance_id = "gateway-1";
    int threads = 2;                       // Asio threads
    milliseconds shutdown_grace{10'000};   // how long in-flight work may take to finish on SIGTERM
};

struct LoggingSection {
    std::string level = "info";
    std::string format = "json";      // json | text
    bool mask_personal_data = true;   // names, addresses, phones masked in logs unless false
};

struct HttpSection {
    bool enabled = true;
    std::string host = "0.0.0.0";
    std::uint16_t port = 8080;
    std::uint64_t max_body_bytes = 1 << 20;
    milliseconds header_timeout{10'000};
    milliseconds idle_timeout{60'000};
    int max_connections = 512;
    tls::ServerTlsOptions tls;
};

struct MllpListenerSection {
    std::string name = "mllp";
    std::string host = "0.0.0.0";
    std::uint16_t port = 2575;
    std::uint64_t max_message_bytes = 1 << 20;
    milliseconds read_timeout{30'000};
    milliseconds idle_timeout{300'000};
    int max_connections = 256;
    tls::ServerTlsOptions tls;
    std::vector<std::string> versions;       // empty: the intake's defaults
    std::vector<std::string> message_types;  // empty: the intake's defaults
    std::string sending_application = "GROCERY-GW";
    std::string sending_facility;
};

struct StoreSection {
    std::string kind = "sqlite";  // sqlite | postgres
    std::string path = "var/gateway.db";
    std::string dsn;              // postgres; a secret: dsn_file or ${ENV}
    int queue_capacity = 4096;    // inbound messages waiting for the group-commit writer
    int max_batch = 512;
};

struct AdminSection {
    std::string tokens_file;  // bearer tokens (hashed) with roles
};

struct GatewayConfig {
    std::string source_file;
    GatewaySection gateway;
    LoggingSection logging;
    HttpSection http;
    std::vector<MllpListenerSection> mllp;
    StoreSection store;
    AdminSection admin;
};

struct LoadResult {
    std::optional<GatewayConfig> config;  // set only when errors is empty
    std::vector<Error> errors;            // every problem found, sorted by position
};

struct LoadOptions {
    bool check_files = true;  // TLS files etc. must exist
};

LoadResult load_gateway_config(const std::string& path, const LoadOptions& options = {});
LoadResult load_gateway_config_text(std::string_view yaml, const std::string& file_name,
                                    const LoadOptions& options = {});

}  // namespace gw::config
