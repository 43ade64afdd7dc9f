// none, api_key, basic, bearer and hmac against an HttpServer in the test that checks what arrived the way a
// grocer would (the signature is recomputed from the bytes received).

#include <openssl/hmac.h>

#include <boost/json/parse.hpp>

#include <boost/beast/core/detail/base64.hpp>

#include "tests/adapters/auth/auth_test_support.hpp"

namespace {

using namespace gw::adapters::auth::testing;
using gw::adapters::auth::SecretMap;
using gw::http::Response;
using gw::http::Status;

std::string hmac(std::string_view key, std::string_view data, bool base64) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &length);
    std::string raw(reinterpret_cast<const char*>(digest), length);
    if (base64) {
        std::string out(boost::beast::detail::base64::encoded_size(raw.size()), '\0');
        out.resize(boost::beast::detail::base64::encode(out.data(), raw.data(), raw.size()));
        return out;
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

Response verdict(bool ok, std::string why) {
    return ok ? Response::text(Status::ok, "ok") : Response::text(Status::unauthorized, std::move(why));
}

gw::http::Router grocer_router() {
    gw::http::Router r;
    r.get("/none", [](const gw::http::Request& req) {
        return verdict(!req.header("Authorization"), "unexpected Authorization");
    });
    r.get("/key-header", [](const gw::http::Request& req) {
        return verdict(req.header("X-Api-Key") == "k-123 456", "bad X-Api-Key");
    });
    r.get("/key-query", [](const gw::http::Request& req) {
        return verdict(req.query_param("api_key") == "k-123 456&x" && req.query_param("page") == "2",
                       "bad api_key query: " + req.target);
    });
    r.get("/basic", [](const gw::http::Request& req) {
        // "care:pa:ss" -> base64
        return verdict(req.header("Authorization") == "Basic Y2FyZTpwYTpzcw==",
                       "bad Basic: " + std::string(req.header("Authorization").value_or("")));
    });
    r.get("/bearer", [](const gw::http::Request& req) {
        return verdict(req.header("Authorization") == "Bearer static-token", "bad Bearer");
    });
    // Instacart-style webhook signing: v1=<hex HMAC(secret, timestamp + "." + body)>.
    r.post("/signed", [](const gw::http::Request& req) {
        auto ts = std::string(req.header("X-Timestamp").value_or(""));
        auto expected = "v1=" + hmac("sign-key", ts + "." + req.body, false);
        return verdict(ts == "1700000000" && req.header("X-Signature") == expected,
                       "bad signature, expected " + expected);
    });
    // A second style: method, path and body hash, base64, rfc3339 time not sent as a header, a key id.
    r.post("/v2/signed", [](const gw::http::Request& req) {
        return Response::json(Status::ok, boost::json::object{
                                              {"signature", std::string(req.header("Auth-Sig").value_or(""))},
                                              {"key_id", std::string(req.header("X-Key-Id").value_or(""))},
                                              {"has_timestamp", req.header("X-Timestamp").has_value()},
                                              {"target", req.target},
                                              {"body", req.body}});
    });
    return r;
}

class StaticSchemesTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(server_.started());
        client_ = make_client();
        ASSERT_TRUE(client_);
    }
    std::shared_ptr<gw::adapters::auth::AuthScheme> scheme(const std::string& yaml,
                                                            std::function<std::chrono::system_clock::time_point()>
                                                                system = {}) {
        return make_scheme(yaml, client_->async(), server_.url(), secrets_, {}, std::move(system));
    }
    gw::Result<HttpResponse> get(gw::adapters::auth::AuthScheme& s, std::string_view path) {
        return send(s, *client_, HttpRequest::get(server_.url(path))).response;
    }

    TestServer server_{grocer_router()};
    std::unique_ptr<gw::httpclient::BlockingHttpClient> client_;
    SecretMap secrets_{{"api_key", "k-123 456"}, {"user", "care"}, {"password", "pa:ss"}, {"token", "static-token"},
                       {"signing_key", "sign-key"}, {"key_id", "kid-7"}};
};

void expect_ok(const gw::Result<HttpResponse>& r) {
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200u) << r->body;
}

TEST_F(StaticSchemesTest, NoneSendsNothing) {
    auto s = scheme("auth: {scheme: none}");
    ASSERT_TRUE(s);
    expect_ok(get(*s, "/none"));
}

TEST_F(StaticSchemesTest, ApiKeyInAHeader) {
    auto s = scheme("auth: {scheme: api_key, name: X-Api-Key, value: '{{secret.api_key}}'}");
    ASSERT_TRUE(s);
    expect_ok(get(*s, "/key-header"));
}

