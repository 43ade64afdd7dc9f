#pragma once
// Why an outbound HTTP request failed, classified so that a delivery engine can decide between "retry later" and
// "give up". A failure travels as a gw::Error whose message starts with the kind's name ("timeout: ...") and whose
// where.path is the request URL; failure_kind() reads the kind back. HTTP error statuses (4xx/5xx) are not
// failures: they are responses, and their meaning is the caller's business. So is a body of garbage or HTML.

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/error.hpp"

namespace gw::httpclient {

enum class FailureKind {
    invalid_request,   // the request can never work (bad URL, unsupported scheme); ErrorCode::invalid_argument
    connect_failed,    // DNS, TCP connect or the proxy's CONNECT failed; nothing was sent; ErrorCode::unavailable
    timeout,           // a connect, request or total deadline passed; ErrorCode::timeout
    tls_error,         // handshake or certificate verification failed (untrusted CA, wrong host name, mTLS refused)
    too_large,         // response header, body or decoded body over its limit; ErrorCode::too_large
    protocol_error,    // the peer does not speak HTTP/1.x (or sent an unsupported Content-Encoding, or too many
                       // redirects); ErrorCode::parse_error
    connection_reset,  // the peer closed or reset the connection before the response was complete; ErrorCode::io_error
    cancelled,         // the client was shut down before the request finished; ErrorCode::unavailable
};

std::string_view to_string(FailureKind kind) noexcept;

// The gw::Error for a failure: "KIND: detail", where.path = url.
Error make_failure(FailureKind kind, std::string detail, std::string url = {});

// The kind of an error made by make_failure(); nullopt for any other error.
std::optional<FailureKind> failure_kind(const Error& error);

// Whether the same request may succeed if tried again later. True for connect_failed, timeout, connection_reset
// and cancelled. Whether it is *safe* to retry (the request may have reached the server for timeout and
// connection_reset) is the caller's call: use an Idempotency-Key for non-idempotent requests.
bool is_transient(FailureKind kind) noexcept;

}  // namespace gw::httpclient
