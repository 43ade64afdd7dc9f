// session_login against the sandbox's oda-web (login with CSRF, 419 after expiry -> login again) and against a
// counting login endpoint in the test (one login for concurrent applies, odd answers).

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/adapters/auth/auth_test_support.hpp"
#include "tests/adapters/auth/sandbox_config.hpp"
#include "tests/support/sandbox_process.hpp"

namespace {

using namespace gw::adapters::auth::testing;
namespace json = boost::json;
using gw::adapters::auth::AuthScheme;
using gw::adapters::auth::is_retryable;
using gw::adapters::auth::SecretMap;
using gw::http::Response;
using gw::http::Status;

const std::string oda_auth = R"(auth:
  scheme: session_login
  login:
    path: /oda-web/login
    body: {username: "{{secret.username}}", password: "{{secret.password}}"}
  csrf: {json_pointer: /csrfToken, header: X-CSRFToken}
)";

class SessionLoginSandboxTest : public ::testing::Test {
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
    HttpRequest add_item() const {
        return HttpRequest::post(sandbox_.url("/oda-web/cart/items"), R"({"product_id":"P-1","quantity_delta":1})",
                                 "application/json");
    }

    gw::testing::SandboxProcess sandbox_{sandbox_yaml()};
    std::unique_ptr<gw::httpclient::BlockingHttpClient> client_;
    SecretMap secrets_{{"username", "care"}, {"password", "pw"}};
};

TEST_F(SessionLoginSandboxTest, LogsInAndSendsTheSessionCookieAndCsrfHeader) {
    auto s = scheme(oda_auth);
    ASSERT_TRUE(s);
    auto prepared = apply_sync(*s, HttpRequest::get(sandbox_.url("/oda-web/cart")));
    ASSERT_TRUE(prepared) << prepared.error().to_string();
    auto cookie = std::string(prepared->headers["Cookie"]);
    EXPECT_NE(cookie.find("sessionid="), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("csrftoken="), std::string::npos) << cookie;
    auto csrf = std::string(prepared->headers["X-CSRFToken"]);
    EXPECT_FALSE(csrf.empty());
    EXPECT_NE(cookie.find("csrftoken=" + csrf), std::string::npos) << "the JSON csrfToken is the cookie's value";

    auto r = send(*s, *client_, add_item());
    ASSERT_TRUE(r.response);
    EXPECT_EQ(r.response->status, 200u) << r.response->body;
    auto cart = send(*s, *client_, HttpRequest::get(sandbox_.url("/oda-web/cart")));
    ASSERT_TRUE(cart.response);
    EXPECT_EQ(cart.response->status, 200u);
    EXPECT_NE(cart.response->body.find("P-1"), std::string::npos) << "same session for both calls";
}

TEST_F(SessionLoginSandboxTest, ExpiredSessionAnswers419AndTheNextApplyLogsInAgain) {
    auto s = scheme(oda_auth);
    ASSERT_TRUE(s);
    auto first = apply_sync(*s, add_item());
    ASSERT_TRUE(first);
    control("/_sandbox/clock", json::object{{"advance_s", 601}});  // past session_ttl

    auto rejected = send(*s, *client_, add_item());
    ASSERT_TRUE(rejected.response);
    EXPECT_EQ(rejected.response->status, 419u);
    EXPECT_TRUE(rejected.stale);

    auto second = apply_sync(*s, add_item());
    ASSERT_TRUE(second);
    EXPECT_NE(second->headers["Cookie"], first->headers["Cookie"]);
    auto r = send(*s, *client_, add_item());
    ASSERT_TRUE(r.response);
    EXPECT_EQ(r.response->status, 200u) << r.response->body;
}

TEST_F(SessionLoginSandboxTest, ExpireTokensFaultIsRecoveredByTheStepRepeat) {
    auto s = scheme(oda_auth);
    ASSERT_TRUE(s);
    ASSERT_TRUE(send_with_retry(*s, *client_, add_item()));
    control("/_sandbox/faults", json::object{{"oda-web", json::object{{"expire_tokens", true}}}});
    auto r = send_with_retry(*s, *client_, add_item());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200u) << r->body;
}

