// oauth2_client_credentials against the grocer sandbox's real token endpoints: instacart-connect (credentials in
// the form body) and kroger-cart (Authorization: Basic); expiry by the sandbox clock and the expire_tokens fault.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/httpclient/failure.hpp"
#include "tests/adapters/auth/auth_test_support.hpp"
#include "tests/adapters/auth/sandbox_config.hpp"
#include "tests/support/sandbox_process.hpp"

namespace {

using namespace gw::adapters::auth::testing;
namespace json = boost::json;
using gw::adapters::auth::AuthScheme;
using gw::adapters::auth::is_retryable;
using gw::adapters::auth::SecretMap;

const std::string instacart_auth = R"(auth:
  scheme: oauth2_client_credentials
  token_url: /instacart-connect/oauth/token
  client_id: "{{secret.client_id}}"
  client_secret: "{{secret.client_secret}}"
)";

const std::string kroger_auth = R"(auth:
  scheme: oauth2_client_credentials
  token_url: /kroger-cart/connect/oauth2/token
  client_auth: basic
  client_id: "{{secret.client_id}}"
  client_secret: "{{secret.client_secret}}"
  scope: product.compact cart.basic:write
)";

class OAuth2SandboxTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sandbox_.running()) << "grocer-sandbox did not start";
        client_ = make_client();
        ASSERT_TRUE(client_);
    }
    std::shared_ptr<AuthScheme> scheme(const std::string& yaml) {
        return make_scheme(yaml, client_->async(), sandbox_.base_url(), secrets_);
    }
    void control(std::string_view path, const json::value& body) {
        auto r = client_->request(HttpRequest::post(sandbox_.url(path), json::serialize(body), "application/json"));
        ASSERT_TRUE(r) << r.error().to_string();
        ASSERT_LT(r->status, 300u) << r->body;
    }
    HttpRequest hold() const {
        return HttpRequest::post(sandbox_.url("/instacart-connect/slots/hold"), "{}", "application/json");
    }
    HttpRequest cart_add() const {
        return HttpRequest::put(sandbox_.url("/kroger-cart/v1/cart/add"),
                                R"({"items":[{"upc":"0001111041700","quantity":2}]})", "application/json");
    }
    std::string token_of(AuthScheme& s) {
        auto prepared = apply_sync(s, hold());
        EXPECT_TRUE(prepared) << prepared.error().to_string();
        return prepared ? std::string((*prepared).headers["Authorization"]) : std::string();
    }

    gw::testing::SandboxProcess sandbox_{sandbox_yaml()};
    std::unique_ptr<gw::httpclient::BlockingHttpClient> client_;
    SecretMap secrets_{{"client_id", "gw"}, {"client_secret", "s3cret"}};
};

TEST_F(OAuth2SandboxTest, InstacartBodyCredentialsGetATokenThatTheApiAccepts) {
    auto s = scheme(instacart_auth);
    ASSERT_TRUE(s);
    auto first = send(*s, *client_, hold());
    ASSERT_TRUE(first.response) << first.response.error().to_string();
    EXPECT_EQ(first.response->status, 201u) << first.response->body;
    EXPECT_FALSE(first.stale);
    // The cached token is reused, not fetched again.
    auto token = token_of(*s);
    EXPECT_TRUE(token.starts_with("Bearer "));
    EXPECT_EQ(token_of(*s), token);
}

TEST_F(OAuth2SandboxTest, InstacartTokenExpiredBySandboxClockIsRefreshedAfterTheInvalidTokenAnswer) {
    auto s = scheme(instacart_auth);
    ASSERT_TRUE(s);
    auto old_token = token_of(*s);
    control("/_sandbox/clock", json::object{{"advance_s", 3601}});  // past token_ttl, our clock did not move

    auto rejected = send(*s, *client_, hold());
    ASSERT_TRUE(rejected.response);
    EXPECT_EQ(rejected.response->status, 401u);
    EXPECT_NE(rejected.response->body.find("invalid_token"), std::string::npos);
    EXPECT_TRUE(rejected.stale);

    auto retried = send(*s, *client_, hold());
    ASSERT_TRUE(retried.response);
    EXPECT_EQ(retried.response->status, 201u) << retried.response->body;
    EXPECT_NE(token_of(*s), old_token);
}

