// `gateway check --config FILE`: validates the config and everything it names; prints FILE:LINE:COL: error: lines.
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/config/gateway_config.hpp"

namespace gw::cli {

void add_check_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("check", "Validate a config file and every file it names; exit 0 when valid");
    auto config = std::make_shared<std::string>();
    cmd->add_option("--config,-c", *config, "Path to gateway.yaml")->required();
    cmd->callback([config] {
        auto result = config::load_gateway_config(*config);
        for (const auto& e : result.errors) std::cerr << e.to_string() << "\n";
        if (!result.errors.empty()) {
            std::cerr << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors") << " in "
                      << *config << "\n";
            set_exit_code(1);
            return;
        }
        std::cout << *config << ": ok\n";
        set_exit_code(0);
    });
}

}  // namespace gw::cli
