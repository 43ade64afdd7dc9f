#pragma once
// The grocers' webhook endpoints on the gateway's HTTP server: POST /api/v1/webhooks/{vendor}, one per vendor whose
// adapter.yaml says capabilities.status: webhook. The handler answers fast and never touches the disk itself:
//   404  no such vendor (or it sends no webhooks)                      problem body
//   413  body over the vendor's status_in.max_body                     problem body
//   401  signature, token or timestamp refused (logged with the peer, counted; the body is not kept: an attacker
//        must not be able to fill the disk)                          problem body, WWW-Authenticate
//   then the body is mapped (status_in.mapping) on this thread, handed to StatusIngest, and answered once stored:
//   200  stored / duplicate / stale (late: the order does not move back) / recorded without a state change
//   404  unknown order (the body is stored as a rejected message)      problem body
//   422  a body the mapping refuses, or an event that does not fit the order (stored as rejected)
//   503  the store cannot take it now (Retry-After: 5): the grocer retries
// The webhook routes carry their own verification: they are not behind the admin API's bearer tokens.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/status/status_in_config.hpp"
#include "gateway/http/router.hpp"
#include "gateway/mapping/value.hpp"
#include "gateway/status/status_ingest.hpp"

namespace gw::status {

struct WebhookVendor {
    adapters::status::StatusInConfig config;  // mode webhook, secrets resolved (load_status_in)
    mapping::Params params;                   // the deployment's vendor params, for the status mapping
};

struct WebhookStats {
    std::uint64_t requests = 0, refused = 0, bad_signature = 0, missing_signature = 0, stale_timestamp = 0,
                  unknown_vendor = 0, too_large = 0;
};

class WebhookRoutes {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    WebhookRoutes(StatusIngest& ingest, std::vector<WebhookVendor> vendors,
                  Clock clock = [] { return std::chrono::system_clock::now(); });

    // Adds POST /api/v1/webhooks/{vendor}. The router must not outlive this object.
    void mount(http::Router& router);

    static constexpr std::string_view path_prefix = "/api/v1/webhooks/";

    WebhookStats stats() const;

private:
    void handle(const http::Request& request, http::Responder respond);

    StatusIngest& ingest_;
    std::map<std::string, WebhookVendor, std::less<>> vendors_;
    Clock clock_;
    struct Counters {
        std::atomic<std::uint64_t> requests{0}, refused{0}, bad_signature{0}, missing_signature{0},
            stale_timestamp{0}, unknown_vendor{0}, too_large{0};
    };
    std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
};

}  // namespace gw::status
