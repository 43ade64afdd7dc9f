// `gateway serve --config FILE`: load and validate the config, start every component, run until SIGTERM/SIGINT.
#include <iostream>

#include "gateway/app/gateway_app.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/log/log.hpp"
#include "gateway/runtime/runtime.hpp"

namespace gw::cli {
namespace {

int serve(const std::string& path) {
    auto loaded = config::load_gateway_config(path);
    for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
    if (!loaded.config) return 2;
    auto config = std::move(*loaded.config);

    log::Options log_options;
    log_options.level = log::parse_level(config.logging.level).value_or(log::Level::info);
    log_options.json = config.logging.format == "json";
    log_options.mask_personal_data = config.logging.mask_personal_data;
    log::init(log_options);

    runtime::Runtime rt(config.gateway.threads, config.gateway.shutdown_grace);
    auto app = app::GatewayApp::create(rt.io(), std::move(config));
    if (!app) {
        log::error("gateway.start_failed", {{"error", app.error().to_string()}});
        std::cerr << app.error().to_string() << "\n";
        return 1;
    }
    if (auto started = (*app)->start(); !started) {
        log::error("gateway.start_failed", {{"error", started.error().to_string()}});
        std::cerr << started.error().to_string() << "\n";
        return 1;
    }
    rt.on_shutdown([&app] { (*app)->stop(); });
    rt.on_reload([] { log::info("gateway.reload_requested", {{"status", "config reload is not implemented yet"}}); });
    log::info("gateway.started", {{"config", path}});
    return rt.run();
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("serve", "Run the gateway: MLLP and HTTP listeners, store, delivery");
    auto config = std::make_shared<std::string>();
    cmd->add_option("--config,-c", *config, "Path to gateway.yaml")->required();
    cmd->callback([config] { set_exit_code(serve(*config)); });
}

}  // namespace gw::cli
