#pragma once
// The status half of the composition root: from the config and the vendors' adapters it builds what receives
// grocer status (webhook routes, poller, ingest worker), what reports back to the care system (the reporter and one
// mllp_out delivery destination "mllp:CHANNEL" per `mllp[].status_out`), and the cancel forwarder. GatewayApp
// wires the pieces into the engine, the pipeline and the HTTP router.
//
// Vendor status settings (adapter.yaml `status_in`) are read once at start-up; a config reload does not change them.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/core/result.hpp"
#include "gateway/delivery/engine.hpp"
#include "gateway/http/router.hpp"
#include "gateway/status/cancel_forwarder.hpp"
#include "gateway/status/status_ingest.hpp"
#include "gateway/status/status_poller.hpp"
#include "gateway/status/status_reporter.hpp"
#include "gateway/status/webhook_routes.hpp"
#include "gateway/store/store.hpp"

namespace gw::app {

// What StatusWiring::create would refuse, without building anything (gateway check): every vendor's status_in
// with the deployment's secrets, and every status_out mapping.
std::vector<Error> check_status(const config::GatewayConfig& config);

class StatusWiring {
public:
    // `adapter_for(vendor)`: the adapter the engine uses for a configured vendor (polls and cancel capabilities go
    // through it, so a reload's new adapter is used). `wake(destination)`: new outbox work (DeliveryEngine::wake).
    // Errors: a vendor's status_in (with the deployment's secrets), an outbound mapping, an mllp_out destination.
    static Result<std::unique_ptr<StatusWiring>> create(
        boost::asio::io_context& io, store::Store& store, const config::GatewayConfig& config,
        std::function<std::shared_ptr<adapters::Adapter>(const std::string& vendor)> adapter_for,
        std::function<void(const std::string& destination)> wake);
    ~StatusWiring();

    // The care systems' delivery destinations ("mllp:CHANNEL"), for the engine.
    std::vector<delivery::DestinationSpec> destinations() const { return destinations_; }
    // Hooks for the engine (reports with its events, refused cancels) and the pipeline (cancels).
    void configure(delivery::EngineOptions& options);
    std::function<Result<std::string>(const store::MessageRecord&, const boost::json::value&)> cancel_handler();
    // POST /api/v1/webhooks/{vendor}.
    void mount(http::Router& router);

    void start();  // the ingest worker and the poller
    void stop();   // both; idempotent

    status::StatusIngest& ingest() { return *ingest_; }
    status::WebhookRoutes& webhooks() { return *webhooks_; }

private:
    StatusWiring() = default;

    store::Store* store_ = nullptr;
    std::unique_ptr<status::StatusReporter> reporter_;
    std::unique_ptr<status::StatusIngest> ingest_;
    std::unique_ptr<status::WebhookRoutes> webhooks_;
    std::unique_ptr<status::StatusPoller> poller_;
    std::unique_ptr<status::CancelForwarder> cancels_;
    std::vector<delivery::DestinationSpec> destinations_;
    std::vector<std::shared_ptr<adapters::Adapter>> adapters_;  // the mllp_out ones, shut down with this
};

}  // namespace gw::app