TEST_F(SessionLoginSandboxTest, FormLoginAndCsrfFromTheCookie) {
    auto s = scheme(R"(auth:
  scheme: session_login
  login:
    path: /oda-web/login
    format: form
    body: {username: "{{secret.username}}", password: "{{secret.password}}"}
  csrf: {cookie: csrftoken, header: X-CSRFToken}
)");
    ASSERT_TRUE(s);
    auto r = send_with_retry(*s, *client_, add_item());
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->status, 200u) << r->body;
}

TEST_F(SessionLoginSandboxTest, WithoutTheCsrfHeaderTheShopSays403AndThatIsNotAReasonToLogInAgain) {
    auto s = scheme(R"(auth:
  scheme: session_login
  login:
    path: /oda-web/login
    body: {username: "{{secret.username}}", password: "{{secret.password}}"}
)");
    ASSERT_TRUE(s);
    auto r = send(*s, *client_, add_item());
    ASSERT_TRUE(r.response);
    EXPECT_EQ(r.response->status, 403u);
    EXPECT_FALSE(r.stale);
}

TEST_F(SessionLoginSandboxTest, WrongPasswordIsPermanentWithTheShopsText) {
    secrets_["password"] = "nope";
    auto s = scheme(oda_auth);
    ASSERT_TRUE(s);
    auto r = apply_sync(*s, add_item());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, gw::ErrorCode::invalid_argument);
    EXPECT_NE(r.error().message.find("401: Invalid username or password."), std::string::npos) << r.error().message;
    EXPECT_FALSE(is_retryable(r.error()));
}

// A login endpoint that counts logins, is slow, and answers what the test says.
class LoginEndpoint {
public:
    LoginEndpoint() : server_(router()) {}
    std::string base_url() const { return server_.url(); }
    int count() const { return count_.load(); }
    std::string last_body() {
        std::lock_guard lock(mutex_);
        return last_body_;
    }
    std::chrono::milliseconds delay{0};
    std::optional<Response> next_answer;

private:
    gw::http::Router router() {
        gw::http::Router r;
        r.post("/account/login", [this](const gw::http::Request& req) {
            int n = ++count_;
            {
                std::lock_guard lock(mutex_);
                last_body_ = req.body;
            }
            if (delay.count() > 0) std::this_thread::sleep_for(delay);
            if (next_answer) return *next_answer;
            auto response = Response::json(Status::ok, json::object{{"data", json::object{{"csrf", "c" + std::to_string(n)}}}});
            response.headers.insert("Set-Cookie", "sid=s" + std::to_string(n) + "; Path=/; HttpOnly");
            response.headers.insert("Set-Cookie", "lang=nb; Path=/");
            return response;
        });
        return r;
    }
    TestServer server_;
    std::atomic<int> count_{0};
    std::mutex mutex_;
    std::string last_body_;
};

const std::string counting_auth = R"(auth:
  scheme: session_login
  login:
    path: /account/login
    body: {user: "{{secret.username}}", pass: "{{secret.password}}", tenant: "{{param.tenant}}"}
  csrf: {json_pointer: /data/csrf, header: X-Csrf}
  relogin_status: [401, 440]
)";

class SessionLoginTest : public ::testing::Test {
protected:
    void SetUp() override {
        client_ = make_client();
        ASSERT_TRUE(client_);
    }
    std::shared_ptr<AuthScheme> scheme(const std::string& yaml = counting_auth) {
        auto read = read_yaml(yaml);
        EXPECT_TRUE(read.errors.empty()) << messages(read.errors);
        auto s = make_auth(read.config, gw::adapters::auth::AuthContext{client_->async(), endpoint_.base_url(),
                                                                        {{"username", "u"}, {"password", "p\"w"}},
                                                                        {{"tenant", "bærum"}}, {}, {}});
        EXPECT_TRUE(s) << s.error().to_string();
        return s ? *s : nullptr;
    }
    HttpResponse answer(unsigned status, std::vector<std::string> set_cookies = {}) {
        HttpResponse r;
        r.status = status;
        for (auto& c : set_cookies) r.headers.insert("Set-Cookie", c);
        return r;
    }
    LoginEndpoint endpoint_;
    std::unique_ptr<gw::httpclient::BlockingHttpClient> client_;
};

