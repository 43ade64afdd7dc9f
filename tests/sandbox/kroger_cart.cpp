// kroger-cart style: OAuth2 client credentials (Basic header, form body), then PUT /v1/cart/add answers 204 with no
// body at all: a cart hand-off, no order id and no order status ever. Items must carry a 13-digit UPC; a GTIN-14
// is refused with 400.

#include <map>

#include "routes.hpp"

namespace sandbox {

namespace json = boost::json;
using gw::http::Verb;

namespace {

bool is_upc13(std::string_view upc) {
    return upc.size() == 13 && std::all_of(upc.begin(), upc.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class KrogerCart {
public:
    explicit KrogerCart(Sandbox& sandbox) : sandbox_(sandbox), config_(sandbox.config().kroger) {}

    Response token(const Request& req) {
        auto form = parse_form(req.body);
        auto credentials = basic_credentials(req.header("Authorization").value_or(""));
        if (!credentials && form.contains("client_id")) credentials = std::make_pair(form["client_id"], form["client_secret"]);
        if (form["grant_type"] != "client_credentials") {
            return json_response(Status::bad_request, json::object{{"error", "unsupported_grant_type"},
                                                                   {"error_description", "grant_type is invalid"}});
        }
        if (!credentials || credentials->first != config_.client_id || credentials->second != config_.client_secret) {
            return json_response(Status::unauthorized, json::object{{"error", "invalid_client"},
                                                                    {"error_description", "Client authentication failed"}});
        }
        auto token = sandbox_.random_hex(48);
        {
            std::lock_guard lock(mutex_);
            tokens_[token] = {sandbox_.now() + config_.token_ttl, sandbox_.token_epoch(Vendor::kroger)};
        }
        return json_response(Status::ok, json::object{{"access_token", token},
                                                      {"expires_in", std::chrono::duration_cast<std::chrono::seconds>(
                                                                         config_.token_ttl)
                                                                         .count()},
                                                      {"token_type", "bearer"}});
    }

    Response add_to_cart(const Request& req) {
        if (!authorized(req)) {
            return json_response(Status::unauthorized,
                                 json::object{{"error", "invalid_token"},
                                              {"error_description", "The access token is invalid or has expired"}});
        }
        auto body = parse_object(req.body);
        const auto* items = body ? body->if_contains("items") : nullptr;
        if (!items || !items->is_array() || items->as_array().empty()) {
            return Sandbox::vendor_error(Vendor::kroger, 400, "items must be a non-empty array", 2210);
        }
        for (const auto& item : items->as_array()) {
            const auto* object = item.if_object();
            const auto* upc = object ? object->if_contains("upc") : nullptr;
            const auto* quantity = object ? object->if_contains("quantity") : nullptr;
            if (!upc || !upc->is_string() || !is_upc13(upc->as_string())) {
                return Sandbox::vendor_error(Vendor::kroger, 400, "upc must be 13 digits", 2216);
            }
            if (!quantity || !quantity->is_int64() || quantity->as_int64() <= 0) {
                return Sandbox::vendor_error(Vendor::kroger, 400, "quantity must be a positive integer", 2217);
            }
        }
        sandbox_.record_order(Vendor::kroger, nullptr, *body);
        return Response::no_content();
    }

private:
    bool authorized(const Request& req) {
        auto header = req.header("Authorization").value_or("");
        if (!header.starts_with("Bearer ")) return false;
        std::lock_guard lock(mutex_);
        auto it = tokens_.find(std::string(header.substr(7)));
        return it != tokens_.end() && sandbox_.now() < it->second.first &&
               it->second.second == sandbox_.token_epoch(Vendor::kroger);
    }

    Sandbox& sandbox_;
    const KrogerConfig& config_;
    std::mutex mutex_;
    std::map<std::string, std::pair<Sandbox::Clock::time_point, std::uint64_t>> tokens_;
};

}  // namespace

void add_kroger_routes(gw::http::Router& router, Sandbox& sandbox) {
    auto api = std::make_shared<KrogerCart>(sandbox);
    sandbox.route(router, Vendor::kroger, Verb::post, "/kroger-cart/connect/oauth2/token",
                  [api](const Request& req, const CallInfo&) { return api->token(req); });
    sandbox.route(router, Vendor::kroger, Verb::put, "/kroger-cart/v1/cart/add",
                  [api](const Request& req, const CallInfo&) { return api->add_to_cart(req); });
}

}  // namespace sandbox
