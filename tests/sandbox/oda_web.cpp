// oda-web style: a web shop's private API. Session cookie + CSRF token from POST /login, a cart changed by quantity
// deltas, checkout that answers 200 and silently drops sold-out lines, 425 Too Early under load, prices as decimal
// strings, and JSON that mixes camelCase and snake_case.

#include <map>
#include <vector>

#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include "routes.hpp"

namespace sandbox {

namespace json = boost::json;
using gw::http::Verb;

namespace {

struct Line {
    std::string product_id;
    std::int64_t quantity = 0;
};

struct Session {
    std::string csrf;
    Sandbox::Clock::time_point expires;
    std::uint64_t epoch = 0;
    std::vector<Line> cart;
};

// A stable price per product: FNV-1a of the id mapped to 10.00..99.99 (in øre).
std::int64_t price_of(std::string_view product_id) {
    std::uint64_t h = 1469598103934665603ull;
    for (char c : product_id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return 1000 + static_cast<std::int64_t>(h % 9000);
}

std::string decimal(std::int64_t ore) { return fmt::format("{}.{:02}", ore / 100, ore % 100); }

json::object line_json(const Line& line) {
    auto price = price_of(line.product_id);
    return {{"productId", line.product_id},
            {"quantity", line.quantity},
            {"unit_price", decimal(price)},
            {"lineTotal", decimal(price * line.quantity)}};
}

json::object cart_json(const std::vector<Line>& lines) {
    json::array items;
    std::int64_t total = 0;
    for (const auto& line : lines) {
        items.push_back(line_json(line));
        total += price_of(line.product_id) * line.quantity;
    }
    return {{"items", std::move(items)}, {"totalPrice", decimal(total)}, {"item_count", lines.size()}};
}

std::optional<std::string> cookie(const Request& req, std::string_view name) {
    auto header = req.header("Cookie");
    if (!header) return std::nullopt;
    std::string_view rest = *header;
    while (!rest.empty()) {
        auto semi = rest.find(';');
        auto pair = rest.substr(0, semi);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
    }
    return std::nullopt;
}

class OdaWeb {
public:
    explicit OdaWeb(Sandbox& sandbox) : sandbox_(sandbox), config_(sandbox.config().oda) {}

    Response login(const Request& req) {
        std::string username;
        std::string password;
        if (auto body = parse_object(req.body)) {
            username = string_member(*body, "username").value_or("");
            password = string_member(*body, "password").value_or("");
        } else {
            auto form = parse_form(req.body);
            username = form["username"];
            password = form["password"];
        }
        if (username != config_.username || password != config_.password) {
            return Sandbox::vendor_error(Vendor::oda, 401, "Invalid username or password.");
        }
        auto id = sandbox_.random_hex(32);
        auto csrf = sandbox_.random_hex(32);
        {
            std::lock_guard lock(mutex_);
            sessions_[id] = Session{csrf, sandbox_.now() + config_.session_ttl, sandbox_.token_epoch(Vendor::oda), {}};
        }
        auto max_age = std::chrono::duration_cast<std::chrono::seconds>(config_.session_ttl).count();
        auto response = json_response(Status::ok, json::object{{"csrfToken", csrf},
                                                               {"user", json::object{{"id", 4711},
                                                                                     {"first_name", "Care"},
                                                                                     {"lastName", "Service"}}}});
        response.headers.insert("Set-Cookie", fmt::format("sessionid={}; Path=/oda-web; HttpOnly; Max-Age={}", id,
                                                          max_age));
        response.headers.insert("Set-Cookie", fmt::format("csrftoken={}; Path=/oda-web; Max-Age={}", csrf, max_age));
        return response;
    }

    Response add_item(const Request& req, const CallInfo& call) {
        return with_session(req, call, [&](Session& session) {
            auto body = parse_object(req.body);
            if (!body) return Sandbox::vendor_error(Vendor::oda, 400, "JSON body expected.");
            auto product = string_member(*body, "product_id");
            auto delta = body->if_contains("quantity_delta");
            if (!product || product->empty()) return Sandbox::vendor_error(Vendor::oda, 400, "product_id is required.");
            if (!delta || !delta->is_int64() || delta->as_int64() == 0) {
                return Sandbox::vendor_error(Vendor::oda, 400, "quantity_delta must be a non-zero integer.");
            }
            auto it = std::find_if(session.cart.begin(), session.cart.end(),
                                   [&](const Line& l) { return l.product_id == *product; });
            if (it == session.cart.end()) it = session.cart.insert(session.cart.end(), Line{*product, 0});
            it->quantity += delta->as_int64();
            if (it->quantity <= 0) session.cart.erase(it);
            return json_response(Status::ok, cart_json(session.cart));
        });
    }

    Response cart(const Request& req, const CallInfo& call) {
        return with_session(req, call, [&](Session& session) { return json_response(Status::ok, cart_json(session.cart)); });
    }

    Response checkout(const Request& req, const CallInfo& call) {
        return with_session(req, call, [&](Session& session) {
            auto body = parse_object(req.body);
            if (!body) return Sandbox::vendor_error(Vendor::oda, 400, "JSON body expected.");
            if (!body->contains("delivery")) return Sandbox::vendor_error(Vendor::oda, 400, "delivery is required.");
            if (session.cart.empty()) return Sandbox::vendor_error(Vendor::oda, 400, "Cart is empty.");
            auto reference = string_member(*body, "externalReference");
            if (!reference) reference = string_member(*body, "external_reference");

            std::vector<Line> accepted;
            for (const auto& line : session.cart) {
                bool sold_out = std::find(config_.sold_out.begin(), config_.sold_out.end(), line.product_id) !=
                                config_.sold_out.end();
                if (!sold_out) accepted.push_back(line);
            }
            auto order_id = "ODA-" + sandbox_.random_hex(10);
            auto result = cart_json(accepted);
            result["orderId"] = order_id;
            result["status"] = "confirmed";
            result["delivery"] = body->at("delivery");
            json::object recorded = *body;
            recorded["accepted_items"] = result["items"];
            recorded["submitted_items"] = cart_json(session.cart)["items"];
            sandbox_.record_order(Vendor::oda, reference ? json::value(*reference) : json::value(nullptr),
                                  std::move(recorded));
            session.cart.clear();
            return json_response(Status::ok, result);
        });
    }

private:
    template <class F>
    Response with_session(const Request& req, const CallInfo& call, F&& f) {
        if (call.in_flight > config_.max_in_flight) {
            return Sandbox::vendor_error(Vendor::oda, 425, "Too Early: the shop is busy, try again shortly.");
        }
        auto id = cookie(req, "sessionid");
        std::lock_guard lock(mutex_);
        auto it = id ? sessions_.find(*id) : sessions_.end();
        if (it == sessions_.end()) {
            return Sandbox::vendor_error(Vendor::oda, 401, "Authentication credentials were not provided.");
        }
        if (sandbox_.now() >= it->second.expires || it->second.epoch != sandbox_.token_epoch(Vendor::oda)) {
            sessions_.erase(it);
            return Sandbox::vendor_error(Vendor::oda, 419, "Session expired. Log in again.");
        }
        auto csrf = req.header("X-CSRFToken");
        if (!csrf || *csrf != it->second.csrf) {
            return Sandbox::vendor_error(Vendor::oda, 403, "CSRF Failed: CSRF token missing or incorrect.");
        }
        return f(it->second);
    }

    Sandbox& sandbox_;
    const OdaConfig& config_;
    std::mutex mutex_;
    std::map<std::string, Session> sessions_;
};

}  // namespace

void add_oda_routes(gw::http::Router& router, Sandbox& sandbox) {
    auto oda = std::make_shared<OdaWeb>(sandbox);
    sandbox.route(router, Vendor::oda, Verb::post, "/oda-web/login",
                  [oda](const Request& req, const CallInfo&) { return oda->login(req); });
    sandbox.route(router, Vendor::oda, Verb::post, "/oda-web/cart/items",
                  [oda](const Request& req, const CallInfo& call) { return oda->add_item(req, call); });
    sandbox.route(router, Vendor::oda, Verb::get, "/oda-web/cart",
                  [oda](const Request& req, const CallInfo& call) { return oda->cart(req, call); });
    sandbox.route(router, Vendor::oda, Verb::post, "/oda-web/checkout",
                  [oda](const Request& req, const CallInfo& call) { return oda->checkout(req, call); });
}

}  // namespace sandbox
