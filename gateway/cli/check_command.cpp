// `gateway check --config FILE`: validates the config and everything it names — each MLLP channel's inbound
// mapping and each vendor folder (adapter.yaml and its mappings) — and prints every problem as
// FILE:LINE:COL: error: ... lines. Exit 0 when valid, 1 otherwise.
#include <iostream>

#include "adapters/registry.hpp"
#include "gateway/app/vendor_settings.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/mapping/mapping.hpp"

namespace gw::cli {

void add_check_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("check", "Validate a config file and every file it names; exit 0 when valid");
    auto config = std::make_shared<std::string>();
    cmd->add_option("--config,-c", *config, "Path to gateway.yaml")->required();
    cmd->callback([config] {
        auto result = config::load_gateway_config(*config);
        auto errors = result.errors;
        if (result.config) {
            for (const auto& section : result.config->mllp) {
                auto loaded = mapping::load_mapping(section.mapping);
                errors.insert(errors.end(), loaded.errors.begin(), loaded.errors.end());
            }
            for (const auto& vendor : result.config->vendors) {
                auto found = adapters::check_adapter_folder(app::vendor_settings(vendor));
                errors.insert(errors.end(), found.begin(), found.end());
            }
        }
        for (const auto& e : errors) std::cerr << e.to_string() << "\n";
        if (!errors.empty()) {
            std::cerr << errors.size() << (errors.size() == 1 ? " error" : " errors") << " in " << *config
                      << " and the files it names\n";
            set_exit_code(1);
            return;
        }
        std::cout << *config << ": ok\n";
        set_exit_code(0);
    });
}

}  // namespace gw::cli
