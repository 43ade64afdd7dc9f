// instacart-connect style: OAuth2 client credentials with expiring tokens (401 {"error":"invalid_token"}), delivery
// slot holds that expire, orders that must reference a live hold (errors in an {"errors":[{code,message}]}
// envelope), and the order lifecycle brand_new -> acknowledged -> picking -> delivering -> delivered (or canceled)
// pushed as HMAC-signed webhooks whose event ids are JSON numbers above 2^53, some duplicated, some out of order.

#include <map>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include "routes.hpp"
#include "webhooks.hpp"

namespace sandbox {

namespace json = boost::json;
using gw::http::Verb;

namespace {

// 2^53 + 1: the first integer a double cannot hold. A receiver that parses event ids as doubles sees duplicates.
constexpr std::uint64_t first_event_id = (1ull << 53) + 1;

struct Token {
    Sandbox::Clock::time_point expires;
    std::uint64_t epoch = 0;
};

struct Hold {
    Sandbox::Clock::time_point expires;
    bool used = false;
};

class InstacartConnect {
public:
    explicit InstacartConnect(Sandbox& sandbox) : sandbox_(sandbox), config_(sandbox.config().instacart) {}

    Response token(const Request& req) {
        std::map<std::string, std::string> fields;
        if (auto body = parse_object(req.body)) {
            for (auto key : {"grant_type", "client_id", "client_secret"}) {
                if (auto v = string_member(*body, key)) fields[key] = *v;
            }
        } else {
            fields = parse_form(req.body);
        }
        if (auto basic = basic_credentials(req.header("Authorization").value_or(""))) {
            fields["client_id"] = basic->first;
            fields["client_secret"] = basic->second;
        }
        if (fields["grant_type"] != "client_credentials") {
            return json_response(Status::bad_request, json::object{{"error", "unsupported_grant_type"}});
        }
        if (fields["client_id"] != config_.client_id || fields["client_secret"] != config_.client_secret) {
            return json_response(Status::unauthorized, json::object{{"error", "invalid_client"}});
        }
        auto token = sandbox_.random_hex(40);
        {
            std::lock_guard lock(mutex_);
            tokens_[token] = Token{sandbox_.now() + config_.token_ttl, sandbox_.token_epoch(Vendor::instacart)};
        }
        return json_response(Status::ok,
                             json::object{{"access_token", token},
                                          {"token_type", "Bearer"},
                                          {"expires_in", std::chrono::duration_cast<std::chrono::seconds>(
                                                             config_.token_ttl)
                                                             .count()},
                                          {"scope", "connect:fulfillment"},
                                          {"created_at", sandbox_.now_unix()}});
    }

    Response hold_slot(const Request& req) {
        if (auto denied = authorize(req)) return *denied;
        auto id = "hold-" + sandbox_.random_hex(12);
        auto expires_in = std::chrono::duration_cast<std::chrono::seconds>(config_.slot_hold).count();
        {
            std::lock_guard lock(mutex_);
            holds_[id] = Hold{sandbox_.now() + config_.slot_hold, false};
        }
        json::object window;
        if (auto body = parse_object(req.body)) window = *body;
        return json_response(Status::created, json::object{{"service_option_hold",
                                                            json::object{{"id", id},
                                                                         {"expires_in", expires_in},
                                                                         {"window", window}}}});
    }

    Response create_order(const Request& req) {
        if (auto denied = authorize(req)) return *denied;
        auto body = parse_object(req.body);
        if (!body) return Sandbox::vendor_error(Vendor::instacart, 422, "request body must be a JSON object", 1001);
        auto order_id = string_member(*body, "order_id");
        auto hold_id = string_member(*body, "service_option_hold_id");
        auto items = body->if_contains("items");
        if (!order_id || order_id->empty()) {
            return Sandbox::vendor_error(Vendor::instacart, 422, "order_id is required", 1001);
        }
        if (!items || !items->is_array() || items->as_array().empty()) {
            return Sandbox::vendor_error(Vendor::instacart, 422, "items must be a non-empty array", 1001);
        }
        bool cancel = false;
        for (const auto& item : items->as_array()) {
            const auto* upc = item.is_object() ? item.as_object().if_contains("upc") : nullptr;
            if (!upc || !upc->is_string()) {
                return Sandbox::vendor_error(Vendor::instacart, 422, "every item needs a upc string", 1001);
            }
            for (const auto& c : config_.cancel_items) cancel = cancel || upc->as_string() == c;
        }
        {
            std::lock_guard lock(mutex_);
            auto hold = hold_id ? holds_.find(*hold_id) : holds_.end();
            if (hold == holds_.end()) {
                return Sandbox::vendor_error(Vendor::instacart, 422, "service_option_hold_id is unknown", 1002);
            }
            if (hold->second.used || sandbox_.now() >= hold->second.expires) {
                return Sandbox::vendor_error(Vendor::instacart, 409,
                                             "The service option hold has expired. Hold a new slot.", 9999);
            }
            if (statuses_.contains(*order_id)) {
                return Sandbox::vendor_error(Vendor::instacart, 409, "An order with this order_id already exists",
                                             2001);
            }
            hold->second.used = true;
            statuses_[*order_id] = "brand_new";
        }
        sandbox_.record_order(Vendor::instacart, json::value(*order_id), *body);
        schedule_lifecycle(*order_id, cancel);
        return json_response(Status::created, json::object{{"order_id", *order_id},
                                                           {"status", "brand_new"},
                                                           {"created_at", sandbox_.now_iso()}});
    }

