#pragma once
// Auth schemes: how an adapter proves who it is to a grocer. Configured in adapter.yaml under `auth:`, with secret
// values from the deployment (VendorSettings::secrets: env or *_file in gateway.yaml, never inline). Schemes:
// none, api_key (header or query), basic, bearer (static), oauth2_client_credentials (token cached until shortly
// before expiry, one refresh in flight at a time, client credentials in the body or a Basic header),
// hmac (request signing), session_login (login step, cookie jar, CSRF token captured from the login answer,
// re-login on 401/419). mTLS is not a scheme here: it is VendorSettings::http.tls (client certificate).

#include <functional>
#include <memory>

#include "gateway/core/result.hpp"
#include "gateway/httpclient/http_client.hpp"

namespace gw::adapters::auth {

class AuthScheme {
public:
    virtual ~AuthScheme() = default;

    // Adds credentials to `request`, first fetching a token or logging in when there is no valid one, and calls
    // `done` exactly once (on an io thread, or inline when nothing had to be fetched) with the request ready to send,
    // or an Error when getting credentials failed (the token/login call's status or failure in the message, and
    // classified so the delivery engine can tell retryable from permanent).
    virtual void apply(httpclient::HttpRequest request,
                       std::function<void(Result<httpclient::HttpRequest>)> done) = 0;

    // Called with every response to a request that apply() prepared: keeps cookies (session schemes) and returns
    // true when the response says the credentials are stale or expired (401, 419, a vendor's invalid_token); the
    // scheme then forgets them, and the caller repeats the step once with a fresh apply().
    virtual bool on_response(const httpclient::HttpResponse& response) = 0;

    // on_response() for a caller that still has the request it sent (as apply() returned it). Prefer it: when the
    // rejected request carried credentials older than the current ones (it was in flight while another request
    // refreshed them), the scheme keeps the current ones and still returns true, so N concurrent rejections cause
    // one refresh, not N. Schemes with refreshable credentials override it.
    virtual bool on_response_for(const httpclient::HttpRequest& sent, const httpclient::HttpResponse& response) {
        (void)sent;
        return on_response(response);
    }
};

}  // namespace gw::adapters::auth
