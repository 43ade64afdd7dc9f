#pragma once
// GatewayApp: the composition root. From a validated GatewayConfig it builds the store, the group-commit sink, the
// HTTP server (health, later the admin API and dashboard) and the MLLP listeners with their HL7 intakes, and knows
// the order in which to start and stop them. `gateway serve` runs one; integration tests run one in-process.

#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "gateway/config/gateway_config.hpp"
#include "gateway/core/result.hpp"

namespace gw::app {

class GatewayApp {
public:
    static Result<std::unique_ptr<GatewayApp>> create(boost::asio::io_context& io, config::GatewayConfig config);
    ~GatewayApp();
    GatewayApp(const GatewayApp&) = delete;
    GatewayApp& operator=(const GatewayApp&) = delete;

    // Binds every listener. On error nothing is left listening.
    Result<void> start();

    // Graceful: stop accepting on every listener, let in-flight messages finish (their ACKs are sent), commit what
    // the store has queued, then call `done` (on an io thread or the caller's).
    void stop(std::function<void()> done = {});

    std::uint16_t http_port() const;
    std::uint16_t mllp_port(std::size_t index = 0) const;
    const config::GatewayConfig& config() const;

    struct Impl;

private:
    explicit GatewayApp(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace gw::app
