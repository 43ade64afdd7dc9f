#include "gateway/app/config_reload.hpp"

#include <map>
#include <tuple>

#include <fmt/format.h>

#include "gateway/routing/day_span.hpp"

namespace gw::app {
namespace {

auto tie(const tls::ServerTlsOptions& t) {
    return std::tie(t.enabled, t.cert_file, t.key_file, t.ca_file, t.require_client_cert);
}

auto tie(const config::HttpSection& h) {
    return std::tuple_cat(std::tie(h.enabled, h.host, h.port, h.max_body_bytes, h.header_timeout, h.idle_timeout,
                                   h.max_connections),
                          tie(h.tls));
}

// Everything of a listener except its inbound mapping, which a reload applies.
auto tie(const config::MllpListenerSection& m) {
    return std::tuple_cat(std::tie(m.host, m.port, m.max_message_bytes, m.read_timeout, m.idle_timeout,
                                   m.max_connections, m.versions, m.message_types, m.sending_application,
                                   m.sending_facility),
                          tie(m.tls));
}

auto tie(const config::DeliveryPolicy& d) {
    return std::tie(d.concurrency, d.max_attempts, d.max_age, d.backoff_initial, d.backoff_max, d.operation_timeout,
                    d.lease, d.rate_per_second, d.burst, d.breaker_failures, d.breaker_open_for);
}

}  // namespace

std::vector<std::string> changes_needing_restart(const config::GatewayConfig& started,
                                                 const config::GatewayConfig& next) {
    std::vector<std::string> out;
    auto note = [&](bool differs, std::string what) {
        if (differs) out.push_back(std::move(what));
    };
    note(std::tie(started.gateway.instance_id, started.gateway.threads, started.gateway.shutdown_grace) !=
             std::tie(next.gateway.instance_id, next.gateway.threads, next.gateway.shutdown_grace),
         "gateway");
    note(std::tie(started.logging.level, started.logging.format, started.logging.mask_personal_data) !=
             std::tie(next.logging.level, next.logging.format, next.logging.mask_personal_data),
         "logging");
    note(tie(started.http) != tie(next.http), "http");
    std::map<std::string, const config::MllpListenerSection*> listeners;
    for (const auto& m : started.mllp) listeners.emplace(m.name, &m);
    for (const auto& m : next.mllp) {
        auto it = listeners.find(m.name);
        if (it == listeners.end()) {
            out.push_back(fmt::format("mllp {} (new listener)", m.name));
            continue;
        }
        note(tie(*it->second) != tie(m), fmt::format("mllp {}", m.name));
        listeners.erase(it);
    }
    for (const auto& [name, m] : listeners) out.push_back(fmt::format("mllp {} (removed listener)", name));
    note(std::tie(started.store.kind, started.store.path, started.store.dsn, started.store.queue_capacity,
                  started.store.max_batch) != std::tie(next.store.kind, next.store.path, next.store.dsn,
                                                       next.store.queue_capacity, next.store.max_batch),
         "store");
    note(started.admin.tokens_file != next.admin.tokens_file, "admin.tokens_file");
    note(std::tie(started.retention.enabled, started.retention.personal_data_after, started.retention.run_every) !=
             std::tie(next.retention.enabled, next.retention.personal_data_after, next.retention.run_every),
         "retention");
    for (const auto& v : next.vendors) {
        const auto* before = started.vendor(v.name);
        if (!before) {
            out.push_back(fmt::format("vendors.{} (new vendor: its delivery queue starts with the process)", v.name));
            continue;
        }
        note(before->enabled != v.enabled,
             fmt::format("vendors.{}.enabled (pause or resume it in the admin API to change it now)", v.name));
        note(tie(before->delivery) != tie(v.delivery), fmt::format("vendors.{}.delivery", v.name));
    }
    for (const auto& v : started.vendors) {
        if (!next.vendor(v.name)) {
            out.push_back(fmt::format(
                "vendors.{} (removed: its queued deliveries still go out with its last configuration)", v.name));
        }
    }
    return out;
}

std::vector<Error> vendors_without_delivery(const config::GatewayConfig& next, const std::set<std::string>& served,
                                            const std::string& today) {
    std::vector<Error> out;
    for (const auto& route : next.routes) {
        for (const auto& c : route.contracts) {
            if (served.contains(c.vendor) || routing::span_of(c).until <= today) continue;
            out.push_back(make_error(ErrorCode::unsupported,
                                     fmt::format("vendor {} is new since the gateway started: a reload cannot give it "
                                                 "a delivery queue, so its orders would wait until a restart",
                                                 c.vendor),
                                     c.where, "restart the gateway to add a vendor"));
        }
    }
    return out;
}

}  // namespace gw::app