TEST_F(StaticSchemesTest, ApiKeyAsAnEncodedQueryParameterNextToExistingOnes) {
    secrets_["api_key"] = "k-123 456&x";
    auto s = scheme("auth: {scheme: api_key, in: query, name: api_key, value: '{{secret.api_key}}'}");
    ASSERT_TRUE(s);
    expect_ok(get(*s, "/key-query?page=2"));
}

TEST_F(StaticSchemesTest, Basic) {
    auto s = scheme("auth: {scheme: basic, username: '{{secret.user}}', password: '{{secret.password}}'}");
    ASSERT_TRUE(s);
    expect_ok(get(*s, "/basic"));
}

TEST_F(StaticSchemesTest, BearerReplacesAnAuthorizationTheStepSet) {
    auto s = scheme("auth: {scheme: bearer, token: '{{secret.token}}'}");
    ASSERT_TRUE(s);
    auto request = HttpRequest::get(server_.url("/bearer"));
    request.header("Authorization", "Bearer wrong");
    auto r = send(*s, *client_, std::move(request)).response;
    expect_ok(r);
}

TEST_F(StaticSchemesTest, StaticCredentialsAreNeverStale) {
    // A 401 with static credentials is the grocer's answer to the step; repeating with the same key cannot help.
    auto s = scheme("auth: {scheme: bearer, token: 'nope'}");
    ASSERT_TRUE(s);
    auto exchange = send(*s, *client_, HttpRequest::get(server_.url("/bearer")));
    ASSERT_TRUE(exchange.response);
    EXPECT_EQ(exchange.response->status, 401u);
    EXPECT_FALSE(exchange.stale);
}

TEST_F(StaticSchemesTest, HmacTimestampDotBodyHex) {
    auto s = scheme(R"(auth:
  scheme: hmac
  secret: "{{secret.signing_key}}"
  prefix: "v1="
)",
                    [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)); });
    ASSERT_TRUE(s);
    auto r = send(*s, *client_, HttpRequest::post(server_.url("/signed"), R"({"order":"42"})", "application/json"))
                 .response;
    expect_ok(r);
}

TEST_F(StaticSchemesTest, HmacWrongSecretIsRefusedByTheServer) {
    secrets_["signing_key"] = "other-key";
    auto s = scheme("auth: {scheme: hmac, secret: '{{secret.signing_key}}', prefix: 'v1='}",
                    [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)); });
    ASSERT_TRUE(s);
    auto r = send(*s, *client_, HttpRequest::post(server_.url("/signed"), "{}", "application/json")).response;
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401u);
}

TEST_F(StaticSchemesTest, HmacMethodPathBodyHashBase64WithKeyId) {
    auto s = scheme(R"(auth:
  scheme: hmac
  secret: "{{secret.signing_key}}"
  header: Auth-Sig
  sign: "{{method}}\n{{path}}\n{{timestamp}}\n{{body_sha256}}"
  encoding: base64
  timestamp_format: rfc3339
  timestamp_header: ""
  key_id_header: X-Key-Id
  key_id: "{{secret.key_id}}"
)",
                    [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)); });
    ASSERT_TRUE(s);
    const std::string body = "hello";
    auto r = send(*s, *client_, HttpRequest::post(server_.url("/v2/signed?x=1"), body, "text/plain")).response;
    ASSERT_TRUE(r) << r.error().to_string();
    auto json = boost::json::parse(r->body).as_object();
    // sha256("hello")
    const std::string body_hash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    EXPECT_EQ(json.at("signature").as_string(),
              hmac("sign-key", "POST\n/v2/signed?x=1\n2023-11-14T22:13:20Z\n" + body_hash, true));
    EXPECT_EQ(json.at("key_id").as_string(), "kid-7");
    EXPECT_FALSE(json.at("has_timestamp").as_bool());
    EXPECT_EQ(json.at("body").as_string(), body);
}

TEST_F(StaticSchemesTest, HmacSignsWithTheRealClockByDefault) {
    auto s = scheme("auth: {scheme: hmac, secret: '{{secret.signing_key}}', timestamp_format: unix_millis}");
    ASSERT_TRUE(s);
    auto prepared = apply_sync(*s, HttpRequest::post(server_.url("/x"), "b", "text/plain"));
    ASSERT_TRUE(prepared);
    auto ts = std::stoll(std::string(prepared->headers["X-Timestamp"]));
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    EXPECT_NEAR(static_cast<double>(ts), static_cast<double>(now_ms), 60'000.0);
    EXPECT_EQ(prepared->headers["X-Signature"], hmac("sign-key", std::to_string(ts) + ".b", false));
}

}  // namespace