TEST_F(OAuth2SandboxTest, InstacartExpireTokensFaultLeadsToOneRefresh) {
    auto s = scheme(instacart_auth);
    ASSERT_TRUE(s);
    auto ok = send_with_retry(*s, *client_, hold());
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 201u);
    control("/_sandbox/faults", json::object{{"instacart-connect", json::object{{"expire_tokens", true}}}});
    auto again = send_with_retry(*s, *client_, hold());
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_EQ(again->status, 201u) << again->body;
}

TEST_F(OAuth2SandboxTest, KrogerBasicClientAuthentication) {
    auto s = scheme(kroger_auth);
    ASSERT_TRUE(s);
    auto r = send_with_retry(*s, *client_, cart_add());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 204u) << r->body;

    control("/_sandbox/faults", json::object{{"kroger-cart", json::object{{"expire_tokens", true}}}});
    auto rejected = send(*s, *client_, cart_add());
    ASSERT_TRUE(rejected.response);
    EXPECT_EQ(rejected.response->status, 401u);
    EXPECT_TRUE(rejected.stale);
    auto refreshed = send(*s, *client_, cart_add());
    ASSERT_TRUE(refreshed.response);
    EXPECT_EQ(refreshed.response->status, 204u) << refreshed.response->body;
}

TEST_F(OAuth2SandboxTest, KrogerAlsoTakesBodyCredentials) {
    // kroger also takes the client in the form: client_auth body works there too.
    auto s = scheme(R"(auth:
  scheme: oauth2_client_credentials
  token_url: /kroger-cart/connect/oauth2/token
  client_id: "{{secret.client_id}}"
  client_secret: "{{secret.client_secret}}"
)");
    ASSERT_TRUE(s);
    auto r = send_with_retry(*s, *client_, cart_add());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 204u);
}

TEST_F(OAuth2SandboxTest, BadClientIsAPermanentErrorWithTheServersText) {
    secrets_["client_secret"] = "wrong";
    for (const auto* yaml : {&instacart_auth, &kroger_auth}) {
        auto s = scheme(*yaml);
        ASSERT_TRUE(s);
        auto prepared = apply_sync(*s, hold());
        ASSERT_FALSE(prepared);
        const auto& error = prepared.error();
        EXPECT_EQ(error.code, gw::ErrorCode::invalid_argument);
        EXPECT_NE(error.message.find("401"), std::string::npos) << error.message;
        EXPECT_NE(error.message.find("invalid_client"), std::string::npos) << error.message;
        EXPECT_FALSE(is_retryable(error));
    }
}

TEST_F(OAuth2SandboxTest, TokenEndpoint503IsRetryableAndTheNextApplySucceeds) {
    auto s = scheme(instacart_auth);
    ASSERT_TRUE(s);
    control("/_sandbox/faults",
            json::object{{"instacart-connect", json::object{{"burst", json::object{{"status", 503}, {"count", 1}}}}}});
    auto failed = apply_sync(*s, hold());
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, gw::ErrorCode::unavailable);
    EXPECT_NE(failed.error().message.find("503"), std::string::npos) << failed.error().message;
    EXPECT_TRUE(is_retryable(failed.error()));
    auto r = send_with_retry(*s, *client_, hold());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201u);
}

TEST_F(OAuth2SandboxTest, TokenEndpoint429IsRetryable) {
    auto s = scheme(kroger_auth);
    ASSERT_TRUE(s);
    control("/_sandbox/faults",
            json::object{{"kroger-cart", json::object{{"burst", json::object{{"status", 429}, {"count", 1}}}}}});
    auto failed = apply_sync(*s, cart_add());
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, gw::ErrorCode::unavailable);
    EXPECT_TRUE(is_retryable(failed.error()));
}

TEST(OAuth2Transport, ConnectionRefusedKeepsItsFailureKind) {
    auto client = make_client();
    ASSERT_TRUE(client);
    int port = 0;
    {
        // A port that was just free: nobody listens there now.
        TestServer probe{gw::http::Router{}};
        ASSERT_TRUE(probe.started());
        port = std::stoi(probe.url().substr(probe.url().rfind(':') + 1));
    }
    auto s = make_scheme(instacart_auth, client->async(), "http://127.0.0.1:" + std::to_string(port),
                         {{"client_id", "gw"}, {"client_secret", "s3cret"}});
    ASSERT_TRUE(s);
    auto failed = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_FALSE(failed);
    EXPECT_EQ(gw::httpclient::failure_kind(failed.error()), gw::httpclient::FailureKind::connect_failed)
        << failed.error().to_string();
    EXPECT_TRUE(is_retryable(failed.error()));
    EXPECT_NE(failed.error().hint.find("oauth2 token request"), std::string::npos);
}

}  // namespace
