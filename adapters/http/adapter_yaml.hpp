#pragma once
// The typed form of a vendor folder's adapter.yaml for the http_json / http_xml kinds (reference:
// adapters/README.md). Read once by read_adapter_yaml() with the strict config reader: unknown keys with
// did-you-mean, every problem as FILE:LINE:COL, the step mappings loaded and checked (input canonical:care_order,
// output json or xml to match the kind, `item:` exactly on `for_each` steps), every `{{...}}` placeholder checked
// against the deployment's secrets and params and the variables earlier steps capture. The data path
// (operation_runner) never sees YAML.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/auth/auth_config.hpp"
#include "adapters/http/template.hpp"
#include "gateway/core/error.hpp"
#include "gateway/httpclient/message.hpp"
#include "gateway/mapping/mapping.hpp"

namespace gw::adapters::http {

enum class BodyKind { json, xml };  // http_json | http_xml: the request bodies the step mappings produce

// `capture: {NAME: PATH}`: PATH is a JSON pointer when the answer is JSON, an XPath when it is XML.
struct CaptureRule {
    std::string name;
    std::string path;
};

// `rules:` of an outcome: answers that the defaults would misjudge (Instacart's expired slot hold is a 409 that
// means "try again"; its duplicate order_id is a 409 that means "you already did").
struct StatusRule {
    std::vector<unsigned> status;                            // any of these
    std::vector<std::pair<std::string, std::string>> match;  // JSON pointer -> expected text; all must hold
    Outcome outcome = Outcome::permanent;
    std::string message;  // replaces the grocer's text in DeliveryOutcome::error when set
};

// `partial_when:` fewer lines in the final answer than were sent -> Outcome::partial, one LineOutcome
// {line_number, "out_of_stock", "missing from the grocer's confirmation"} per missing line.
struct PartialRule {
    std::string response_list;  // JSON pointer of the accepted lines in the final answer: /items
    std::string response_key;   // JSON pointer inside each of them: /productId
    std::string sent_step;      // the for_each step whose request bodies were the lines: add_line
    std::string sent_key;       // JSON pointer inside each of those bodies: /product_id
};

struct StepConfig {
    std::string name;
    bool for_each_line = false;  // `for_each: lines`
    httpclient::Verb method = httpclient::Verb::post;
    Template path;  // appended to base_url
    std::shared_ptr<const mapping::Mapping> body;  // null: no body
    std::vector<std::pair<std::string, Template>> headers;
    bool idempotent = false;  // send an Idempotency-Key
    std::vector<CaptureRule> capture;
    std::optional<Template> when;  // run the step only when this renders to a non-empty text other than false/0/no
    std::chrono::milliseconds timeout{10'000};  // one request (token/login calls of auth have their own)
};

struct OutcomeConfig {
    std::string state = "accepted";  // canonical state on success: submitted | accepted | handed_over | cancelled
    std::optional<PartialRule> partial;
    std::vector<std::string> error_text;  // JSON pointers to the grocer's message, tried in order (defaults appended)
    std::vector<StatusRule> rules;
    std::optional<Template> vendor_order_ref;  // default: the variable `vendor_order_ref` when a step captures it
};

struct OperationConfig {
    Operation operation = Operation::submit;
    std::vector<StepConfig> steps;
    OutcomeConfig outcome;
};

struct AdapterConfig {
    std::string file;  // adapter.yaml, for messages
    std::string vendor;
    std::string kind;  // http_json | http_xml
    BodyKind body_kind = BodyKind::json;
    std::string description;
    Capabilities capabilities;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds operation_timeout{60'000};
    // Operations of this vendor that may run at once (0: no limit). Cart APIs need 1: two orders filling one
    // session's cart at the same time would check out each other's lines.
    std::size_t concurrency = 0;
    auth::AuthConfig auth;  // scheme none when adapter.yaml has no `auth:`
    std::map<Operation, OperationConfig> operations;
};

struct AdapterYamlLoad {
    std::shared_ptr<const AdapterConfig> config;  // null when errors is not empty
    std::vector<Error> errors;                    // sorted by position; mapping errors as the mapping loader gave them
};

// Reads `settings.folder`/adapter.yaml for kind http_json or http_xml.
AdapterYamlLoad read_adapter_yaml(const VendorSettings& settings);

// The pointers tried after a step's own `error_text:` list.
const std::vector<std::string>& default_error_pointers();

}  // namespace gw::adapters::http
