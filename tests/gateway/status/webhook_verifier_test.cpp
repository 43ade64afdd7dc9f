// Webhook verification: HMAC-SHA256 over the configured signed text with the timestamp window, bearer tokens, and
// the ways a request fails (no header, wrong prefix, wrong signature, body changed, replayed old timestamp).

#include <gtest/gtest.h>

#include "gateway/status/webhook_verifier.hpp"

namespace gw::status {
namespace {

using adapters::status::SignatureEncoding;
using adapters::status::Verify;
using adapters::status::WebhookVerification;
using namespace std::chrono_literals;

WebhookVerification instacart() {
    WebhookVerification v;
    v.scheme = Verify::hmac_sha256;
    v.secret = "sandbox-webhook-secret";
    v.signature_header = "X-Instacart-Signature";
    v.signature_prefix = "v1=";
    v.timestamp_header = "X-Instacart-Timestamp";
    v.signed_parts = {"{{timestamp}}", ".", "{{body}}"};
    v.tolerance = 300s;
    return v;
}

const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'764'079'200)};
const std::string kBody = R"({"event_id":9007199254740993,"order_id":"GW-1","status":"acknowledged"})";

http::Request signed_request(const WebhookVerification& v, std::int64_t unix_seconds, const std::string& body,
                             const std::string& signature = "") {
    http::Request r;
    r.body = body;
    const auto ts = std::to_string(unix_seconds);
    r.headers.set("X-Instacart-Timestamp", ts);
    r.headers.set("X-Instacart-Signature", signature.empty() ? sign_webhook(v, ts, body) : signature);
    return r;
}

TEST(WebhookVerifier, AValidSignatureWithinTheWindowPasses) {
    const auto v = instacart();
    EXPECT_TRUE(verify_webhook(v, signed_request(v, 1'764'079'200, kBody), kNow).ok());
    EXPECT_TRUE(verify_webhook(v, signed_request(v, 1'764'079'200 - 299, kBody), kNow).ok());
    EXPECT_TRUE(verify_webhook(v, signed_request(v, 1'764'079'200 + 299, kBody), kNow).ok());  // clock skew
}

TEST(WebhookVerifier, TheSignatureIsHmacSha256HexOfTimestampDotBody) {
    // Computed independently: printf '%s' '1764079200.{"a":1}' | openssl dgst -sha256 -hmac sandbox-webhook-secret
    const auto v = instacart();
    EXPECT_EQ(sign_webhook(v, "1764079200", R"({"a":1})"),
              "v1=a1902a93beebe31d2c80b15c73ce05480a605164ff5137cc63932fc81a5fda5c");
}

TEST(WebhookVerifier, ReplayedOldOrFarFutureTimestampsAreRefused) {
    const auto v = instacart();
    auto old = verify_webhook(v, signed_request(v, 1'764'079'200 - 301, kBody), kNow);
    EXPECT_EQ(old.refusal, Refusal::stale_timestamp);
    EXPECT_NE(old.detail.find("301 s before now"), std::string::npos) << old.detail;
    EXPECT_EQ(verify_webhook(v, signed_request(v, 1'764'079'200 + 3600, kBody), kNow).refusal,
              Refusal::stale_timestamp);
}

TEST(WebhookVerifier, ChangedBodiesAndWrongSecretsAreBadSignatures) {
    const auto v = instacart();
    auto request = signed_request(v, 1'764'079'200, kBody);
    request.body = R"({"event_id":9007199254740993,"order_id":"GW-1","status":"delivered"})";
    EXPECT_EQ(verify_webhook(v, request, kNow).refusal, Refusal::bad_signature);
    auto other = v;
    other.secret = "someone-else";
    EXPECT_EQ(verify_webhook(v, signed_request(other, 1'764'079'200, kBody), kNow).refusal, Refusal::bad_signature);
    // The timestamp is signed too: moving it forward to get past the window breaks the signature.
    auto moved = signed_request(v, 1'764'079'200 - 600, kBody);
    moved.headers.set("X-Instacart-Timestamp", "1764079200");
    EXPECT_EQ(verify_webhook(v, moved, kNow).refusal, Refusal::bad_signature);
}

TEST(WebhookVerifier, MissingPiecesAreNamed) {
    const auto v = instacart();
    http::Request none;
    none.body = kBody;
    EXPECT_EQ(verify_webhook(v, none, kNow).refusal, Refusal::missing_timestamp);
    auto no_signature = signed_request(v, 1'764'079'200, kBody);
    no_signature.headers.erase("X-Instacart-Signature");
    auto r = verify_webhook(v, no_signature, kNow);
    EXPECT_EQ(r.refusal, Refusal::missing_signature);
    EXPECT_NE(r.detail.find("X-Instacart-Signature"), std::string::npos);
    auto wrong_prefix = signed_request(v, 1'764'079'200, kBody, "v0=abcd");
    EXPECT_EQ(verify_webhook(v, wrong_prefix, kNow).refusal, Refusal::missing_signature);
    auto garbage_time = signed_request(v, 1'764'079'200, kBody);
    garbage_time.headers.set("X-Instacart-Timestamp", "yesterday");
    EXPECT_EQ(verify_webhook(v, garbage_time, kNow).refusal, Refusal::missing_timestamp);
}

TEST(WebhookVerifier, SeveralSignaturesDuringKeyRotationAndUpperCaseHex) {
    const auto v = instacart();
    const auto good = sign_webhook(v, "1764079200", kBody);
    auto rotated = signed_request(v, 1'764'079'200, kBody, "v1=0000, " + good);
    EXPECT_TRUE(verify_webhook(v, rotated, kNow).ok());
    std::string upper = good;
    for (std::size_t i = 3; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
    EXPECT_TRUE(verify_webhook(v, signed_request(v, 1'764'079'200, kBody, upper), kNow).ok());
}

TEST(WebhookVerifier, Base64BodyOnlySignatures) {
    WebhookVerification v;
    v.secret = "k";
    v.signature_header = "X-Signature";
    v.signature_prefix = "sha256=";
    v.encoding = SignatureEncoding::base64;
    v.signed_parts = {"{{body}}"};
    http::Request r;
    r.body = "hello";
    // printf '%s' hello | openssl dgst -sha256 -hmac k -binary | base64
    r.headers.set("X-Signature", "sha256=" + std::string("QG5LQ/hwlaqGymKZ0l6HWSH++hgPAgQ7spvsVoHAwtA="));
    EXPECT_EQ(sign_webhook(v, "", "hello"), r.headers["X-Signature"]);
    EXPECT_TRUE(verify_webhook(v, r, kNow).ok());
}

TEST(WebhookVerifier, BearerTokens) {
    WebhookVerification v;
    v.scheme = Verify::bearer;
    v.secret = "sandbox-callback-token";
    http::Request r;
    r.headers.set("Authorization", "Bearer sandbox-callback-token");
    EXPECT_TRUE(verify_webhook(v, r, kNow).ok());
    r.headers.set("Authorization", "Bearer sandbox-callback-tokem");
    EXPECT_EQ(verify_webhook(v, r, kNow).refusal, Refusal::bad_signature);
    r.headers.set("Authorization", "Bearer ");
    EXPECT_EQ(verify_webhook(v, r, kNow).refusal, Refusal::bad_signature);
    r.headers.erase("Authorization");
    EXPECT_EQ(verify_webhook(v, r, kNow).refusal, Refusal::missing_signature);
    v.token_header = "X-AP-Token";
    r.headers.set("X-AP-Token", "sandbox-callback-token");
    EXPECT_TRUE(verify_webhook(v, r, kNow).ok());
}

TEST(WebhookVerifier, NoneLetsEverythingThrough) {
    WebhookVerification v;
    v.scheme = Verify::none;
    EXPECT_TRUE(verify_webhook(v, http::Request{}, kNow).ok());
}

}  // namespace
}  // namespace gw::status
