#pragma once
// Builds an adapter's auth scheme from its adapter.yaml `auth:` node. Two steps, so `gateway check` can validate a
// vendor folder without network objects:
//
//   AuthConfig cfg = read_auth_config(auth_reader);           // strict: unknown keys, wrong types -> diagnostics
//   auto errors = check_auth_values(cfg, secrets, params);     // every {{secret.X}} / {{param.X}} resolvable?
//   auto scheme = make_auth(cfg, AuthContext{*client, base_url, secrets, params});   // Result<shared_ptr<...>>
//
// The scheme uses the adapter's HttpClient for token and login calls (so they get the vendor's TLS, proxy and pool).
//
// Errors of apply() (token endpoint, login) are classified like the adapter's own calls; use is_retryable() from
// auth_error.hpp:
//   - transport failures are the HttpClient's gw::Error unchanged (httpclient::failure_kind() works on them), with
//     the auth step named in the hint;
//   - 408, 425, 429 and 5xx answers, and a 2xx answer that is not what was expected: ErrorCode::unavailable;
//   - other 4xx (bad client, wrong password): ErrorCode::invalid_argument, the server's error text in the message.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/auth/auth.hpp"
#include "adapters/auth/auth_config.hpp"
#include "adapters/auth/auth_error.hpp"
#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/result.hpp"
#include "gateway/httpclient/http_client.hpp"

namespace gw::adapters::auth {

using SecretMap = std::map<std::string, std::string, std::less<>>;

// Reads the `auth:` mapping (the reader is positioned on it). Problems go to the reader's Diagnostics with
// FILE:LINE:COL and did-you-mean hints; the returned config is then incomplete and must not be used. An invalid
// reader (the empty one ObjectReader::object() passes for an absent `auth:`) gives scheme none without errors.
AuthConfig read_auth_config(config::ObjectReader& reader);

// Every placeholder in `config` that names a secret or param not in the maps, or an unknown placeholder, with the
// position of the value that uses it. Empty when make_auth() will succeed.
std::vector<Error> check_auth_values(const AuthConfig& config, const SecretMap& secrets, const SecretMap& params);

// What a scheme needs from the deployment.
struct AuthContext {
    httpclient::HttpClient& client;  // token and login calls; must outlive the scheme
    std::string base_url;            // the vendor's base URL (VendorSettings::base_url); relative paths join it
    SecretMap secrets;               // VendorSettings::secrets
    SecretMap params;                // VendorSettings::params
    // Clocks, injectable for tests. Empty: std::chrono::steady_clock / system_clock.
    std::function<std::chrono::steady_clock::time_point()> steady_now;  // token and session lifetimes
    std::function<std::chrono::system_clock::time_point()> system_now;  // hmac timestamps
};

// Resolves every template and builds the scheme. Fails with check_auth_values()' first error.
Result<std::shared_ptr<AuthScheme>> make_auth(const AuthConfig& config, AuthContext context);

}  // namespace gw::adapters::auth
