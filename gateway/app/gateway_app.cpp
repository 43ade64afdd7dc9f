#include "gateway/app/gateway_app.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <set>
#include <mutex>
#include <thread>
#include <filesystem>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "adapters/registry.hpp"
#include "gateway/app/hl7_frame_handler.hpp"
#include "gateway/app/ops_wiring.hpp"
#include "gateway/app/runtime_config.hpp"
#include "gateway/app/status_wiring.hpp"
#include "gateway/app/switchable_adapter.hpp"
#include "gateway/app/vendor_settings.hpp"
#include "gateway/delivery/engine.hpp"
#include "gateway/housekeeping/housekeeping.hpp"
#include "gateway/pipeline/order_pipeline.hpp"
#include "gateway/routing/oslo_time.hpp"
#include "gateway/routing/route_check.hpp"
#include "gateway/ops/mapping_trace.hpp"
#include "gateway/shadow/shadow_runner.hpp"
#include "gateway/http/health.hpp"
#include "gateway/http/server.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mllp/listener.hpp"
#include "gateway/store/group_commit_sink.hpp"
#include "gateway/store/open_store.hpp"

namespace gw::app {

struct GatewayApp::Impl {
    Impl(boost::asio::io_context& io_context, config::GatewayConfig cfg) : io(io_context), config(std::move(cfg)) {}
    boost::asio::io_context& io;
    config::GatewayConfig config;  // as started: listeners, store, delivery policies (what a reload cannot change)
    store::Clock clock = store::system_clock();
    // The reloadable part (runtime_config.hpp): swapped whole by reload(), read by the pipeline once per batch.
    mutable std::mutex runtime_mutex;
    std::shared_ptr<const RuntimeConfig> runtime;
    std::mutex reload_mutex;  // one reload at a time
    // What the delivery engine holds per vendor for the process's life; reloads switch the adapter behind it.
    std::map<std::string, std::shared_ptr<SwitchableAdapter>, std::less<>> switchable;
    std::shared_ptr<shadow::ShadowRunner> shadow;

    std::shared_ptr<const RuntimeConfig> current() const {
        std::lock_guard lock(runtime_mutex);
        return runtime;
    }
    ReloadReport reload(config::GatewayConfig next);
    ReloadReport reload_file();
    std::unique_ptr<store::Store> store;
    std::unique_ptr<store::GroupCommitSink> sink;
    std::vector<std::shared_ptr<adapters::Adapter>> adapters;
    std::unique_ptr<delivery::DeliveryEngine> engine;
    std::unique_ptr<pipeline::OrderPipeline> pipeline;
    // Webhooks, polls, reports to the care system and cancels; its hooks run in the engine and the pipeline.
    std::unique_ptr<StatusWiring> status;
    ChannelMappings channel_mappings;
    // After the store (destroyed before it) and before the engine and pipeline its hooks read (stopped first).
    std::unique_ptr<ops::OpsService> ops;
    std::atomic<bool> last_commit_ok{true};
    std::unique_ptr<housekeeping::Housekeeping> housekeeping;
    http::HealthRegistry health;
    std::unique_ptr<http::HttpServer> http;
    std::vector<std::shared_ptr<mllp::MllpListener>> listeners;
    std::atomic<bool> started{false};
    std::atomic<bool> stopping{false};

    // What works from the store — the engine, the pipeline, housekeeping — starts once the store is ready: at once,
    // or, when PostgreSQL cannot be reached at start, from store_waiter as soon as it can (listeners and /readyz are
    // up meanwhile, answering negatively).
    std::mutex workers_mutex;
    std::condition_variable workers_wake;
    bool workers_started = false;  // under workers_mutex
    std::thread store_waiter;

    Result<void> start_workers() {  // workers_mutex held
        if (auto r = engine->start(); !r) return r;
        status->start();
        shadow->start();
        pipeline->start();
        housekeeping->start();
        workers_started = true;
        return {};
    }

    void start_workers_when_store_ready() {
        std::unique_lock lock(workers_mutex);
        while (!stopping.load()) {
            if (store->readiness()) {
                auto started_now = start_workers();
                if (started_now) {
                    log::info("gateway.store_ready");
                    return;
                }
                log::warn("gateway.start_failed", {{"error", started_now.error().to_string()}});
            }
            workers_wake.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping.load(); });
        }
    }
};

