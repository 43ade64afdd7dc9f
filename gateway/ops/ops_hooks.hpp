#pragma once
// What the ops module (metrics, admin API, dashboard) needs from the rest of the gateway, as plain values and
// std::function hooks that the composition root (gateway/app) fills in. gw_ops depends on the store and the config
// types only; it never includes the delivery engine, the pipeline or the reload machinery, so each of those can
// change (or not exist yet) without touching ops. An empty hook means "not available in this build/config": the
// API answers 501 or leaves the section out, the dashboard hides it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "gateway/config/gateway_config.hpp"
#include "gateway/core/result.hpp"
#include "gateway/store/records.hpp"

namespace gw::ops {

// One vendor as the delivery engine sees it right now.
struct VendorStatus {
    std::string vendor;       // "oda-web"
    std::string destination;  // "vendor:oda-web", the outbox destination
    bool paused = false;
    std::string breaker = "closed";  // closed | open | half_open
    int in_flight = 0;
    std::uint64_t delivered = 0;  // since start: filed as done
    std::uint64_t retried = 0;    // since start: filed for a later retry
    std::uint64_t dead = 0;       // since start: dead-lettered
};

struct PipelineStatus {
    std::uint64_t orders = 0;  // messages turned into orders since start
    std::uint64_t failed = 0;  // messages that failed mapping or routing
};

// What a reload did (issue 8 fills this in; until then the hook is empty).
struct ReloadOutcome {
    bool applied = false;
    std::vector<std::string> errors;  // FILE:LINE:COL: error: ... when the new config was refused
    boost::json::value detail;        // anything the reloader wants to show (what changed)
};

struct OpsHooks {
    // ---- reading (called from ops threads; must be thread-safe and quick) ----
    std::function<std::vector<VendorStatus>()> vendors;
    std::function<PipelineStatus()> pipeline;
    std::function<std::optional<std::int64_t>()> store_size_bytes;  // database size on disk, if known
    // For /readyz, on an HTTP strand (syscalls only, no queries): can the store's files be written, is there room?
    std::function<Result<void>()> store_writable;
    std::function<std::vector<config::RouteSection>()> routes;     // the routes in effect (after reloads)
    // (Shadow-mode results need no hook: the shadow runner records them in the store, where ops reads them.)

    // ---- acting (every call is audited by the API before it is made) ----
    std::function<Result<void>(std::string_view vendor, std::string_view actor)> pause;
    std::function<Result<void>(std::string_view vendor, std::string_view actor)> resume;
    // Requeued dead letters are due now: tell the engine to look instead of waiting for its next poll.
    std::function<void(std::string_view destination)> wake;
    // Also records gateway_config_reloads_total (GatewayMetrics::config_reload): reloads come from SIGHUP too.
    std::function<Result<ReloadOutcome>(std::string_view actor)> reload;
    // Re-runs a stored inbound message (failed or rejected after a mapping fix) through the pipeline; returns the
    // order id it became.
    std::function<Result<std::string>(std::int64_t message_id)> replay_message;
    // How the inbound mapping of the message's channel turns it into the canonical order: for each output field,
    // where in the input it came from and the value it got. Values are personal data: the API masks them.
    std::function<Result<boost::json::value>(const store::MessageRecord&)> mapping_trace;
};

}  // namespace gw::ops
