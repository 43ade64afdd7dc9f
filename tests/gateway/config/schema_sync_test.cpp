// Keeps config/schema/gateway.schema.json (what editors check) and the C++ loader (what the gateway accepts) in step:
// a document with every property the schema declares must load without an "unknown key" error.
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "gateway/config/gateway_config.hpp"

namespace gw::config {
namespace {

namespace json = boost::json;

const json::object& resolve(const json::object& root, const json::object& node) {
    if (auto ref = node.if_contains("$ref")) {
        std::string path(ref->as_string());
        const auto name = path.substr(path.rfind('/') + 1);
        return root.at("$defs").as_object().at(name).as_object();
    }
    return node;
}

std::string example_scalar(const json::object& node) {
    if (auto ex = node.if_contains("examples"); ex && !ex->as_array().empty()) {
        const auto& v = ex->as_array()[0];
        if (v.is_string()) return std::string(v.as_string());
        if (v.is_bool()) return v.as_bool() ? "true" : "false";
        if (v.is_array()) {
            std::string out = "[";
            for (const auto& item : v.as_array()) out += (out.size() > 1 ? ", " : "") + std::string(item.as_string());
            return out + "]";
        }
        return json::serialize(v);
    }
    if (auto d = node.if_contains("default")) return d->is_string() ? std::string(d->as_string()) : json::serialize(*d);
    return "x";
}

void emit(const json::object& root, const json::object& raw, const std::string& indent, std::string& out,
          std::vector<std::string>& skipped) {
    const auto& node = resolve(root, raw);
    for (const auto& [key, value] : node.at("properties").as_object()) {
        const std::string k(key);
        const auto& prop = resolve(root, value.as_object());
        // Alternatives that cannot appear together (secret and secret_file) are covered by the loader's own tests.
        if (k == "dsn_file" || k == "dsn") {
            skipped.push_back(k);
            continue;
        }
        if (auto named = prop.if_contains("additionalProperties");
            named && named->is_object() && named->as_object().contains("properties")) {
            // A map of user-chosen names (vendors): one entry named by x-example-name.
            const auto name = prop.contains("x-example-name") ? std::string(prop.at("x-example-name").as_string())
                                                              : std::string("example");
            out += indent + k + ":\n" + indent + "  " + name + ":\n";
            emit(root, named->as_object(), indent + "    ", out, skipped);
        } else if (prop.contains("properties")) {
            out += indent + k + ":\n";
            emit(root, prop, indent + "  ", out, skipped);
        } else if (prop.if_contains("type") && prop.at("type") == "array" && prop.at("items").as_object().contains("properties")) {
            out += indent + k + ":\n" + indent + "  - ";
            std::string item;
            emit(root, prop.at("items").as_object(), indent + "    ", item, skipped);
            out += item.substr(indent.size() + 4);
        } else {
            // A property's own examples win over those of the $ref it points to (lease 2m next to a 60s timeout).
            const auto& own = value.as_object();
            out += indent + k + ": " + example_scalar(own.contains("examples") ? own : prop) + "\n";
        }
    }
}

TEST(ConfigSchema, EveryDeclaredPropertyIsKnownToTheLoader) {
    std::ifstream in("config/schema/gateway.schema.json");
    ASSERT_TRUE(in) << "run from the repository root";
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    auto schema = json::parse(ss.str(), ec);
    ASSERT_FALSE(ec) << ec.message();
    std::string yaml;
    std::vector<std::string> skipped;
    emit(schema.as_object(), schema.as_object(), "", yaml, skipped);
    LoadOptions options;
    options.check_files = false;
    auto r = load_gateway_config_text(yaml, "from-schema.yaml", options);
    std::string errors;
    for (const auto& e : r.errors) errors += e.to_string() + "\n";
    EXPECT_TRUE(r.errors.empty()) << errors << "document:\n" << yaml;
    EXPECT_NE(yaml.find("mask_personal_data"), std::string::npos);
}

}  // namespace
}  // namespace gw::config
