#include "adapters/http/adapter_yaml.hpp"

#include <algorithm>
#include <filesystem>

#include <boost/beast/http/verb.hpp>
#include <fmt/format.h>

#include "adapters/auth/factory.hpp"
#include "adapters/status/status_in_config.hpp"
#include "gateway/config/yaml_reader.hpp"

namespace gw::adapters::http {
namespace {

namespace fs = std::filesystem;
using config::ObjectReader;

const std::vector<std::string> kOperations{"submit", "cancel", "status"};
const std::vector<std::string> kStates{"submitted", "accepted", "partially_accepted", "handed_over", "cancelled"};
const std::vector<std::string> kOutcomes{"success", "partial", "retryable", "permanent"};

Outcome outcome_from(const std::string& name) {
    if (name == "success") return Outcome::success;
    if (name == "partial") return Outcome::partial;
    if (name == "retryable") return Outcome::retryable;
    return Outcome::permanent;
}

Operation operation_from(const std::string& name) {
    if (name == "cancel") return Operation::cancel;
    if (name == "status") return Operation::status;
    return Operation::submit;
}

bool is_pointer(const std::string& p) { return p.empty() || p.front() == '/'; }

class Reader {
public:
    Reader(const VendorSettings& settings, AdapterConfig& cfg) : settings_(settings), cfg_(cfg) {}

    void read(ObjectReader& root) {
        cfg_.vendor = root.string("adapter", true).value_or("");
        const auto folder_name = fs::path(settings_.folder).filename().string();
        if (!cfg_.vendor.empty() && !folder_name.empty() && cfg_.vendor != folder_name)
            root.error("adapter", ErrorCode::invalid_value,
                       fmt::format("adapter '{}' does not match its folder '{}'", cfg_.vendor, folder_name),
                       "the vendor name is the folder name");
        cfg_.kind = root.enumeration_or("kind", {"http_json", "http_xml"}, "http_json");
        cfg_.body_kind = cfg_.kind == "http_xml" ? BodyKind::xml : BodyKind::json;
        cfg_.description = root.string_or("description", "");
        root.object("capabilities", [&](ObjectReader& c) {
            cfg_.capabilities.cancel = c.boolean_or("cancel", false);
            const auto status = c.enumeration_or("status", {"webhook", "poll", "none"}, "none");
            cfg_.capabilities.status = status == "webhook" ? StatusMode::webhook
                                       : status == "poll"  ? StatusMode::poll
                                                           : StatusMode::none;
            cfg_.capabilities.cart_handoff_only = c.boolean_or("cart_handoff_only", false);
            cfg_.capabilities.slots_required = c.boolean_or("slots_required", false);
        });
        root.object("timeouts", [&](ObjectReader& t) {
            cfg_.request_timeout = t.duration_or("request", cfg_.request_timeout);
            cfg_.operation_timeout = t.duration_or("operation", cfg_.operation_timeout);
        });
        cfg_.concurrency = static_cast<std::size_t>(root.integer_or("concurrency", 0, 0, 1000));
        if (root.has("auth")) {
            root.object("auth", [&](ObjectReader& a) { cfg_.auth = auth::read_auth_config(a); });
        } else {
            root.string("auth");  // marks it known for did-you-mean hints
        }
        // Status coming back (webhooks, polls) is read by gateway/status; checked here with the rest of the folder.
        // Secrets are checked when the gateway loads it with the deployment (status::load_status_in).
        if (cfg_.capabilities.status != StatusMode::none) {
            root.object("status_in", [&](ObjectReader& s) {
                status::read_status_in(s, settings_, cfg_.capabilities.status, false, mapping_errors_);
            }, true);
        } else if (root.has("status_in")) {
            root.error("status_in", ErrorCode::invalid_value, "status_in, but capabilities.status is none",
                       "set capabilities.status to webhook or poll, or remove status_in");
        } else {
            root.string("status_in");
        }
        root.named_objects("operations", [&](const std::string& name, ObjectReader& op) { operation(name, op); });
        if (cfg_.capabilities.status == StatusMode::poll && !cfg_.operations.count(Operation::status))
            root.error("capabilities", ErrorCode::invalid_value,
                       "capabilities.status is poll but there is no status operation",
                       "operations: {status: {steps: [{method: GET, path: /orders/{{vendor_order_ref}}}]}}");
        if (!root.has("operations"))
            root.error_here(ErrorCode::missing_required, "missing required key 'operations'",
                            "an adapter needs at least operations: {submit: {steps: [...]}}");
        else if (!cfg_.operations.count(Operation::submit))
            root.error("operations", ErrorCode::missing_required, "operations has no 'submit'");
        if (cfg_.capabilities.cancel && !cfg_.operations.count(Operation::cancel))
            root.error("capabilities", ErrorCode::invalid_value, "capabilities.cancel is true but there is no cancel operation");
        root.finish();
    }

private:
    void operation(const std::string& name, ObjectReader& r) {
        if (std::find(kOperations.begin(), kOperations.end(), name) == kOperations.end()) {
            auto hint = config::did_you_mean(name, kOperations);
            r.error_here(ErrorCode::unknown_key, fmt::format("unknown operation '{}'", name),
                         hint.empty() ? "operations: submit, cancel, status" : hint);
            return;
        }
        OperationConfig op;
        op.operation = operation_from(name);
        op.outcome.state = name == "cancel" ? "cancelled" : "accepted";
        vars_.clear();
        step_names_.clear();
        r.list("steps", [&](ObjectReader& s, std::size_t index) { op.steps.push_back(step(s, index)); }, true);
        r.object("outcome", [&](ObjectReader& o) { outcome(o, op); });
        r.finish();
        cfg_.operations[op.operation] = std::move(op);
    }

