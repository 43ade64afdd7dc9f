// scheme api_key: a static key in a header or a query parameter.
#include "adapters/auth/http_text.hpp"
#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

class ApiKeyAuth final : public AuthScheme {
public:
    ApiKeyAuth(ApiKeyConfig::Placement in, std::string name, std::string value)
        : in_(in), name_(std::move(name)), value_(std::move(value)) {}

    void apply(httpclient::HttpRequest request, std::function<void(Result<httpclient::HttpRequest>)> done) override {
        if (in_ == ApiKeyConfig::Placement::header) {
            request.header(name_, value_);
        } else {
            request.url = add_query_parameter(request.url, name_, value_);
        }
        done(std::move(request));
    }
    // A static key cannot be refreshed: a 401 is the grocer's final word, not a reason to repeat the step.
    bool on_response(const httpclient::HttpResponse&) override { return false; }

private:
    ApiKeyConfig::Placement in_;
    std::string name_;
    std::string value_;
};

}  // namespace

SchemeResult make_api_key_auth(const ApiKeyConfig& config, const SecretLookup& lookup) {
    auto value = resolve_template(config.value, lookup);
    if (!value) return std::move(value).error();
    return std::shared_ptr<AuthScheme>(std::make_shared<ApiKeyAuth>(config.in, config.name, std::move(*value)));
}

}  // namespace gw::adapters::auth
