// scheme hmac: every request signed with HMAC-SHA256 over a declared string (e.g. timestamp + "." + body), so the
// grocer can check who sent it and that it was not changed or replayed later.
#include <ctime>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "adapters/auth/http_text.hpp"
#include "adapters/auth/schemes.hpp"

namespace gw::adapters::auth {

namespace {

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &length);
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string format_timestamp(std::chrono::system_clock::time_point now, HmacConfig::TimestampFormat format) {
    using namespace std::chrono;
    switch (format) {
        case HmacConfig::TimestampFormat::unix_seconds:
            return std::to_string(duration_cast<seconds>(now.time_since_epoch()).count());
        case HmacConfig::TimestampFormat::unix_millis:
            return std::to_string(duration_cast<milliseconds>(now.time_since_epoch()).count());
        case HmacConfig::TimestampFormat::rfc3339: {
            std::time_t t = system_clock::to_time_t(now);
            std::tm tm{};
            gmtime_r(&t, &tm);
            return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                               tm.tm_hour, tm.tm_min, tm.tm_sec);
        }
    }
    return {};
}

class HmacAuth final : public AuthScheme {
public:
    HmacAuth(HmacConfig config, std::string secret, std::string sign, std::string key_id,
             std::function<std::chrono::system_clock::time_point()> now)
        : config_(std::move(config)), secret_(std::move(secret)), sign_(std::move(sign)), key_id_(std::move(key_id)),
          now_(std::move(now)) {}

    void apply(httpclient::HttpRequest request, std::function<void(Result<httpclient::HttpRequest>)> done) override {
        auto timestamp = format_timestamp(now_ ? now_() : std::chrono::system_clock::now(), config_.timestamp_format);
        auto signed_text = expand_runtime(sign_, [&](std::string_view name) -> std::string {
            if (name == "timestamp") return timestamp;
            if (name == "body") return request.body;
            if (name == "method") return std::string(boost::beast::http::to_string(request.method));
            if (name == "path") return path_and_query(request.url);
            if (name == "body_sha256") return hex_encode(sha256(request.body));
            return {};
        });
        auto mac = hmac_sha256(secret_, signed_text);
        auto encoded = config_.encoding == HmacConfig::Encoding::hex ? hex_encode(mac) : base64_encode(mac);
        request.header(config_.header, config_.prefix + encoded);
        if (!config_.timestamp_header.empty()) request.header(config_.timestamp_header, timestamp);
        if (!config_.key_id_header.empty()) request.header(config_.key_id_header, key_id_);
        done(std::move(request));
    }
    // A signature is made fresh for every request: nothing to forget or refresh.
    bool on_response(const httpclient::HttpResponse&) override { return false; }

private:
    HmacConfig config_;
    std::string secret_;
    std::string sign_;
    std::string key_id_;
    std::function<std::chrono::system_clock::time_point()> now_;
};

}  // namespace

SchemeResult make_hmac_auth(const HmacConfig& config, const AuthContext& context, const SecretLookup& lookup) {
    auto secret = resolve_template(config.secret, lookup);
    if (!secret) return std::move(secret).error();
    auto sign = resolve_template(config.sign, lookup, hmac_runtime_names);
    if (!sign) return std::move(sign).error();
    std::string key_id;
    if (!config.key_id_header.empty()) {
        auto k = resolve_template(config.key_id, lookup);
        if (!k) return std::move(k).error();
        key_id = std::move(*k);
    }
    return std::shared_ptr<AuthScheme>(std::make_shared<HmacAuth>(config, std::move(*secret), std::move(*sign),
                                                                  std::move(key_id), context.system_now));
}

}  // namespace gw::adapters::auth
