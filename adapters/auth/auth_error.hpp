#pragma once
// How token and login calls fail, so the delivery engine can tell "retry later" from "give up" the same way it does
// for its own calls. See factory.hpp for the classification.

#include <string>
#include <string_view>

#include "gateway/core/error.hpp"
#include "gateway/httpclient/message.hpp"

namespace gw::adapters::auth {

// True when the same apply() may succeed later: ErrorCode::unavailable or timeout, or a transient transport
// failure (httpclient::is_transient). False for a refused client, a wrong password, a TLS or URL problem.
bool is_retryable(const Error& error);

// The Error for an auth call (`what`: "oauth2 token request", "session login") answered with a non-2xx status:
// unavailable for 408/425/429/5xx, invalid_argument for other statuses, the server's error text in the message.
Error auth_status_error(std::string_view what, const httpclient::HttpResponse& response);

// A transport failure of an auth call: the HttpClient's error unchanged (its kind stays readable) plus a hint.
Error auth_transport_error(std::string_view what, Error failure);

// The server's own words from an error body: OAuth2 `error` + `error_description`, `detail`, `message`,
// `errors[0].message`, or the start of a text body.
std::string server_error_text(std::string_view body);

}  // namespace gw::adapters::auth
