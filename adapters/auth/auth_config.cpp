// read_auth_config(): the `auth:` node of adapter.yaml into an AuthConfig (declared in factory.hpp).
#include "adapters/auth/auth_config.hpp"

#include <fmt/format.h>

#include "adapters/auth/factory.hpp"
#include "adapters/auth/schemes.hpp"
#include "adapters/auth/value_template.hpp"

namespace gw::adapters::auth {

namespace {

using config::ObjectReader;
using namespace std::chrono_literals;

SourceLocation location_of(ObjectReader& r, const std::string& key) {
    SourceLocation where;
    where.file = r.context().diagnostics->file();
    where.line = r.mark().line >= 0 ? r.mark().line + 1 : 1;
    where.column = r.mark().column >= 0 ? r.mark().column + 1 : 1;
    where.path = r.path().empty() ? key : r.path() + "." + key;
    return where;
}

// A value that may hold placeholders; a syntax problem or unknown placeholder is reported at the key.
ValueTemplate read_template(ObjectReader& r, const std::string& key, bool required,
                            std::span<const std::string_view> runtime_names = {}) {
    ValueTemplate out;
    auto text = r.string(key, required);
    if (!text) return out;
    if (auto problem = template_syntax_problem(*text, runtime_names)) {
        r.error(key, ErrorCode::invalid_value, fmt::format("'{}': {}", location_of(r, key).path, *problem),
                "deployment values are written {{secret.NAME}} or {{param.NAME}}");
    }
    out.text = std::move(*text);
    out.where = location_of(r, key);
    return out;
}

// A mapping of user-chosen field names to template values (login body, extra token request fields).
std::map<std::string, ValueTemplate, std::less<>> read_template_map(ObjectReader& r, const std::string& key,
                                                                     bool required) {
    std::map<std::string, ValueTemplate, std::less<>> out;
    r.object(
        key,
        [&](ObjectReader& fields) {
            if (!fields.valid()) return;  // absent (optional) or not a mapping (already reported)
            for (const auto& name : fields.keys()) out[name] = read_template(fields, name, true);
        },
        required);
    return out;
}

// A positive duration (a zero timeout would fail every call; a zero margin is allowed).
std::chrono::milliseconds read_duration(ObjectReader& r, const std::string& key, std::chrono::milliseconds fallback,
                                        bool allow_zero = false) {
    auto d = r.duration_or(key, fallback);
    if (d < 0ms || (d == 0ms && !allow_zero)) {
        r.error(key, ErrorCode::invalid_value, fmt::format("'{}' must be {}", location_of(r, key).path,
                                                           allow_zero ? "zero or more" : "more than zero"));
        return fallback;
    }
    return d;
}

// Header and parameter names end up on the wire verbatim: a space or colon would corrupt the request.
std::string read_token_name(ObjectReader& r, const std::string& key, bool required, std::string fallback) {
    auto name = r.string(key, required);
    if (!name) return fallback;
    bool ok = !name->empty();
    for (unsigned char c : *name) {
        if (c <= ' ' || c >= 127 || c == ':' || c == '(' || c == ')' || c == ',' || c == ';' || c == '"') ok = false;
    }
    if (!ok) {
        r.error(key, ErrorCode::invalid_value,
                fmt::format("'{}' must be a header or parameter name, found '{}'", location_of(r, key).path, *name));
    }
    return std::move(*name);
}

ApiKeyConfig read_api_key(ObjectReader& r) {
    ApiKeyConfig c;
    c.in = r.enumeration_or("in", {"header", "query"}, "header") == "query" ? ApiKeyConfig::Placement::query
                                                                          : ApiKeyConfig::Placement::header;
    c.name = read_token_name(r, "name", true, {});
    c.value = read_template(r, "value", true);
    return c;
}

BasicConfig read_basic(ObjectReader& r) {
    BasicConfig c;
    c.username = read_template(r, "username", true);
    c.password = read_template(r, "password", true);
    return c;
}

BearerConfig read_bearer(ObjectReader& r) {
    BearerConfig c;
    c.token = read_template(r, "token", true);
    return c;
}

OAuth2ClientCredentialsConfig read_oauth2(ObjectReader& r) {
    OAuth2ClientCredentialsConfig c;
    c.token_url = r.string("token_url", true).value_or("");
    c.client_auth = r.enumeration_or("client_auth", {"body", "basic"}, "body") == "basic"
                        ? OAuth2ClientCredentialsConfig::ClientAuth::basic
                        : OAuth2ClientCredentialsConfig::ClientAuth::body;
    c.client_id = read_template(r, "client_id", true);
    c.client_secret = read_template(r, "client_secret", true);
    c.scope = r.string_or("scope", "");
    c.extra = read_template_map(r, "extra", false);
    for (std::string_view reserved : {"grant_type", "client_id", "client_secret", "scope"}) {
        if (c.extra.contains(reserved)) {
            r.error("extra", ErrorCode::conflict,
                    fmt::format("'{}' cannot set '{}': the scheme sends it", location_of(r, "extra").path, reserved));
        }
    }
    c.refresh_margin = read_duration(r, "refresh_margin", c.refresh_margin, true);
    c.default_lifetime = read_duration(r, "default_lifetime", c.default_lifetime);
    c.timeout = read_duration(r, "timeout", c.timeout);
    return c;
}

HmacConfig read_hmac(ObjectReader& r) {
    HmacConfig c;
    c.secret = read_template(r, "secret", true);
    c.header = read_token_name(r, "header", false, c.header);
    c.prefix = r.string_or("prefix", "");
    if (r.has("sign")) {
        c.sign = read_template(r, "sign", false, hmac_runtime_names);
    } else {
        c.sign.where = location_of(r, "sign");
    }
    c.encoding = r.enumeration_or("encoding", {"hex", "base64"}, "hex") == "base64" ? HmacConfig::Encoding::base64
                                                                                   : HmacConfig::Encoding::hex;
    if (r.has("timestamp_header")) {
        // An empty value is allowed: the timestamp is then only part of the signed string.
        c.timestamp_header = r.string_or("timestamp_header", "");
        if (!c.timestamp_header.empty()) c.timestamp_header = read_token_name(r, "timestamp_header", false, {});
    }
    auto format = r.enumeration_or("timestamp_format", {"unix_seconds", "unix_millis", "rfc3339"}, "unix_seconds");
    c.timestamp_format = format == "unix_millis" ? HmacConfig::TimestampFormat::unix_millis
                         : format == "rfc3339"   ? HmacConfig::TimestampFormat::rfc3339
                                                 : HmacConfig::TimestampFormat::unix_seconds;
    if (r.has("key_id_header") || r.has("key_id")) {
        c.key_id_header = read_token_name(r, "key_id_header", true, {});
        c.key_id = read_template(r, "key_id", true);
    }
    return c;
}

SessionLoginConfig read_session_login(ObjectReader& r) {
    SessionLoginConfig c;
    r.object(
        "login",
        [&](ObjectReader& login) {
            c.login_path = login.string_or("path", c.login_path);
            c.format = login.enumeration_or("format", {"json", "form"}, "json") == "form"
                           ? SessionLoginConfig::BodyFormat::form
                           : SessionLoginConfig::BodyFormat::json;
            c.body = read_template_map(login, "body", true);
            c.timeout = read_duration(login, "timeout", c.timeout);
        },
        true);
    // object() also runs its callback for an absent key (defaults in one place); csrf is optional as a whole.
    if (r.has("csrf")) r.object("csrf", [&](ObjectReader& csrf) {
        if (!csrf.valid()) return;
        c.csrf_json_pointer = csrf.string_or("json_pointer", "");
        if (!c.csrf_json_pointer.empty() && c.csrf_json_pointer.front() != '/') {
            csrf.error("json_pointer", ErrorCode::invalid_value,
                       fmt::format("'{}' must be a JSON pointer starting with '/', found '{}'",
                                   location_of(csrf, "json_pointer").path, c.csrf_json_pointer));
        }
        c.csrf_cookie = csrf.string_or("cookie", "");
        c.csrf_header = read_token_name(csrf, "header", true, {});
        if (c.csrf_json_pointer.empty() && c.csrf_cookie.empty()) {
            csrf.error_here(ErrorCode::missing_required,
                            fmt::format("'{}' needs json_pointer or cookie: where the login answer has the token",
                                        csrf.path()));
        }
    });
    if (r.has("relogin_status")) {
        c.relogin_status.clear();
        for (const auto& s : r.string_list("relogin_status")) {
            unsigned v = 0;
            bool ok = s.size() == 3;
            for (char ch : s) {
                ok = ok && ch >= '0' && ch <= '9';
                v = v * 10 + static_cast<unsigned>(ch - '0');
            }
            if (!ok || v < 400 || v > 599) {
                r.error("relogin_status", ErrorCode::invalid_value,
                        fmt::format("'{}' must list HTTP error statuses (400-599), found '{}'",
                                    location_of(r, "relogin_status").path, s));
                continue;
            }
            c.relogin_status.push_back(v);
        }
    }
    return c;
}

}  // namespace

std::string_view to_string(SchemeKind kind) noexcept {
    switch (kind) {
        case SchemeKind::none: return "none";
        case SchemeKind::api_key: return "api_key";
        case SchemeKind::basic: return "basic";
        case SchemeKind::bearer: return "bearer";
        case SchemeKind::oauth2_client_credentials: return "oauth2_client_credentials";
        case SchemeKind::hmac: return "hmac";
        case SchemeKind::session_login: return "session_login";
    }
    return "unknown";
}

const std::vector<std::string>& scheme_names() {
    static const std::vector<std::string> names{"none", "api_key", "basic", "bearer", "oauth2_client_credentials",
                                                "hmac", "session_login"};
    return names;
}

AuthConfig read_auth_config(config::ObjectReader& reader) {
    AuthConfig out;
    // ObjectReader::object() runs its callback for an absent `auth:` too: no auth node means scheme none. A node
    // that is not a mapping was already reported by object().
    if (!reader.valid()) return out;
    if (!reader.has("scheme")) {
        reader.error_here(ErrorCode::missing_required, fmt::format("missing required key '{}'",
                                                                   location_of(reader, "scheme").path),
                          "one of: none, api_key, basic, bearer, oauth2_client_credentials, hmac, session_login");
        return out;
    }
    auto name = reader.enumeration_or("scheme", scheme_names(), "none");
    for (auto kind : {SchemeKind::none, SchemeKind::api_key, SchemeKind::basic, SchemeKind::bearer,
                      SchemeKind::oauth2_client_credentials, SchemeKind::hmac, SchemeKind::session_login}) {
        if (to_string(kind) == name) out.scheme = kind;
    }
    switch (out.scheme) {
        case SchemeKind::none: out.settings = NoneConfig{}; break;
        case SchemeKind::api_key: out.settings = read_api_key(reader); break;
        case SchemeKind::basic: out.settings = read_basic(reader); break;
        case SchemeKind::bearer: out.settings = read_bearer(reader); break;
        case SchemeKind::oauth2_client_credentials: out.settings = read_oauth2(reader); break;
        case SchemeKind::hmac: out.settings = read_hmac(reader); break;
        case SchemeKind::session_login: out.settings = read_session_login(reader); break;
    }
    reader.finish();
    return out;
}

}  // namespace gw::adapters::auth
