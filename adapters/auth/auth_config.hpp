#pragma once
// Typed `auth:` config of one vendor (adapter.yaml), built once by read_auth_config() (factory.hpp) and never
// re-checked on the data path. Values that come from the deployment are kept as templates ("{{secret.NAME}}",
// "{{param.NAME}}") with a position (the `auth:` mapping's FILE:LINE:COL and the key path, e.g. auth.client_secret:
// ObjectReader does not expose a scalar's own mark), and resolved by make_auth() against VendorSettings. The YAML keys of each scheme are in adapters/auth/README.md.

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/core/error.hpp"

namespace gw::adapters::auth {

// A config string that may hold {{secret.NAME}} / {{param.NAME}} placeholders; `where` locates it (see above).
struct ValueTemplate {
    std::string text;
    SourceLocation where;
};

struct NoneConfig {};

struct ApiKeyConfig {
    enum class Placement { header, query };
    Placement in = Placement::header;
    std::string name;     // header name ("X-Api-Key") or query parameter name ("api_key")
    ValueTemplate value;  // the key, normally "{{secret.api_key}}"
};

struct BasicConfig {
    ValueTemplate username;
    ValueTemplate password;
};

struct BearerConfig {
    ValueTemplate token;
};

struct OAuth2ClientCredentialsConfig {
    enum class ClientAuth { body, basic };   // client_id/client_secret in the form body, or an Authorization: Basic
    std::string token_url;                   // absolute, or a path appended to the vendor's base_url
    ClientAuth client_auth = ClientAuth::body;
    ValueTemplate client_id;
    ValueTemplate client_secret;
    std::string scope;                                         // sent as scope= when not empty
    std::map<std::string, ValueTemplate, std::less<>> extra;   // further form fields (audience, resource ...)
    // A token is used until expires_in minus this margin (at least half its lifetime), so a request never leaves
    // with a token that expires on the way.
    std::chrono::milliseconds refresh_margin{30'000};
    std::chrono::milliseconds default_lifetime{300'000};  // when the answer has no expires_in
    std::chrono::milliseconds timeout{10'000};            // the token request, from send to answer
};

struct HmacConfig {
    enum class Encoding { hex, base64 };
    enum class TimestampFormat { unix_seconds, unix_millis, rfc3339 };
    ValueTemplate secret;
    std::string header = "X-Signature";           // where the signature goes
    std::string prefix;                           // put before the encoded MAC ("v1=", "sha256=")
    // The string that is signed. Placeholders: {{timestamp}}, {{body}}, {{method}}, {{path}} (path and query of the
    // URL), {{body_sha256}} (hex SHA-256 of the body). Secrets and params are resolved at make_auth().
    ValueTemplate sign{"{{timestamp}}.{{body}}", {}};
    Encoding encoding = Encoding::hex;
    std::string timestamp_header = "X-Timestamp";  // empty: the timestamp is signed but not sent
    TimestampFormat timestamp_format = TimestampFormat::unix_seconds;
    std::string key_id_header;                     // optional: sends key_id in this header
    ValueTemplate key_id;
};

struct SessionLoginConfig {
    enum class BodyFormat { json, form };
    std::string login_path = "/login";            // absolute, or a path appended to the vendor's base_url
    BodyFormat format = BodyFormat::json;
    std::map<std::string, ValueTemplate, std::less<>> body;  // login fields: {username: "{{secret.username}}", ...}
    std::string csrf_json_pointer;                // where the login answer's JSON holds the CSRF token ("/csrfToken")
    std::string csrf_cookie;                      // or the cookie that holds it ("csrftoken"); the JSON wins if both
    std::string csrf_header;                      // header that carries it on every call ("X-CSRFToken")
    std::vector<unsigned> relogin_status{401, 419};  // answers that mean "session gone": log in again
    std::chrono::milliseconds timeout{10'000};    // the login request
};

enum class SchemeKind { none, api_key, basic, bearer, oauth2_client_credentials, hmac, session_login };
std::string_view to_string(SchemeKind kind) noexcept;
// Every scheme name, as written in YAML (`scheme:`), for error hints and docs.
const std::vector<std::string>& scheme_names();

struct AuthConfig {
    SchemeKind scheme = SchemeKind::none;
    std::variant<NoneConfig, ApiKeyConfig, BasicConfig, BearerConfig, OAuth2ClientCredentialsConfig, HmacConfig,
                 SessionLoginConfig>
        settings;
};

}  // namespace gw::adapters::auth
