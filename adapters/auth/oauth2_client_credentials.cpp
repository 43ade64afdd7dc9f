// scheme oauth2_client_credentials (RFC 6749 section 4.4): a token from the grocer's token endpoint, cached until
// shortly before it expires, one token request in flight however many requests need it.
#include <algorithm>
#include <mutex>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "adapters/auth/http_text.hpp"
#include "adapters/auth/pending.hpp"
#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

namespace json = boost::json;
using httpclient::HttpRequest;
using httpclient::HttpResponse;
using Clock = std::chrono::steady_clock;

constexpr std::string_view what = "oauth2 token request";

struct Token {
    std::string access_token;
    std::chrono::milliseconds lifetime{0};
};

std::optional<std::int64_t> seconds_of(const json::value& v) {
    if (v.is_int64()) return v.as_int64();
    if (v.is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(v.as_uint64(), INT64_MAX));
    if (v.is_double()) return static_cast<std::int64_t>(v.as_double());
    // Some servers send "3600" as a string.
    if (v.is_string()) {
        std::int64_t n = 0;
        const auto& s = v.as_string();
        if (s.empty()) return std::nullopt;
        for (char c : s) {
            if (c < '0' || c > '9' || n > INT64_MAX / 20) return std::nullopt;
            n = n * 10 + (c - '0');
        }
        return n;
    }
    return std::nullopt;
}

Result<Token> parse_token(const HttpResponse& response, std::chrono::milliseconds default_lifetime) {
    SourceLocation where;
    where.path = response.url;
    boost::system::error_code ec;
    auto value = json::parse(response.body, ec);
    const json::string* token = nullptr;
    if (!ec && value.is_object()) {
        if (auto* t = value.as_object().if_contains("access_token")) token = t->if_string();
    }
    // A 2xx without a usable token is the server misbehaving now, not a config error: worth another try later.
    if (!token || token->empty()) {
        return make_error(ErrorCode::unavailable,
                          fmt::format("{} answered {} without an access_token", what, response.status), where);
    }
    Token out{std::string(*token), default_lifetime};
    if (auto* e = value.as_object().if_contains("expires_in")) {
        if (auto s = seconds_of(*e); s && *s > 0) out.lifetime = std::chrono::seconds(*s);
    }
    return out;
}

// Whether an answer to an API call means "this token is no good": 401, or a 400/403 naming invalid_token (RFC 6750
// section 3.1) in its body or WWW-Authenticate header.
bool rejects_token(const HttpResponse& response) {
    if (response.status == 401) return true;
    if (response.status != 400 && response.status != 403) return false;
    return response.header("WWW-Authenticate").find("invalid_token") != std::string::npos ||
           response.body.find("\"invalid_token\"") != std::string::npos;
}