TEST_F(SessionLoginTest, ConcurrentAppliesShareOneLogin) {
    endpoint_.delay = 200ms;
    auto s = scheme();
    ASSERT_TRUE(s);
    constexpr int callers = 12;
    std::vector<std::promise<gw::Result<HttpRequest>>> promises(callers);
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i) {
        threads.emplace_back([&, i] {
            s->apply(HttpRequest::get("http://127.0.0.1:1/x"),
                     [&promises, i](gw::Result<HttpRequest> r) { promises[i].set_value(std::move(r)); });
        });
    }
    for (auto& t : threads) t.join();
    for (auto& p : promises) {
        auto r = p.get_future().get();
        ASSERT_TRUE(r) << r.error().to_string();
        EXPECT_EQ(r->headers["Cookie"], "lang=nb; sid=s1");
        EXPECT_EQ(r->headers["X-Csrf"], "c1");
    }
    EXPECT_EQ(endpoint_.count(), 1);
    EXPECT_EQ(json::parse(endpoint_.last_body()), json::parse(R"({"user":"u","pass":"p\"w","tenant":"bærum"})"));
}

TEST_F(SessionLoginTest, ConfiguredStatusesLogInAgainOthersDoNot) {
    auto s = scheme();
    ASSERT_TRUE(s);
    auto first = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(first);
    EXPECT_FALSE(s->on_response_for(*first, answer(419)));  // not in relogin_status here
    EXPECT_FALSE(s->on_response_for(*first, answer(500)));
    EXPECT_TRUE(s->on_response_for(*first, answer(440)));
    auto second = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(second);
    EXPECT_EQ(second->headers["X-Csrf"], "c2");
    EXPECT_EQ(endpoint_.count(), 2);
}

TEST_F(SessionLoginTest, ARejectionFromAnOlderSessionKeepsTheNewOne) {
    auto s = scheme();
    ASSERT_TRUE(s);
    auto old_request = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(old_request);
    EXPECT_TRUE(s->on_response_for(*old_request, answer(401)));
    auto fresh = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->headers["Cookie"], "lang=nb; sid=s2");
    // The other request sent with session s1 comes back 401 too: repeat it, but with s2, no third login.
    EXPECT_TRUE(s->on_response_for(*old_request, answer(401)));
    auto again = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->headers["Cookie"], "lang=nb; sid=s2");
    EXPECT_EQ(endpoint_.count(), 2);
}

TEST_F(SessionLoginTest, CookiesSetByLaterAnswersAreKeptAndDeletedOnesDropped) {
    auto s = scheme();
    ASSERT_TRUE(s);
    auto first = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(first);
    EXPECT_FALSE(s->on_response_for(*first, answer(200, {"cart=abc; Path=/", "lang=; expires=Thu, 01 Jan 1970 00:00:00 GMT",
                                                          "sid=s1-rotated; Max-Age=600"})));
    auto next = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->headers["Cookie"], "cart=abc; sid=s1-rotated");
    // A rejection of a request sent with the rotated cookies is a rejection of this session.
    EXPECT_TRUE(s->on_response_for(*next, answer(401)));
    auto relogged = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(relogged);
    EXPECT_EQ(relogged->headers["Cookie"], "lang=nb; sid=s2");
}

TEST_F(SessionLoginTest, ALoginAnswerWithoutTheCsrfTokenIsRetryable) {
    endpoint_.next_answer = Response::json(Status::ok, std::string(R"({"data":{}})"));
    auto s = scheme();
    ASSERT_TRUE(s);
    auto r = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, gw::ErrorCode::unavailable);
    EXPECT_NE(r.error().message.find("without a CSRF token (looked at JSON /data/csrf)"), std::string::npos)
        << r.error().message;
    endpoint_.next_answer.reset();
    auto ok = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_TRUE(ok) << ok.error().to_string();
    EXPECT_EQ(ok->headers["X-Csrf"], "c2");
}

TEST_F(SessionLoginTest, ALogin503IsRetryable) {
    endpoint_.next_answer = Response::json(Status::service_unavailable, std::string(R"({"message":"maintenance"})"));
    auto s = scheme();
    ASSERT_TRUE(s);
    auto r = apply_sync(*s, HttpRequest::get("http://127.0.0.1:1/x"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, gw::ErrorCode::unavailable);
    EXPECT_NE(r.error().message.find("session login answered 503: maintenance"), std::string::npos)
        << r.error().message;
    EXPECT_TRUE(is_retryable(r.error()));
}

}  // namespace
