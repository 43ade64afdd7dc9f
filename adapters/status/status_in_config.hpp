#pragma once
// What a vendor folder says about status coming back from the grocer: adapter.yaml's `status_in:` block, whatever
// the adapter kind. gateway/status uses it to verify and map webhooks and to poll; the http kinds' reader checks
// it with the rest of the folder, so `gateway check` and start-up report its mistakes as FILE:LINE:COL.
//
//   capabilities: {status: webhook}      # webhook | poll | none; webhook and poll need status_in
//   status_in:
//     mapping: status.yaml               # the grocer's webhook / poll body -> canonical:order_event
//                                        # (params it may read: order_id (empty), vendor, the deployment's params)
//     order_key: order_id                # what the mapped event's order_id holds: order_id (the gateway's id,
//                                        # which the grocer echoes), vendor_order_ref, or external_ref (the care
//                                        # system's placer order number)
//     max_body: 256KiB                   # larger webhook bodies get 413
//     webhook:                           # capabilities.status webhook
//       verify: hmac_sha256              # hmac_sha256 | bearer | none (none only for a trusted network: it is
//                                        # logged loudly at start-up)
//       secret: "{{secret.webhook_secret}}"   # the deployment secret with the HMAC key (or the bearer token)
//       signature_header: X-Instacart-Signature
//       signature_prefix: "v1="          # text before the signature; a header may list several, comma-separated
//       encoding: hex                    # hex | base64
//       timestamp_header: X-Instacart-Timestamp   # unix seconds; empty: the grocer signs no time (no replay window)
//       signed: "{{timestamp}}.{{body}}" # what the grocer signs: {{timestamp}}, {{body}} and literal text
//       tolerance: 5m                    # a timestamp further than this from now is refused as a replay
//       token_header: Authorization      # bearer: "Authorization: Bearer TOKEN", or a header holding the token
//     poll:                              # capabilities.status poll: operations.status is called per open order
//       interval: 1m                     # first poll after submission and after every change
//       max_interval: 15m                # an unchanged answer doubles the interval up to this
//       batch: 100                       # open orders looked at per round

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/error.hpp"
#include "gateway/mapping/mapping.hpp"

namespace gw::adapters::status {

enum class Verify { hmac_sha256, bearer, none };
enum class SignatureEncoding { hex, base64 };
// What the mapped event's order_id names.
enum class OrderKey { order_id, vendor_order_ref, external_ref };
std::string_view to_string(OrderKey key) noexcept;

struct WebhookVerification {
    Verify scheme = Verify::hmac_sha256;
    std::string secret_name;  // the deployment secret holding the HMAC key or the bearer token
    std::string secret;       // its value; filled only when read with the deployment's secrets (check_secrets)
    std::string signature_header;
    std::string signature_prefix;
    SignatureEncoding encoding = SignatureEncoding::hex;
    std::string timestamp_header;
    // The signed text as pieces: literal text, or one of the names "{{timestamp}}" / "{{body}}".
    std::vector<std::string> signed_parts{"{{timestamp}}", ".", "{{body}}"};
    std::chrono::seconds tolerance{300};
    std::string token_header = "Authorization";
};

struct PollSettings {
    std::chrono::milliseconds interval{60'000};
    std::chrono::milliseconds max_interval{900'000};
    std::size_t batch = 100;
};

struct StatusInConfig {
    std::string vendor;
    std::string file;  // adapter.yaml, for messages
    StatusMode mode = StatusMode::none;
    std::shared_ptr<const mapping::Mapping> mapping;
    OrderKey order_key = OrderKey::order_id;
    std::size_t max_body = 256 * 1024;
    std::optional<WebhookVerification> webhook;  // mode webhook
    std::optional<PollSettings> poll;            // mode poll
};

// Reads the `status_in:` mapping for a vendor whose capabilities.status is `mode`. With check_secrets the secret
// named by webhook.secret must be among settings.secrets (and its value is kept); without, only its form is checked
// (gateway check of a folder on its own). Mapping load errors are appended to `mapping_errors`.
std::optional<StatusInConfig> read_status_in(config::ObjectReader& r, const VendorSettings& settings, StatusMode mode,
                                             bool check_secrets, std::vector<Error>& mapping_errors);

struct StatusInLoad {
    std::optional<StatusInConfig> config;  // nullopt with no errors: the vendor reports no status (status: none)
    std::vector<Error> errors;
};

// Reads `settings.folder`/adapter.yaml's capabilities.status and status_in (the rest is the kind's business), with
// the deployment's secrets checked: what the gateway needs to receive and poll status.
StatusInLoad load_status_in(const VendorSettings& settings);

}  // namespace gw::adapters::status
