// scheme basic: Authorization: Basic base64(username:password) on every request.
#include "adapters/auth/http_text.hpp"
#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

class BasicAuth final : public AuthScheme {
public:
    explicit BasicAuth(std::string header_value) : header_value_(std::move(header_value)) {}

    void apply(httpclient::HttpRequest request, std::function<void(Result<httpclient::HttpRequest>)> done) override {
        request.headers.set(boost::beast::http::field::authorization, header_value_);
        done(std::move(request));
    }
    // Static credentials: nothing to refresh.
    bool on_response(const httpclient::HttpResponse&) override { return false; }

private:
    std::string header_value_;
};

}  // namespace

SchemeResult make_basic_auth(const BasicConfig& config, const SecretLookup& lookup) {
    auto username = resolve_template(config.username, lookup);
    if (!username) return std::move(username).error();
    auto password = resolve_template(config.password, lookup);
    if (!password) return std::move(password).error();
    auto value = "Basic " + base64_encode(*username + ":" + *password);
    return std::shared_ptr<AuthScheme>(std::make_shared<BasicAuth>(std::move(value)));
}

}  // namespace gw::adapters::auth
