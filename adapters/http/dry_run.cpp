#include "adapters/http/dry_run.hpp"

#include <fmt/format.h>

namespace gw::adapters::http {
namespace {

bool truthy(std::string_view text) { return !text.empty() && text != "false" && text != "0" && text != "no"; }

Error step_error(const std::string& label, std::string_view what, const Error& e) {
    Error out = e;
    out.code = ErrorCode::invalid_value;
    out.message = fmt::format("{}: {}: {}", label, what, e.message);
    return out;
}

}  // namespace

Result<std::vector<RenderedRequest>> render_operation(const AdapterConfig& config, const VendorSettings& settings,
                                                      Operation op, const DeliveryRequest& request) {
    const auto it = config.operations.find(op);
    if (it == config.operations.end()) {
        return make_error(ErrorCode::unsupported,
                          fmt::format("vendor {} has no {} operation", config.vendor, to_string(op)));
    }
    const boost::json::array* lines = nullptr;
    if (const auto* order = request.order.if_object()) {
        if (const auto* l = order->if_contains("lines"); l && l->is_array()) lines = &l->get_array();
    }
    StringMap vars;
    mapping::Params params;
    for (const auto& [k, v] : settings.params) params[k] = v;
    params["order_id"] = request.order_id;
    params["idempotency_key"] = request.idempotency_key;
    params["vendor_order_ref"] = request.vendor_order_ref;

    std::vector<RenderedRequest> out;
    for (const auto& step : it->second.steps) {
        const std::size_t runs = step.for_each_line ? (lines ? lines->size() : 0) : 1;
        for (std::size_t i = 0; i < runs; ++i) {
            const boost::json::value* line = step.for_each_line ? &(*lines)[i] : nullptr;
            std::string label = step.name;
            if (line) {
                const auto* number = line->is_object() ? line->get_object().if_contains("line_number") : nullptr;
                label += fmt::format("[{}]", number && number->is_int64() ? number->get_int64()
                                                                           : static_cast<std::int64_t>(i) + 1);
            }
            TemplateScope scope;
            scope.secrets = &settings.secrets;
            scope.params = &settings.params;
            scope.vars = &vars;
            scope.order_id = request.order_id;
            scope.idempotency_key = request.idempotency_key;
            scope.vendor_order_ref = request.vendor_order_ref;
            scope.line = line;
            if (step.when) {
                auto when = render(*step.when, scope);
                if (!when) return step_error(label, "when", when.error());
                if (!truthy(*when)) continue;
            }
            RenderedRequest r;
            r.step = label;
            const auto verb = boost::beast::http::to_string(step.method);
            r.method.assign(verb.data(), verb.size());
            auto path = render(step.path, scope, true);
            if (!path) return step_error(label, "path", path.error());
            r.path = std::move(*path);
            for (const auto& [name, t] : step.headers) {
                // Rendered only to prove they can be; header values may hold secrets and are not kept.
                if (auto value = render(t, scope); !value) return step_error(label, "header " + name, value.error());
            }
            if (step.body) {
                std::optional<std::size_t> item;
                if (step.for_each_line) item = i;
                auto body = mapping::render_vendor_request(*step.body, request.order, params, item);
                if (!body) return step_error(label, fmt::format("mapping {}", step.body->file()), body.error());
                r.body = std::move(*body);
            }
            out.push_back(std::move(r));
        }
        // As if the grocer had answered: later steps may name what this one captures.
        for (const auto& c : step.capture) {
            vars[c.name] = "shadow-" + c.name;
            params[c.name] = "shadow-" + c.name;
        }
    }
    return out;
}

}  // namespace gw::adapters::http
