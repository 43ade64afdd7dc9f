#pragma once
// An Adapter speaks one grocer's API. Its *kind* (http_json, http_xml, mllp_out, ...) is C++ in this folder; the
// grocer itself is YAML only: mappings/vendors/NAME/adapter.yaml (operations, auth, capabilities) plus its mappings.
// The delivery engine (gateway/delivery) calls run() for each outbox item and files the DeliveryOutcome: success,
// partial and permanent settle the item, retryable schedules another attempt (honouring retry_after).
//
// Adapters are created by create_adapter() (registry.hpp) from the vendor's folder and its deployment settings
// (base URL, secrets) from gateway.yaml. They are thread-safe: run() may be called concurrently from any thread.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "gateway/core/error.hpp"
#include "gateway/core/result.hpp"
#include "gateway/httpclient/options.hpp"

namespace gw::adapters {

enum class Operation { submit, cancel, status };
std::string_view to_string(Operation op) noexcept;

enum class Outcome {
    success,    // the grocer took it as sent
    partial,    // the grocer took it, but not all of it (e.g. fewer lines came back than were sent)
    retryable,  // try again later: timeout, connection error, 5xx, 408, 425, 429, an expired slot hold ...
    permanent,  // never works as sent: validation 4xx, a mapping error; goes to the dead letters
};
std::string_view to_string(Outcome outcome) noexcept;

// The outcome of one order line as the grocer reported it (partial acceptance, stock problems).
struct LineOutcome {
    int line_number = 0;   // canonical lines[].line_number
    std::string outcome;   // confirmed | substituted | out_of_stock | quantity_changed (canonical line outcomes)
    std::string detail;    // readable: "missing from the grocer's confirmation", "substituted by 07038010000738"
};

struct DeliveryOutcome {
    Outcome outcome = Outcome::permanent;
    std::optional<unsigned> http_status;                  // status of the response that decided the outcome
    std::string error;                                    // readable reason, the grocer's own error text when it gave one
    std::optional<std::chrono::milliseconds> retry_after;  // the grocer's Retry-After (seconds or HTTP-date), if any
    std::string vendor_order_ref;                         // the grocer's id for the order, when it named one
    // Canonical order state after success/partial: submitted, accepted, partially_accepted, handed_over (a vendor
    // that reports no status, e.g. a cart hand-off), cancelled. Empty for retryable/permanent.
    std::string state;
    std::vector<LineOutcome> lines;  // per line, when the grocer's answer tells (partial: the missing lines)
    std::string step;                // the step that decided the outcome ("checkout", "add_line[2]"), for the log
    // The last answer's body as received, after success: the status operation's answer, which the poller
    // (gateway/status) maps into an OrderEvent with the vendor's status mapping. Empty for other kinds.
    std::string body;
};

struct DeliveryRequest {
    std::string order_id;         // gateway order id
    std::string idempotency_key;  // sent as Idempotency-Key on every call that creates something
    boost::json::value order;     // the canonical CareOrder JSON
    std::string vendor_order_ref; // cancel/status: the grocer's id from the submit
    // Status reports (outbox kind status_report): the message to send exactly as stored (HL7 ER7, AppRec XML);
    // `order` is then null. Kinds that render from `order` (http_json, http_xml) ignore it.
    std::string payload;
    std::chrono::milliseconds timeout{60'000};  // the whole operation, all steps and auth calls included
};

enum class StatusMode { webhook, poll, none };
std::string_view to_string(StatusMode mode) noexcept;

struct Capabilities {
    bool cancel = false;             // the grocer has a cancel operation
    StatusMode status = StatusMode::none;
    bool cart_handoff_only = false;  // the grocer takes a cart, never confirms an order (no status, no ref)
    bool slots_required = false;     // an order needs a delivery slot reserved first
};

// One request an operation would send, rendered without sending it (Adapter::render, shadow mode). The body holds
// personal data: never log or store it.
struct RenderedRequest {
    std::string step;    // "checkout", "add_line[2]"
    std::string method;  // "POST"
    std::string path;    // appended to the base URL, placeholders filled in
    std::string body;    // the step mapping's output (JSON or XML text); empty when the step sends none
};

class Adapter {
public:
    virtual ~Adapter() = default;
    virtual const std::string& vendor() const noexcept = 0;
    virtual std::string_view kind() const noexcept = 0;
    virtual const Capabilities& capabilities() const noexcept = 0;
    virtual bool supports(Operation op) const noexcept = 0;

    // Runs `op` for one order; `done` runs exactly once, on an io thread, never inside run(). Never throws: every
    // problem (transport, auth, mapping, unexpected answer) becomes an outcome with a readable error.
    virtual void run(Operation op, DeliveryRequest request, std::function<void(DeliveryOutcome)> done) = 0;

    // Stops new work; operations in flight finish with their deadlines. Any thread.
    virtual void shutdown() = 0;

    // Shadow mode: every request `op` would send for `request`, rendered through the vendor's templates and
    // mappings with nothing sent (what only the grocer's answers would give, e.g. captured ids, gets a stand-in).
    // invalid_value naming the step and the mapping's message when the order cannot be rendered; unsupported for
    // kinds that cannot render without sending (the default). Thread-safe, no I/O.
    virtual Result<std::vector<RenderedRequest>> render(Operation op, const DeliveryRequest& request) const;
};

// What a deployment decides about a vendor (gateway.yaml `vendors:`); the API itself is described by the folder.
struct VendorSettings {
    std::string name;      // "oda-web"
    std::string folder;    // "mappings/vendors/oda-web" (holds adapter.yaml and the mappings)
    std::string base_url;  // "https://api.oda.example/v1" or the sandbox's "http://127.0.0.1:18080/oda-web"
    std::map<std::string, std::string, std::less<>> secrets;  // resolved values (config reads them from env/files)
    std::map<std::string, std::string, std::less<>> params;   // values for the mappings' `params:`
    httpclient::ClientOptions http;                          // CA, client certificate (mTLS), proxy, timeouts
};

}  // namespace gw::adapters
