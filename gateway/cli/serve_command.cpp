// `gateway serve --config FILE`: load and validate the config, start every component, run until SIGTERM/SIGINT.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include <fmt/format.h>

#include "gateway/app/gateway_app.hpp"
#include "gateway/app/reload_trigger.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/log/log.hpp"
#include "gateway/runtime/runtime.hpp"

namespace gw::cli {
namespace {

// Written once every listener is bound, so tests and supervisors that start the gateway on ports 0 learn where it
// listens without parsing logs: {"pid":N,"http":PORT,"mllp":{"NAME":PORT,...}}. Written to a temporary name and
// renamed, so a reader never sees half a file.
void write_ready_file(const std::string& file, const app::GatewayApp& app) {
    std::string mllp;
    for (std::size_t i = 0; i < app.config().mllp.size(); ++i) {
        mllp += fmt::format("{}\"{}\":{}", i ? "," : "", app.config().mllp[i].name, app.mllp_port(i));
    }
    const auto tmp = file + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << fmt::format("{{\"pid\":{},\"http\":{},\"mllp\":{{{}}}}}\n", ::getpid(), app.http_port(), mllp);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) log::warn("gateway.ready_file_failed", {{"file", file}, {"error", ec.message()}});
}

int serve(const std::string& path, const std::string& ready_file) {
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
    if (!ready_file.empty()) write_ready_file(ready_file, **app);
    rt.on_shutdown([&app] { (*app)->stop(); });
    // SIGHUP: reload the config file off the io threads; a refused reload leaves the running config in force.
    app::ReloadTrigger reloads([&app] { (*app)->reload(); });
    rt.on_reload([&reloads] {
        log::info("gateway.reload_requested", {{"by", "SIGHUP"}});
        reloads.request();
    });
    log::info("gateway.started", {{"config", path}});
    return rt.run();
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("serve", "Run the gateway: MLLP and HTTP listeners, store, delivery");
    auto config = std::make_shared<std::string>();
    auto ready_file = std::make_shared<std::string>();
    cmd->add_option("--config,-c", *config, "Path to gateway.yaml")->required();
    cmd->add_option("--ready-file", *ready_file,
                    "Once listening, write {\"pid\",\"http\",\"mllp\":{NAME:PORT}} here (for ports 0)");
    cmd->callback([config, ready_file] { set_exit_code(serve(*config, *ready_file)); });
}

}  // namespace gw::cli
