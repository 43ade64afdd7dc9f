#pragma once
// The grocer sandbox's configuration (config/sandbox.yaml), read strictly with gw::config's YAML reader: unknown keys,
// wrong types and bad values are reported as FILE:LINE:COL errors and the sandbox does not start.

#include <chrono>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/error.hpp"

namespace sandbox {

// Faults of one vendor style. Percentages are rolled per request with the sandbox's seeded generator.
struct FaultSettings {
    std::chrono::milliseconds latency{0};         // added before every answer
    int error_percent = 0;                        // answered 500/502/503 instead
    int burst_count = 0;                          // the next N requests get burst_status (counts down)
    int burst_status = 429;                       // 429 or 503
    std::optional<int> burst_retry_after;         // seconds in Retry-After; nullopt: no Retry-After header at all
    int reset_percent = 0;                        // the connection is reset (RST) instead of answered
    std::chrono::milliseconds trickle{0};         // the response body is sent 16 bytes at a time with this pause
    int malformed_json_percent = 0;               // a JSON answer is cut short (invalid JSON, status unchanged)
};

struct OdaConfig {
    std::string username = "care";
    std::string password = "sandbox";
    std::chrono::milliseconds session_ttl{30 * 60 * 1000};
    int max_in_flight = 4;                        // more concurrent requests than this: 425 Too Early
    std::vector<std::string> sold_out;            // product ids dropped silently at checkout
};

struct InstacartConfig {
    std::string client_id = "gateway";
    std::string client_secret = "sandbox-secret";
    std::chrono::milliseconds token_ttl{60 * 60 * 1000};
    std::chrono::milliseconds slot_hold{10 * 60 * 1000};
    std::string webhook_url;                      // empty: no webhooks
    std::string webhook_secret = "sandbox-webhook-secret";
    std::chrono::milliseconds event_interval{200};
    int duplicate_percent = 0;                    // a webhook is delivered twice
    int reorder_percent = 0;                      // two consecutive webhooks swap places
    std::vector<std::string> cancel_items;        // an order containing one of these UPCs ends "canceled"
};

struct KrogerConfig {
    std::string client_id = "gateway";
    std::string client_secret = "sandbox-secret";
    std::chrono::milliseconds token_ttl{30 * 60 * 1000};
};

struct PeppolConfig {
    struct Substitute {
        std::string gtin;  // GTIN-14 of the item delivered instead
        std::string name;
    };
    std::string callback_url;                     // empty: no OrderResponse is posted
    std::string callback_token;                   // sent as Authorization: Bearer; empty: no Authorization header
    std::map<std::string, Substitute> substitutes;  // ordered GTIN -> substitute: LineStatusCode 3 (changed)
    std::chrono::milliseconds response_delay{100};
    std::vector<std::string> out_of_stock;        // GTINs answered with a rejected line (CA, or RE if all are)
};

struct SandboxConfig {
    std::string host = "127.0.0.1";
    std::uint16_t port = 18080;                   // 0: any free port (tests); printed on stdout either way
    std::uint64_t seed = 1;
    int threads = 2;

    OdaConfig oda;
    InstacartConfig instacart;
    KrogerConfig kroger;
    PeppolConfig peppol;
    // Index: Vendor enum order (oda-web, instacart-connect, kroger-cart, peppol-ap).
    FaultSettings faults[4];
};

struct ConfigResult {
    std::optional<SandboxConfig> config;
    std::vector<gw::Error> errors;  // FILE:LINE:COL diagnostics, sorted
};

ConfigResult load_sandbox_config(const std::string& path);

}  // namespace sandbox