    // Compiles a template value of `key`; errors at the value's position.
    std::optional<Template> compile(ObjectReader& r, const std::string& key, const std::string& text, bool line) {
        Template::Names names;
        names.secrets = &settings_.secrets;
        names.params = &settings_.params;
        names.vars = &vars_;
        names.line = line;
        auto t = Template::compile(text, names);
        if (!t) {
            r.error(key, t.error().code, fmt::format("'{}': {}", key, t.error().message), t.error().hint);
            return std::nullopt;
        }
        return std::move(t).value();
    }

    StepConfig step(ObjectReader& r, std::size_t index) {
        StepConfig s;
        s.name = r.string_or("name", fmt::format("step{}", index + 1));
        if (!step_names_.insert(s.name).second)
            r.error("name", ErrorCode::conflict, fmt::format("two steps are named '{}'", s.name));
        if (auto each = r.string("for_each")) {
            if (*each == "lines") {
                s.for_each_line = true;
            } else {
                r.error("for_each", ErrorCode::invalid_value, fmt::format("for_each: '{}' is not a list", *each),
                        "for_each: lines (one request per canonical order line)");
            }
        }
        const auto method = r.string_or("method", "POST");
        s.method = boost::beast::http::string_to_verb(method);
        const std::vector<std::string> methods{"GET", "POST", "PUT", "PATCH", "DELETE"};
        if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
            auto hint = config::did_you_mean(method, methods);
            r.error("method", ErrorCode::invalid_value, fmt::format("unsupported method '{}'", method),
                    hint.empty() ? "GET, POST, PUT, PATCH or DELETE" : hint);
        }
        if (auto path = r.string("path", true)) {
            if (auto t = compile(r, "path", *path, s.for_each_line)) s.path = std::move(*t);
            if (!path->empty() && path->front() != '/')
                r.error("path", ErrorCode::invalid_value, fmt::format("path '{}' must start with '/'", *path),
                        "it is appended to the vendor's base_url");
        }
        if (auto body = r.string("body")) body_mapping(r, *body, s);
        r.object("headers", [&](ObjectReader& h) {
            for (const auto& key : h.keys()) {
                auto value = h.string(key);
                if (!value) continue;
                if (auto t = compile(h, key, *value, s.for_each_line)) s.headers.emplace_back(key, std::move(*t));
            }
        });
        s.idempotent = r.boolean_or("idempotent", false);
        if (auto when = r.string("when")) {
            if (auto t = compile(r, "when", *when, s.for_each_line)) s.when = std::move(*t);
        }
        s.timeout = r.duration_or("timeout", cfg_.request_timeout);
        std::vector<std::string> captured;
        r.object("capture", [&](ObjectReader& c) {
            for (const auto& key : c.keys()) {
                auto path = c.string(key);
                if (!path) continue;
                if (path->empty()) {
                    c.error(key, ErrorCode::invalid_value, fmt::format("capture '{}' needs a JSON pointer or XPath", key));
                    continue;
                }
                s.capture.push_back({key, *path});
                captured.push_back(key);
            }
        });
        r.finish();
        // Captures are visible to the steps after this one (and to the outcome), not to this step's own templates.
        vars_.insert(captured.begin(), captured.end());
        if (s.for_each_line) for_each_steps_.insert(s.name);
        return s;
    }

