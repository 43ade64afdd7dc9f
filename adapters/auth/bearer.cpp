// scheme bearer: a long-lived token issued out of band, Authorization: Bearer TOKEN.
#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

class BearerAuth final : public AuthScheme {
public:
    explicit BearerAuth(std::string header_value) : header_value_(std::move(header_value)) {}

    void apply(httpclient::HttpRequest request, std::function<void(Result<httpclient::HttpRequest>)> done) override {
        request.headers.set(boost::beast::http::field::authorization, header_value_);
        done(std::move(request));
    }
    // Static token: nothing to refresh.
    bool on_response(const httpclient::HttpResponse&) override { return false; }

private:
    std::string header_value_;
};

}  // namespace

SchemeResult make_bearer_auth(const BearerConfig& config, const SecretLookup& lookup) {
    auto token = resolve_template(config.token, lookup);
    if (!token) return std::move(token).error();
    return std::shared_ptr<AuthScheme>(std::make_shared<BearerAuth>("Bearer " + *token));
}

}  // namespace gw::adapters::auth
