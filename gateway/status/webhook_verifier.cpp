#include "gateway/status/webhook_verifier.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gw::status {
namespace {

using adapters::status::SignatureEncoding;
using adapters::status::Verify;
using adapters::status::WebhookVerification;

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &length);
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string encode(std::string_view bytes, SignatureEncoding encoding) {
    if (encoding == SignatureEncoding::hex) {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out;
        out.reserve(bytes.size() * 2);
        for (unsigned char c : bytes) {
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
        }
        return out;
    }
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(std::max(n, 0)));
    return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string signed_text(const WebhookVerification& settings, std::string_view timestamp, std::string_view body) {
    std::string out;
    out.reserve(body.size() + timestamp.size() + 8);
    for (const auto& part : settings.signed_parts) {
        if (part == "{{timestamp}}") {
            out += timestamp;
        } else if (part == "{{body}}") {
            out += body;
        } else {
            out += part;
        }
    }
    return out;
}

Verification refuse(Refusal refusal, std::string detail) { return Verification{refusal, std::move(detail)}; }

Verification verify_hmac(const WebhookVerification& settings, const http::Request& request,
                         std::chrono::system_clock::time_point now) {
    std::string_view timestamp;
    if (!settings.timestamp_header.empty()) {
        auto header = request.header(settings.timestamp_header);
        if (!header || trim(*header).empty()) {
            return refuse(Refusal::missing_timestamp, fmt::format("no {} header", settings.timestamp_header));
        }
        timestamp = trim(*header);
        std::int64_t seconds = 0;
        const auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), seconds);
        if (ec != std::errc() || end != timestamp.data() + timestamp.size()) {
            return refuse(Refusal::missing_timestamp,
                          fmt::format("{} is not unix seconds", settings.timestamp_header));
        }
        const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
        const auto skew = std::chrono::duration_cast<std::chrono::seconds>(at > now ? at - now : now - at);
        if (skew > settings.tolerance) {
            return refuse(Refusal::stale_timestamp,
                          fmt::format("signed {} s {} now; more than the {} s tolerance", skew.count(),
                                      at > now ? "after" : "before", settings.tolerance.count()));
        }
    }
    auto header = request.header(settings.signature_header);
    if (!header) return refuse(Refusal::missing_signature, fmt::format("no {} header", settings.signature_header));
    const std::string expected = encode(hmac_sha256(settings.secret, signed_text(settings, timestamp, request.body)),
                                        settings.encoding);
    bool seen = false;
    std::string_view list = *header;
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view item = trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        if (!item.starts_with(settings.signature_prefix)) continue;
        item.remove_prefix(settings.signature_prefix.size());
        seen = true;
        std::string given(trim(item));
        if (settings.encoding == SignatureEncoding::hex) {
            std::transform(given.begin(), given.end(), given.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        }
        if (equal_constant_time(given, expected)) return {};
    }
    if (!seen) {
        return refuse(Refusal::missing_signature,
                      fmt::format("{} has no signature starting with '{}'", settings.signature_header,
                                  settings.signature_prefix));
    }
    return refuse(Refusal::bad_signature, fmt::format("{} does not match the body", settings.signature_header));
}

Verification verify_bearer(const WebhookVerification& settings, const http::Request& request) {
    auto header = request.header(settings.token_header);
    if (!header || trim(*header).empty()) {
        return refuse(Refusal::missing_signature, fmt::format("no {} header", settings.token_header));
    }
    std::string_view token = trim(*header);
    if (token.size() > 7 && (token.substr(0, 7) == "Bearer " || token.substr(0, 7) == "bearer ")) {
        token = trim(token.substr(7));
    }
    if (!equal_constant_time(token, settings.secret)) {
        return refuse(Refusal::bad_signature, fmt::format("{} does not carry the agreed token", settings.token_header));
    }
    return {};
}

}  // namespace

std::string_view to_string(Refusal refusal) noexcept {
    switch (refusal) {
        case Refusal::none:
            return "none";
        case Refusal::missing_signature:
            return "missing_signature";
        case Refusal::bad_signature:
            return "bad_signature";
        case Refusal::missing_timestamp:
            return "missing_timestamp";
        case Refusal::stale_timestamp:
            return "stale_timestamp";
    }
    return "unknown";
}

Verification verify_webhook(const WebhookVerification& settings, const http::Request& request,
                            std::chrono::system_clock::time_point now) {
    switch (settings.scheme) {
        case Verify::none:
            return {};
        case Verify::bearer:
            return verify_bearer(settings, request);
        case Verify::hmac_sha256:
            break;
    }
    return verify_hmac(settings, request, now);
}

std::string sign_webhook(const WebhookVerification& settings, std::string_view timestamp, std::string_view body) {
    return settings.signature_prefix +
           encode(hmac_sha256(settings.secret, signed_text(settings, timestamp, body)), settings.encoding);
}

}  // namespace gw::status
