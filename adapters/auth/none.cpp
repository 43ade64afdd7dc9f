// scheme none: the grocer needs no credentials (or mTLS, which is the HttpClient's business).
#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

class NoAuth final : public AuthScheme {
public:
    void apply(httpclient::HttpRequest request, std::function<void(Result<httpclient::HttpRequest>)> done) override {
        done(std::move(request));
    }
    bool on_response(const httpclient::HttpResponse&) override { return false; }
};

}  // namespace

SchemeResult make_none_auth() { return std::shared_ptr<AuthScheme>(std::make_shared<NoAuth>()); }

}  // namespace gw::adapters::auth
