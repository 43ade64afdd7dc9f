// scheme session_login: a web shop's own login. One login request (JSON or form body from secrets), the session
// kept in a cookie jar, a CSRF token taken from the login answer (JSON pointer and/or cookie) and sent as a header
// on every call; a 401/419 answer means the session is gone and the next apply() logs in again. One login in
// flight at a time: requests that need a session queue behind it.
#include <algorithm>
#include <mutex>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "adapters/auth/cookie_jar.hpp"
#include "adapters/auth/http_text.hpp"
#include "adapters/auth/pending.hpp"
#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

namespace json = boost::json;
using httpclient::HttpRequest;
using httpclient::HttpResponse;

constexpr std::string_view what = "session login";
// Distinct Cookie headers remembered per session, to tell a rejection of this session from one of an older session
// (see on_response_for). Servers that rotate a cookie on every answer overflow it; then every rejection counts.
constexpr std::size_t max_issued = 64;

struct Credentials {
    std::string cookie;  // Cookie header value
    std::string csrf;    // value of the CSRF header ("" when none is configured)
};

class SessionLogin final : public AuthScheme, public std::enable_shared_from_this<SessionLogin> {
public:
    struct Settings {
        std::string login_url;
        std::string body;
        std::string content_type;
        std::string csrf_json_pointer;
        std::string csrf_cookie;
        std::string csrf_header;
        std::vector<unsigned> relogin_status;
        std::chrono::milliseconds timeout;
    };

    SessionLogin(Settings settings, httpclient::HttpClient& client)
        : settings_(std::move(settings)), client_(client) {}

    void apply(HttpRequest request, std::function<void(Result<HttpRequest>)> done) override {
        std::unique_lock lock(mutex_);
        if (logged_in_) {
            auto credentials = current();
            lock.unlock();
            add(request, credentials);
            done(std::move(request));
            return;
        }
        bool start = pending_.join([this, request = std::move(request), done = std::move(done)](
                                       const Result<Credentials>& credentials) mutable {
            if (!credentials) return done(credentials.error());
            add(request, *credentials);
            done(std::move(request));
        });
        lock.unlock();
        if (start) login();
    }

    bool on_response(const HttpResponse& response) override { return handle(nullptr, response); }
    bool on_response_for(const HttpRequest& sent, const HttpResponse& response) override {
        return handle(&sent, response);
    }

private:
    bool relogin_status(unsigned status) const {
        return std::find(settings_.relogin_status.begin(), settings_.relogin_status.end(), status) !=
               settings_.relogin_status.end();
    }

    bool handle(const HttpRequest* sent, const HttpResponse& response) {
        std::lock_guard lock(mutex_);
        bool rejected = relogin_status(response.status);
        bool older_session = false;
        if (sent && rejected && logged_in_ && !issued_overflow_) {
            older_session = !issued_.contains(std::string(sent->headers[boost::beast::http::field::cookie]));
        }
        if (older_session) return true;  // already logged in again since that request left: keep the new session
        // Servers refresh or rotate cookies on ordinary answers (Django rotates csrftoken): keep the jar current.
        if (logged_in_ && !rejected) {
            jar_.store_all(response);
            if (!settings_.csrf_cookie.empty() && settings_.csrf_json_pointer.empty()) {
                if (auto c = jar_.get(settings_.csrf_cookie)) csrf_ = *c;
            }
        }
        if (!rejected) return false;
        logged_in_ = false;
        jar_.clear();
        csrf_.clear();
        return true;
    }

    // Under the mutex: the credentials to send now, remembered as this session's.
    Credentials current() {
        Credentials c{jar_.header(), csrf_};
        if (issued_.size() < max_issued) {
            issued_.insert(c.cookie);
        } else if (!issued_.contains(c.cookie)) {
            issued_overflow_ = true;
        }
        return c;
    }

    void add(HttpRequest& request, const Credentials& credentials) const {
        if (!credentials.cookie.empty()) request.headers.set(boost::beast::http::field::cookie, credentials.cookie);
        if (!settings_.csrf_header.empty()) request.header(settings_.csrf_header, credentials.csrf);
    }

