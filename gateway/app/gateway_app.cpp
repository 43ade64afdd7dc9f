#include "gateway/app/gateway_app.hpp"

#include <atomic>
#include <filesystem>

#include <fmt/format.h>

#include "adapters/registry.hpp"
#include "gateway/app/hl7_frame_handler.hpp"
#include "gateway/app/ops_wiring.hpp"
#include "gateway/app/vendor_settings.hpp"
#include "gateway/delivery/engine.hpp"
#include "gateway/pipeline/order_pipeline.hpp"
#include "gateway/routing/router.hpp"
#include "gateway/http/health.hpp"
#include "gateway/http/server.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mllp/listener.hpp"
#include "gateway/store/group_commit_sink.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace gw::app {

struct GatewayApp::Impl {
    Impl(boost::asio::io_context& io_context, config::GatewayConfig cfg) : io(io_context), config(std::move(cfg)) {}
    boost::asio::io_context& io;
    config::GatewayConfig config;
    std::unique_ptr<store::SqliteStore> store;
    std::unique_ptr<store::GroupCommitSink> sink;
    std::vector<std::shared_ptr<adapters::Adapter>> adapters;
    std::unique_ptr<delivery::DeliveryEngine> engine;
    std::unique_ptr<pipeline::OrderPipeline> pipeline;
    ChannelMappings channel_mappings;
    // After the store (destroyed before it) and before the engine and pipeline its hooks read (stopped first).
    std::unique_ptr<ops::OpsService> ops;
    std::atomic<bool> last_commit_ok{true};
    http::HealthRegistry health;
    std::unique_ptr<http::HttpServer> http;
    std::vector<std::shared_ptr<mllp::MllpListener>> listeners;
    std::atomic<bool> started{false};
    std::atomic<bool> stopping{false};
};

