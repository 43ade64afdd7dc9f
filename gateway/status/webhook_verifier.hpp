#pragma once
// Is this webhook from the grocer, and is it fresh? Checks one request against the vendor's status_in.webhook
// settings (adapters/status/status_in_config.hpp) before anything else looks at the body:
//   hmac_sha256  the signature header (after its prefix; a header may list several, comma-separated, as key
//                rotation does) must equal HMAC-SHA256(secret, signed text), compared in constant time; with a
//                timestamp header the time must be within `tolerance` of now, so a captured request cannot be
//                replayed later (a replay inside the window is caught by the vendor event id instead)
//   bearer       the token header must carry the shared token ("Bearer TOKEN" or the bare token), constant time
//   none         everything passes (a trusted network; start-up logs it)
// The verdict names the failure for the log and the 401 problem body; it never echoes the secret or the signature.

#include <chrono>
#include <string>

#include "adapters/status/status_in_config.hpp"
#include "gateway/http/message.hpp"

namespace gw::status {

enum class Refusal {
    none,
    missing_signature,  // no signature / token header, or none with the expected prefix
    bad_signature,      // present but wrong
    missing_timestamp,
    stale_timestamp,    // outside the tolerance window: a replay, or a clock far off
};
std::string_view to_string(Refusal refusal) noexcept;

struct Verification {
    Refusal refusal = Refusal::none;
    std::string detail;  // for the log and the problem body
    bool ok() const noexcept { return refusal == Refusal::none; }
};

Verification verify_webhook(const adapters::status::WebhookVerification& settings, const http::Request& request,
                            std::chrono::system_clock::time_point now);

// The signature a grocer would send for `body` at `timestamp` (tests, and the sandbox's counterpart).
std::string sign_webhook(const adapters::status::WebhookVerification& settings, std::string_view timestamp,
                         std::string_view body);

}  // namespace gw::status
