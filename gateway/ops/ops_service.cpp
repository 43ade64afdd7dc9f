#include "gateway/ops/ops_service.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "gateway/http/problem.hpp"
#include "gateway/log/log.hpp"
#include "gateway/ops/dashboard.hpp"

namespace gw::ops {

using namespace std::chrono;

Result<std::unique_ptr<OpsService>> OpsService::create(store::Store& store, OpsHooks hooks, OpsOptions options) {
    TokenStore tokens;
    if (!options.tokens_file.empty()) {
        auto loaded = TokenStore::load(options.tokens_file);
        if (!loaded) return std::move(loaded).error();
        tokens = std::move(loaded).value();
    }
    if (tokens.size() == 0) {
        log::warn("ops.no_admin_tokens", {{"detail", "admin.tokens_file names no tokens: every admin API call is "
                                                      "refused; /metrics, /healthz and /readyz stay open"}});
    }
    return std::make_unique<OpsService>(store, std::move(hooks), std::move(options), std::move(tokens));
}

OpsService::OpsService(store::Store& store, OpsHooks hooks, OpsOptions options, TokenStore tokens)
    : store_(store),
      hooks_(std::move(hooks)),
      options_(std::move(options)),
      tokens_(std::move(tokens)),
      metrics_(registry_),
      stats_(store, options_.stats_max_age),
      worker_(options_.worker_threads, options_.worker_queue),
      feed_(metrics_, stats_, hooks_, options_.feed),
      api_(store, hooks_, tokens_, worker_, metrics_, stats_, feed_, options_.api),
      started_(system_clock::now()) {
    registry_.add_collector([this](Scrape& s) { collect(s); });
}

OpsService::~OpsService() { stop(); }

void OpsService::start() { feed_.start(); }

void OpsService::stop() {
    feed_.stop();
    worker_.stop();
}

void OpsService::mount(http::Router& router) {
    router.add_async(http::Verb::get, "/metrics", [this](const http::Request& request, http::Responder respond) {
        // Store counts are read from the store: off the HTTP strand.
        const bool queued = worker_.post([this, respond] {
            http::Response r;
            r.content_type = std::string(exposition_content_type);
            r.body = scrape();
            respond(std::move(r));
        });
        if (!queued) {
            respond(http::make_problem(http::Status::service_unavailable, "busy; retry shortly", request.path)
                        .to_response());
        }
    });
    api_.mount(router);
    if (options_.dashboard) mount_dashboard(router);
}

void OpsService::add_health_checks(http::HealthRegistry& health) {
    if (hooks_.store_writable) health.add("store_disk", hooks_.store_writable);
    health.add("outbox", [this]() -> Result<void> {
        // From the counts the live feed refreshes: a readiness check must not query the store on an HTTP strand.
        const auto taken = stats_.last();
        if (!taken) return {};
        const auto vendors = hooks_.vendors ? hooks_.vendors() : std::vector<VendorStatus>{};
        for (const auto& d : taken->stats.destinations) {
            if (!d.oldest_pending_age || *d.oldest_pending_age <= options_.outbox_stuck_after) continue;
            const bool paused = std::any_of(vendors.begin(), vendors.end(), [&](const VendorStatus& v) {
                return v.destination == d.destination && v.paused;
            });
            if (paused) continue;  // an operator stopped it on purpose
            return make_error(ErrorCode::unavailable,
                              fmt::format("outbox to {} is stuck: its oldest item waits for {} s (limit {} s)",
                                          d.destination, duration_cast<seconds>(*d.oldest_pending_age).count(),
                                          duration_cast<seconds>(options_.outbox_stuck_after).count()));
        }
        return {};
    });
}

std::string OpsService::scrape() { return registry_.render(); }

void OpsService::collect(Scrape& s) {
    using Labels = std::vector<std::pair<std::string, std::string>>;
    s.gauge("gateway_start_time_seconds", "When this gateway process started (Unix time)", {},
            static_cast<double>(duration_cast<seconds>(started_.time_since_epoch()).count()));

    if (auto stats = stats_.get()) {
        const std::pair<const char*, std::int64_t> messages[] = {{"received", stats->messages_received},
                                                                 {"processed", stats->messages_processed},
                                                                 {"rejected", stats->messages_rejected},
                                                                 {"failed", stats->messages_failed}};
        for (const auto& [state, n] : messages) {
            s.gauge("gateway_store_messages", "Inbound messages in the store by state", {{"state", state}},
                    static_cast<double>(n));
        }
        for (const auto& o : stats->orders) {
            s.gauge("gateway_orders", "Orders in the store by vendor and state", {{"vendor", o.vendor}, {"state", o.state}},
                    static_cast<double>(o.count));
        }
        for (const auto& d : stats->destinations) {
            const Labels l{{"destination", d.destination}};
            s.gauge("gateway_outbox_depth", "Outbox items not yet delivered (pending + in flight)", l,
                    static_cast<double>(d.depth()));
            s.gauge("gateway_outbox_in_flight", "Outbox items being delivered right now", l,
                    static_cast<double>(d.in_flight));
            s.gauge("gateway_outbox_oldest_pending_age_seconds",
                    "Age of the oldest outbox item not yet delivered (0 when none)", l,
                    d.oldest_pending_age ? static_cast<double>(d.oldest_pending_age->count()) / 1000 : 0.0);
            s.gauge("gateway_dead_letters", "Dead-lettered outbox items waiting for an operator", l,
                    static_cast<double>(d.dead));
        }
        s.gauge("gateway_store_stats_up", "1 when the store answered the counts query", {}, 1);
    } else {
        log::warn("ops.stats_failed", {{"error", stats.error().to_string()}});
        s.gauge("gateway_store_stats_up", "1 when the store answered the counts query", {}, 0);
    }

    if (hooks_.store_size_bytes) {
        if (auto size = hooks_.store_size_bytes()) {
            s.gauge("gateway_store_size_bytes", "Size of the store on disk (database and write-ahead log)", {},
                    static_cast<double>(*size));
        }
    }

    if (hooks_.vendors) {
        for (const auto& v : hooks_.vendors()) {
            const Labels l{{"vendor", v.vendor}};
            s.gauge("gateway_vendor_paused", "1 while an operator has paused deliveries to the vendor", l,
                    v.paused ? 1 : 0);
            for (const char* state : {"closed", "half_open", "open"}) {
                s.gauge("gateway_circuit_breaker_state", "Circuit breaker state per vendor (1 for the current one)",
                        {{"vendor", v.vendor}, {"state", state}}, v.breaker == state ? 1 : 0);
            }
            s.gauge("gateway_deliveries_in_flight", "Deliveries running right now", l, v.in_flight);
            const std::pair<const char*, std::uint64_t> actions[] = {
                {"delivered", v.delivered}, {"retry", v.retried}, {"dead_letter", v.dead}};
            for (const auto& [action, n] : actions) {
                s.counter("gateway_deliveries_total", "Delivery attempts filed by the engine, by what it did",
                          {{"vendor", v.vendor}, {"action", action}}, static_cast<double>(n));
            }
        }
    }
    if (hooks_.pipeline) {
        const auto p = hooks_.pipeline();
        s.counter("gateway_pipeline_orders_total", "Inbound messages turned into orders", {},
                  static_cast<double>(p.orders));
        s.counter("gateway_pipeline_failures_total", "Inbound messages that failed mapping or routing", {},
                  static_cast<double>(p.failed));
    }
    if (auto shadow = store_.shadow_counts(std::nullopt)) {
        for (const auto& c : *shadow) {
            s.gauge("gateway_shadow_results", "Shadow-mode results recorded per candidate vendor and outcome",
                    {{"vendor", c.vendor}, {"outcome", std::string(to_string(c.outcome))}},
                    static_cast<double>(c.count));
        }
    }
    s.gauge("gateway_live_stream_clients", "Dashboard live streams open", {}, static_cast<double>(feed_.clients()));
}

}  // namespace gw::ops