    void body_mapping(ObjectReader& r, const std::string& file, StepConfig& s) {
        const auto path = (fs::path(settings_.folder) / file).string();
        std::shared_ptr<const mapping::Mapping> m;
        if (auto it = mappings_.find(path); it != mappings_.end()) {
            m = it->second;
        } else {
            std::error_code ec;
            if (!fs::exists(path, ec)) {
                r.error("body", ErrorCode::not_found, fmt::format("body mapping '{}' not found", file),
                        fmt::format("mappings are read from the vendor folder ({})", settings_.folder));
                return;
            }
            auto loaded = mapping::load_mapping(path);
            for (auto& e : loaded.errors) mapping_errors_.push_back(std::move(e));
            if (!loaded.mapping) return;
            m = loaded.mapping;
            mappings_.emplace(path, m);
        }
        if (m->input() != mapping::Format::care_order)
            r.error("body", ErrorCode::invalid_value,
                    fmt::format("body mapping '{}' reads {}, not canonical:care_order", file, mapping::to_string(m->input())));
        const auto want = cfg_.body_kind == BodyKind::xml ? mapping::Format::xml : mapping::Format::json;
        if (m->output() != want)
            r.error("body", ErrorCode::invalid_value,
                    fmt::format("body mapping '{}' writes {}, but kind {} sends {}", file, mapping::to_string(m->output()),
                                cfg_.kind, mapping::to_string(want)));
        if (s.for_each_line && m->item_list() != "lines")
            r.error("body", ErrorCode::invalid_value,
                    fmt::format("step '{}' runs for each line, but '{}' renders the whole order", s.name, file),
                    "add `item: {each: lines, as: line}` to the mapping (mappings/README.md)");
        if (!s.for_each_line && !m->item_list().empty())
            r.error("body", ErrorCode::invalid_value,
                    fmt::format("'{}' renders one element of {} (item:), but step '{}' has no for_each", file,
                                m->item_list(), s.name),
                    "add `for_each: lines` to the step");
        s.body = std::move(m);
    }

