// read_auth_config(), check_auth_values() and make_auth() errors: strict keys with FILE:LINE:COL and hints.

#include "tests/adapters/auth/auth_test_support.hpp"

namespace {

using namespace gw::adapters::auth;
using namespace gw::adapters::auth::testing;

template <class T>
const T& settings(const AuthConfig& c) {
    return std::get<T>(c.settings);
}

TEST(AuthConfig, ReadsEveryScheme) {
    auto none = read_yaml("auth: {scheme: none}");
    EXPECT_TRUE(none.errors.empty()) << messages(none.errors);
    EXPECT_EQ(none.config.scheme, SchemeKind::none);

    auto key = read_yaml("auth: {scheme: api_key, in: query, name: key, value: '{{secret.k}}'}");
    ASSERT_TRUE(key.errors.empty()) << messages(key.errors);
    EXPECT_EQ(settings<ApiKeyConfig>(key.config).in, ApiKeyConfig::Placement::query);
    EXPECT_EQ(settings<ApiKeyConfig>(key.config).value.text, "{{secret.k}}");

    auto oauth = read_yaml(R"(auth:
  scheme: oauth2_client_credentials
  token_url: https://login.example/token
  client_auth: basic
  client_id: "{{secret.id}}"
  client_secret: "{{secret.secret}}"
  refresh_margin: 0s
  timeout: 3s
)");
    ASSERT_TRUE(oauth.errors.empty()) << messages(oauth.errors);
    const auto& o = settings<OAuth2ClientCredentialsConfig>(oauth.config);
    EXPECT_EQ(o.client_auth, OAuth2ClientCredentialsConfig::ClientAuth::basic);
    EXPECT_EQ(o.refresh_margin, std::chrono::milliseconds(0));
    EXPECT_EQ(o.timeout, std::chrono::seconds(3));

    auto hmac = read_yaml("auth: {scheme: hmac, secret: '{{secret.s}}'}");
    ASSERT_TRUE(hmac.errors.empty()) << messages(hmac.errors);
    EXPECT_EQ(settings<HmacConfig>(hmac.config).sign.text, "{{timestamp}}.{{body}}");
    EXPECT_EQ(settings<HmacConfig>(hmac.config).header, "X-Signature");

    auto session = read_yaml(R"(auth:
  scheme: session_login
  login: {body: {u: x}}
  relogin_status: [401, 419, 440]
)");
    ASSERT_TRUE(session.errors.empty()) << messages(session.errors);
    const auto& sl = settings<SessionLoginConfig>(session.config);
    EXPECT_EQ(sl.login_path, "/login");
    EXPECT_EQ(sl.relogin_status, (std::vector<unsigned>{401, 419, 440}));
}

TEST(AuthConfig, UnknownKeyHasPositionAndDidYouMean) {
    auto r = read_yaml(R"(auth:
  scheme: oauth2_client_credentials
  token_url: /token
  client_id: "{{secret.id}}"
  client_secret: "{{secret.secret}}"
  refresh_margn: 10s
)");
    ASSERT_EQ(r.errors.size(), 1u) << messages(r.errors);
    auto text = r.errors[0].to_string();
    EXPECT_NE(text.find("vendor/adapter.yaml:6:3: error:"), std::string::npos) << text;
    EXPECT_NE(text.find("refresh_margin"), std::string::npos) << text;
}

TEST(AuthConfig, UnknownSchemeSuggestsTheClosestName) {
    auto r = read_yaml("auth:\n  scheme: oauth2_client_credential\n");
    ASSERT_FALSE(r.errors.empty());
    auto text = r.errors[0].to_string();
    EXPECT_NE(text.find(":2:11: error:"), std::string::npos) << text;
    EXPECT_NE(text.find("did you mean 'oauth2_client_credentials'"), std::string::npos) << text;
}

TEST(AuthConfig, MissingSchemeAndRequiredKeys) {
    auto r = read_yaml("auth: {token: x}\n");
    ASSERT_FALSE(r.errors.empty());
    EXPECT_NE(messages(r.errors).find("missing required key 'auth.scheme'"), std::string::npos) << messages(r.errors);

    auto b = read_yaml("auth: {scheme: basic, username: x}\n");
    EXPECT_NE(messages(b.errors).find("missing required key 'auth.password'"), std::string::npos)
        << messages(b.errors);
}

TEST(AuthConfig, BadPlaceholdersAreReportedAtTheirKey) {
    auto r = read_yaml("auth:\n  scheme: bearer\n  token: '{{secrets.token}}'\n");
    ASSERT_EQ(r.errors.size(), 1u) << messages(r.errors);
    auto text = r.errors[0].to_string();
    EXPECT_NE(text.find(":3:"), std::string::npos) << text;
    EXPECT_NE(text.find("unknown placeholder '{{secrets.token}}'"), std::string::npos) << text;

    auto unterminated = read_yaml("auth: {scheme: bearer, token: '{{secret.token'}\n");
    EXPECT_NE(messages(unterminated.errors).find("unterminated"), std::string::npos);

    // hmac's sign string knows its runtime names; other values do not.
    EXPECT_TRUE(read_yaml("auth: {scheme: hmac, secret: x, sign: '{{method}} {{path}} {{body_sha256}}'}").errors.empty());
    EXPECT_FALSE(read_yaml("auth: {scheme: hmac, secret: x, sign: '{{methd}}'}").errors.empty());
    EXPECT_FALSE(read_yaml("auth: {scheme: hmac, secret: '{{timestamp}}'}").errors.empty());
}

TEST(AuthConfig, InvalidValues) {
    EXPECT_NE(messages(read_yaml("auth: {scheme: api_key, name: 'X Key', value: v}").errors).find("header or parameter name"),
              std::string::npos);
    EXPECT_NE(messages(read_yaml("auth: {scheme: api_key, in: cookie, name: k, value: v}").errors).find("one of header, query"),
              std::string::npos);
    EXPECT_NE(messages(read_yaml("auth: {scheme: session_login, login: {body: {u: x}}, relogin_status: [200]}").errors)
                  .find("400-599"),
              std::string::npos);
    EXPECT_NE(messages(read_yaml("auth: {scheme: session_login, login: {body: {u: x}}, csrf: {header: X-C}}").errors)
                  .find("needs json_pointer or cookie"),
              std::string::npos);
    EXPECT_NE(messages(read_yaml("auth: {scheme: session_login, login: {body: {u: x}}, csrf: {json_pointer: csrf, header: X}}").errors)
                  .find("JSON pointer"),
              std::string::npos);
    EXPECT_NE(messages(read_yaml(R"(auth: {scheme: oauth2_client_credentials, token_url: /t, client_id: a,
                                         client_secret: b, timeout: 0s})").errors)
                  .find("more than zero"),
              std::string::npos);
    EXPECT_NE(messages(read_yaml(R"(auth: {scheme: oauth2_client_credentials, token_url: /t, client_id: a,
                                         client_secret: b, extra: {grant_type: password}})").errors)
                  .find("cannot set 'grant_type'"),
              std::string::npos);
}

TEST(AuthConfig, CheckValuesReportsEveryMissingSecretWithItsPosition) {
    auto r = read_yaml(R"(auth:
  scheme: oauth2_client_credentials
  token_url: /token
  client_id: "{{secret.client_id}}"
  client_secret: "{{secret.client_secret}}"
  extra: {audience: "{{param.audience}}"}
)");
    ASSERT_TRUE(r.errors.empty()) << messages(r.errors);
    auto errors = check_auth_values(r.config, {{"client_id", "gw"}}, {});
    ASSERT_EQ(errors.size(), 2u) << messages(errors);
    EXPECT_EQ(errors[0].code, gw::ErrorCode::missing_required);
    EXPECT_NE(errors[0].to_string().find("vendor/adapter.yaml:2:3: error: secret 'client_secret' is not set"),
              std::string::npos)
        << errors[0].to_string();
    EXPECT_EQ(errors[0].where.path, "auth.client_secret");
    EXPECT_NE(errors[1].message.find("param 'audience'"), std::string::npos);

    EXPECT_TRUE(check_auth_values(r.config, {{"client_id", "gw"}, {"client_secret", "s"}}, {{"audience", "a"}}).empty());
}

TEST(AuthConfig, MakeAuthRefusesUnresolvedSecrets) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto r = read_yaml("auth: {scheme: basic, username: '{{secret.user}}', password: '{{secret.pw}}'}");
    ASSERT_TRUE(r.errors.empty());
    auto scheme = make_auth(r.config, AuthContext{client->async(), "http://x", {{"user", "u"}}, {}, {}, {}});
    ASSERT_FALSE(scheme);
    EXPECT_NE(scheme.error().message.find("secret 'pw' is not set"), std::string::npos);
}

TEST(AuthConfig, AnAbsentAuthNodeIsSchemeNone) {
    gw::config::Diagnostics diagnostics("vendor/adapter.yaml");
    auto node = gw::config::parse_yaml("kind: http_json\n", diagnostics);
    ASSERT_TRUE(node);
    gw::config::ReadContext ctx{&diagnostics, [](const std::string&) { return std::optional<std::string>(); }, "."};
    gw::config::ObjectReader root(ctx, *node, "");
    AuthConfig config;
    config.scheme = SchemeKind::hmac;
    root.object("auth", [&](gw::config::ObjectReader& auth) { config = read_auth_config(auth); });
    root.string("kind");
    root.finish();
    EXPECT_TRUE(diagnostics.ok()) << messages(diagnostics.errors());
    EXPECT_EQ(config.scheme, SchemeKind::none);
}

TEST(AuthConfig, SchemeNames) {
    EXPECT_EQ(scheme_names().size(), 7u);
    for (const auto& name : scheme_names()) EXPECT_FALSE(name.empty());
    EXPECT_EQ(to_string(SchemeKind::session_login), "session_login");
}

}  // namespace
