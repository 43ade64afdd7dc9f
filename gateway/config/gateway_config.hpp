#pragma once
// The typed, validated gateway configuration (config/gateway.yaml). Built once by load_gateway_config(); components
// receive the parts they need and never re-check them. The JSON Schema in config/schema/gateway.schema.json
// describes the same keys for editors; tests keep the two in step.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
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

using StringMap = std::map<std::string, std::string, std::less<>>;

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
    // HL7 -> canonical:care_order mapping that turns this channel's messages into orders.
    std::string mapping = "mappings/inbound/oms-o05.yaml";
};

struct StoreSection {
    std::string kind = "sqlite";  // sqlite | postgres
    std::string path = "var/gateway.db";
    std::string dsn;              // postgres; a secret: dsn_file or ${ENV}
    int queue_capacity = 4096;    // inbound messages waiting for the group-commit writer
    int max_batch = 512;
};

// How the delivery engine treats one vendor: retries, limits, protection.
struct DeliveryPolicy {
    int concurrency = 4;                    // deliveries in flight at once
    int max_attempts = 12;                  // then the item becomes a dead letter
    milliseconds max_age{24LL * 3600 * 1000};  // an item older than this is not retried any more
    milliseconds backoff_initial{1'000};    // exponential backoff with full jitter: random(0, min(max, initial*2^n))
    milliseconds backoff_max{300'000};
    milliseconds operation_timeout{60'000}; // one delivery: every step and auth call
    milliseconds lease{120'000};            // a claimed item is someone else's to retry after this
    double rate_per_second = 0;             // token bucket; 0 = unlimited
    int burst = 10;
    int breaker_failures = 5;               // consecutive retryable failures that open the circuit
    milliseconds breaker_open_for{30'000};
};

// Where one MLLP channel's status reports go back: ORS^O06 over an outbound MLLP connection (adapter kind
// mllp_out), with its own outbox destination "mllp:CHANNEL", retries and ACK checking.
struct StatusOutSection {
    std::string channel;                 // the MLLP listener it belongs to (YAML: mllp[].status_out)
    std::string host;
    std::uint16_t port = 0;
    bool tls = false;                    // tls.enabled: mllps
    tls::ClientTlsOptions tls_options;   // CA to verify the care system; client certificate for mTLS
    milliseconds connect_timeout{10'000};
    milliseconds ack_timeout{30'000};    // writing one report and receiving its ACK
    milliseconds idle_timeout{60'000};   // an unused connection is closed after this
    std::string receiving_application;   // MSH-5 of the reports; empty: the order's sender (its MSH-3)
    std::string receiving_facility;      // MSH-6; empty: the order's MSH-4
    // canonical:order_event -> hl7 mapping that renders the reports.
    std::string mapping = "mappings/outbound/ors-o06.yaml";
    DeliveryPolicy delivery;             // retries and limits (concurrency 1 keeps reports in order)
};

struct VendorSection {
    std::string name;
    bool enabled = true;
    std::string folder;    // mappings/vendors/NAME (adapter.yaml + mappings)
    std::string base_url;
    // The vendor's test endpoint. Shadow traffic (a route's `shadow:` vendor) is sent here when set — never to
    // base_url; without it shadow orders are only translated.
    std::string sandbox_url;
    StringMap secrets;     // each value inline (${ENV}) or NAME_file
    StringMap params;
    tls::ClientTlsOptions tls;
    std::string proxy;
    DeliveryPolicy delivery;
};

// One contract: `vendor` serves the route from `from` (inclusive) until `until` (exclusive, empty: open-ended); dates
// are Europe/Oslo calendar days, YYYY-MM-DD.
struct ContractSection {
    std::string vendor;
    std::string from;
    std::string until;
    SourceLocation where = {};  // the contract in the config file, for `gateway check`
};

struct RouteSection {
    std::string municipality;  // 4-digit municipality number, or "*" for every municipality without its own route
    std::string district;      // optional: narrows the route to the order's district
    std::vector<ContractSection> contracts;
    std::string shadow;        // vendor whose mappings also run on every order (never sent to production)
    // `requires:` what every vendor of this route must be able to do: "status" (reports order status: webhook or
    // poll, not a cart hand-off), "cancel". `gateway check` rejects contracts whose vendor cannot.
    std::vector<std::string> required_capabilities = {};
    SourceLocation where = {};
};

struct RetentionSection {
    bool enabled = true;
    milliseconds personal_data_after{30LL * 24 * 3600 * 1000};  // settled orders keep personal data this long
    milliseconds run_every{3'600'000};
};

// The admin API, dashboard and /metrics (gateway/ops).
struct AdminSection {
    std::string tokens_file;                // bearer tokens (SHA-256 hashes) with roles; empty: the API refuses all
    bool dashboard = true;                  // serve the live dashboard under /dashboard/
    int max_page_size = 200;                // search results per page; larger requests are capped
    milliseconds stream_interval{1'000};    // how often the live feed pushes a snapshot
    int max_stream_clients = 32;            // open live streams at once
    milliseconds outbox_stuck_after{30LL * 60 * 1000};  // /readyz fails when an unpaused outbox waits longer
};

struct GatewayConfig {
    std::string source_file;
    GatewaySection gateway;
    LoggingSection logging;
    HttpSection http;
    std::vector<MllpListenerSection> mllp;
    std::vector<StatusOutSection> status_out;  // one per MLLP listener with `status_out:` (and not enabled: false)
    StoreSection store;
    AdminSection admin;
    std::vector<VendorSection> vendors;
    std::vector<RouteSection> routes;
    RetentionSection retention;

    const VendorSection* vendor(std::string_view name) const;
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
