#include "gateway/config/gateway_config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace gw::config {
namespace {

LoadResult load(std::string_view yaml) {
    LoadOptions options;
    options.check_files = false;
    return load_gateway_config_text(yaml, "cfg.yaml", options);
}

std::vector<std::string> messages(const LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.errors) out.push_back(e.to_string());
    return out;
}

std::string joined(const LoadResult& r) {
    std::string out;
    for (const auto& m : messages(r)) out += m + "\n";
    return out;
}

TEST(GatewayConfig, EmptyDocumentGivesDefaults) {
    auto r = load("{}");
    ASSERT_TRUE(r.config) << joined(r);
    EXPECT_EQ(r.config->http.port, 8080);
    EXPECT_EQ(r.config->store.kind, "sqlite");
    EXPECT_TRUE(r.config->logging.mask_personal_data);
    EXPECT_TRUE(r.config->mllp.empty());
}

TEST(GatewayConfig, ShippedConfigIsValid) {
    auto r = load_gateway_config("config/gateway.yaml");
    ASSERT_TRUE(r.config) << joined(r);
    ASSERT_FALSE(r.config->mllp.empty());
    EXPECT_EQ(r.config->mllp[0].port, 2575);
    EXPECT_EQ(r.config->http.port, 8080);
}

TEST(GatewayConfig, ReadsTypedValues) {
    auto r = load(R"(
gateway: {threads: 4, shutdown_grace: 1500ms}
http: {port: 9090, max_body_bytes: 2MiB, header_timeout: 5s, idle_timeout: 2m}
mllp:
  - name: care
    port: 0
    max_message_bytes: 512KiB
    accept: {versions: ["2.5"], message_types: [OMS^O05]}
)");
    ASSERT_TRUE(r.config) << joined(r);
    EXPECT_EQ(r.config->gateway.threads, 4);
    EXPECT_EQ(r.config->gateway.shutdown_grace.count(), 1500);
    EXPECT_EQ(r.config->http.max_body_bytes, 2u << 20);
    EXPECT_EQ(r.config->http.header_timeout.count(), 5000);
    EXPECT_EQ(r.config->http.idle_timeout.count(), 120'000);
    ASSERT_EQ(r.config->mllp.size(), 1u);
    EXPECT_EQ(r.config->mllp[0].max_message_bytes, 512u * 1024);
    EXPECT_EQ(r.config->mllp[0].versions, std::vector<std::string>{"2.5"});
}

TEST(GatewayConfig, EnvironmentSubstitution) {
    ::setenv("GW_TEST_PORT", "7001", 1);
    ::unsetenv("GW_TEST_UNSET");
    auto r = load("http:\n  port: ${GW_TEST_PORT}\n  host: ${GW_TEST_UNSET:-127.0.0.1}\n");
    ASSERT_TRUE(r.config) << joined(r);
    EXPECT_EQ(r.config->http.port, 7001);
    EXPECT_EQ(r.config->http.host, "127.0.0.1");
}

TEST(GatewayConfig, LiteralDollarBraceEscape) {
    auto r = load("gateway: {instance_id: \"a$${b}\"}\n");
    ASSERT_TRUE(r.config) << joined(r);
    EXPECT_EQ(r.config->gateway.instance_id, "a${b}");
}

TEST(GatewayConfig, SecretFromFile) {
    const auto dir = std::filesystem::temp_directory_path() / "gw-config-secret";
    std::filesystem::create_directories(dir);
    const auto secret = dir / "dsn";
    std::ofstream(secret) << "postgresql://gw:s3cret@127.0.0.1/gw\n";
    auto r = load("store: {kind: postgres, dsn_file: " + secret.string() + "}\n");
    ASSERT_TRUE(r.config) << joined(r);
    EXPECT_EQ(r.config->store.dsn, "postgresql://gw:s3cret@127.0.0.1/gw");
}

// --- broken configs: each must give an exact FILE:LINE:COL error -------------------------------------------------

struct Broken {
    const char* name;
    const char* yaml;
    const char* expected;  // substring of one error line
};

class BrokenConfig : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenConfig, ReportsFileLineColumn) {
    ::unsetenv("GW_TEST_MISSING");
    auto r = load(GetParam().yaml);
    EXPECT_FALSE(r.config);
    const auto all = joined(r);
    EXPECT_NE(all.find(GetParam().expected), std::string::npos) << "got:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(
    All, BrokenConfig,
    ::testing::Values(
        Broken{"MalformedYaml", "http:\n  port: [1, 2\n", "cfg.yaml:3:1: error: invalid YAML"},
        Broken{"UnknownTopLevelKey", "htp:\n  port: 1\n",
               "cfg.yaml:1:1: error: unknown key 'htp' in 'document' (hint: did you mean 'http'?)"},
        Broken{"UnknownNestedKey", "http:\n  prot: 80\n",
               "cfg.yaml:2:3: error: unknown key 'prot' in 'http' (hint: did you mean 'port'?)"},
        Broken{"WrongTypeInteger", "http:\n  port: eighty\n",
               "cfg.yaml:2:9: error: 'http.port' must be an integer, found 'eighty'"},
        Broken{"PortOutOfRange", "http:\n  port: 70000\n",
               "cfg.yaml:2:9: error: 'http.port' must be between 0 and 65535, found 70000"},
        Broken{"WrongTypeBool", "logging:\n  mask_personal_data: maybe\n",
               "cfg.yaml:2:23: error: 'logging.mask_personal_data' must be true or false"},
        Broken{"BadEnum", "logging:\n  level: verbose\n",
               "cfg.yaml:2:10: error: 'logging.level' must be one of trace, debug, info, warn, error, off"},
        Broken{"BadDuration", "gateway:\n  shutdown_grace: soon\n",
               "cfg.yaml:2:19: error: 'gateway.shutdown_grace' must be a duration"},
        Broken{"BadSize", "http:\n  max_body_bytes: 1 megabyte\n",
               "cfg.yaml:2:19: error: 'http.max_body_bytes' must be a size"},
        Broken{"MissingEnvWithoutDefault", "http:\n  host: ${GW_TEST_MISSING}\n",
               "cfg.yaml:2:9: error: 'http.host': environment variable 'GW_TEST_MISSING' is not set and has no default"},
        Broken{"SectionNotAMapping", "http: 8080\n", "cfg.yaml:1:7: error: 'http' must be a mapping, found a scalar"},
        Broken{"ListExpected", "mllp:\n  port: 2575\n", "cfg.yaml:2:3: error: 'mllp' must be a list, found a mapping"},
        Broken{"MissingRequiredTlsFiles", "http:\n  tls:\n    enabled: true\n",
               "cfg.yaml:3:5: error: missing required key 'http.tls.cert_file'"},
        Broken{"MtlsNeedsCa", "http:\n  tls: {enabled: true, cert_file: a, key_file: b, require_client_cert: true}\n",
               "missing required key 'http.tls.ca_file'"},
        Broken{"UnreadableSecretFile", "store:\n  kind: postgres\n  dsn_file: /nonexistent/secret\n",
               "cfg.yaml:3:13: error: 'store.dsn_file': cannot read secret file '/nonexistent/secret'"},
        Broken{"MissingSecret", "store:\n  kind: postgres\n", "missing required secret 'store.dsn' (or 'dsn_file')"},
        Broken{"BothSecretForms", "store:\n  kind: postgres\n  dsn: x\n  dsn_file: y\n",
               "cfg.yaml:4:13: error: give either 'dsn' or 'dsn_file', not both"},
        Broken{"DuplicateKey", "http:\n  port: 1\n  port: 2\n", "cfg.yaml:3:3: error: duplicate key 'port'"},
        Broken{"DuplicateListenerName", "mllp:\n  - {name: a, port: 1}\n  - {name: a, port: 2}\n",
               "error: MLLP listener name 'a' is used twice"},
        Broken{"UnterminatedEnv", "http:\n  host: ${OOPS\n", "unterminated '${'"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(GatewayConfig, AllErrorsReportedAtOnceInOrder) {
    auto r = load("htp: 1\nhttp:\n  port: x\nlogging:\n  level: loud\n  colour: red\n");
    ASSERT_EQ(r.errors.size(), 4u) << joined(r);
    EXPECT_EQ(r.errors[0].where.line, 1);
    EXPECT_EQ(r.errors[1].where.line, 3);
    EXPECT_EQ(r.errors[2].where.line, 5);
    EXPECT_EQ(r.errors[3].where.line, 6);
}

TEST(GatewayConfig, MissingFileIsAnError) {
    auto r = load_gateway_config("/nonexistent/gateway.yaml");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].to_string(), "/nonexistent/gateway.yaml:1:1: error: cannot read '/nonexistent/gateway.yaml'");
}

TEST(GatewayConfig, TlsFilesMustExistWhenChecked) {
    auto r = load_gateway_config_text("http:\n  tls: {enabled: true, cert_file: /nope.pem, key_file: /nope.key}\n",
                                      "cfg.yaml");
    EXPECT_FALSE(r.config);
    EXPECT_NE(joined(r).find("file '/nope.pem' does not exist"), std::string::npos) << joined(r);
}

}  // namespace
}  // namespace gw::config
