// oauth2_client_credentials against a token endpoint in the test that counts its requests: one token request for
// any number of concurrent apply() calls, caching by expires_in with an injected clock, what is sent, odd answers.

#include <mutex>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/adapters/auth/auth_test_support.hpp"

namespace {

using namespace gw::adapters::auth::testing;
namespace json = boost::json;
using gw::adapters::auth::AuthScheme;
using gw::adapters::auth::is_retryable;
using gw::http::Response;
using gw::http::Status;

// A token endpoint: answers `next_answer` (default: a fresh token "t1", "t2" ... with expires_in), counts requests,
// and keeps the last request's body and Authorization header.
class TokenEndpoint {
public:
    TokenEndpoint() : server_(router()) {}

    std::string base_url() const { return server_.url(); }
    bool started() const { return server_.started(); }
    int count() const { return count_.load(); }
    std::string last_body() {
        std::lock_guard lock(mutex_);
        return last_body_;
    }
    std::string last_authorization() {
        std::lock_guard lock(mutex_);
        return last_authorization_;
    }
    json::value expires_in = 120;
    std::chrono::milliseconds delay{0};
    std::optional<Response> next_answer;  // set before use, not while requests run

private:
    gw::http::Router router() {
        gw::http::Router r;
        r.post("/oauth/token", [this](const gw::http::Request& req) {
            int n = ++count_;
            {
                std::lock_guard lock(mutex_);
                last_body_ = req.body;
                last_authorization_ = std::string(req.header("Authorization").value_or(""));
            }
            // Slow enough that concurrent apply() calls all arrive while the first request is out.
            if (delay.count() > 0) std::this_thread::sleep_for(delay);
            if (next_answer) return *next_answer;
            json::object body{{"access_token", "t" + std::to_string(n)}, {"token_type", "bearer"}};
            if (!expires_in.is_null()) body["expires_in"] = expires_in;
            return Response::json(Status::ok, body);
        });
        return r;
    }

    TestServer server_;
    std::atomic<int> count_{0};
    std::mutex mutex_;
    std::string last_body_;
    std::string last_authorization_;
};

class ManualSteadyClock {
public:
    std::function<std::chrono::steady_clock::time_point()> fn() {
        return [this] { return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns_.load())); };
    }
    void advance(std::chrono::nanoseconds d) { ns_ += d.count(); }

private:
    std::atomic<std::int64_t> ns_{std::chrono::nanoseconds(std::chrono::hours(10)).count()};
};

const std::string auth_yaml = R"(auth:
  scheme: oauth2_client_credentials
  token_url: /oauth/token
  client_id: "{{secret.client_id}}"
  client_secret: "{{secret.client_secret}}"
  refresh_margin: 30s
)";

class OAuth2Test : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(endpoint_.started());
        client_ = make_client();
        ASSERT_TRUE(client_);
    }
    std::shared_ptr<AuthScheme> scheme(const std::string& yaml = auth_yaml) {
        return make_scheme(yaml, client_->async(), endpoint_.base_url(),
                           {{"client_id", "gw client"}, {"client_secret", "s&cret="}, {"aud", "orders"}},
                           clock_.fn());
    }
    std::string authorization(AuthScheme& s) {
        auto prepared = apply_sync(s, HttpRequest::get("http://127.0.0.1:1/api"));
        EXPECT_TRUE(prepared) << prepared.error().to_string();
        return prepared ? std::string(prepared->headers["Authorization"]) : std::string();
    }
    HttpResponse api_answer(unsigned status, std::string body, std::string www_authenticate = {}) {
        HttpResponse r;
        r.status = status;
        r.body = std::move(body);
        if (!www_authenticate.empty()) r.headers.set("WWW-Authenticate", www_authenticate);
        return r;
    }

    TokenEndpoint endpoint_;
    ManualSteadyClock clock_;
    std::unique_ptr<gw::httpclient::BlockingHttpClient> client_;
};

