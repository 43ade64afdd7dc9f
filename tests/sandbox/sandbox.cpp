#include "sandbox.hpp"

#include <cctype>
#include <ctime>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>
#include <openssl/hmac.h>

#include "gateway/http/problem.hpp"

namespace sandbox {

namespace json = boost::json;
using gw::http::Verb;

Sandbox::Sandbox(boost::asio::io_context& ioc, SandboxConfig config, gw::httpclient::HttpClient& client)
    : ioc_(ioc), config_(std::move(config)), client_(client), random_(config_.seed) {
    for (auto vendor : all_vendors) faults_[static_cast<int>(vendor)] = config_.faults[static_cast<int>(vendor)];
    callback_urls_[static_cast<int>(Vendor::instacart)] = config_.instacart.webhook_url;
    callback_urls_[static_cast<int>(Vendor::peppol)] = config_.peppol.callback_url;
}

// --- time ---------------------------------------------------------------------------------------------------------

Sandbox::Clock::time_point Sandbox::now() const {
    std::lock_guard lock(mutex_);
    return Clock::now() + offset_;
}

std::int64_t Sandbox::now_unix() const {
    std::lock_guard lock(mutex_);
    return std::chrono::duration_cast<std::chrono::seconds>(
               (std::chrono::system_clock::now() + offset_).time_since_epoch())
        .count();
}

std::string Sandbox::now_iso() const {
    std::chrono::system_clock::time_point t;
    {
        std::lock_guard lock(mutex_);
        t = std::chrono::system_clock::now() + offset_;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

void Sandbox::advance(std::chrono::seconds by) {
    std::lock_guard lock(mutex_);
    offset_ += by;
}

// --- randomness ---------------------------------------------------------------------------------------------------

std::string Sandbox::random_hex(std::size_t chars) {
    static constexpr char digits[] = "0123456789abcdef";
    std::lock_guard lock(mutex_);
    std::string out;
    while (out.size() < chars) {
        auto n = random_();
        for (int i = 0; i < 16 && out.size() < chars; ++i, n >>= 4) out += digits[n & 15];
    }
    return out;
}

bool Sandbox::roll(int percent) {
    if (percent <= 0) return false;
    if (percent >= 100) return true;
    std::lock_guard lock(mutex_);
    return static_cast<int>(random_() % 100) < percent;
}

// --- faults -------------------------------------------------------------------------------------------------------

FaultSettings Sandbox::faults(Vendor vendor) const {
    std::lock_guard lock(mutex_);
    return faults_[static_cast<int>(vendor)];
}

void Sandbox::set_faults(Vendor vendor, const FaultSettings& faults) {
    std::lock_guard lock(mutex_);
    faults_[static_cast<int>(vendor)] = faults;
}

void Sandbox::expire_tokens(Vendor vendor) {
    std::lock_guard lock(mutex_);
    ++token_epoch_[static_cast<int>(vendor)];
}

std::uint64_t Sandbox::token_epoch(Vendor vendor) const {
    std::lock_guard lock(mutex_);
    return token_epoch_[static_cast<int>(vendor)];
}

Response Sandbox::vendor_error(Vendor vendor, unsigned status, std::string_view message, int code) {
    auto s = static_cast<Status>(status);
    switch (vendor) {
        case Vendor::oda:
            return json_response(s, json::object{{"detail", message}});
        case Vendor::instacart:
            return json_response(
                s, json::object{{"errors", json::array{json::object{{"code", code}, {"message", message}}}}});
        case Vendor::kroger:
            return json_response(s, json::object{{"errors", json::object{{"reason", message},
                                                                          {"code", fmt::format("SBX-{}", code)}}}});
        case Vendor::peppol:
            break;
    }
    return gw::http::make_problem(s, std::string(message)).to_response();
}

Sandbox::Decision Sandbox::decide(Vendor vendor) {
    Decision d;
    std::lock_guard lock(mutex_);
    auto& f = faults_[static_cast<int>(vendor)];
    auto roll_locked = [&](int percent) {
        return percent > 0 && (percent >= 100 || static_cast<int>(random_() % 100) < percent);
    };
    d.latency = f.latency;
    d.trickle = f.trickle;
    if (f.burst_count > 0) {
        --f.burst_count;
        auto status = static_cast<unsigned>(f.burst_status);
        auto response = vendor_error(vendor, status, status == 429 ? "Too Many Requests" : "Service Unavailable");
        if (f.burst_retry_after) response.headers.set("Retry-After", std::to_string(*f.burst_retry_after));
        d.early = std::move(response);
        return d;
    }
    if (roll_locked(f.error_percent)) {
        static constexpr unsigned statuses[] = {500, 502, 503};
        auto status = statuses[random_() % 3];
        d.early = vendor_error(vendor, status, "injected server error");
        return d;
    }
    d.reset = roll_locked(f.reset_percent);
    d.malformed = roll_locked(f.malformed_json_percent);
    return d;
}

// --- records ------------------------------------------------------------------------------------------------------

void Sandbox::record_order(Vendor vendor, json::value external_ref, json::value body) {
    auto received = now_iso();
    std::lock_guard lock(mutex_);
    orders_.push_back(json::object{{"vendor", name_of(vendor)},
                                   {"received_at", received},
                                   {"external_ref", std::move(external_ref)},
                                   {"body", std::move(body)}});
}

json::array Sandbox::orders() const {
    std::lock_guard lock(mutex_);
    return orders_;
}

void Sandbox::clear_orders() {
    std::lock_guard lock(mutex_);
    orders_.clear();
    webhooks_.clear();
    for (auto it = replays_.begin(); it != replays_.end();) {
        it = it->second.pending ? std::next(it) : replays_.erase(it);
    }
}

std::string Sandbox::callback_url(Vendor vendor) const {
    std::lock_guard lock(mutex_);
    return callback_urls_[static_cast<int>(vendor)];
}

void Sandbox::set_callback_url(Vendor vendor, std::string url) {
    std::lock_guard lock(mutex_);
    callback_urls_[static_cast<int>(vendor)] = std::move(url);
}

void Sandbox::log_webhook(json::object entry) {
    std::lock_guard lock(mutex_);
    webhooks_.push_back(std::move(entry));
}

json::array Sandbox::webhooks() const {
    std::lock_guard lock(mutex_);
    return webhooks_;
}

// --- the route wrapper --------------------------------------------------------------------------------------------

void Sandbox::route(gw::http::Router& router, Vendor vendor, Verb method, std::string_view pattern, Handler handler) {
    router.add_async(method, pattern, [this, vendor, handler](const Request& req, gw::http::Responder respond) {
        auto& counter = in_flight_[static_cast<int>(vendor)];
        CallInfo call{++counter};
        // Decrements when the last copy of the Responder wrapper is gone, i.e. after the answer.
        auto guard = std::shared_ptr<void>(nullptr, [&counter](void*) { --counter; });
        gw::http::Responder answer([respond, guard](Response r) { respond(std::move(r)); });

        auto decision = decide(vendor);
        if (decision.early) return answer(std::move(*decision.early));

        std::optional<std::string> key;
        if (auto k = req.header("Idempotency-Key"); k && !k->empty()) key = std::string(*k);
        if (key) {
            std::lock_guard lock(mutex_);
            auto [it, inserted] = replays_.try_emplace({static_cast<int>(vendor), *key});
            if (!inserted) {
                if (it->second.pending) {
                    return answer(vendor_error(vendor, 409, "a request with this Idempotency-Key is in progress"));
                }
                Response replay = it->second.response;
                replay.headers.set("Idempotent-Replayed", "true");
                return answer(std::move(replay));
            }
        }
        auto run = [this, vendor, handler, &req, call, key, decision, answer] {
            finish(vendor, key, handler(req, call), decision, answer);
        };
        if (decision.latency.count() > 0) {
            auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, decision.latency);
            timer->async_wait([timer, run](const boost::system::error_code&) { run(); });
        } else {
            run();
        }
    });
}

void Sandbox::finish(Vendor vendor, const std::optional<std::string>& key, Response response,
                     const Decision& decision, const gw::http::Responder& respond) {
    if (key) {
        std::lock_guard lock(mutex_);
        auto id = std::make_pair(static_cast<int>(vendor), *key);
        if (response.status < Status::internal_server_error) {
            replays_[id] = Replay{false, response};
        } else {
            replays_.erase(id);  // a failed attempt may be retried with the same key
        }
    }
    if (decision.malformed && response.content_type.starts_with("application/json") && response.body.size() > 1) {
        response.body.resize(response.body.size() / 2);
        response.body += "\"}{";
    }
    if (decision.reset) {
        response.headers.set(fault_header, "reset");
    } else if (decision.trickle.count() > 0) {
        response.headers.set(fault_header, fmt::format("trickle={}", decision.trickle.count()));
    }
    respond(std::move(response));
}

// --- helpers ------------------------------------------------------------------------------------------------------

std::optional<json::object> parse_object(std::string_view body) {
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

namespace {

std::string form_decode(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] == '%' && i + 2 < in.size()) {
            auto hex = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10); };
            out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

}  // namespace

std::map<std::string, std::string> parse_form(std::string_view body) {
    std::map<std::string, std::string> out;
    while (!body.empty()) {
        auto amp = body.find('&');
        auto pair = body.substr(0, amp);
        auto eq = pair.find('=');
        auto key = form_decode(pair.substr(0, eq));
        auto value = eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1));
        if (!key.empty()) out.emplace(std::move(key), std::move(value));
        if (amp == std::string_view::npos) break;
        body.remove_prefix(amp + 1);
    }
    return out;
}

std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header) {
    if (!header.starts_with("Basic ")) return std::nullopt;
    auto encoded = header.substr(6);
    std::string decoded(boost::beast::detail::base64::decoded_size(encoded.size()), '\0');
    auto [written, read] = boost::beast::detail::base64::decode(decoded.data(), encoded.data(), encoded.size());
    (void)read;
    decoded.resize(written);
    auto colon = decoded.find(':');
    if (colon == std::string::npos) return std::nullopt;
    return std::make_pair(decoded.substr(0, colon), decoded.substr(colon + 1));
}

std::optional<std::string> string_member(const json::object& object, std::string_view key) {
    auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    if (it->value().is_string()) return std::string(it->value().as_string());
    if (it->value().is_int64()) return std::to_string(it->value().as_int64());
    if (it->value().is_uint64()) return std::to_string(it->value().as_uint64());
    return std::nullopt;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &length);
    std::string hex;
    for (unsigned i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

Response json_response(Status status, const json::value& body) { return Response::json(status, body); }

}  // namespace sandbox
