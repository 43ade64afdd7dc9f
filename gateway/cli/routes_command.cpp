// `gateway routes --config FILE [--at DATE]`: the effective route table on one Europe/Oslo day — which vendor an
// order arriving that day is stored with, per municipality (and district), the contract in force, the next
// switch-over and the shadow vendor. Run it with the day before and the day of a switch-over to see the switch.
// Problems of the route table itself (overlaps, gaps) are printed after it, and make the exit code 1.
#include <iostream>

#include "gateway/cli/commands.hpp"
#include "gateway/cli/oslo_day_option.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/routing/route_check.hpp"
#include "gateway/routing/route_table.hpp"

namespace gw::cli {

void add_routes_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("routes", "Print the effective route table on a day (who gets an order that day)");
    auto config = std::make_shared<std::string>();
    auto at = std::make_shared<std::string>();
    cmd->add_option("--config,-c", *config, "Path to gateway.yaml")->required();
    cmd->add_option("--at", *at, "The day: YYYY-MM-DD (Europe/Oslo) or an RFC 3339 instant; default: today in Oslo");
    cmd->callback([config, at] {
        auto day = oslo_day(*at);
        if (!day) {
            std::cerr << day.error().to_string() << "\n";
            set_exit_code(2);
            return;
        }
        // Only the routes matter here: files the config names (TLS, vendor folders) need not exist on this machine.
        config::LoadOptions options;
        options.check_files = false;
        auto loaded = config::load_gateway_config(*config, options);
        if (!loaded.config) {
            for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
            set_exit_code(1);
            return;
        }
        std::cout << "Routes on " << *day << " (Europe/Oslo) in " << *config << ":\n"
                  << routing::format_route_table(routing::effective_routes(loaded.config->routes, *day));
        // Capabilities need the vendor folders (gateway check); the table's own shape is checked here.
        auto check = routing::check_routes(loaded.config->routes, {}, *day);
        for (const auto& w : check.warnings) std::cerr << routing::warning_text(w) << "\n";
        for (const auto& e : check.errors) std::cerr << e.to_string() << "\n";
        set_exit_code(check.errors.empty() ? 0 : 1);
    });
}

}  // namespace gw::cli