TEST_F(OAuth2Test, ConcurrentAppliesShareOneTokenRequest) {
    endpoint_.delay = 200ms;
    auto s = scheme();
    ASSERT_TRUE(s);
    constexpr int callers = 16;
    std::vector<std::future<gw::Result<HttpRequest>>> results;
    std::vector<std::thread> threads;
    std::vector<std::promise<gw::Result<HttpRequest>>> promises(callers);
    for (auto& p : promises) results.push_back(p.get_future());
    for (int i = 0; i < callers; ++i) {
        threads.emplace_back([&, i] {
            s->apply(HttpRequest::get("http://127.0.0.1:1/api/" + std::to_string(i)),
                     [&promises, i](gw::Result<HttpRequest> r) { promises[i].set_value(std::move(r)); });
        });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < callers; ++i) {
        ASSERT_EQ(results[i].wait_for(10s), std::future_status::ready);
        auto r = results[i].get();
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r->headers["Authorization"], "Bearer t1");
        EXPECT_EQ(r->url, "http://127.0.0.1:1/api/" + std::to_string(i));  // each caller got its own request back
    }
    EXPECT_EQ(endpoint_.count(), 1);
}

TEST_F(OAuth2Test, SendsTheClientCredentialsGrantAsAForm) {
    auto s = scheme(auth_yaml + "  scope: orders:write read\n  extra: {audience: \"{{secret.aud}}\"}\n");
    ASSERT_TRUE(s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    EXPECT_EQ(endpoint_.last_body(),
              "grant_type=client_credentials&client_id=gw+client&client_secret=s%26cret%3D&scope=orders%3Awrite+read"
              "&audience=orders");
    EXPECT_EQ(endpoint_.last_authorization(), "");
}

TEST_F(OAuth2Test, BasicClientAuthenticationKeepsTheSecretOutOfTheBody) {
    auto s = scheme(auth_yaml + "  client_auth: basic\n");
    ASSERT_TRUE(s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    EXPECT_EQ(endpoint_.last_body(), "grant_type=client_credentials");
    EXPECT_EQ(endpoint_.last_authorization(), "Basic Z3cgY2xpZW50OnMmY3JldD0=");  // "gw client:s&cret="
}

TEST_F(OAuth2Test, TokenIsCachedUntilExpiresInMinusTheMargin) {
    auto s = scheme();  // expires_in 120 s, margin 30 s
    ASSERT_TRUE(s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    clock_.advance(89s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    EXPECT_EQ(endpoint_.count(), 1);
    clock_.advance(2s);
    EXPECT_EQ(authorization(*s), "Bearer t2");
    EXPECT_EQ(endpoint_.count(), 2);
}

TEST_F(OAuth2Test, AShortLivedTokenIsUsedForHalfItsLifetime) {
    endpoint_.expires_in = 10;  // shorter than the 30 s margin
    auto s = scheme();
    ASSERT_TRUE(s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    clock_.advance(4s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    clock_.advance(2s);
    EXPECT_EQ(authorization(*s), "Bearer t2");
}

TEST_F(OAuth2Test, ExpiresInAsAStringAndMissingExpiresIn) {
    endpoint_.expires_in = "60";
    auto s = scheme();
    ASSERT_TRUE(s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    clock_.advance(31s);
    EXPECT_EQ(authorization(*s), "Bearer t2");

    endpoint_.expires_in = nullptr;  // default_lifetime 5 m
    auto s2 = scheme();
    ASSERT_TRUE(s2);
    EXPECT_EQ(authorization(*s2), "Bearer t3");
    clock_.advance(4min);
    EXPECT_EQ(authorization(*s2), "Bearer t3");
    clock_.advance(31s);
    EXPECT_EQ(authorization(*s2), "Bearer t4");
}

TEST_F(OAuth2Test, RejectionsDropTheToken) {
    auto s = scheme();
    ASSERT_TRUE(s);
    EXPECT_EQ(authorization(*s), "Bearer t1");
    EXPECT_FALSE(s->on_response(api_answer(200, "{}")));
    EXPECT_FALSE(s->on_response(api_answer(403, R"({"error":"forbidden"})")));  // not about the token
    EXPECT_FALSE(s->on_response(api_answer(422, R"({"errors":[]})")));
    EXPECT_EQ(authorization(*s), "Bearer t1");

    EXPECT_TRUE(s->on_response(api_answer(401, R"({"error":"invalid_token"})")));
    EXPECT_EQ(authorization(*s), "Bearer t2");
    EXPECT_TRUE(s->on_response(api_answer(400, R"({"error":"invalid_token"})")));
    EXPECT_EQ(authorization(*s), "Bearer t3");
    EXPECT_TRUE(s->on_response(api_answer(403, "", R"(Bearer error="invalid_token")")));
    EXPECT_EQ(authorization(*s), "Bearer t4");
    EXPECT_EQ(endpoint_.count(), 4);
}

TEST_F(OAuth2Test, ARejectionOfAnOlderTokenKeepsTheNewOne) {
    auto s = scheme();
    ASSERT_TRUE(s);
    auto old_request = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/a"));
    ASSERT_TRUE(old_request);
    // Two requests went out with t1; the first 401 refreshes to t2 ...
    EXPECT_TRUE(s->on_response_for(*old_request, api_answer(401, "")));
    EXPECT_EQ(authorization(*s), "Bearer t2");
    // ... the second 401 (also sent with t1) asks for a repeat but keeps t2.
    EXPECT_TRUE(s->on_response_for(*old_request, api_answer(401, "")));
    EXPECT_EQ(authorization(*s), "Bearer t2");
    EXPECT_EQ(endpoint_.count(), 2);
}

TEST_F(OAuth2Test, A2xxWithoutATokenIsRetryable) {
    endpoint_.next_answer = Response::json(Status::ok, std::string(R"({"token_type":"bearer"})"));
    auto s = scheme();
    ASSERT_TRUE(s);
    auto r = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, gw::ErrorCode::unavailable);
    EXPECT_NE(r.error().message.find("without an access_token"), std::string::npos);
    EXPECT_TRUE(is_retryable(r.error()));
}

TEST_F(OAuth2Test, AFailedFetchFailsEveryWaiterAndTheNextApplyTriesAgain) {
    endpoint_.next_answer = Response::text(Status::bad_gateway, "<html>upstream down</html>");
    endpoint_.delay = 100ms;
    auto s = scheme();
    ASSERT_TRUE(s);
    std::promise<gw::Result<HttpRequest>> a;
    std::promise<gw::Result<HttpRequest>> b;
    s->apply(HttpRequest::get("http://127.0.0.1:1/a"), [&](gw::Result<HttpRequest> r) { a.set_value(std::move(r)); });
    s->apply(HttpRequest::get("http://127.0.0.1:1/b"), [&](gw::Result<HttpRequest> r) { b.set_value(std::move(r)); });
    auto ra = a.get_future().get();
    auto rb = b.get_future().get();
    ASSERT_FALSE(ra);
    ASSERT_FALSE(rb);
    EXPECT_NE(ra.error().message.find("502: <html>upstream down</html>"), std::string::npos) << ra.error().message;
    EXPECT_EQ(endpoint_.count(), 1);

    endpoint_.next_answer.reset();
    EXPECT_EQ(authorization(*s), "Bearer t2");
}

TEST_F(OAuth2Test, ABadRequestAnswerIsPermanentWithTheOAuthErrorDescription) {
    endpoint_.next_answer = Response::json(
        Status::bad_request, std::string(R"({"error":"invalid_scope","error_description":"scope orders:admin is not allowed"})"));
    auto s = scheme();
    ASSERT_TRUE(s);
    auto r = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, gw::ErrorCode::invalid_argument);
    EXPECT_NE(r.error().message.find("invalid_scope: scope orders:admin is not allowed"), std::string::npos)
        << r.error().message;
    EXPECT_FALSE(is_retryable(r.error()));
}

}  // namespace