namespace {

Result<std::unique_ptr<store::Store>> open_store(const config::StoreSection& section) {
    store::OpenStoreOptions options;
    options.kind = section.kind;
    options.path = section.path;
    options.dsn = section.dsn;
    // A PostgreSQL server that is not up yet (both starting after a reboot) is waited for: /readyz says why, MLLP
    // senders get a negative ack and retry. A schema newer than this code still refuses to start.
    options.wait_for_database = true;
    options.on_fatal = [](const Error& e) { log::error("gateway.store_refused", {{"error", e.to_string()}}); };
    return store::open_store(options);
}

hl7::IntakeConfig intake_config(const config::MllpListenerSection& section, const store::Clock& clock) {
    hl7::IntakeConfig c;
    c.clock = clock;
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

// How long stopping waits for shadow answers from vendors' sandboxes: shadow results are not worth holding a
// shutdown for.
constexpr std::chrono::milliseconds kShadowStopGrace{2'000};

}  // namespace

ReloadReport GatewayApp::Impl::reload_file() {
    auto loaded = config::load_gateway_config(config.source_file);
    if (!loaded.config) {
        ReloadReport report;
        report.generation = current()->generation;
        report.errors = std::move(loaded.errors);
        for (const auto& e : report.errors) log::error("reload.error", {{"error", e.to_string()}});
        log::error("reload.refused", {{"errors", report.errors.size()}, {"generation", report.generation}});
        if (ops) ops->metrics().config_reload(false);
        return report;
    }
    return reload(std::move(*loaded.config));
}

ReloadReport GatewayApp::Impl::reload(config::GatewayConfig next) {
    auto& impl = *this;
    std::lock_guard serial(impl.reload_mutex);
    const auto started = std::chrono::steady_clock::now();
    const auto running = impl.current();
    const auto today = routing::oslo_date(impl.clock());
    ReloadReport report;
    report.generation = running->generation;

    // Everything is loaded and checked off to the side; the running config is not touched until all of it passed.
    auto built = build_runtime_config(impl.io, next, {running->generation + 1, today, impl.shadow});
    report.errors = std::move(built.errors);
    std::set<std::string> served;
    for (const auto& [name, adapter] : impl.switchable) served.insert(name);
    auto unserved = vendors_without_delivery(next, served, today);
    report.errors.insert(report.errors.end(), unserved.begin(), unserved.end());
    report.warnings = std::move(built.warnings);
    report.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (!report.errors.empty()) {
        for (const auto& e : report.errors) log::error("reload.error", {{"error", e.to_string()}});
        log::error("reload.refused", {{"errors", report.errors.size()}, {"generation", report.generation}});
        if (ops) ops->metrics().config_reload(false);
        return report;
    }

    // The swap: new batches of messages take the new runtime; each vendor's next delivery goes to its new adapter
    // once the deliveries still out on the old one have finished.
    {
        std::lock_guard lock(impl.runtime_mutex);
        impl.runtime = built.runtime;
    }
    for (const auto& [name, adapter] : built.runtime->adapters) {
        if (auto it = impl.switchable.find(name); it != impl.switchable.end()) it->second->switch_to(adapter);
    }
    report.applied = true;
    report.generation = built.runtime->generation;
    report.restart_needed = changes_needing_restart(impl.config, built.runtime->config);
    report.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    for (const auto& w : report.warnings) log::warn("config.warning", {{"warning", routing::warning_text(w)}});
    for (const auto& r : report.restart_needed) log::warn("reload.restart_needed", {{"changed", r}});
    log::info("reload.applied", {{"generation", report.generation}, {"took_ms", report.took.count()}});
    if (ops) ops->metrics().config_reload(true);
    return report;
}

namespace {

// The admin API's view of what reloads change: the routes in force, the reload itself, and mapping traces with the
// inbound mapping in force.
void add_reload_hooks(ops::OpsHooks& hooks, GatewayApp::Impl& impl) {
    auto* raw = &impl;
    hooks.routes = [raw] { return raw->current()->config.routes; };
    hooks.reload = [raw](std::string_view actor) -> Result<ops::ReloadOutcome> {
        log::info("reload.requested", {{"actor", actor}});
        auto report = raw->reload_file();
        ops::ReloadOutcome out;
        out.applied = report.applied;
        for (const auto& e : report.errors) out.errors.push_back(e.to_string());
        boost::json::array warnings, restart;
        for (const auto& w : report.warnings) warnings.emplace_back(routing::warning_text(w));
        for (const auto& r : report.restart_needed) restart.emplace_back(r);
        out.detail = boost::json::object{{"generation", report.generation},
                                         {"took_ms", report.took.count()},
                                         {"warnings", std::move(warnings)},
                                         {"restart_needed", std::move(restart)}};
        return out;
    };
    hooks.mapping_trace = [raw](const store::MessageRecord& message) -> Result<boost::json::value> {
        const auto runtime = raw->current();
        auto it = runtime->pipeline->channels.find(message.channel);
        if (it == runtime->pipeline->channels.end()) {
            return make_error(ErrorCode::not_found, "no inbound mapping for channel '" + message.channel + "'");
        }
        return ops::trace_mapping(*it->second, message.raw);
    };
}

}  // namespace

GatewayApp::GatewayApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GatewayApp::~GatewayApp() {
    impl_->stopping = true;
    impl_->workers_wake.notify_all();
    if (impl_->store_waiter.joinable()) impl_->store_waiter.join();
    // Listeners hold sessions that may still reference the sink; stop them before the sink and the store go.
    for (auto& l : impl_->listeners) l->stop(std::chrono::milliseconds(0));
    impl_->listeners.clear();
    impl_->http.reset();
    if (impl_->ops) impl_->ops->stop();
    if (impl_->sink) impl_->sink->stop();
    if (impl_->pipeline) impl_->pipeline->stop();
    if (impl_->status) impl_->status->stop();
    if (impl_->shadow) impl_->shadow->stop(std::chrono::milliseconds(0));
    if (impl_->housekeeping) impl_->housekeeping->stop();
    impl_->engine.reset();  // joins its thread; deliveries still running stay leased and are retried after restart
    for (auto& a : impl_->adapters) a->shutdown();
}

Result<std::unique_ptr<GatewayApp>> GatewayApp::create(boost::asio::io_context& io, config::GatewayConfig config,
                                                       AppOptions options) {
    auto impl = std::make_unique<Impl>(io, std::move(config));
    if (options.clock) impl->clock = std::move(options.clock);
    auto opened = open_store(impl->config.store);
    if (!opened) return std::move(opened).error();
    impl->store = std::move(opened).value();

    // Everything a reload can replace — inbound mappings, vendor adapters, routes — built and checked as one value.
    impl->shadow = std::make_shared<shadow::ShadowRunner>(*impl->store);
    auto built = build_runtime_config(io, impl->config, {1, routing::oslo_date(impl->clock()), impl->shadow});
    for (const auto& w : built.warnings) log::warn("config.warning", {{"warning", routing::warning_text(w)}});
    if (!built.runtime) return first_of(std::move(built.errors), "config");
    impl->runtime = built.runtime;
    for (const auto& [name, mapping] : impl->runtime->pipeline->channels) impl->channel_mappings.emplace(name, mapping);

    // Vendors: a delivery destination each, for the process's life, with the adapter behind it switchable by
    // reloads. A vendor with `enabled: false` is paused: its orders are stored and routed and wait in the outbox.
    std::vector<delivery::DestinationSpec> destinations;
    for (const auto& v : impl->config.vendors) {
        auto switchable = std::make_shared<SwitchableAdapter>(impl->runtime->adapters.at(v.name));
        impl->switchable.emplace(v.name, switchable);
        impl->adapters.push_back(switchable);
        destinations.push_back(destination_spec(v, switchable));
    }
    // Status from the grocers and back to the care system: its mllp_out destinations join the vendors'.
    auto status = StatusWiring::create(
        io, *impl->store, impl->config,
        [raw = impl.get()](const std::string& vendor) -> std::shared_ptr<adapters::Adapter> {
            auto it = raw->switchable.find(vendor);
            return it == raw->switchable.end() ? nullptr : it->second;
        },
        [raw = impl.get()](const std::string& destination) {
            if (raw->engine) raw->engine->wake(destination);
        });
    if (!status) return std::move(status).error();
    impl->status = std::move(status).value();
    for (auto& d : impl->status->destinations()) destinations.push_back(std::move(d));
    // Metrics and the admin API first: the engine, the sink and the listeners report to them.
    auto hooks = make_ops_hooks(impl->engine, impl->pipeline, impl->config, impl->channel_mappings);
    add_reload_hooks(hooks, *impl);
    auto ops = ops::OpsService::create(*impl->store, std::move(hooks), ops_options(impl->config));
    if (!ops) return std::move(ops).error();
    impl->ops = std::move(ops).value();
    auto& metrics = impl->ops->metrics();

    delivery::EngineOptions engine_options;
    engine_options.owner = impl->config.gateway.instance_id;
    engine_options.clock = impl->clock;
    engine_options.on_attempt = [&metrics](const delivery::AttemptObservation& a) {
        metrics.delivery_attempt(a.vendor, a.outcome, std::chrono::duration<double>(a.duration).count());
    };
    impl->status->configure(engine_options);
    impl->engine = std::make_unique<delivery::DeliveryEngine>(io, *impl->store, engine_options, std::move(destinations));
    for (const auto& v : impl->config.vendors) {
        if (v.enabled) continue;
        if (auto paused = impl->engine->pause("vendor:" + v.name, "config (enabled: false)"); !paused) {
            return std::move(paused).error();
        }
    }

    // The pipeline: the current runtime's mappings, routes and shadow hook (asked once per batch), and a wake-up for
    // the engine.
    pipeline::PipelineOptions pipeline_options;
    pipeline_options.config = [raw = impl.get()] { return raw->current()->pipeline; };
    pipeline_options.clock = impl->clock;
    pipeline_options.on_queued = [engine = impl->engine.get()](const std::string& d) { engine->wake(d); };
    pipeline_options.on_cancel = impl->status->cancel_handler();
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

    housekeeping::HousekeepingOptions housekeeping_options;
    housekeeping_options.retention = impl->config.retention.enabled;
    housekeeping_options.personal_data_after =
        std::chrono::duration_cast<std::chrono::days>(impl->config.retention.personal_data_after);
    housekeeping_options.retention_every = impl->config.retention.run_every;
    // Several gateways on one PostgreSQL store: one of them runs each singleton job (an advisory lock per job).
    housekeeping_options.may_run = [store = impl->store.get()](std::string_view job) {
        auto lead = store->try_lead(job);
        return lead && *lead;
    };
    impl->housekeeping = std::make_unique<housekeeping::Housekeeping>(*impl->store, housekeeping_options);

    auto* raw = impl.get();
    impl->health.add("store", [raw]() -> Result<void> {
        if (auto ready = raw->store->readiness(); !ready) return ready;  // e.g. PostgreSQL unreachable
        if (!raw->sink->has_capacity()) return make_error(ErrorCode::unavailable, "store queue is full");
        // PostgreSQL's readiness() checks the database itself: one failed commit must not keep an instance unready
        // for good behind a load balancer, which would then send it nothing to commit.
        if (!raw->last_commit_ok.load() && raw->config.store.kind != "postgres") {
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
    if (auto ready = impl.store->readiness(); ready) {
        std::lock_guard lock(impl.workers_mutex);
        if (auto r = impl.start_workers(); !r) return r;
    } else {
        log::warn("gateway.waiting_for_store", {{"reason", ready.error().to_string()}});
        impl.store_waiter = std::thread([&impl] { impl.start_workers_when_store_ready(); });
    }
    if (impl.config.http.enabled) {
        http::Router router;
        impl.ops->add_health_checks(impl.health);
        impl.ops->mount(router);
        impl.status->mount(router);
        impl.health.mount(router);
        impl.http = std::make_unique<http::HttpServer>(impl.io, http_options(impl.config.http), std::move(router));
        if (auto r = impl.http->start(); !r) return r;
    }
    for (const auto& section : impl.config.mllp) {
        auto handler = std::make_shared<Hl7FrameHandler>(intake_config(section, impl.clock), *impl.sink,
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
        impl_->status->stop();    // webhooks already answered are stored; polling ends
        impl_->shadow->stop(std::min(impl_->config.gateway.shutdown_grace, kShadowStopGrace));
        impl_->housekeeping->stop();
        bool engine_started = false;
        {
            std::lock_guard lock(impl_->workers_mutex);  // the waiter never starts it after `stopping` was set
            engine_started = impl_->workers_started;
        }
        impl_->workers_wake.notify_all();
        if (!engine_started) {
            log::info("gateway.stopped");
            if (done) done();
            return;
        }
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

std::shared_ptr<const config::GatewayConfig> GatewayApp::current_config() const {
    auto runtime = impl_->current();
    return std::shared_ptr<const config::GatewayConfig>(runtime, &runtime->config);
}

ReloadReport GatewayApp::reload() { return impl_->reload_file(); }

ReloadReport GatewayApp::reload(config::GatewayConfig next) { return impl_->reload(std::move(next)); }

}  // namespace gw::app
