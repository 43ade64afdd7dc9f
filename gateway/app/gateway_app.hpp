#pragma once
// GatewayApp: the composition root. From a validated GatewayConfig it builds the store, the group-commit sink, the
// HTTP server (health, later the admin API and dashboard) and the MLLP listeners with their HL7 intakes, and knows
// the order in which to start and stop them. `gateway serve` runs one; integration tests run one in-process.

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "gateway/app/config_reload.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/core/result.hpp"

namespace gw::app {

// Seams for tests and rehearsals; the defaults are right for production.
struct AppOptions {
    // The gateway's "now": when messages arrive (and so which contract routes them), store timestamps, delivery
    // scheduling, the day route checks start from. A test moves it past a switch-over date without waiting.
    std::function<std::chrono::system_clock::time_point()> clock;
};

class GatewayApp {
public:
    static Result<std::unique_ptr<GatewayApp>> create(boost::asio::io_context& io, config::GatewayConfig config,
                                                      AppOptions options = {});
    ~GatewayApp();
    GatewayApp(const GatewayApp&) = delete;
    GatewayApp& operator=(const GatewayApp&) = delete;

    // Binds every listener. On error nothing is left listening.
    Result<void> start();

    // Graceful: stop accepting on every listener, let in-flight messages finish (their ACKs are sent), commit what
    // the store has queued, then call `done` (on an io thread or the caller's).
    void stop(std::function<void()> done = {});

    // Config reload (SIGHUP, the admin API): reads the config file the gateway started from and everything it names,
    // checks it all off to the side, then swaps it in at once — messages and deliveries already under way finish on
    // the config they started with. A refused reload changes nothing and reports every error
    // (config_reload.hpp says what a reload applies). Any thread, one at a time; blocks while loading.
    ReloadReport reload();
    ReloadReport reload(config::GatewayConfig next);
    // The config in force: the start-up one, or the last one a reload applied.
    std::shared_ptr<const config::GatewayConfig> current_config() const;

    std::uint16_t http_port() const;
    std::uint16_t mllp_port(std::size_t index = 0) const;
    const config::GatewayConfig& config() const;

    struct Impl;

private:
    explicit GatewayApp(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace gw::app
