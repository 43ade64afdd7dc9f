#pragma once
// The admin REST API under /api/v1 (documented in docs/openapi.yaml). Every route is authenticated with a bearer
// token (auth.hpp) and checked for its role before anything else happens; refusals (401, 403) are audited. Handlers
// run on the ops Worker, never on the HTTP strand, because they query the store.
//
// Reading needs viewer (or operator); personal data is masked unless the caller has phi-reader AND asks for it with
// `unmask=true&reason=...`; every unmasked view is written to the audit log with that reason before the data is
// returned. Acting (replay, pause/resume, reload) needs operator and a JSON body with a "reason"; the call is
// audited (who, what, target, reason) before it is carried out. Errors are RFC 9457 problem bodies.
//
// Replaying a dead-lettered submission reopens its order: the dead letter had moved it to failed or rejected, final
// states that no delivery outcome may leave, so the replay first records an operator event moving it back to
// routed (with who and why); the delivery's outcome then moves it forward as usual.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>

#include "gateway/http/router.hpp"
#include "gateway/ops/auth.hpp"
#include "gateway/ops/gateway_metrics.hpp"
#include "gateway/ops/live_feed.hpp"
#include "gateway/ops/ops_hooks.hpp"
#include "gateway/ops/stats_cache.hpp"
#include "gateway/ops/worker.hpp"
#include "gateway/store/store.hpp"

namespace gw::ops {

struct AdminApiOptions {
    std::size_t default_page_size = 50;
    std::size_t max_page_size = 200;
    std::size_t max_replay_ids = 500;
    std::size_t scorecard_max_orders = 100'000;
    int scorecard_max_days = 366;
    // Refusals are audited, but a flood of bad tokens must not flood the audit log: at most this many refusal
    // entries per minute; the rest are logged only.
    int denied_audits_per_minute = 60;
};

class AdminApi {
  public:
    AdminApi(store::Store& store, const OpsHooks& hooks, const TokenStore& tokens, Worker& worker,
             GatewayMetrics& metrics, StatsCache& stats, LiveFeed& feed, AdminApiOptions options);

    // Mounts every /api/v1 route on `router`. The API must outlive the server.
    void mount(http::Router& router);

    struct Call;  // one authenticated request (internal)

  private:
    using Handler = std::function<http::Response(const Call&)>;
    enum class Need { read, act };

    http::AsyncHandler guarded(Need need, Handler handler);
    std::optional<Principal> authenticate(const http::Request& request) const;
    void audit_refusal(const http::Request& request, const std::string& who, unsigned status);

    http::Response whoami(const Call& call);
    http::Response overview(const Call& call);
    http::Response search_messages(const Call& call);
    http::Response show_message(const Call& call);
    http::Response replay_message(const Call& call);
    http::Response search_orders(const Call& call);
    http::Response show_order(const Call& call);
    http::Response list_dead_letters(const Call& call);
    http::Response replay_dead_letters(const Call& call);
    http::Response replay_dead_letter(const Call& call);
    http::Response list_vendors(const Call& call);
    http::Response pause_vendor(const Call& call, bool pause);
    http::Response reload(const Call& call);
    http::Response list_routes(const Call& call);
    http::Response shadow(const Call& call);
    http::Response scorecard(const Call& call);
    http::Response audit_log(const Call& call);
    void stream(const http::Request& request, http::SseStream stream);

    // Writes an audit entry; false (and the caller answers 503) when the store refused it.
    bool audit(const Call& call, std::string action, std::string target, const std::string& reason,
               std::string outcome = {});
    http::Response requeue(const Call& call, const std::vector<std::int64_t>& ids, const std::string& reason);
    // Orders whose dead-lettered submission is replayed go back from failed/rejected to routed (see the .cpp).
    void reopen_orders(const Call& call, const std::vector<std::int64_t>& ids, const std::string& reason);

    store::Store& store_;
    const OpsHooks& hooks_;
    const TokenStore& tokens_;
    Worker& worker_;
    GatewayMetrics& metrics_;
    StatsCache& stats_;
    LiveFeed& feed_;
    const AdminApiOptions options_;

    std::mutex refusal_mutex_;
    std::chrono::steady_clock::time_point refusal_window_{};
    int refusals_in_window_ = 0;
};

}  // namespace gw::ops
