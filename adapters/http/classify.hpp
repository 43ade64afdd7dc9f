#pragma once
// Judging one step's answer (adapters/README.md "Default outcome classification"): carry on, or finish the
// operation with an outcome. The operation's `rules:` come first, then the defaults:
//   transport failure: httpclient::is_transient -> retryable, anything else (TLS, invalid request) -> permanent
//   2xx -> carry on;  408, 425, 429, 5xx -> retryable with Retry-After;  other statuses -> permanent
// The error text is the grocer's own (`error_text` pointers) or a readable excerpt of what it sent.

#include <chrono>
#include <string>

#include "adapters/adapter.hpp"
#include "adapters/http/adapter_yaml.hpp"
#include "adapters/http/response_body.hpp"
#include "gateway/core/error.hpp"
#include "gateway/httpclient/message.hpp"

namespace gw::adapters::http {

struct Verdict {
    enum class Next {
        proceed,            // a 2xx: read captures, go on
        proceed_no_capture, // a rule said success for a non-2xx (e.g. "order already exists"): go on, nothing to read
        finish,             // `outcome` decides the operation
    };
    Next next = Next::proceed;
    DeliveryOutcome outcome;  // when finish
};

Verdict judge_response(const httpclient::HttpResponse& response, const ResponseBody& body, const std::string& step,
                       const OutcomeConfig& config, std::chrono::system_clock::time_point now);

// A transport failure of a step's request.
DeliveryOutcome judge_failure(const Error& failure, const std::string& step);

// Whether a status is retryable by the defaults: 408, 425, 429 and 5xx.
bool retryable_status(unsigned status) noexcept;

}  // namespace gw::adapters::http
