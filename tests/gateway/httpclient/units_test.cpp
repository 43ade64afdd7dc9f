// Pure functions of the HTTP client: URL handling, proxy settings, content decoding, failure classification.

#include <gtest/gtest.h>

#include "gateway/httpclient/content_decoding.hpp"
#include "gateway/httpclient/failure.hpp"
#include "gateway/httpclient/origin.hpp"

namespace gw::httpclient {
namespace {

TEST(Origin, ParsesTargets) {
    auto t = parse_target("https://Api.Example.no/v1/orders?x=1#frag");
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->origin.tls);
    EXPECT_EQ(t->origin.port, 443);
    EXPECT_EQ(t->origin.authority(), "Api.Example.no");
    EXPECT_EQ(t->path_and_query, "/v1/orders?x=1");
    EXPECT_EQ(t->url, "https://Api.Example.no/v1/orders?x=1");

    auto v6 = parse_target("http://[::1]:8080");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->origin.host, "::1");
    EXPECT_TRUE(v6->origin.host_is_ip());
    EXPECT_EQ(v6->origin.authority(), "[::1]:8080");
    EXPECT_EQ(v6->path_and_query, "/");
    EXPECT_EQ(v6->origin.key(), "http://[::1]:8080");
}

TEST(Origin, ProxySettings) {
    auto none = parse_proxy("");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    auto proxy = parse_proxy("http://user:secret@proxy.kommune.no:3128");
    ASSERT_TRUE(proxy);
    EXPECT_EQ((*proxy)->origin.host, "proxy.kommune.no");
    EXPECT_EQ((*proxy)->origin.port, 3128);
    EXPECT_EQ((*proxy)->authorization, "Basic dXNlcjpzZWNyZXQ=");
    EXPECT_FALSE(parse_proxy("https://proxy:3128"));
    EXPECT_TRUE(bypasses_proxy({".kommune.no"}, "intern.kommune.no"));
    EXPECT_TRUE(bypasses_proxy({"localhost"}, "localhost"));
    EXPECT_FALSE(bypasses_proxy({".kommune.no"}, "oda.com"));
}

TEST(Origin, ResolvesLocations) {
    auto abs = resolve_location("http://a.no/x/y?q", "../z");
    ASSERT_TRUE(abs);
    EXPECT_EQ(*abs, "http://a.no/z");
    auto other = resolve_location("http://a.no/x", "https://b.no/");
    ASSERT_TRUE(other);
    EXPECT_EQ(*other, "https://b.no/");
}

TEST(ContentDecoding, GzipRoundTripAndLimits) {
    std::string text(100'000, 'a');
    auto packed = gzip_compress(text);
    EXPECT_LT(packed.size(), 1000u);
    auto decoded = decode_content("gzip", packed, 1'000'000);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, text);
    auto limited = decode_content("gzip", packed, 50'000);
    ASSERT_FALSE(limited);
    EXPECT_EQ(failure_kind(limited.error()), FailureKind::too_large);
    auto corrupt = decode_content("gzip", "definitely not gzip", 1000);
    ASSERT_FALSE(corrupt);
    EXPECT_EQ(failure_kind(corrupt.error()), FailureKind::protocol_error);
    auto truncated = decode_content("gzip", packed.substr(0, packed.size() / 2), 1'000'000);
    EXPECT_FALSE(truncated);
    auto identity = decode_content("identity", "plain", 10);
    ASSERT_TRUE(identity);
    EXPECT_EQ(*identity, "plain");
}

TEST(Failure, KindRoundTripsThroughError) {
    auto error = make_failure(FailureKind::connection_reset, "peer closed", "http://x/");
    EXPECT_EQ(error.code, ErrorCode::io_error);
    EXPECT_EQ(failure_kind(error), FailureKind::connection_reset);
    EXPECT_EQ(error.to_string(), "error: connection_reset: peer closed at http://x/");
    EXPECT_FALSE(failure_kind(make_error(ErrorCode::io_error, "timeout: not ours")));
}

}  // namespace
}  // namespace gw::httpclient
