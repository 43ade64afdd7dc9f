#pragma once
// Outbound callbacks of the sandbox (Instacart status webhooks, PEPPOL OrderResponses), sent with the gateway's own
// HttpClient after a delay. A delivery that fails (no connection, 5xx) is tried up to three times, 250 ms apart,
// as real senders do; every attempt is logged for GET /_sandbox/webhooks.

#include <chrono>
#include <string>

#include "gateway/httpclient/message.hpp"
#include "sandbox.hpp"

namespace sandbox {

struct Callback {
    Vendor vendor = Vendor::instacart;
    std::string url;
    gw::httpclient::Fields headers;
    std::string body;
    std::string label;  // for the log: "event 9007199254740993 acknowledged"
};

void send_later(Sandbox& sandbox, Callback callback, std::chrono::milliseconds delay);

}  // namespace sandbox