class OAuth2ClientCredentials final : public AuthScheme,
                                      public std::enable_shared_from_this<OAuth2ClientCredentials> {
public:
    struct Settings {
        std::string token_url;
        std::string token_body;              // the form, client credentials included when sent in the body
        std::string basic_authorization;     // "Basic ..." when the client authenticates with a header
        std::chrono::milliseconds refresh_margin;
        std::chrono::milliseconds default_lifetime;
        std::chrono::milliseconds timeout;
    };

    OAuth2ClientCredentials(Settings settings, httpclient::HttpClient& client, std::function<Clock::time_point()> now)
        : settings_(std::move(settings)), client_(client), now_(std::move(now)) {}

    void apply(HttpRequest request, std::function<void(Result<HttpRequest>)> done) override {
        std::unique_lock lock(mutex_);
        if (!token_.empty() && now() < expires_at_) {
            auto header = "Bearer " + token_;
            lock.unlock();
            request.headers.set(boost::beast::http::field::authorization, header);
            done(std::move(request));
            return;
        }
        bool start = pending_.join([request = std::move(request), done = std::move(done)](
                                       const Result<std::string>& token) mutable {
            if (!token) return done(token.error());
            request.headers.set(boost::beast::http::field::authorization, "Bearer " + *token);
            done(std::move(request));
        });
        lock.unlock();
        if (start) fetch();
    }

    bool on_response(const HttpResponse& response) override {
        if (!rejects_token(response)) return false;
        std::lock_guard lock(mutex_);
        token_.clear();
        return true;
    }

    bool on_response_for(const HttpRequest& sent, const HttpResponse& response) override {
        if (!rejects_token(response)) return false;
        std::lock_guard lock(mutex_);
        // Sent with an older token than the current one: the refresh already happened, keep the new token.
        if (token_.empty() || sent.headers[boost::beast::http::field::authorization] == "Bearer " + token_) {
            token_.clear();
        }
        return true;
    }

private:
    Clock::time_point now() const { return now_ ? now_() : Clock::now(); }

    void fetch() {
        auto request = HttpRequest::post(settings_.token_url, settings_.token_body, "application/x-www-form-urlencoded");
        request.header("Accept", "application/json");
        if (!settings_.basic_authorization.empty()) {
            request.headers.set(boost::beast::http::field::authorization, settings_.basic_authorization);
        }
        request.total_timeout = settings_.timeout;
        auto started = now();
        client_.request(std::move(request), [self = shared_from_this(), started](Result<HttpResponse> response) {
            self->on_token(std::move(response), started);
        });
    }

    void on_token(Result<HttpResponse> response, Clock::time_point started) {
        Result<std::string> outcome = [&]() -> Result<std::string> {
            if (!response) return auth_transport_error(what, std::move(response).error());
            if (response->status < 200 || response->status >= 300) return auth_status_error(what, *response);
            auto token = parse_token(*response, settings_.default_lifetime);
            if (!token) return std::move(token).error();
            std::lock_guard lock(mutex_);
            // Counted from when the request left: the server's clock started no later than that. The margin never
            // eats more than half the lifetime, so a short-lived token is still used for a while.
            auto usable = std::max(token->lifetime - settings_.refresh_margin, token->lifetime / 2);
            token_ = token->access_token;
            expires_at_ = started + usable;
            return std::move(token->access_token);
        }();
        std::vector<Pending<std::string>::Waiter> waiters;
        {
            std::lock_guard lock(mutex_);
            waiters = pending_.take();
        }
        for (auto& waiter : waiters) waiter(outcome);
    }

    const Settings settings_;
    httpclient::HttpClient& client_;
    const std::function<Clock::time_point()> now_;

    std::mutex mutex_;
    std::string token_;  // empty: none, or forgotten after a rejection
    Clock::time_point expires_at_{};
    Pending<std::string> pending_;
};

}  // namespace

SchemeResult make_oauth2_auth(const OAuth2ClientCredentialsConfig& config, const AuthContext& context,
                              const SecretLookup& lookup) {
    auto client_id = resolve_template(config.client_id, lookup);
    if (!client_id) return std::move(client_id).error();
    auto client_secret = resolve_template(config.client_secret, lookup);
    if (!client_secret) return std::move(client_secret).error();

    std::vector<std::pair<std::string, std::string>> form{{"grant_type", "client_credentials"}};
    OAuth2ClientCredentials::Settings settings;
    if (config.client_auth == OAuth2ClientCredentialsConfig::ClientAuth::basic) {
        // Sent as given, not form-encoded first (RFC 6749 2.3.1 asks for it, most token endpoints do not decode).
        settings.basic_authorization = "Basic " + base64_encode(*client_id + ":" + *client_secret);
    } else {
        form.emplace_back("client_id", *client_id);
        form.emplace_back("client_secret", *client_secret);
    }
    if (!config.scope.empty()) form.emplace_back("scope", config.scope);
    for (const auto& [name, value] : config.extra) {
        auto v = resolve_template(value, lookup);
        if (!v) return std::move(v).error();
        form.emplace_back(name, std::move(*v));
    }
    settings.token_url = join_url(context.base_url, config.token_url);
    settings.token_body = form_body(form);
    settings.refresh_margin = config.refresh_margin;
    settings.default_lifetime = config.default_lifetime;
    settings.timeout = config.timeout;
    return std::shared_ptr<AuthScheme>(
        std::make_shared<OAuth2ClientCredentials>(std::move(settings), context.client, context.steady_now));
}

}  // namespace gw::adapters::auth
