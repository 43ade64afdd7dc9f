#pragma once
// OpsService: everything operators and monitoring see, in one object the composition root creates and mounts:
//   GET /metrics              Prometheus text exposition (no token: it carries no personal data)
//   /api/v1/...               the admin API (admin_api.hpp), bearer tokens with roles
//   GET /dashboard/...        the live dashboard (static files compiled into the binary); GET / redirects there
// plus the readiness checks "outbox" (a destination whose oldest pending item waits longer than
// outbox_stuck_after, and that nobody paused, makes the gateway not ready) and "store_disk" (OpsHooks::store_writable).
//
// Usage (gateway/app):
//   auto ops = OpsService::create(store, hooks, options);      // reads the tokens file
//   engine_options.on_attempt = [m = &(*ops)->metrics()](auto& a) { ... };
//   (*ops)->mount(router); (*ops)->add_health_checks(health); (*ops)->start(); ... (*ops)->stop();

#include <chrono>
#include <memory>
#include <string>

#include "gateway/core/result.hpp"
#include "gateway/http/health.hpp"
#include "gateway/http/router.hpp"
#include "gateway/ops/admin_api.hpp"
#include "gateway/ops/auth.hpp"
#include "gateway/ops/gateway_metrics.hpp"
#include "gateway/ops/live_feed.hpp"
#include "gateway/ops/metrics.hpp"
#include "gateway/ops/ops_hooks.hpp"
#include "gateway/ops/stats_cache.hpp"
#include "gateway/ops/worker.hpp"
#include "gateway/store/store.hpp"

namespace gw::ops {

struct OpsOptions {
    std::string tokens_file;  // empty: no tokens, every admin API call is refused (401)
    bool dashboard = true;
    std::size_t worker_threads = 2;
    std::size_t worker_queue = 256;
    std::chrono::milliseconds stats_max_age{1'000};
    std::chrono::milliseconds outbox_stuck_after{30 * 60 * 1000};
    LiveFeedOptions feed;
    AdminApiOptions api;
};

class OpsService {
  public:
    static Result<std::unique_ptr<OpsService>> create(store::Store& store, OpsHooks hooks, OpsOptions options);
    // For tests and tools that bring their own tokens.
    OpsService(store::Store& store, OpsHooks hooks, OpsOptions options, TokenStore tokens);
    ~OpsService();  // stop()
    OpsService(const OpsService&) = delete;
    OpsService& operator=(const OpsService&) = delete;

    GatewayMetrics& metrics() noexcept { return metrics_; }
    Registry& registry() noexcept { return registry_; }
    LiveFeed& feed() noexcept { return feed_; }
    // Hooks may be completed after create() (the engine exists later than the metrics it reports to); call before
    // start().
    OpsHooks& hooks() noexcept { return hooks_; }

    void mount(http::Router& router);
    void add_health_checks(http::HealthRegistry& health);

    void start();  // the live feed thread
    void stop();   // closes live streams, drains the worker; idempotent

    // The /metrics body (tests and benchmarks call it directly).
    std::string scrape();

  private:
    void collect(Scrape& scrape);

    store::Store& store_;
    OpsHooks hooks_;
    const OpsOptions options_;
    const TokenStore tokens_;
    Registry registry_;
    GatewayMetrics metrics_;
    StatsCache stats_;
    Worker worker_;
    LiveFeed feed_;
    AdminApi api_;
    const std::chrono::system_clock::time_point started_;
};

}  // namespace gw::ops