    void outcome(ObjectReader& o, OperationConfig& op) {
        op.outcome.state = o.enumeration_or("state", kStates, op.outcome.state);
        for (auto& p : o.string_list("error_text")) {
            if (!is_pointer(p))
                o.error("error_text", ErrorCode::invalid_value, fmt::format("'{}' is not a JSON pointer", p),
                        "e.g. /errors/0/message");
            op.outcome.error_text.push_back(std::move(p));
        }
        if (auto ref = o.string("vendor_order_ref")) {
            if (auto t = compile(o, "vendor_order_ref", *ref, false)) op.outcome.vendor_order_ref = std::move(*t);
        }
        o.object("partial_when", [&](ObjectReader& p) {
            if (!p.valid()) return;
            PartialRule rule;
            rule.response_list = p.string("response_list", true).value_or("");
            rule.response_key = p.string_or("response_key", "");
            rule.sent_step = p.string("sent_step", true).value_or("");
            rule.sent_key = p.string_or("sent_key", "");
            const std::pair<const char*, const std::string*> pointers[] = {
                {"response_list", &rule.response_list}, {"response_key", &rule.response_key}, {"sent_key", &rule.sent_key}};
            for (const auto& [key, value] : pointers) {
                if (!is_pointer(*value))
                    p.error(key, ErrorCode::invalid_value, fmt::format("'{}' is not a JSON pointer", *value));
            }
            if (!rule.sent_step.empty() && !for_each_steps_.count(rule.sent_step)) {
                std::vector<std::string> known(for_each_steps_.begin(), for_each_steps_.end());
                auto hint = config::did_you_mean(rule.sent_step, known);
                p.error("sent_step", ErrorCode::invalid_value,
                        fmt::format("sent_step '{}' is not a for_each step of this operation", rule.sent_step),
                        hint.empty() ? "name the step that sends one request per line" : hint);
            }
            p.finish();
            op.outcome.partial = std::move(rule);
        });
        o.list("rules", [&](ObjectReader& r, std::size_t) {
            StatusRule rule;
            if (auto one = r.integer("status", 100, 599)) {
                rule.status.push_back(static_cast<unsigned>(*one));
            }
            r.object("match", [&](ObjectReader& m) {
                for (const auto& key : m.keys()) {
                    auto v = m.string(key);
                    if (!v) continue;
                    if (!is_pointer(key))
                        m.error(key, ErrorCode::invalid_value, fmt::format("'{}' is not a JSON pointer", key));
                    rule.match.emplace_back(key, *v);
                }
            });
            rule.outcome = outcome_from(r.enumeration_or("outcome", kOutcomes, "permanent"));
            rule.message = r.string_or("message", "");
            if (rule.status.empty()) r.error_here(ErrorCode::missing_required, "a rule needs status: N");
            r.finish();
            op.outcome.rules.push_back(std::move(rule));
        });
        o.finish();
    }

public:
    std::vector<Error> mapping_errors_;

private:
    const VendorSettings& settings_;
    AdapterConfig& cfg_;
    std::set<std::string> vars_;
    std::set<std::string> step_names_;
    std::set<std::string> for_each_steps_;
    std::map<std::string, std::shared_ptr<const mapping::Mapping>> mappings_;
};

}  // namespace

const std::vector<std::string>& default_error_pointers() {
    static const std::vector<std::string> pointers{"/detail",         "/message",         "/error_description",
                                                   "/errors/0/message", "/errors/reason", "/errors/0/detail",
                                                   "/title",          "/error"};
    return pointers;
}

AdapterYamlLoad read_adapter_yaml(const VendorSettings& settings) {
    const auto file = (fs::path(settings.folder) / "adapter.yaml").string();
    config::Diagnostics diag(file);
    AdapterYamlLoad out;
    auto root = config::load_yaml_file(file, diag);
    if (!root) {
        out.errors = diag.sorted();
        return out;
    }
    auto cfg = std::make_shared<AdapterConfig>();
    cfg->file = file;
    config::ReadContext ctx{&diag, config::process_env(), settings.folder};
    Reader reader(settings, *cfg);
    {
        ObjectReader r(ctx, *root, "");
        if (!r.valid()) {
            r.error_here(ErrorCode::wrong_type, "adapter.yaml must be a mapping (adapter:, kind:, operations:, ...)");
        } else {
            reader.read(r);
        }
    }
    out.errors = diag.sorted();
    if (out.errors.empty()) {
        // Placeholders in auth values resolvable with this deployment's secrets and params?
        for (auto& e : auth::check_auth_values(cfg->auth, settings.secrets, settings.params)) out.errors.push_back(std::move(e));
    }
    for (auto& e : reader.mapping_errors_) out.errors.push_back(std::move(e));
    if (out.errors.empty()) out.config = std::move(cfg);
    return out;
}

}  // namespace gw::adapters::http
