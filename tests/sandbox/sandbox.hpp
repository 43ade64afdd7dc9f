#pragma once
// Shared state of the grocer sandbox and the one place every vendor route goes through: Sandbox::route() wraps a
// vendor handler with fault injection (bursts, 5xx, resets, latency, trickle, malformed JSON), the Idempotency-Key
// replay, and in-flight counting. Vendor files (oda_web.cpp, ...) hold only their API's own behaviour.
//
// Determinism: every random choice (ids, tokens, fault rolls, webhook duplicates and reordering) comes from one
// generator seeded from the config. Time: TTLs (sessions, tokens, slot holds) use the sandbox clock, which tests can
// move forward with POST /_sandbox/clock instead of sleeping.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "gateway/http/router.hpp"
#include "gateway/httpclient/http_client.hpp"
#include "sandbox_config.hpp"
#include "vendor.hpp"

namespace sandbox {

using gw::http::Request;
using gw::http::Response;
using gw::http::Status;

// The response header through which a handler asks the relay (relay.hpp) for a connection-level fault.
inline constexpr std::string_view fault_header = "X-Sandbox-Fault";

struct CallInfo {
    int in_flight = 0;  // requests of this vendor in progress, this one included
};

class Sandbox {
public:
    using Clock = std::chrono::steady_clock;
    using Handler = std::function<Response(const Request&, const CallInfo&)>;

    Sandbox(boost::asio::io_context& ioc, SandboxConfig config, gw::httpclient::HttpClient& client);

    const SandboxConfig& config() const { return config_; }
    boost::asio::io_context& io() { return ioc_; }
    gw::httpclient::HttpClient& client() { return client_; }

    // --- time -----------------------------------------------------------------------------------------------------
    Clock::time_point now() const;
    std::string now_iso() const;      // "2025-01-31T12:00:00.123Z" (wall clock + the same offset)
    std::int64_t now_unix() const;
    void advance(std::chrono::seconds by);

    // --- randomness -----------------------------------------------------------------------------------------------
    std::string random_hex(std::size_t chars);
    bool roll(int percent);

    // --- faults ---------------------------------------------------------------------------------------------------
    FaultSettings faults(Vendor vendor) const;
    void set_faults(Vendor vendor, const FaultSettings& faults);
    // Every token or session issued so far for the vendor becomes invalid (the "expired tokens" fault).
    void expire_tokens(Vendor vendor);
    std::uint64_t token_epoch(Vendor vendor) const;

    // --- callbacks ------------------------------------------------------------------------------------------------
    // Where the vendor's webhooks / OrderResponses go: from the config, or set at runtime (POST /_sandbox/callbacks)
    // once the receiver's port is known.
    std::string callback_url(Vendor vendor) const;
    void set_callback_url(Vendor vendor, std::string url);

    // --- records --------------------------------------------------------------------------------------------------
    void record_order(Vendor vendor, boost::json::value external_ref, boost::json::value body);
    boost::json::array orders() const;
    void clear_orders();  // also forgets Idempotency-Keys
    void log_webhook(boost::json::object entry);
    boost::json::array webhooks() const;

    // --- routes ---------------------------------------------------------------------------------------------------
    void route(gw::http::Router& router, Vendor vendor, gw::http::Verb method, std::string_view pattern,
               Handler handler);

    // An error body in the vendor's own style (Oda: {"detail"}, Instacart: {"errors":[{code,message}]}, Kroger:
    // {"errors":{reason,code}}, PEPPOL AP: RFC 9457 problem).
    static Response vendor_error(Vendor vendor, unsigned status, std::string_view message, int code = 9999);

private:
    struct Replay {
        bool pending = true;
        Response response;
    };
    struct Decision {
        std::optional<Response> early;
        std::chrono::milliseconds latency{0};
        std::chrono::milliseconds trickle{0};
        bool reset = false;
        bool malformed = false;
    };
    Decision decide(Vendor vendor);
    void finish(Vendor vendor, const std::optional<std::string>& key, Response response, const Decision& decision,
                const gw::http::Responder& respond);

    boost::asio::io_context& ioc_;
    const SandboxConfig config_;
    gw::httpclient::HttpClient& client_;

    mutable std::mutex mutex_;  // everything below
    std::mt19937_64 random_;
    std::chrono::seconds offset_{0};
    FaultSettings faults_[4];
    std::uint64_t token_epoch_[4] = {0, 0, 0, 0};
    std::string callback_urls_[4];
    boost::json::array orders_;
    boost::json::array webhooks_;
    std::map<std::pair<int, std::string>, Replay> replays_;
    std::atomic<int> in_flight_[4] = {0, 0, 0, 0};
};

// Helpers shared by the vendor files.
std::optional<boost::json::object> parse_object(std::string_view body);
// application/x-www-form-urlencoded body -> first value per key.
std::map<std::string, std::string> parse_form(std::string_view body);
// "Basic base64(id:secret)" -> {id, secret}.
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header);
// A string member, also given as a number; nullopt when absent or another type.
std::optional<std::string> string_member(const boost::json::object& object, std::string_view key);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
Response json_response(Status status, const boost::json::value& body);

}  // namespace sandbox
