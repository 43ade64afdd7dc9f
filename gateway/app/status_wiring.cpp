#include "gateway/app/status_wiring.hpp"

#include <fmt/format.h>

#include "adapters/registry.hpp"
#include "adapters/status/status_in_config.hpp"
#include "gateway/app/vendor_settings.hpp"
#include "gateway/log/log.hpp"
#include "gateway/model/json.hpp"

namespace gw::app {
namespace {

Error first_error(std::vector<Error> errors, std::string_view what) {
    for (const auto& e : errors) log::error("config.error", {{"what", what}, {"error", e.to_string()}});
    Error e = errors.front();
    if (errors.size() > 1) e.message += fmt::format(" (and {} more errors; run gateway check)", errors.size() - 1);
    return e;
}

adapters::VendorSettings care_system_settings(const config::StatusOutSection& s) {
    adapters::VendorSettings v;
    v.name = s.channel;
    v.base_url = fmt::format("{}://{}:{}", s.tls ? "mllps" : "mllp", s.host, s.port);
    v.http.tls = s.tls_options;
    v.http.connect_timeout = s.connect_timeout;
    v.http.request_timeout = s.ack_timeout;
    v.http.idle_timeout = s.idle_timeout;
    v.http.max_connections_per_host = static_cast<std::size_t>(std::max(s.delivery.concurrency, 1));
    return v;
}

delivery::DestinationSpec care_system_destination(const config::StatusOutSection& s,
                                                  std::shared_ptr<adapters::Adapter> adapter) {
    delivery::DestinationSpec d;
    d.destination = "mllp:" + s.channel;
    d.vendor = "care-system:" + s.channel;
    d.adapter = std::move(adapter);
    d.retry.max_attempts = s.delivery.max_attempts;
    d.retry.max_age = s.delivery.max_age;
    d.retry.backoff = {s.delivery.backoff_initial, s.delivery.backoff_max};
    d.concurrency = s.delivery.concurrency;
    d.lease = s.delivery.lease;
    d.operation_timeout = s.delivery.operation_timeout;
    d.rate_per_second = s.delivery.rate_per_second;
    d.burst = s.delivery.burst;
    d.breaker_failures = s.delivery.breaker_failures;
    d.breaker_open_for = s.delivery.breaker_open_for;
    return d;
}

}  // namespace

std::vector<Error> check_status(const config::GatewayConfig& config) {
    std::vector<Error> errors;
    for (const auto& s : config.status_out) {
        auto loaded = mapping::load_mapping(s.mapping);
        errors.insert(errors.end(), loaded.errors.begin(), loaded.errors.end());
        if (loaded.mapping &&
            (loaded.mapping->input() != mapping::Format::order_event || loaded.mapping->output() != mapping::Format::hl7)) {
            errors.push_back(make_error(ErrorCode::invalid_value,
                                        fmt::format("mllp[{}].status_out.mapping {} must map canonical:order_event "
                                                    "to hl7",
                                                    s.channel, s.mapping)));
        }
    }
    for (const auto& v : config.vendors) {
        auto loaded = adapters::status::load_status_in(vendor_settings(v));
        errors.insert(errors.end(), loaded.errors.begin(), loaded.errors.end());
    }
    return errors;
}

Result<std::unique_ptr<StatusWiring>> StatusWiring::create(
    boost::asio::io_context& io, store::Store& store, const config::GatewayConfig& config,
    std::function<std::shared_ptr<adapters::Adapter>(const std::string& vendor)> adapter_for,
    std::function<void(const std::string& destination)> wake) {
    std::unique_ptr<StatusWiring> w(new StatusWiring());
    w->store_ = &store;

    // Back to the care system: one destination per channel with status_out.
    status::ReporterOptions reporter_options;
    for (const auto& s : config.status_out) {
        auto loaded = mapping::load_mapping(s.mapping);
        if (!loaded.mapping) return first_error(std::move(loaded.errors), "status_out mapping " + s.mapping);
        if (loaded.mapping->input() != mapping::Format::order_event || loaded.mapping->output() != mapping::Format::hl7) {
            return make_error(ErrorCode::invalid_value,
                              fmt::format("mllp[{}].status_out.mapping {} must map canonical:order_event to hl7",
                                          s.channel, s.mapping));
        }
        auto adapter = adapters::create_adapter_of_kind(io, "mllp_out", care_system_settings(s));
        if (!adapter.adapter) return first_error(std::move(adapter.errors), "status_out of " + s.channel);
        w->adapters_.push_back(adapter.adapter);
        w->destinations_.push_back(care_system_destination(s, adapter.adapter));
        status::StatusDestination d;
        d.channel = s.channel;
        d.destination = "mllp:" + s.channel;
        d.format = status::ReportFormat::hl7_ors_o06;
        d.mapping = std::move(loaded.mapping);
        d.receiving_application = s.receiving_application;
        d.receiving_facility = s.receiving_facility;
        reporter_options.destinations.push_back(std::move(d));
        log::info("status.reporting", {{"channel", s.channel},
                                       {"destination", "mllp:" + s.channel},
                                       {"to", fmt::format("{}:{}", s.host, s.port)},
                                       {"tls", s.tls ? "yes" : "no"}});
    }
    w->reporter_ = std::make_unique<status::StatusReporter>(store, std::move(reporter_options));

    status::IngestOptions ingest_options;
    ingest_options.on_report_queued = wake;
    w->ingest_ = std::make_unique<status::StatusIngest>(store, w->reporter_.get(), ingest_options);

    // From the grocers: each vendor's status_in, with this deployment's secrets.
    std::vector<status::WebhookVendor> webhook_vendors;
    std::vector<status::PollVendor> poll_vendors;
    for (const auto& v : config.vendors) {
        auto settings = vendor_settings(v);
        auto loaded = adapters::status::load_status_in(settings);
        if (!loaded.errors.empty()) return first_error(std::move(loaded.errors), "vendor " + v.name + " status_in");
        if (!loaded.config) continue;  // reports no status: handed_over after submission
        mapping::Params params(v.params.begin(), v.params.end());
        if (loaded.config->mode == adapters::StatusMode::webhook) {
            webhook_vendors.push_back({std::move(*loaded.config), std::move(params)});
        } else if (loaded.config->mode == adapters::StatusMode::poll) {
            auto adapter = adapter_for(v.name);
            if (!adapter || !adapter->supports(adapters::Operation::status)) {
                return make_error(ErrorCode::invalid_value,
                                  fmt::format("vendor {} polls for status but its adapter has no status operation",
                                              v.name));
            }
            poll_vendors.push_back({std::move(adapter), std::move(*loaded.config), std::move(params)});
        }
    }
    w->webhooks_ = std::make_unique<status::WebhookRoutes>(*w->ingest_, std::move(webhook_vendors));
    w->poller_ = std::make_unique<status::StatusPoller>(io, store, *w->ingest_, std::move(poll_vendors));

    status::CancelOptions cancel_options;
    cancel_options.capabilities = [adapter_for](const std::string& vendor) -> std::optional<adapters::Capabilities> {
        auto adapter = adapter_for(vendor);
        if (!adapter) return std::nullopt;
        return adapter->capabilities();
    };
    cancel_options.on_queued = wake;
    w->cancels_ = std::make_unique<status::CancelForwarder>(store, w->reporter_.get(), std::move(cancel_options));
    return w;
}

StatusWiring::~StatusWiring() {
    stop();
    for (auto& a : adapters_) a->shutdown();
}

void StatusWiring::configure(delivery::EngineOptions& options) {
    options.report_for = [this](const store::NewOrderEvent& e) -> std::optional<store::NewOutboxItem> {
        auto order = store_->get_order(e.order_id);
        auto event = model::order_event_from_json(e.json);
        if (!order || !event) return std::nullopt;
        auto report = reporter_->report(*order, *event);
        if (!report) {
            log::error("status.report_failed", {{"order_id", e.order_id}, {"error", report.error().to_string()}});
            return std::nullopt;
        }
        return std::move(report).value();
    };
    options.on_cancel_refused = [this](const store::OutboxItem& item, const std::string& reason) {
        cancels_->refused(item, reason);
    };
}

std::function<Result<std::string>(const store::MessageRecord&, const boost::json::value&)>
StatusWiring::cancel_handler() {
    return [this](const store::MessageRecord& message, const boost::json::value& cancel) -> Result<std::string> {
        auto out = cancels_->handle(message, cancel);
        if (!out) return std::move(out).error();
        return out->order_id;
    };
}

void StatusWiring::mount(http::Router& router) { webhooks_->mount(router); }

void StatusWiring::start() {
    ingest_->start();
    poller_->start();
}

void StatusWiring::stop() {
    if (poller_) poller_->stop();
    if (ingest_) ingest_->stop();
}

}  // namespace gw::app
