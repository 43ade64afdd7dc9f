// `gateway check --config FILE`: validates the config and everything it names — each MLLP channel's inbound
// mapping, each vendor folder (adapter.yaml and its mappings), and the route table against the vendors'
// capabilities (gateway/routing/route_check.hpp) — exactly as a start or a reload would, and prints every problem
// as FILE:LINE:COL: error: ... lines (warnings as FILE:LINE:COL: warning: ..., which do not fail the check).
// Exit 0 when valid, 1 otherwise.
#include <algorithm>
#include <iostream>

#include <boost/asio/io_context.hpp>

#include "gateway/app/runtime_config.hpp"
#include "gateway/app/status_wiring.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/oslo_day_option.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/ops/auth.hpp"
#include "gateway/routing/route_check.hpp"

namespace gw::cli {

void add_check_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("check", "Validate a config file and every file it names; exit 0 when valid");
    auto config = std::make_shared<std::string>();
    auto at = std::make_shared<std::string>();
    cmd->add_option("--config,-c", *config, "Path to gateway.yaml")->required();
    cmd->add_option("--at", *at,
                    "Check the routes from this day on (YYYY-MM-DD or an RFC 3339 instant; default: today in Oslo)");
    cmd->callback([config, at] {
        auto day = oslo_day(*at);
        if (!day) {
            std::cerr << day.error().to_string() << "\n";
            set_exit_code(2);
            return;
        }
        auto result = config::load_gateway_config(*config);
        auto errors = result.errors;
        std::vector<Error> warnings;
        if (result.config) {
            // Status in (webhook secrets) and out (report mappings), as a start would check them.
            auto status_errors = app::check_status(*result.config);
            // The admin API's tokens file, read as the gateway reads it at start (FILE:LINE:COL per problem).
            if (!result.config->admin.tokens_file.empty()) {
                if (auto tokens = ops::TokenStore::load(result.config->admin.tokens_file); !tokens) {
                    errors.push_back(tokens.error());
                }
            }
            // The same build a start or a reload runs; adapters are created with idle clients and nothing is sent.
            boost::asio::io_context io;
            auto built = app::build_runtime_config(io, std::move(*result.config), {1, *day, nullptr});
            errors.insert(errors.end(), built.errors.begin(), built.errors.end());
            for (auto& e : status_errors) {  // the folder check above already reported a broken status_in
                const auto text = e.to_string();
                const bool seen = std::any_of(errors.begin(), errors.end(),
                                              [&](const Error& other) { return other.to_string() == text; });
                if (!seen) errors.push_back(std::move(e));
            }
            warnings = std::move(built.warnings);
        }
        for (const auto& w : warnings) std::cerr << routing::warning_text(w) << "\n";
        for (const auto& e : errors) std::cerr << e.to_string() << "\n";
        if (!errors.empty()) {
            std::cerr << errors.size() << (errors.size() == 1 ? " error" : " errors") << " in " << *config
                      << " and the files it names\n";
            set_exit_code(1);
            return;
        }
        std::cout << *config << ": ok";
        if (!warnings.empty()) std::cout << " (" << warnings.size() << (warnings.size() == 1 ? " warning)" : " warnings)");
        std::cout << "\n";
        set_exit_code(0);
    });
}

}  // namespace gw::cli
