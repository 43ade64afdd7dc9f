#include "gateway/config/yaml_reader.hpp"

#include <gtest/gtest.h>

namespace gw::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
    return [vars](const std::string& n) -> std::optional<std::string> {
        auto it = vars.find(n);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

TEST(ExpandEnv, Substitutes) {
    auto env = fake_env({{"A", "1"}, {"EMPTY", ""}});
    EXPECT_EQ(expand_env("x${A}y", env).value, "x1y");
    EXPECT_EQ(expand_env("${B:-dflt}", env).value, "dflt");
    EXPECT_EQ(expand_env("${EMPTY:-dflt}", env).value, "dflt");  // like the shell's :-, empty counts as unset
    EXPECT_EQ(expand_env("${EMPTY}", env).value, "");
    EXPECT_EQ(expand_env("no vars", env).value, "no vars");
    EXPECT_EQ(expand_env("$${A}", env).value, "${A}");
    EXPECT_EQ(expand_env("${B:-}", env).value, "");
}

TEST(ExpandEnv, Errors) {
    auto env = fake_env({});
    EXPECT_TRUE(expand_env("${B}", env).error);
    EXPECT_TRUE(expand_env("${B", env).error);
    EXPECT_TRUE(expand_env("${has space}", env).error);
}

TEST(DidYouMean, FindsCloseCandidates) {
    EXPECT_EQ(did_you_mean("prot", {"port", "host"}), "did you mean 'port'?");
    EXPECT_EQ(did_you_mean("xyzzy", {"port", "host"}), "");
}

}  // namespace
}  // namespace gw::config