namespace {

Result<std::unique_ptr<store::SqliteStore>> open_store(const config::StoreSection& section) {
    if (section.kind != "sqlite") {
        return make_error(ErrorCode::unsupported,
                          fmt::format("store kind '{}' is not available in this build; use kind: sqlite", section.kind));
    }
    std::error_code ec;
    const auto parent = std::filesystem::path(section.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    store::SqliteStoreOptions options;
    options.path = section.path;
    return store::SqliteStore::open(std::move(options));
}

hl7::IntakeConfig intake_config(const config::MllpListenerSection& section) {
    hl7::IntakeConfig c;
    c.channel = section.name;
    if (!section.versions.empty()) c.accepted_versions = section.versions;
    if (!section.message_types.empty()) c.accepted_message_types = section.message_types;
    c.sending_application = section.sending_application;
    if (!section.sending_facility.empty()) c.sending_facility = section.sending_facility;
    return c;
}

mllp::ListenerOptions listener_options(const config::MllpListenerSection& section) {
    mllp::ListenerOptions o;
    o.name = section.name;
    o.host = section.host;
    o.port = section.port;
    o.max_message_bytes = section.max_message_bytes;
    o.read_timeout = section.read_timeout;
    o.idle_timeout = section.idle_timeout;
    o.max_connections = static_cast<std::size_t>(section.max_connections);
    o.tls = section.tls;
    return o;
}

http::ServerOptions http_options(const config::HttpSection& section) {
    http::ServerOptions o;
    o.host = section.host;
    o.port = section.port;
    o.tls = section.tls;
    o.body_limit = section.max_body_bytes;
    o.header_timeout = section.header_timeout;
    o.idle_timeout = section.idle_timeout;
    o.max_connections = static_cast<std::size_t>(section.max_connections);
    return o;
}

Error first_of(std::vector<Error> errors, std::string_view what) {
    // Every error is logged; the first one is returned (gateway check prints them all).
    for (const auto& e : errors) log::error("config.error", {{"what", what}, {"error", e.to_string()}});
    Error e = errors.front();
    if (errors.size() > 1) e.message += fmt::format(" (and {} more errors; run gateway check)", errors.size() - 1);
    return e;
}

}  // namespace

GatewayApp::GatewayApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GatewayApp::~GatewayApp() {
    // Listeners hold sessions that may still reference the sink; stop them before the sink and the store go.
    for (auto& l : impl_->listeners) l->stop(std::chrono::milliseconds(0));
    impl_->listeners.clear();
    impl_->http.reset();
    if (impl_->ops) impl_->ops->stop();
    if (impl_->sink) impl_->sink->stop();
    if (impl_->pipeline) impl_->pipeline->stop();
    impl_->engine.reset();  // joins its thread; deliveries still running stay leased and are retried after restart
    for (auto& a : impl_->adapters) a->shutdown();
}

Result<std::unique_ptr<GatewayApp>> GatewayApp::create(boost::asio::io_context& io, config::GatewayConfig config) {
    auto impl = std::make_unique<Impl>(io, std::move(config));
    auto opened = open_store(impl->config.store);
    if (!opened) return std::move(opened).error();
    impl->store = std::move(opened).value();

    // Vendors: one adapter each, from its folder (adapter.yaml + mappings), and a delivery destination.
    std::vector<delivery::DestinationSpec> destinations;
    for (const auto& v : impl->config.vendors) {
        if (!v.enabled) continue;
        auto loaded = adapters::create_adapter(io, vendor_settings(v));
        if (!loaded.adapter) return first_of(std::move(loaded.errors), "vendor " + v.name);
        impl->adapters.push_back(loaded.adapter);
        destinations.push_back(destination_spec(v, loaded.adapter));
    }
    // Metrics and the admin API first: the engine, the sink and the listeners report to them.
    auto ops = ops::OpsService::create(*impl->store,
                                       make_ops_hooks(impl->engine, impl->pipeline, impl->config, impl->channel_mappings),
                                       ops_options(impl->config));
    if (!ops) return std::move(ops).error();
    impl->ops = std::move(ops).value();
    auto& metrics = impl->ops->metrics();

    delivery::EngineOptions engine_options;
    engine_options.owner = impl->config.gateway.instance_id;
    engine_options.on_attempt = [&metrics](const delivery::AttemptObservation& a) {
        metrics.delivery_attempt(a.vendor, a.outcome, std::chrono::duration<double>(a.duration).count());
    };
    impl->engine = std::make_unique<delivery::DeliveryEngine>(io, *impl->store, engine_options, std::move(destinations));

    // The pipeline: each MLLP channel's inbound mapping, the routes, and a wake-up for the engine.
    pipeline::PipelineOptions pipeline_options;
    for (const auto& section : impl->config.mllp) {
        auto loaded = mapping::load_mapping(section.mapping);
        if (!loaded.mapping) return first_of(std::move(loaded.errors), "mapping " + section.mapping);
        pipeline_options.channels.emplace(section.name, loaded.mapping);
        impl->channel_mappings.emplace(section.name, loaded.mapping);
    }
    pipeline_options.router = std::make_shared<routing::Router>(impl->config.routes);
    pipeline_options.on_queued = [engine = impl->engine.get()](const std::string& d) { engine->wake(d); };
    impl->pipeline = std::make_unique<pipeline::OrderPipeline>(*impl->store, std::move(pipeline_options));

    store::GroupCommitSinkOptions sink_options;
    sink_options.queue_capacity = static_cast<std::size_t>(impl->config.store.queue_capacity);
    sink_options.max_batch = static_cast<std::size_t>(impl->config.store.max_batch);
    sink_options.on_stored = [pipe = impl->pipeline.get()](std::int64_t id) { pipe->submit(id); };
    sink_options.on_commit = [&metrics, ok = &impl->last_commit_ok](std::size_t n, std::chrono::nanoseconds d,
                                                                    bool committed) {
        metrics.store_commit(n, std::chrono::duration<double>(d).count(), committed);
        ok->store(committed);
    };
    impl->sink = std::make_unique<store::GroupCommitSink>(*impl->store, sink_options);

    auto* raw = impl.get();
    impl->health.add("store", [raw]() -> Result<void> {
        if (!raw->sink->has_capacity()) return make_error(ErrorCode::unavailable, "store queue is full");
        if (!raw->last_commit_ok.load()) {
            return make_error(ErrorCode::unavailable, "the last commit to the store failed (see the log)");
        }
        return {};
    });
    impl->health.add("listeners", [raw]() -> Result<void> {
        if (!raw->started.load()) return make_error(ErrorCode::unavailable, "listeners not started");
        if (raw->stopping.load()) return make_error(ErrorCode::unavailable, "shutting down");
        return {};
    });
    return std::unique_ptr<GatewayApp>(new GatewayApp(std::move(impl)));
}

Result<void> GatewayApp::start() {
    auto& impl = *impl_;
    if (auto r = impl.engine->start(); !r) return r;
    impl.pipeline->start();
    if (impl.config.http.enabled) {
        http::Router router;
        impl.ops->add_health_checks(impl.health);
        impl.ops->mount(router);
        impl.health.mount(router);
        impl.http = std::make_unique<http::HttpServer>(impl.io, http_options(impl.config.http), std::move(router));
        if (auto r = impl.http->start(); !r) return r;
    }
    for (const auto& section : impl.config.mllp) {
        auto handler = std::make_shared<Hl7FrameHandler>(intake_config(section), *impl.sink,
                                                         impl.ops->metrics().channel(section.name));
        auto listener = mllp::MllpListener::create(impl.io, listener_options(section), handler);
        if (!listener) {
            stop();
            return std::move(listener).error();
        }
        (*listener)->start();
        impl.listeners.push_back(std::move(listener).value());
    }
    impl.ops->start();
    impl.started = true;
    return {};
}

void GatewayApp::stop(std::function<void()> done) {
    auto& impl = *impl_;
    if (impl.stopping.exchange(true)) {
        if (done) done();
        return;
    }
    // Count the listeners (and the HTTP server) still finishing; the last one to finish drains the store.
    auto remaining = std::make_shared<std::atomic<std::size_t>>(impl.listeners.size() + (impl.http ? 1 : 0) + 1);
    auto finish = [this, remaining, done = std::move(done)]() mutable {
        if (remaining->fetch_sub(1) != 1) return;
        impl_->ops->stop();       // live streams closed, admin calls in flight answered
        impl_->sink->stop();      // every acknowledged message is committed
        impl_->pipeline->stop();  // and turned into an order (or left `received` for the next start)
        impl_->engine->stop(impl_->config.gateway.shutdown_grace, [done] {
            log::info("gateway.stopped");
            if (done) done();
        });
    };
    const auto grace = impl.config.gateway.shutdown_grace;
    for (auto& l : impl.listeners) l->stop(grace, finish);
    if (impl.http) impl.http->stop(finish);
    finish();
}

std::uint16_t GatewayApp::http_port() const { return impl_->http ? impl_->http->port() : 0; }

std::uint16_t GatewayApp::mllp_port(std::size_t index) const {
    return index < impl_->listeners.size() ? impl_->listeners[index]->port() : 0;
}

const config::GatewayConfig& GatewayApp::config() const { return impl_->config; }

}  // namespace gw::app
