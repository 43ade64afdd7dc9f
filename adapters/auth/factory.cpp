#include "adapters/auth/factory.hpp"

#include <fmt/format.h>

#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

using TemplateVisitor = std::function<void(const ValueTemplate&, std::span<const std::string_view> runtime_names)>;

void for_each_template(const AuthConfig& config, const TemplateVisitor& visit) {
    std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, ApiKeyConfig>) {
                visit(c.value, {});
            } else if constexpr (std::is_same_v<T, BasicConfig>) {
                visit(c.username, {});
                visit(c.password, {});
            } else if constexpr (std::is_same_v<T, BearerConfig>) {
                visit(c.token, {});
            } else if constexpr (std::is_same_v<T, OAuth2ClientCredentialsConfig>) {
                visit(c.client_id, {});
                visit(c.client_secret, {});
                for (const auto& [name, value] : c.extra) visit(value, {});
            } else if constexpr (std::is_same_v<T, HmacConfig>) {
                visit(c.secret, {});
                visit(c.sign, hmac_runtime_names);
                if (!c.key_id_header.empty()) visit(c.key_id, {});
            } else if constexpr (std::is_same_v<T, SessionLoginConfig>) {
                for (const auto& [name, value] : c.body) visit(value, {});
            }
        },
        config.settings);
}

SecretLookup lookup_in(const SecretMap& secrets, const SecretMap& params) {
    return [&secrets, &params](std::string_view kind, std::string_view name) -> const std::string* {
        const auto& map = kind == "secret" ? secrets : params;
        auto it = map.find(name);
        return it == map.end() ? nullptr : &it->second;
    };
}

}  // namespace

std::vector<Error> check_auth_values(const AuthConfig& config, const SecretMap& secrets, const SecretMap& params) {
    std::vector<Error> errors;
    auto lookup = lookup_in(secrets, params);
    for_each_template(config, [&](const ValueTemplate& value, std::span<const std::string_view> runtime_names) {
        // resolve_template stops at the first missing name; go on per placeholder so every one is reported.
        auto r = resolve_template(value, lookup, runtime_names);
        if (!r) errors.push_back(std::move(r).error());
    });
    return errors;
}

Result<std::shared_ptr<AuthScheme>> make_auth(const AuthConfig& config, AuthContext context) {
    if (auto errors = check_auth_values(config, context.secrets, context.params); !errors.empty()) {
        return std::move(errors.front());
    }
    auto lookup = lookup_in(context.secrets, context.params);
    return std::visit(
        [&](const auto& c) -> SchemeResult {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, NoneConfig>) return make_none_auth();
            if constexpr (std::is_same_v<T, ApiKeyConfig>) return make_api_key_auth(c, lookup);
            if constexpr (std::is_same_v<T, BasicConfig>) return make_basic_auth(c, lookup);
            if constexpr (std::is_same_v<T, BearerConfig>) return make_bearer_auth(c, lookup);
            if constexpr (std::is_same_v<T, OAuth2ClientCredentialsConfig>) return make_oauth2_auth(c, context, lookup);
            if constexpr (std::is_same_v<T, HmacConfig>) return make_hmac_auth(c, context, lookup);
            if constexpr (std::is_same_v<T, SessionLoginConfig>) return make_session_login_auth(c, context, lookup);
        },
        config.settings);
}

}  // namespace gw::adapters::auth
