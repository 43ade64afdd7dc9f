// /_sandbox/...: the control endpoints for tests and the demo: faults at runtime, the orders received, the webhooks
// sent, and the sandbox clock.

#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include "gateway/http/problem.hpp"
#include "routes.hpp"

namespace sandbox {

namespace json = boost::json;
using gw::http::Verb;

namespace {

json::object faults_json(const FaultSettings& f) {
    json::object burst{{"count", f.burst_count}, {"status", f.burst_status}};
    burst["retry_after_s"] = f.burst_retry_after ? json::value(*f.burst_retry_after) : json::value(nullptr);
    return {{"latency_ms", f.latency.count()},
            {"error_percent", f.error_percent},
            {"burst", std::move(burst)},
            {"reset_percent", f.reset_percent},
            {"trickle_ms", f.trickle.count()},
            {"malformed_json_percent", f.malformed_json_percent}};
}

json::object all_faults(const Sandbox& sandbox) {
    json::object out;
    for (auto vendor : all_vendors) out[name_of(vendor)] = faults_json(sandbox.faults(vendor));
    return out;
}

// An integer member within [min, max]; absent -> fallback; anything else -> error text.
std::optional<std::int64_t> integer(const json::object& o, std::string_view key, std::int64_t fallback,
                                    std::int64_t min, std::int64_t max, std::string& error) {
    auto* v = o.if_contains(key);
    if (!v) return fallback;
    if (!v->is_int64() || v->as_int64() < min || v->as_int64() > max) {
        error = fmt::format("{} must be an integer in [{}, {}]", key, min, max);
        return std::nullopt;
    }
    return v->as_int64();
}

// The JSON form of FaultSettings (as GET /_sandbox/faults shows it), plus "expire_tokens": true as a one-shot
// action. Unknown members are refused, so a typo does not silently inject nothing.
std::optional<FaultSettings> read_faults(const json::object& o, bool& expire, std::string& error) {
    static const std::vector<std::string_view> known{"latency_ms",  "error_percent", "burst",        "reset_percent",
                                                     "trickle_ms",  "malformed_json_percent", "expire_tokens"};
    for (const auto& member : o) {
        if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
            error = fmt::format("unknown member '{}'", std::string(member.key()));
            return std::nullopt;
        }
    }
    FaultSettings f;
    auto latency = integer(o, "latency_ms", 0, 0, 600'000, error);
    auto errors = integer(o, "error_percent", 0, 0, 100, error);
    auto resets = integer(o, "reset_percent", 0, 0, 100, error);
    auto trickle = integer(o, "trickle_ms", 0, 0, 10'000, error);
    auto malformed = integer(o, "malformed_json_percent", 0, 0, 100, error);
    if (!latency || !errors || !resets || !trickle || !malformed) return std::nullopt;
    f.latency = std::chrono::milliseconds(*latency);
    f.error_percent = static_cast<int>(*errors);
    f.reset_percent = static_cast<int>(*resets);
    f.trickle = std::chrono::milliseconds(*trickle);
    f.malformed_json_percent = static_cast<int>(*malformed);
    if (auto* burst = o.if_contains("burst")) {
        if (!burst->is_object()) {
            error = "burst must be an object";
            return std::nullopt;
        }
        const auto& b = burst->as_object();
        auto count = integer(b, "count", 0, 0, 1'000'000, error);
        auto status = integer(b, "status", 429, 400, 599, error);
        if (!count || !status) return std::nullopt;
        f.burst_count = static_cast<int>(*count);
        f.burst_status = static_cast<int>(*status);
        if (auto* retry = b.if_contains("retry_after_s"); retry && !retry->is_null()) {
            auto seconds = integer(b, "retry_after_s", 0, 0, 86'400, error);
            if (!seconds) return std::nullopt;
            f.burst_retry_after = static_cast<int>(*seconds);
        }
    }
    if (auto* e = o.if_contains("expire_tokens")) expire = e->is_bool() && e->as_bool();
    return f;
}

Response bad_request(std::string detail) {
    return gw::http::make_problem(Status::bad_request, std::move(detail)).to_response();
}

}  // namespace

void add_control_routes(gw::http::Router& router, Sandbox& sandbox) {
    router.get("/_sandbox/healthz", [](const Request&) { return Response::text(Status::ok, "ok"); });
    router.get("/_sandbox/faults", [&sandbox](const Request&) { return json_response(Status::ok, all_faults(sandbox)); });
    router.post("/_sandbox/faults", [&sandbox](const Request& req) {
        auto body = parse_object(req.body);
        if (!body) return bad_request("a JSON object keyed by vendor name is expected");
        std::vector<std::tuple<Vendor, FaultSettings, bool>> updates;
        for (const auto& member : *body) {
            auto vendor = vendor_named(member.key());
            if (!vendor) return bad_request(fmt::format("unknown vendor '{}'", std::string(member.key())));
            if (!member.value().is_object()) return bad_request("each vendor's faults must be an object");
            bool expire = false;
            std::string error;
            auto faults = read_faults(member.value().as_object(), expire, error);
            if (!faults) return bad_request(fmt::format("{}: {}", std::string(member.key()), error));
            updates.emplace_back(*vendor, *faults, expire);
        }
        // All or nothing: applied only once every vendor's settings are valid.
        for (const auto& [vendor, faults, expire] : updates) {
            sandbox.set_faults(vendor, faults);
            if (expire) sandbox.expire_tokens(vendor);
        }
        return json_response(Status::ok, all_faults(sandbox));
    });
    router.del("/_sandbox/faults", [&sandbox](const Request&) {
        for (auto vendor : all_vendors) sandbox.set_faults(vendor, FaultSettings{});
        return json_response(Status::ok, all_faults(sandbox));
    });
    // Where webhooks (instacart-connect) and OrderResponses (peppol-ap) go: a test starts the sandbox before the
    // receiver knows its port, then points the callbacks at it.
    const auto callbacks = [&sandbox] {
        return json::object{{"instacart-connect", sandbox.callback_url(Vendor::instacart)},
                            {"peppol-ap", sandbox.callback_url(Vendor::peppol)}};
    };
    router.get("/_sandbox/callbacks", [callbacks](const Request&) { return json_response(Status::ok, callbacks()); });
    router.post("/_sandbox/callbacks", [&sandbox, callbacks](const Request& req) {
        auto body = parse_object(req.body);
        if (!body) return bad_request("{\"instacart-connect\": URL, \"peppol-ap\": URL} is expected");
        std::vector<std::pair<Vendor, std::string>> updates;
        for (const auto& member : *body) {
            auto vendor = vendor_named(member.key());
            if (!vendor || (*vendor != Vendor::instacart && *vendor != Vendor::peppol)) {
                return bad_request(fmt::format("'{}' sends no callbacks", std::string(member.key())));
            }
            if (!member.value().is_string()) return bad_request("each callback URL must be a string");
            updates.emplace_back(*vendor, std::string(member.value().as_string()));
        }
        for (auto& [vendor, url] : updates) sandbox.set_callback_url(vendor, std::move(url));
        return json_response(Status::ok, callbacks());
    });
    router.get("/_sandbox/orders", [&sandbox](const Request&) { return json_response(Status::ok, sandbox.orders()); });
    router.del("/_sandbox/orders", [&sandbox](const Request&) {
        sandbox.clear_orders();
        return Response::no_content();
    });
    router.get("/_sandbox/webhooks",
               [&sandbox](const Request&) { return json_response(Status::ok, sandbox.webhooks()); });
    router.post("/_sandbox/clock", [&sandbox](const Request& req) {
        auto body = parse_object(req.body);
        auto* seconds = body ? body->if_contains("advance_s") : nullptr;
        if (!seconds || !seconds->is_int64() || seconds->as_int64() < 0) {
            return bad_request("{\"advance_s\": N} with N >= 0 is expected");
        }
        sandbox.advance(std::chrono::seconds(seconds->as_int64()));
        return json_response(Status::ok, json::object{{"now", sandbox.now_iso()}});
    });
}

}  // namespace sandbox