    Response order_status(const Request& req) {
        if (auto denied = authorize(req)) return *denied;
        auto id = std::string(req.param("order_id").value_or(""));
        std::lock_guard lock(mutex_);
        auto it = statuses_.find(id);
        if (it == statuses_.end()) return Sandbox::vendor_error(Vendor::instacart, 404, "order not found", 1404);
        return json_response(Status::ok, json::object{{"order_id", id}, {"status", it->second}});
    }

private:
    std::optional<Response> authorize(const Request& req) {
        auto header = req.header("Authorization").value_or("");
        std::string token = header.starts_with("Bearer ") ? std::string(header.substr(7)) : std::string();
        std::lock_guard lock(mutex_);
        auto it = tokens_.find(token);
        if (it != tokens_.end() && sandbox_.now() < it->second.expires &&
            it->second.epoch == sandbox_.token_epoch(Vendor::instacart)) {
            return std::nullopt;
        }
        auto response = json_response(Status::unauthorized, json::object{{"error", "invalid_token"}});
        response.headers.set("WWW-Authenticate", R"(Bearer error="invalid_token")");
        return response;
    }

    // The events of one order, each delivered event_interval apart; with the configured percentages an event is
    // delivered twice, or swaps places with the next one.
    void schedule_lifecycle(const std::string& order_id, bool cancel) {
        std::vector<std::string> states = cancel ? std::vector<std::string>{"brand_new", "acknowledged", "canceled"}
                                                 : std::vector<std::string>{"brand_new", "acknowledged", "picking",
                                                                            "delivering", "delivered"};
        struct Planned {
            std::string state;
            std::uint64_t event_id;
            std::chrono::milliseconds at;
        };
        std::vector<Planned> plan;
        for (std::size_t i = 0; i < states.size(); ++i) {
            plan.push_back({states[i], next_event_id_.fetch_add(1),
                            config_.event_interval * static_cast<int>(i + 1)});
        }
        const auto truth = plan;  // the order things happen in; reordering only affects delivery
        for (std::size_t i = 0; i + 1 < plan.size(); ++i) {
            if (sandbox_.roll(config_.reorder_percent)) std::swap(plan[i].at, plan[i + 1].at);
        }
        std::vector<Planned> deliveries = plan;
        for (const auto& p : plan) {
            if (sandbox_.roll(config_.duplicate_percent)) deliveries.push_back({p.state, p.event_id, p.at + config_.event_interval / 2});
        }
        for (const auto& d : deliveries) {
            json::object event{{"event_id", d.event_id},
                               {"event_type", "order.status_changed"},
                               {"order_id", order_id},
                               {"status", d.state},
                               {"occurred_at", sandbox_.now_iso()}};
            Callback callback;
            callback.vendor = Vendor::instacart;
            callback.url = sandbox_.callback_url(Vendor::instacart);
            callback.body = json::serialize(event);
            auto timestamp = std::to_string(sandbox_.now_unix());
            callback.headers.set("Content-Type", "application/json");
            callback.headers.set("X-Instacart-Timestamp", timestamp);
            callback.headers.set("X-Instacart-Signature",
                                 "v1=" + hmac_sha256_hex(config_.webhook_secret, timestamp + "." + callback.body));
            callback.label = fmt::format("event {} {} {}", d.event_id, order_id, d.state);
            send_later(sandbox_, std::move(callback), d.at);
        }
        // GET /orders/{id} follows the lifecycle as it happens (webhooks or not).
        for (const auto& p : truth) {
            auto timer = std::make_shared<boost::asio::steady_timer>(sandbox_.io(), p.at);
            timer->async_wait([this, timer, order_id, state = p.state](const boost::system::error_code& ec) {
                if (ec) return;
                std::lock_guard lock(mutex_);
                statuses_[order_id] = state;
            });
        }
    }

    Sandbox& sandbox_;
    const InstacartConfig& config_;
    std::atomic<std::uint64_t> next_event_id_{first_event_id};
    std::mutex mutex_;
    std::map<std::string, Token> tokens_;
    std::map<std::string, Hold> holds_;
    std::map<std::string, std::string> statuses_;  // order_id -> latest status
};

}  // namespace

void add_instacart_routes(gw::http::Router& router, Sandbox& sandbox) {
    auto api = std::make_shared<InstacartConnect>(sandbox);
    sandbox.route(router, Vendor::instacart, Verb::post, "/instacart-connect/oauth/token",
                  [api](const Request& req, const CallInfo&) { return api->token(req); });
    sandbox.route(router, Vendor::instacart, Verb::post, "/instacart-connect/slots/hold",
                  [api](const Request& req, const CallInfo&) { return api->hold_slot(req); });
    sandbox.route(router, Vendor::instacart, Verb::post, "/instacart-connect/orders",
                  [api](const Request& req, const CallInfo&) { return api->create_order(req); });
    sandbox.route(router, Vendor::instacart, Verb::get, "/instacart-connect/orders/{order_id}",
                  [api](const Request& req, const CallInfo&) { return api->order_status(req); });
}

}  // namespace sandbox
