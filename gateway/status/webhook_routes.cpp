#include "gateway/status/webhook_routes.hpp"

#include <boost/json/object.hpp>
#include <fmt/format.h>

#include "gateway/http/problem.hpp"
#include "gateway/log/log.hpp"
#include "gateway/model/json.hpp"
#include "gateway/status/webhook_verifier.hpp"

namespace gw::status {
namespace {

using http::Status;

http::Response problem(Status status, std::string detail, std::string_view code, const std::string& instance) {
    auto p = http::make_problem(status, std::move(detail), instance);
    p.extensions["code"] = code;
    return p.to_response();
}

http::Response answer(const IngestResult& r, const std::string& instance) {
    switch (r.status) {
        case IngestStatus::stored:
        case IngestStatus::duplicate:
        case IngestStatus::stale:
        case IngestStatus::invalid: {
            boost::json::object body{{"result", to_string(r.status)}};
            if (!r.order_id.empty()) body["order_id"] = r.order_id;
            if (!r.order_state.empty()) body["order_state"] = r.order_state;
            return http::Response::json(Status::ok, body);
        }
        case IngestStatus::unknown_order:
            return problem(Status::not_found, r.detail, "unknown_order", instance);
        case IngestStatus::rejected:
            return problem(Status::unprocessable_entity, r.detail, "rejected", instance);
        case IngestStatus::unavailable:
            break;
    }
    auto response = problem(Status::service_unavailable, r.detail.empty() ? "try again later" : r.detail,
                            "unavailable", instance);
    response.headers.set("Retry-After", "5");
    return response;
}

}  // namespace

WebhookRoutes::WebhookRoutes(StatusIngest& ingest, std::vector<WebhookVendor> vendors, Clock clock)
    : ingest_(ingest), clock_(std::move(clock)) {
    for (auto& v : vendors) {
        if (!v.config.webhook) continue;
        if (v.config.webhook->scheme == adapters::status::Verify::none) {
            log::warn("status.webhook_unverified", {{"vendor", v.config.vendor},
                                                    {"why", "status_in.webhook.verify is none: anyone who can reach "
                                                            "the gateway can report status for this vendor"}});
        }
        auto name = v.config.vendor;
        vendors_.emplace(std::move(name), std::move(v));
    }
}

void WebhookRoutes::mount(http::Router& router) {
    std::size_t limit = 64 * 1024;
    for (const auto& [name, v] : vendors_) limit = std::max(limit, v.config.max_body);
    http::RouteOptions options;
    options.body_limit = limit;
    router.add_async(http::Verb::post, std::string(path_prefix) + "{vendor}",
                     [this](const http::Request& request, http::Responder respond) {
                         handle(request, std::move(respond));
                     },
                     options);
}

WebhookStats WebhookRoutes::stats() const {
    WebhookStats s;
    s.requests = counters_->requests.load();
    s.refused = counters_->refused.load();
    s.bad_signature = counters_->bad_signature.load();
    s.missing_signature = counters_->missing_signature.load();
    s.stale_timestamp = counters_->stale_timestamp.load();
    s.unknown_vendor = counters_->unknown_vendor.load();
    s.too_large = counters_->too_large.load();
    return s;
}

void WebhookRoutes::handle(const http::Request& request, http::Responder respond) {
    counters_->requests.fetch_add(1);
    const std::string vendor(request.param("vendor").value_or(""));
    const std::string instance = request.path;
    auto it = vendors_.find(vendor);
    if (it == vendors_.end()) {
        counters_->unknown_vendor.fetch_add(1);
        return respond(problem(Status::not_found, fmt::format("no webhook for vendor '{}'", vendor), "unknown_vendor",
                               instance));
    }
    const WebhookVendor& v = it->second;
    if (request.body.size() > v.config.max_body) {
        counters_->too_large.fetch_add(1);
        return respond(problem(Status::payload_too_large,
                               fmt::format("the body has {} bytes; at most {} are accepted", request.body.size(),
                                           v.config.max_body),
                               "too_large", instance));
    }
    const auto verdict = verify_webhook(*v.config.webhook, request, clock_());
    if (!verdict.ok()) {
        counters_->refused.fetch_add(1);
        switch (verdict.refusal) {
            case Refusal::bad_signature:
                counters_->bad_signature.fetch_add(1);
                break;
            case Refusal::stale_timestamp:
                counters_->stale_timestamp.fetch_add(1);
                break;
            default:
                counters_->missing_signature.fetch_add(1);
                break;
        }
        log::warn("status.webhook_refused", {{"vendor", vendor},
                                             {"peer", request.peer},
                                             {"reason", to_string(verdict.refusal)},
                                             {"detail", verdict.detail}});
        auto response = problem(Status::unauthorized, verdict.detail, to_string(verdict.refusal), instance);
        response.headers.set("WWW-Authenticate",
                             v.config.webhook->scheme == adapters::status::Verify::bearer ? "Bearer" : "Signature");
        return respond(std::move(response));
    }

    IncomingStatus incoming;
    incoming.vendor = vendor;
    incoming.key = v.config.order_key;
    incoming.source = "webhook";
    incoming.raw = request.body;
    incoming.peer = request.peer;
    // Mapping is CPU work on a small body: done here, so the worker thread only does store calls.
    mapping::Params params = v.params;
    params["vendor"] = vendor;
    params["order_id"] = "";
    mapping::RunOptions run;
    run.params = &params;
    auto mapped = v.config.mapping->run(request.body, run);
    if (!mapped) {
        incoming.error = std::move(mapped).error();
    } else {
        auto event = model::order_event_from_value(mapped->json);
        if (!event) {
            incoming.error = std::move(event).error();
        } else {
            incoming.event = std::move(event).value();
        }
    }
    ingest_.submit(std::move(incoming),
                   [respond, instance](IngestResult r) { respond(answer(r, instance)); });
}

}  // namespace gw::status
