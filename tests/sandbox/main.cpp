// grocer-sandbox --config FILE [--port N] [--port-file FILE]
// Fake grocer APIs (oda-web, instacart-connect, kroger-cart, peppol-ap) on one port with path prefixes, with fault
// injection and control endpoints under /_sandbox. Prints "grocer-sandbox listening on HOST:PORT" on stdout once
// it accepts connections (and writes PORT to --port-file), so tests can start it on port 0. See README.md.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "gateway/http/server.hpp"
#include "gateway/httpclient/http_client.hpp"
#include "gateway/log/log.hpp"
#include "gateway/runtime/runtime.hpp"
#include "relay.hpp"
#include "routes.hpp"
#include "sandbox.hpp"
#include "sandbox_config.hpp"

namespace {

bool write_port_file(const std::string& path, std::uint16_t port) {
    auto tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << port << "\n";
        if (!out) return false;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);  // atomic: a reader never sees a half-written file
    return !ec;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"grocer-sandbox: fake grocer APIs with real API quirks and fault injection"};
    std::string config_path;
    std::string port_file;
    std::optional<int> port;
    app.add_option("--config", config_path, "sandbox YAML config (see config/sandbox.yaml)")->required();
    app.add_option("--port", port, "override sandbox.port (0: any free port)")->check(CLI::Range(0, 65535));
    app.add_option("--port-file", port_file, "write the bound port to this file");
    CLI11_PARSE(app, argc, argv);

    auto loaded = sandbox::load_sandbox_config(config_path);
    if (!loaded.config) {
        for (const auto& error : loaded.errors) std::cerr << error.to_string() << "\n";
        return 2;
    }
    auto config = std::move(*loaded.config);
    if (port) config.port = static_cast<std::uint16_t>(*port);

    gw::log::Options log_options;
    log_options.level = gw::log::Level::warn;
    gw::log::init(log_options);

    gw::runtime::Runtime runtime(config.threads, std::chrono::seconds(5));
    gw::httpclient::ClientOptions client_options;
    client_options.connect_timeout = std::chrono::seconds(2);
    client_options.request_timeout = std::chrono::seconds(5);
    client_options.total_timeout = std::chrono::seconds(10);
    client_options.user_agent = "grocer-sandbox";
    auto client = gw::httpclient::HttpClient::create(runtime.io(), client_options);
    if (!client) {
        std::cerr << client.error().to_string() << "\n";
        return 1;
    }

    sandbox::Sandbox state(runtime.io(), config, **client);
    gw::http::Router router;
    sandbox::add_oda_routes(router, state);
    sandbox::add_instacart_routes(router, state);
    sandbox::add_kroger_routes(router, state);
    sandbox::add_peppol_routes(router, state);
    sandbox::add_control_routes(router, state);

    // The HttpServer listens on an internal loopback port; the relay owns the public one (see relay.hpp).
    gw::http::ServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    server_options.body_limit = 4 * 1024 * 1024;
    server_options.stop_timeout = std::chrono::seconds(2);
    server_options.server_header = "grocer-sandbox";
    gw::http::HttpServer server(runtime.io(), server_options, std::move(router));
    if (auto started = server.start(); !started) {
        std::cerr << started.error().to_string() << "\n";
        return 1;
    }
    sandbox::Relay relay(config.host, config.port, server.port());
    if (auto started = relay.start(); !started) {
        std::cerr << "grocer-sandbox: " << started.error().to_string() << "\n";
        return 1;
    }
    if (!port_file.empty() && !write_port_file(port_file, relay.port())) {
        std::cerr << "grocer-sandbox: cannot write " << port_file << "\n";
        return 1;
    }
    std::cout << "grocer-sandbox listening on " << config.host << ":" << relay.port() << std::endl;

    runtime.on_shutdown([&] {
        relay.stop();
        server.stop();
        (*client)->shutdown();
    });
    return runtime.run();
}
