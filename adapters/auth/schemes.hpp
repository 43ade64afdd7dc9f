#pragma once
// The scheme constructors make_auth() dispatches to, one per file (none.cpp, api_key.cpp, ...). Internal to
// adapters/auth: callers use factory.hpp. Each resolves its {{secret.X}}/{{param.X}} values through `lookup`.

#include <memory>

#include "adapters/auth/auth.hpp"
#include "adapters/auth/auth_config.hpp"
#include "adapters/auth/factory.hpp"
#include "adapters/auth/value_template.hpp"
#include "gateway/core/result.hpp"

namespace gw::adapters::auth {

using SchemeResult = Result<std::shared_ptr<AuthScheme>>;

SchemeResult make_none_auth();
SchemeResult make_api_key_auth(const ApiKeyConfig& config, const SecretLookup& lookup);
SchemeResult make_basic_auth(const BasicConfig& config, const SecretLookup& lookup);
SchemeResult make_bearer_auth(const BearerConfig& config, const SecretLookup& lookup);
SchemeResult make_oauth2_auth(const OAuth2ClientCredentialsConfig& config, const AuthContext& context,
                              const SecretLookup& lookup);
SchemeResult make_hmac_auth(const HmacConfig& config, const AuthContext& context, const SecretLookup& lookup);
SchemeResult make_session_login_auth(const SessionLoginConfig& config, const AuthContext& context,
                                     const SecretLookup& lookup);

// The runtime placeholders of an hmac `sign:` string.
inline constexpr std::string_view hmac_runtime_names[] = {"timestamp", "body", "method", "path", "body_sha256"};

}  // namespace gw::adapters::auth