    void login() {
        auto request = HttpRequest::post(settings_.login_url, settings_.body, settings_.content_type);
        request.header("Accept", "application/json");
        request.total_timeout = settings_.timeout;
        client_.request(std::move(request), [self = shared_from_this()](Result<HttpResponse> response) {
            self->on_login(std::move(response));
        });
    }

    // The CSRF token of a successful login answer, or the error that says where it was looked for.
    Result<std::string> csrf_token(const HttpResponse& response, const CookieJar& jar) const {
        if (!settings_.csrf_json_pointer.empty()) {
            boost::system::error_code ec;
            auto value = json::parse(response.body, ec);
            if (!ec) {
                if (auto* found = value.find_pointer(settings_.csrf_json_pointer, ec); found && found->is_string()) {
                    return std::string(found->as_string());
                }
            }
        }
        if (!settings_.csrf_cookie.empty()) {
            if (auto c = jar.get(settings_.csrf_cookie)) return *c;
        }
        if (settings_.csrf_json_pointer.empty() && settings_.csrf_cookie.empty()) return std::string();
        SourceLocation where;
        where.path = response.url;
        // A 2xx that is not what we expect is the shop misbehaving now: retryable like any unexpected 2xx.
        return make_error(ErrorCode::unavailable,
                          fmt::format("{} answered {} without a CSRF token (looked at {}{}{})", what, response.status,
                                      settings_.csrf_json_pointer.empty() ? "" : "JSON " + settings_.csrf_json_pointer,
                                      !settings_.csrf_json_pointer.empty() && !settings_.csrf_cookie.empty() ? " and "
                                                                                                              : "",
                                      settings_.csrf_cookie.empty() ? "" : "cookie " + settings_.csrf_cookie),
                          std::move(where));
    }

    void on_login(Result<HttpResponse> response) {
        Result<Credentials> outcome = [&]() -> Result<Credentials> {
            if (!response) return auth_transport_error(what, std::move(response).error());
            if (response->status < 200 || response->status >= 300) return auth_status_error(what, *response);
            CookieJar jar;
            jar.store_all(*response);
            auto csrf = csrf_token(*response, jar);
            if (!csrf) return std::move(csrf).error();
            std::lock_guard lock(mutex_);
            jar_ = std::move(jar);
            csrf_ = std::move(*csrf);
            issued_.clear();
            issued_overflow_ = false;
            logged_in_ = true;
            return current();
        }();
        std::vector<Pending<Credentials>::Waiter> waiters;
        {
            std::lock_guard lock(mutex_);
            waiters = pending_.take();
        }
        for (auto& waiter : waiters) waiter(outcome);
    }

    const Settings settings_;
    httpclient::HttpClient& client_;

    std::mutex mutex_;
    bool logged_in_ = false;
    CookieJar jar_;
    std::string csrf_;
    std::set<std::string> issued_;  // Cookie headers sent under the current session
    bool issued_overflow_ = false;
    Pending<Credentials> pending_;
};

}  // namespace

SchemeResult make_session_login_auth(const SessionLoginConfig& config, const AuthContext& context,
                                     const SecretLookup& lookup) {
    SessionLogin::Settings settings;
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [name, value] : config.body) {
        auto v = resolve_template(value, lookup);
        if (!v) return std::move(v).error();
        fields.emplace_back(name, std::move(*v));
    }
    if (config.format == SessionLoginConfig::BodyFormat::json) {
        json::object body;
        for (auto& [name, value] : fields) body[name] = value;
        settings.body = json::serialize(body);
        settings.content_type = "application/json";
    } else {
        settings.body = form_body(fields);
        settings.content_type = "application/x-www-form-urlencoded";
    }
    settings.login_url = join_url(context.base_url, config.login_path);
    settings.csrf_json_pointer = config.csrf_json_pointer;
    settings.csrf_cookie = config.csrf_cookie;
    settings.csrf_header = config.csrf_header;
    settings.relogin_status = config.relogin_status;
    settings.timeout = config.timeout;
    return std::shared_ptr<AuthScheme>(std::make_shared<SessionLogin>(std::move(settings), context.client));
}

}  // namespace gw::adapters::auth
