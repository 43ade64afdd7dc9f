// Tokens file: only hashes, roles, strict keys with FILE:LINE:COL; authentication and role rules.
#include <gtest/gtest.h>

#include "gateway/ops/auth.hpp"

namespace gw::ops {
namespace {

std::string tokens_yaml() {
    return "tokens:\n"
           "  - name: alice\n"
           "    sha256: " + sha256_hex("alice-token") + "\n"
           "    roles: [viewer]\n"
           "  - name: bob\n"
           "    sha256: " + sha256_hex("bob-token") + "\n"
           "    roles: [operator, phi-reader]\n"
           "  - name: carol\n"
           "    sha256: " + sha256_hex("carol-token") + "\n"
           "    roles: [phi-reader]\n";
}

TEST(Auth, Sha256IsTheKnownDigest) {
    EXPECT_EQ(sha256_hex("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST(Auth, TokensAuthenticateToTheirNamesAndRoles) {
    auto store = TokenStore::parse(tokens_yaml(), "tokens.yaml");
    ASSERT_TRUE(store) << store.error().to_string();
    EXPECT_EQ(store->size(), 3u);
    auto alice = store->authenticate("alice-token");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->name, "alice");
    EXPECT_TRUE(alice->can_read());
    EXPECT_FALSE(alice->can_act());
    EXPECT_FALSE(alice->can_unmask());
    auto bob = store->authenticate("bob-token");
    ASSERT_TRUE(bob);
    EXPECT_TRUE(bob->can_read());  // operator reads too
    EXPECT_TRUE(bob->can_act());
    EXPECT_TRUE(bob->can_unmask());
    EXPECT_EQ(bob->role_names(), (std::vector<std::string>{"operator", "phi-reader"}));
    // phi-reader alone may not read at all: unmasking is an addition to reading, not a way in.
    auto carol = store->authenticate("carol-token");
    ASSERT_TRUE(carol);
    EXPECT_FALSE(carol->can_read());
    EXPECT_FALSE(carol->can_unmask());

    EXPECT_FALSE(store->authenticate(""));
    EXPECT_FALSE(store->authenticate("alice-token "));
    // The stored hash itself is not a token.
    EXPECT_FALSE(store->authenticate(sha256_hex("alice-token")));
}

TEST(Auth, EmptyStoreRefusesEveryone) {
    TokenStore none;
    EXPECT_FALSE(none.authenticate("anything"));
}

TEST(Auth, FileProblemsAreReportedWithTheirPosition) {
    const std::string yaml = "tokens:\n"
                             "  - name: a\n"
                             "    sha256: not-a-hash\n"
                             "    roles: [viewer]\n"
                             "  - name: a\n"
                             "    sha256: " + sha256_hex("x") + "\n"
                             "    roles: [admin]\n"
                             "  - name: c\n"
                             "    token: plaintext\n"
                             "    sha256: " + sha256_hex("x") + "\n"
                             "    roles: [viewer]\n";
    auto store = TokenStore::parse(yaml, "tokens.yaml");
    ASSERT_FALSE(store);
    const auto text = store.error().to_string();
    EXPECT_NE(text.find("tokens.yaml:3:"), std::string::npos) << text;  // the bad hash
    EXPECT_NE(text.find("sha256 must be 64 hex digits"), std::string::npos) << text;
    EXPECT_NE(text.find("unknown role 'admin'"), std::string::npos) << text;
    EXPECT_NE(text.find("used twice"), std::string::npos) << text;
    EXPECT_NE(text.find("'token'"), std::string::npos) << text;  // unknown key: plaintext tokens are refused
    EXPECT_NE(text.find("same token"), std::string::npos) << text;
}

TEST(Auth, MissingFileIsAnError) {
    auto store = TokenStore::load("/nonexistent/tokens.yaml");
    ASSERT_FALSE(store);
}

TEST(Auth, BearerHeaderParsing) {
    EXPECT_EQ(bearer_token("Bearer abc"), "abc");
    EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
    EXPECT_EQ(bearer_token("BEARER abc"), "abc");
    EXPECT_FALSE(bearer_token("Basic YWxhZGRpbjpvcGVuc2VzYW1l"));
    EXPECT_FALSE(bearer_token("Bearer"));
    EXPECT_FALSE(bearer_token("Bearer "));
    EXPECT_FALSE(bearer_token("Bearerabc"));
}

}  // namespace
}  // namespace gw::ops
