#include "adapters/registry.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "adapters/http/adapter_yaml.hpp"
#include "adapters/http/http_adapter.hpp"
#include "adapters/mllp/mllp_out_kind.hpp"
#include "gateway/config/yaml_reader.hpp"

namespace gw::adapters {
namespace {

namespace fs = std::filesystem;

// One entry per adapter kind. `check` reads and checks the folder; `create` also builds the network objects.
struct Kind {
    std::string_view name;
    std::vector<Error> (*check)(const VendorSettings&);
    AdapterLoad (*create)(boost::asio::io_context&, const VendorSettings&);
};

std::vector<Error> check_http(const VendorSettings& settings) { return http::read_adapter_yaml(settings).errors; }

AdapterLoad create_http(boost::asio::io_context& io, const VendorSettings& settings) {
    AdapterLoad out;
    auto loaded = http::read_adapter_yaml(settings);
    if (!loaded.config) {
        out.errors = std::move(loaded.errors);
        return out;
    }
    auto adapter = http::make_http_adapter(io, settings, std::move(loaded.config));
    if (!adapter) {
        auto e = std::move(adapter).error();
        e.message = fmt::format("vendor {}: {}", settings.name, e.message);
        out.errors.push_back(std::move(e));
        return out;
    }
    out.adapter = std::move(adapter).value();
    return out;
}

// THE list of adapter kinds.
constexpr Kind kKinds[] = {
    {"http_json", &check_http, &create_http},
    {"http_xml", &check_http, &create_http},
    {"mllp_out", &mllp::check_mllp_out, &mllp::create_mllp_out},
};

// Reads only `kind:` of adapter.yaml, to pick the kind; the kind's own reader checks everything else.
const Kind* find_kind(const VendorSettings& settings, std::vector<Error>& errors) {
    const auto file = (fs::path(settings.folder) / "adapter.yaml").string();
    config::Diagnostics diag(file);
    auto root = config::load_yaml_file(file, diag);
    if (!root) {
        errors = diag.sorted();
        return nullptr;
    }
    const YAML::Node kind = root->IsMap() ? (*root)["kind"] : YAML::Node();
    if (!kind || !kind.IsScalar()) {
        diag.add(kind ? kind.Mark() : root->Mark(), ErrorCode::missing_required, "missing required key 'kind'",
                 "kind: http_json (or http_xml)");
        errors = diag.sorted();
        return nullptr;
    }
    for (const auto& k : kKinds)
        if (k.name == kind.Scalar()) return &k;
    std::vector<std::string> names;
    for (const auto& k : kKinds) names.emplace_back(k.name);
    auto hint = config::did_you_mean(kind.Scalar(), names);
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    diag.add(kind.Mark(), ErrorCode::invalid_value, fmt::format("unknown adapter kind '{}'", kind.Scalar()),
             hint.empty() ? "kinds: " + known : hint);
    errors = diag.sorted();
    return nullptr;
}

}  // namespace

AdapterLoad create_adapter(boost::asio::io_context& io, const VendorSettings& settings) {
    AdapterLoad out;
    const Kind* kind = find_kind(settings, out.errors);
    if (!kind) return out;
    return kind->create(io, settings);
}

std::vector<Error> check_adapter_folder(const VendorSettings& settings) {
    std::vector<Error> errors;
    const Kind* kind = find_kind(settings, errors);
    if (!kind) return errors;
    return kind->check(settings);
}

AdapterLoad create_adapter_of_kind(boost::asio::io_context& io, std::string_view kind, const VendorSettings& settings) {
    for (const auto& k : kKinds)
        if (k.name == kind) return k.create(io, settings);
    AdapterLoad out;
    out.errors.push_back(make_error(ErrorCode::not_found, fmt::format("unknown adapter kind '{}'", kind)));
    return out;
}

std::vector<std::string_view> adapter_kinds() {
    std::vector<std::string_view> out;
    for (const auto& k : kKinds) out.push_back(k.name);
    return out;
}

}  // namespace gw::adapters
