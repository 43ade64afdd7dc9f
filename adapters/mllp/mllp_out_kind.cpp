#include "adapters/mllp/mllp_out_kind.hpp"

#include <filesystem>

#include "adapters/mllp/mllp_out_adapter.hpp"
#include "adapters/mllp/mllp_out_options.hpp"
#include "gateway/config/yaml_reader.hpp"

namespace gw::adapters::mllp {
namespace {

// A folder's adapter.yaml (if any) names the kind and nothing that would be ignored.
std::vector<Error> check_folder(const VendorSettings& settings) {
    if (settings.folder.empty()) return {};
    const auto file = (std::filesystem::path(settings.folder) / "adapter.yaml").string();
    config::Diagnostics diag(file);
    auto root = config::load_yaml_file(file, diag);
    if (!root) return diag.sorted();
    config::ReadContext ctx{&diag, config::process_env(), settings.folder};
    {
        config::ObjectReader r(ctx, *root, "");
        if (r.valid()) {
            r.string("adapter");
            r.string("kind", true);
            r.string("description");
            r.finish();
        }
    }
    return diag.sorted();
}

}  // namespace

std::vector<Error> check_mllp_out(const VendorSettings& settings) {
    auto errors = check_folder(settings);
    if (auto options = mllp_out_options(settings); !options) errors.push_back(std::move(options).error());
    return errors;
}

AdapterLoad create_mllp_out(boost::asio::io_context& io, const VendorSettings& settings) {
    AdapterLoad out;
    out.errors = check_folder(settings);
    if (!out.errors.empty()) return out;
    auto options = mllp_out_options(settings);
    if (!options) {
        out.errors.push_back(std::move(options).error());
        return out;
    }
    auto adapter = make_mllp_out_adapter(io, std::move(options).value());
    if (!adapter) {
        out.errors.push_back(std::move(adapter).error());
        return out;
    }
    out.adapter = std::move(adapter).value();
    return out;
}

}  // namespace gw::adapters::mllp
