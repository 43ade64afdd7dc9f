#include "gateway/ops/admin_api.hpp"

#include <algorithm>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "gateway/http/problem.hpp"
#include "gateway/log/log.hpp"
#include "gateway/model/json.hpp"
#include "gateway/model/order_event.hpp"
#include "gateway/model/order_state.hpp"
#include "gateway/ops/masking.hpp"
#include "gateway/ops/query_params.hpp"
#include "gateway/ops/scorecard.hpp"
#include "gateway/routing/oslo_time.hpp"

namespace gw::ops {

namespace json = boost::json;
using http::Response;
using http::Status;

struct AdminApi::Call {
    const http::Request& request;
    Principal who;
};

namespace {

constexpr std::size_t kMaxReasonLength = 500;

Response problem(Status status, std::string detail, const http::Request& request) {
    return http::make_problem(status, std::move(detail), request.path).to_response();
}

Response problem(const Error& error, const http::Request& request) {
    return http::make_problem(http::status_for(error.code), error, request.path).to_response();
}

Response ok(const json::value& body) { return Response::json(Status::ok, body); }

json::value parse_or_null(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    return ec ? json::value(nullptr) : v;
}

json::value optional_int(const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }

json::value cursor_json(const std::optional<std::int64_t>& cursor) {
    // As a string: cursors are opaque to clients, and JavaScript numbers lose digits above 2^53.
    return cursor ? json::value(std::to_string(*cursor)) : json::value(nullptr);
}

// The JSON object a mutating call sends; its "reason" is required and goes to the audit log.
struct ActionBody {
    json::object body;
    std::string reason;
};

Result<ActionBody> read_action_body(const http::Request& request) {
    if (request.body.empty()) {
        return make_error(ErrorCode::missing_required,
                          "this call needs a JSON body with a \"reason\" (it is written to the audit log)");
    }
    boost::system::error_code ec;
    json::stream_parser p;
    const auto consumed = p.write_some(request.body.data(), request.body.size(), ec);
    if (!ec && consumed != request.body.size()) ec = json::error::extra_data;
    if (!ec) p.finish(ec);
    if (ec) {
        SourceLocation where;
        where.byte_offset = consumed;
        return make_error(ErrorCode::parse_error, fmt::format("malformed JSON body: {}", ec.message()), where);
    }
    auto v = p.release();
    if (!v.is_object()) return make_error(ErrorCode::invalid_argument, "the JSON body must be an object");
    ActionBody out;
    out.body = std::move(v.as_object());
    const auto* reason = out.body.if_contains("reason");
    if (!reason || !reason->is_string() || reason->as_string().empty()) {
        return make_error(ErrorCode::missing_required, "\"reason\" (a non-empty string) is required: it is audited");
    }
    out.reason = std::string(reason->as_string());
    if (out.reason.size() > kMaxReasonLength ||
        std::any_of(out.reason.begin(), out.reason.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("\"reason\" must be one line of at most {} characters", kMaxReasonLength));
    }
    return out;
}

Result<std::int64_t> path_id(const http::Request& request, std::string_view name = "id") {
    const auto v = request.param(name);
    std::int64_t id = 0;
    if (!v || v->empty() || v->size() > 18 ||
        !std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return make_error(ErrorCode::invalid_argument, fmt::format("'{}' must be a positive integer", name));
    }
    for (char c : *v) id = id * 10 + (c - '0');
    if (id <= 0) return make_error(ErrorCode::invalid_argument, fmt::format("'{}' must be a positive integer", name));
    return id;
}

// Personal values in a mapping trace: the output fields that masking covers in the canonical order.
bool personal_output(std::string_view field) {
    if (field.starts_with("recipient.") && field != "recipient.reference" && field != "recipient.address.country") {
        return true;
    }
    return field == "delivery.instructions" || field == "ordered_by.name" || field.ends_with(".note");
}

json::value mask_trace(json::value trace) {
    auto* o = trace.if_object();
    if (!o) return trace;
    auto* fields = o->if_contains("fields");
    if (!fields || !fields->is_array()) return trace;
    for (auto& f : fields->as_array()) {
        auto* field = f.if_object();
        if (!field) continue;
        const auto* output = field->if_contains("output");
        auto* value = field->if_contains("value");
        if (!output || !output->is_string() || !value) continue;
        if (!personal_output(output->as_string())) continue;
        *value = value->is_string() ? json::value(log::mask_always(value->as_string()))
                                    : json::value(log::mask_always(json::serialize(*value)));
    }
    return trace;
}

json::object message_json(const store::MessageRecord& m, bool unmasked) {
    json::object o{
        {"id", m.id},
        {"channel", m.channel},
        {"sender", m.sender},
        {"control_id", m.control_id},
        {"message_type", m.message_type},
        {"peer", m.peer},
        {"correlation_id", m.correlation_id},
        {"received_at", format_time(m.received_at)},
        {"state", to_string(m.state)},
        {"purged", m.purged},
    };
    if (!m.error_code.empty()) o["error_code"] = m.error_code;
    if (!m.error_text.empty()) o["error"] = unmasked ? m.error_text : mask_quoted(m.error_text);
    return o;
}

std::string text_at(const json::value& v, std::initializer_list<std::string_view> path) {
    const json::value* cur = &v;
    for (auto key : path) {
        const auto* o = cur->if_object();
        if (!o) return {};
        cur = o->if_contains(key);
        if (!cur) return {};
    }
    return cur->is_string() ? std::string(cur->as_string()) : std::string();
}

json::object order_summary(const store::OrderRecord& o) {
    const auto canonical = parse_or_null(o.canonical_json);
    const auto* lines = canonical.is_object() ? canonical.as_object().if_contains("lines") : nullptr;
    return json::object{
        {"id", o.id},
        {"state", o.state},
        {"vendor", o.vendor},
        {"municipality", o.municipality},
        {"external_ref", o.external_ref},
        {"vendor_order_ref", o.vendor_order_ref},
        {"message_id", optional_int(o.message_id)},
        {"recipient_ref", text_at(canonical, {"recipient", "reference"})},
        {"delivery_date", text_at(canonical, {"delivery", "date"})},
        {"lines", lines && lines->is_array() ? lines->as_array().size() : 0},
        {"created_at", format_time(o.created_at)},
        {"updated_at", format_time(o.updated_at)},
        {"purged", o.purged},
    };
}

json::object outbox_json(const store::OutboxItem& item) {
    json::object o{
        {"id", item.id},
        {"destination", item.destination},
        {"order_id", item.order_id ? json::value(*item.order_id) : json::value(nullptr)},
        {"kind", to_string(item.kind)},
        {"state", to_string(item.state)},
        {"attempts", item.attempts},
        {"next_attempt_at", format_time(item.next_attempt_at)},
        {"last_error", item.last_error},
        {"created_at", format_time(item.created_at)},
        {"updated_at", format_time(item.updated_at)},
    };
    return o;
}

json::object attempt_json(const store::DeliveryAttempt& a) {
    return json::object{
        {"id", a.id},
        {"outbox_id", a.outbox_id},
        {"started_at", format_time(a.started_at)},
        {"outcome", to_string(a.outcome)},
        {"http_status", a.http_status ? json::value(*a.http_status) : json::value(nullptr)},
        {"error", a.error},
        {"duration_ms", a.duration.count()},
    };
}

std::string detail_json(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    json::object o;
    for (const auto& [k, v] : fields) {
        if (!v.empty()) o[k] = v;
    }
    return json::serialize(o);
}

}  // namespace

AdminApi::AdminApi(store::Store& store, const OpsHooks& hooks, const TokenStore& tokens, Worker& worker,
                   GatewayMetrics& metrics, StatsCache& stats, LiveFeed& feed, AdminApiOptions options)
    : store_(store),
      hooks_(hooks),
      tokens_(tokens),
      worker_(worker),
      metrics_(metrics),
      stats_(stats),
      feed_(feed),
      options_(options) {}

// ---- authentication, roles, dispatch ------------------------------------------------------------------------

std::optional<Principal> AdminApi::authenticate(const http::Request& request) const {
    const auto header = request.header("authorization");
    if (!header) return std::nullopt;
    const auto token = bearer_token(*header);
    if (!token) return std::nullopt;
    return tokens_.authenticate(*token);
}

void AdminApi::audit_refusal(const http::Request& request, const std::string& who, unsigned status) {
    const std::string actor = who.empty() ? "anonymous@" + request.peer : who;
    log::warn("ops.api_refused", {{"actor", actor},
                                  {"method", request.method_string},
                                  {"path", request.path},
                                  {"status", status}});
    {
        std::lock_guard lock(refusal_mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (now - refusal_window_ > std::chrono::minutes(1)) {
            refusal_window_ = now;
            refusals_in_window_ = 0;
        }
        if (++refusals_in_window_ > options_.denied_audits_per_minute) return;
    }
    store::NewAuditEntry entry{actor, status == 401 ? "api.unauthenticated" : "api.forbidden",
                               std::string(request.method_string) + " " + request.path,
                               detail_json({{"peer", request.peer}, {"status", std::to_string(status)}})};
    // The store write happens off the HTTP strand; if the worker is saturated the refusal is only logged.
    worker_.post([this, entry = std::move(entry)] {
        if (auto r = store_.append_audit(entry); !r) {
            log::error("ops.audit_failed", {{"action", entry.action}, {"error", r.error().to_string()}});
        }
    });
}

http::AsyncHandler AdminApi::guarded(Need need, Handler handler) {
    return [this, need, handler = std::move(handler)](const http::Request& request, http::Responder respond) {
        auto reply = [this, respond](Response response) {
            metrics_.admin_request(static_cast<unsigned>(response.status));
            respond(std::move(response));
        };
        auto who = authenticate(request);
        if (!who) {
            audit_refusal(request, {}, 401);
            auto r = problem(Status::unauthorized, "a valid bearer token is required (Authorization: Bearer ...)",
                             request);
            r.headers.set(http::beast_http::field::www_authenticate, "Bearer realm=\"gateway-admin\"");
            return reply(std::move(r));
        }
        const bool allowed = need == Need::act ? who->can_act() : who->can_read();
        if (!allowed) {
            audit_refusal(request, who->name, 403);
            return reply(problem(Status::forbidden,
                                 need == Need::act ? "this call needs the operator role"
                                                   : "this call needs the viewer or operator role",
                                 request));
        }
        // The Request stays valid until the Responder is called (router.hpp).
        const bool queued = worker_.post([&request, who = *who, handler, reply] {
            try {
                reply(handler(Call{request, who}));
            } catch (const std::exception& e) {
                log::error("ops.api_handler_threw", {{"path", request.path}, {"error", e.what()}});
                reply(problem(Status::internal_server_error, "the request failed", request));
            }
        });
        if (!queued) {
            auto r = problem(Status::service_unavailable, "the admin API is busy; retry shortly", request);
            r.headers.set(http::beast_http::field::retry_after, "1");
            reply(std::move(r));
        }
    };
}

bool AdminApi::audit(const Call& call, std::string action, std::string target, const std::string& reason,
                     std::string outcome) {
    store::NewAuditEntry entry{call.who.name, std::move(action), std::move(target),
                               detail_json({{"reason", reason},
                                            {"outcome", outcome},
                                            {"request", call.request.method_string + " " + call.request.target},
                                            {"peer", call.request.peer}})};
    auto r = store_.append_audit(entry);
    if (!r) {
        log::error("ops.audit_failed", {{"action", entry.action}, {"error", r.error().to_string()}});
        return false;
    }
    log::info("ops.audited", {{"actor", entry.actor}, {"action", entry.action}, {"target", entry.target}});
    return true;
}

void AdminApi::mount(http::Router& router) {
    using http::Verb;
    auto read = [this](auto fn) { return guarded(Need::read, [this, fn](const Call& c) { return (this->*fn)(c); }); };
    auto act = [this](auto fn) { return guarded(Need::act, [this, fn](const Call& c) { return (this->*fn)(c); }); };
    router.add_async(Verb::get, "/api/v1/whoami", read(&AdminApi::whoami));
    router.add_async(Verb::get, "/api/v1/overview", read(&AdminApi::overview));
    router.add_sse("/api/v1/stream", [this](const http::Request& r, http::SseStream s) { stream(r, std::move(s)); });
    router.add_async(Verb::get, "/api/v1/messages", read(&AdminApi::search_messages));
    router.add_async(Verb::get, "/api/v1/messages/{id}", read(&AdminApi::show_message));
    router.add_async(Verb::post, "/api/v1/messages/{id}/replay", act(&AdminApi::replay_message));
    router.add_async(Verb::get, "/api/v1/orders", read(&AdminApi::search_orders));
    router.add_async(Verb::get, "/api/v1/orders/{id}", read(&AdminApi::show_order));
    router.add_async(Verb::get, "/api/v1/dead-letters", read(&AdminApi::list_dead_letters));
    router.add_async(Verb::post, "/api/v1/dead-letters/replay", act(&AdminApi::replay_dead_letters));
    router.add_async(Verb::post, "/api/v1/dead-letters/{id}/replay", act(&AdminApi::replay_dead_letter));
    router.add_async(Verb::get, "/api/v1/vendors", read(&AdminApi::list_vendors));
    router.add_async(Verb::post, "/api/v1/vendors/{name}/pause",
                     guarded(Need::act, [this](const Call& c) { return pause_vendor(c, true); }));
    router.add_async(Verb::post, "/api/v1/vendors/{name}/resume",
                     guarded(Need::act, [this](const Call& c) { return pause_vendor(c, false); }));
    router.add_async(Verb::post, "/api/v1/reload", act(&AdminApi::reload));
    router.add_async(Verb::get, "/api/v1/routes", read(&AdminApi::list_routes));
    router.add_async(Verb::get, "/api/v1/shadow", read(&AdminApi::shadow));
    router.add_async(Verb::get, "/api/v1/scorecard", read(&AdminApi::scorecard));
    router.add_async(Verb::get, "/api/v1/audit", act(&AdminApi::audit_log));
}

// ---- read ---------------------------------------------------------------------------------------------------

Response AdminApi::whoami(const Call& call) {
    json::array roles;
    for (const auto& r : call.who.role_names()) roles.emplace_back(r);
    return ok(json::object{{"name", call.who.name},
                           {"roles", std::move(roles)},
                           {"can_act", call.who.can_act()},
                           {"can_unmask", call.who.can_unmask()}});
}

Response AdminApi::overview(const Call& call) {
    QueryParams q(call.request.query, {});
    if (q.error()) return problem(*q.error(), call.request);
    return ok(feed_.latest());
}

void AdminApi::stream(const http::Request& request, http::SseStream stream) {
    auto refuse = [&](Response r) {
        metrics_.admin_request(static_cast<unsigned>(r.status));
        stream.reject(std::move(r));
    };
    auto who = authenticate(request);
    if (!who) {
        audit_refusal(request, {}, 401);
        auto r = problem(Status::unauthorized, "a valid bearer token is required (Authorization: Bearer ...)", request);
        r.headers.set(http::beast_http::field::www_authenticate, "Bearer realm=\"gateway-admin\"");
        return refuse(std::move(r));
    }
    if (!who->can_read()) {
        audit_refusal(request, who->name, 403);
        return refuse(problem(Status::forbidden, "this call needs the viewer or operator role", request));
    }
    if (!feed_.subscribe(stream)) {
        auto r = problem(Status::service_unavailable, "too many live streams are open", request);
        r.headers.set(http::beast_http::field::retry_after, "5");
        return refuse(std::move(r));
    }
    metrics_.admin_request(200);
}

Response AdminApi::search_messages(const Call& call) {
    QueryParams q(call.request.query, {"state", "channel", "sender", "control_id", "correlation_id", "from", "to",
                                       "limit", "cursor"});
    store::MessageQuery query;
    const auto state = q.text("state", 32);
    query.channel = q.text("channel");
    query.sender = q.text("sender");
    query.control_id = q.text("control_id");
    query.correlation_id = q.text("correlation_id");
    query.from = q.time("from");
    query.to = q.time("to");
    query.page = q.page(options_.default_page_size, options_.max_page_size);
    if (q.error()) return problem(*q.error(), call.request);
    if (!state.empty()) {
        query.state = store::parse_message_state(state);
        if (!query.state) {
            return problem(Status::bad_request,
                           fmt::format("unknown message state '{}' (received, processed, rejected, failed)", state),
                           call.request);
        }
    }
    auto page = store_.find_messages(query);
    if (!page) return problem(page.error(), call.request);
    json::array items;
    for (const auto& m : page->items) items.push_back(message_json(m, false));
    return ok(json::object{{"items", std::move(items)},
                           {"next_cursor", cursor_json(page->next_cursor)},
                           {"limit", query.page.limit}});
}

Response AdminApi::show_message(const Call& call) {
    auto id = path_id(call.request);
    if (!id) return problem(id.error(), call.request);
    QueryParams q(call.request.query, {"unmask", "reason"});
    const bool unmask = q.flag("unmask");
    const auto reason = q.text("reason", kMaxReasonLength);
    if (q.error()) return problem(*q.error(), call.request);
    if (unmask && !call.who.can_unmask()) {
        audit_refusal(call.request, call.who.name, 403);
        return problem(Status::forbidden, "unmasked personal data needs the phi-reader role", call.request);
    }
    if (unmask && reason.empty()) {
        return problem(Status::bad_request, "unmask=true needs a 'reason' (it is written to the audit log)",
                       call.request);
    }
    auto message = store_.get_message(*id);
    if (!message) return problem(message.error(), call.request);
    if (unmask && !audit(call, "phi.view", fmt::format("message:{}", *id), reason)) {
        return problem(Status::service_unavailable, "the audit log could not be written; nothing is shown",
                       call.request);
    }
    auto out = message_json(*message, unmask);
    out["masked"] = !unmask;
    out["raw"] = message->purged ? std::string() : unmask ? message->raw : mask_raw_message(message->raw);
    out["ack"] = unmask ? message->ack : mask_raw_message(message->ack);
    store::OrderQuery orders;
    orders.message_id = *id;
    orders.page.limit = 1;
    if (auto found = store_.find_orders(orders); found && !found->items.empty()) {
        out["order_id"] = found->items.front().id;
    }
    if (hooks_.mapping_trace && !message->raw.empty()) {
        auto trace = hooks_.mapping_trace(*message);
        if (trace) {
            out["mapping_trace"] = unmask ? *trace : mask_trace(*trace);
        } else {
            out["mapping_trace"] = json::object{{"error", unmask ? trace.error().to_string()
                                                                 : mask_quoted(trace.error().to_string())}};
        }
    }
    return ok(out);
}

Response AdminApi::search_orders(const Call& call) {
    QueryParams q(call.request.query, {"state", "vendor", "municipality", "external_ref", "vendor_order_ref",
                                       "recipient", "control_id", "message_id", "from", "to", "limit", "cursor"});
    store::OrderQuery query;
    query.state = q.text("state", 32);
    query.vendor = q.text("vendor");
    query.municipality = q.text("municipality", 16);
    query.external_ref = q.text("external_ref");
    query.vendor_order_ref = q.text("vendor_order_ref");
    query.recipient_ref = q.text("recipient");
    const auto control_id = q.text("control_id");
    query.message_id = q.integer("message_id", 1, std::numeric_limits<std::int64_t>::max());
    query.from = q.time("from");
    query.to = q.time("to");
    query.page = q.page(options_.default_page_size, options_.max_page_size);
    if (q.error()) return problem(*q.error(), call.request);
    if (!query.state.empty() && !model::parse_order_state(query.state)) {
        return problem(Status::bad_request, fmt::format("unknown order state '{}'", query.state), call.request);
    }

    json::array items;
    if (!control_id.empty()) {
        // The control id belongs to the inbound message: find its messages (any sender), then their orders.
        store::MessageQuery messages;
        messages.control_id = control_id;
        messages.page.limit = 50;
        auto found = store_.find_messages(messages);
        if (!found) return problem(found.error(), call.request);
        std::set<std::string> seen;
        for (const auto& m : found->items) {
            if (query.message_id && *query.message_id != m.id) continue;
            auto per_message = query;
            per_message.message_id = m.id;
            per_message.page = {};
            auto orders = store_.find_orders(per_message);
            if (!orders) return problem(orders.error(), call.request);
            for (const auto& o : orders->items) {
                if (seen.insert(o.id).second) items.push_back(order_summary(o));
            }
        }
        return ok(json::object{{"items", std::move(items)}, {"next_cursor", nullptr}, {"limit", query.page.limit}});
    }
    auto page = store_.find_orders(query);
    if (!page) return problem(page.error(), call.request);
    for (const auto& o : page->items) items.push_back(order_summary(o));
    return ok(json::object{{"items", std::move(items)},
                           {"next_cursor", cursor_json(page->next_cursor)},
                           {"limit", query.page.limit}});
}

Response AdminApi::show_order(const Call& call) {
    const auto id = call.request.param("id").value_or("");
    QueryParams q(call.request.query, {"unmask", "reason"});
    const bool unmask = q.flag("unmask");
    const auto reason = q.text("reason", kMaxReasonLength);
    if (q.error()) return problem(*q.error(), call.request);
    if (id.empty() || id.size() > 128) return problem(Status::bad_request, "bad order id", call.request);
    if (unmask && !call.who.can_unmask()) {
        audit_refusal(call.request, call.who.name, 403);
        return problem(Status::forbidden, "unmasked personal data needs the phi-reader role", call.request);
    }
    if (unmask && reason.empty()) {
        return problem(Status::bad_request, "unmask=true needs a 'reason' (it is written to the audit log)",
                       call.request);
    }
    auto detail = store_.get_order_detail(id);
    if (!detail) return problem(detail.error(), call.request);
    if (unmask && !audit(call, "phi.view", fmt::format("order:{}", id), reason)) {
        return problem(Status::service_unavailable, "the audit log could not be written; nothing is shown",
                       call.request);
    }

    auto order = order_summary(detail->order);
    const auto canonical = parse_or_null(detail->order.canonical_json);
    order["canonical"] = unmask ? canonical : mask_care_order(canonical);
    json::array events;
    for (const auto& e : detail->events) {
        events.push_back(json::object{{"id", e.id},
                                      {"state", e.state},
                                      {"vendor", e.vendor},
                                      {"vendor_event_id", e.vendor_event_id},
                                      {"occurred_at", format_time(e.occurred_at)},
                                      {"recorded_at", format_time(e.recorded_at)},
                                      {"event", parse_or_null(e.json)}});
    }
    json::array deliveries;
    for (const auto& d : detail->deliveries) {
        auto o = outbox_json(d);
        o["payload"] = unmask ? d.payload : mask_payload(d.payload);
        deliveries.push_back(std::move(o));
    }
    json::array attempts;
    for (const auto& a : detail->attempts) attempts.push_back(attempt_json(a));
    json::object out{{"order", std::move(order)},
                     {"events", std::move(events)},
                     {"deliveries", std::move(deliveries)},
                     {"attempts", std::move(attempts)},
                     {"masked", !unmask}};
    if (detail->order.message_id) {
        if (auto message = store_.get_message(*detail->order.message_id)) {
            auto m = message_json(*message, unmask);
            m["raw"] = message->purged ? std::string() : unmask ? message->raw : mask_raw_message(message->raw);
            if (hooks_.mapping_trace && !message->raw.empty()) {
                auto trace = hooks_.mapping_trace(*message);
                out["mapping_trace"] = trace ? (unmask ? *trace : mask_trace(*trace))
                                             : json::value(json::object{{"error", mask_quoted(trace.error().to_string())}});
            }
            out["message"] = std::move(m);
        }
    }
    return ok(out);
}

Response AdminApi::list_dead_letters(const Call& call) {
    QueryParams q(call.request.query, {"vendor", "destination", "order_id", "limit", "cursor"});
    store::OutboxQuery query;
    query.state = store::OutboxState::dead;
    const auto vendor = q.text("vendor");
    query.destination = q.text("destination");
    query.order_id = q.text("order_id", 128);
    query.page = q.page(options_.default_page_size, options_.max_page_size);
    if (q.error()) return problem(*q.error(), call.request);
    if (!vendor.empty()) {
        if (!query.destination.empty()) {
            return problem(Status::bad_request, "give either 'vendor' or 'destination'", call.request);
        }
        query.destination = "vendor:" + vendor;
    }
    auto page = store_.find_outbox(query);
    if (!page) return problem(page.error(), call.request);
    json::array items;
    for (const auto& item : page->items) items.push_back(outbox_json(item));
    return ok(json::object{{"items", std::move(items)},
                           {"next_cursor", cursor_json(page->next_cursor)},
                           {"limit", query.page.limit}});
}

Response AdminApi::list_vendors(const Call& call) {
    QueryParams q(call.request.query, {});
    if (q.error()) return problem(*q.error(), call.request);
    auto stats = stats_.get();
    json::array items;
    const auto vendors = hooks_.vendors ? hooks_.vendors() : std::vector<VendorStatus>{};
    for (const auto& v : vendors) {
        json::object o{{"vendor", v.vendor},
                       {"destination", v.destination},
                       {"paused", v.paused},
                       {"breaker", v.breaker},
                       {"in_flight", v.in_flight},
                       {"delivered", v.delivered},
                       {"retried", v.retried},
                       {"dead", v.dead}};
        if (stats) {
            for (const auto& d : stats->destinations) {
                if (d.destination != v.destination) continue;
                o["pending"] = d.pending;
                o["dead_letters"] = d.dead;
                o["oldest_pending_s"] = d.oldest_pending_age
                                            ? json::value(static_cast<double>(d.oldest_pending_age->count()) / 1000)
                                            : json::value(nullptr);
            }
        }
        items.push_back(std::move(o));
    }
    return ok(json::object{{"items", std::move(items)}});
}

Response AdminApi::list_routes(const Call& call) {
    QueryParams q(call.request.query, {});
    if (q.error()) return problem(*q.error(), call.request);
    const auto today = routing::oslo_date(std::chrono::system_clock::now());
    json::array items;
    const auto routes = hooks_.routes ? hooks_.routes() : std::vector<config::RouteSection>{};
    for (const auto& r : routes) {
        json::array contracts;
        json::value current = nullptr;
        json::value next = nullptr;
        for (const auto& c : r.contracts) {
            json::object contract{{"vendor", c.vendor},
                                  {"from", c.from},
                                  {"until", c.until.empty() ? json::value(nullptr) : json::value(c.until)}};
            // Dates are YYYY-MM-DD, so text order is date order.
            const bool active = c.from <= today && (c.until.empty() || today < c.until);
            if (active && current.is_null()) current = contract;
            if (c.from > today && (next.is_null() || c.from < std::string(next.as_object().at("from").as_string()))) {
                next = contract;
            }
            contracts.push_back(std::move(contract));
        }
        items.push_back(json::object{{"municipality", r.municipality},
                                     {"district", r.district.empty() ? json::value(nullptr) : json::value(r.district)},
                                     {"current", current},
                                     {"next", next},
                                     {"shadow", r.shadow.empty() ? json::value(nullptr) : json::value(r.shadow)},
                                     {"contracts", std::move(contracts)}});
    }
    return ok(json::object{{"today", today}, {"items", std::move(items)}});
}

Response AdminApi::shadow(const Call& call) {
    QueryParams q(call.request.query, {"vendor", "outcome", "from", "to", "limit", "cursor"});
    store::ShadowQuery query;
    query.vendor = q.text("vendor");
    const auto outcome = q.text("outcome", 32);
    query.from = q.time("from");
    query.to = q.time("to");
    query.page = q.page(options_.default_page_size, options_.max_page_size);
    if (q.error()) return problem(*q.error(), call.request);
    if (!outcome.empty()) {
        query.outcome = store::parse_shadow_outcome(outcome);
        if (!query.outcome) {
            return problem(Status::bad_request, fmt::format("unknown shadow outcome '{}'", outcome), call.request);
        }
    }
    auto counts = store_.shadow_counts(query.from);
    if (!counts) {
        if (counts.error().code == ErrorCode::unsupported) {
            return ok(json::object{{"available", false}, {"detail", counts.error().message}});
        }
        return problem(counts.error(), call.request);
    }
    auto page = store_.find_shadow_results(query);
    if (!page) return problem(page.error(), call.request);
    json::array count_list;
    for (const auto& c : *counts) {
        count_list.push_back(json::object{{"vendor", c.vendor},
                                          {"outcome", to_string(c.outcome)},
                                          {"count", c.count},
                                          {"last_at", format_time(c.last_at)}});
    }
    json::array items;
    for (const auto& r : page->items) {
        items.push_back(json::object{
            {"id", r.id},
            {"order_id", r.order_id},
            {"vendor", r.vendor},
            {"route_vendor", r.route_vendor},
            {"municipality", r.municipality},
            {"outcome", to_string(r.outcome)},
            {"sent", r.sent},
            {"http_status", r.http_status ? json::value(*r.http_status) : json::value(nullptr)},
            // Mapping errors quote input values, which may be personal data.
            {"detail", mask_quoted(r.detail)},
            {"recorded_at", format_time(r.recorded_at)},
        });
    }
    return ok(json::object{{"available", true},
                           {"counts", std::move(count_list)},
                           {"items", std::move(items)},
                           {"next_cursor", cursor_json(page->next_cursor)},
                           {"limit", query.page.limit}});
}

Response AdminApi::scorecard(const Call& call) {
    QueryParams q(call.request.query, {"from", "to", "vendor", "format"});
    const auto from = q.text("from", 10);
    const auto to = q.text("to", 10);
    const auto vendor = q.text("vendor");
    const auto format = q.text("format", 8);
    if (q.error()) return problem(*q.error(), call.request);
    if (from.empty() || to.empty()) {
        return problem(Status::bad_request, "'from' and 'to' (YYYY-MM-DD, both inclusive) are required",
                       call.request);
    }
    if (!format.empty() && format != "json" && format != "csv") {
        return problem(Status::bad_request, "'format' is json or csv", call.request);
    }
    auto period = oslo_days(from, to);
    if (!period) return problem(period.error(), call.request);
    if (period->to - period->from > std::chrono::hours(24) * (options_.scorecard_max_days + 1)) {
        return problem(Status::bad_request,
                       fmt::format("the period may be at most {} days", options_.scorecard_max_days), call.request);
    }
    auto orders = load_scorecard_orders(store_, *period, vendor, options_.scorecard_max_orders);
    if (!orders) return problem(orders.error(), call.request);
    const auto scores = compute_scorecard(*orders, *period);
    if (format == "csv") {
        Response r;
        r.content_type = "text/csv; charset=utf-8";
        r.body = scorecard_csv(scores, *period);
        r.headers.set(http::beast_http::field::content_disposition,
                      fmt::format("attachment; filename=\"scorecard-{}-{}.csv\"", from, to));
        return r;
    }
    return ok(scorecard_json(scores, *period));
}

Response AdminApi::audit_log(const Call& call) {
    QueryParams q(call.request.query, {"actor", "action", "target", "from", "to", "limit", "cursor"});
    store::AuditQuery query;
    query.actor = q.text("actor");
    query.action = q.text("action");
    query.target = q.text("target");
    query.from = q.time("from");
    query.to = q.time("to");
    query.page = q.page(options_.default_page_size, options_.max_page_size);
    if (q.error()) return problem(*q.error(), call.request);
    auto page = store_.find_audit(query);
    if (!page) return problem(page.error(), call.request);
    json::array items;
    for (const auto& a : page->items) {
        items.push_back(json::object{{"id", a.id},
                                     {"at", format_time(a.at)},
                                     {"actor", a.actor},
                                     {"action", a.action},
                                     {"target", a.target},
                                     {"detail", a.detail}});
    }
    return ok(json::object{{"items", std::move(items)},
                           {"next_cursor", cursor_json(page->next_cursor)},
                           {"limit", query.page.limit}});
}

// ---- act ------------------------------------------------------------------------------------------------------

Response AdminApi::replay_message(const Call& call) {
    auto id = path_id(call.request);
    if (!id) return problem(id.error(), call.request);
    auto body = read_action_body(call.request);
    if (!body) return problem(body.error(), call.request);
    if (!hooks_.replay_message) {
        return problem(Status::not_implemented, "message replay is not available in this build", call.request);
    }
    if (!audit(call, "message.replay", fmt::format("message:{}", *id), body->reason)) {
        return problem(Status::service_unavailable, "the audit log could not be written; nothing was done",
                       call.request);
    }
    auto order = hooks_.replay_message(*id);
    if (!order) {
        audit(call, "message.replay.failed", fmt::format("message:{}", *id), body->reason, order.error().to_string());
        return problem(order.error(), call.request);
    }
    return ok(json::object{{"message_id", *id}, {"order_id", *order}});
}

Response AdminApi::requeue(const Call& call, const std::vector<std::int64_t>& ids, const std::string& reason) {
    std::string target = "outbox:";
    for (std::size_t i = 0; i < ids.size() && target.size() < 200; ++i) {
        target += (i ? "," : "") + std::to_string(ids[i]);
    }
    if (target.size() >= 200) target += ",...";
    if (!audit(call, "dead_letter.replay", target, reason)) {
        return problem(Status::service_unavailable, "the audit log could not be written; nothing was done",
                       call.request);
    }
    reopen_orders(call, ids, reason);
    // requeue_dead writes one audit entry per item as well (actor and item), in its own transaction.
    auto requeued = store_.requeue_dead(ids, call.who.name);
    if (!requeued) return problem(requeued.error(), call.request);
    if (hooks_.wake && hooks_.vendors) {
        for (const auto& v : hooks_.vendors()) hooks_.wake(v.destination);
    }
    log::info("ops.dead_letters_requeued",
              {{"actor", call.who.name}, {"requested", ids.size()}, {"requeued", *requeued}});
    if (*requeued == 0) {
        return problem(Status::conflict, "none of the given ids is a dead letter (already replayed?)", call.request);
    }
    return ok(json::object{{"requested", ids.size()}, {"requeued", *requeued}});
}

void AdminApi::reopen_orders(const Call& call, const std::vector<std::int64_t>& ids, const std::string& reason) {
    // The dead letters among `ids` (usually few: page through them until every id is found).
    std::set<std::int64_t> wanted(ids.begin(), ids.end());
    std::vector<store::OutboxItem> items;
    store::OutboxQuery query;
    query.state = store::OutboxState::dead;
    query.page.limit = 1000;
    for (int pages = 0; pages < 50 && !wanted.empty(); ++pages) {
        auto page = store_.find_outbox(query);
        if (!page) return;
        for (auto& item : page->items) {
            if (wanted.erase(item.id)) items.push_back(std::move(item));
        }
        if (!page->next_cursor) break;
        query.page.cursor = page->next_cursor;
    }
    for (const auto& item : items) {
        if (!item.order_id || item.kind != store::OutboxKind::submit) continue;
        auto order = store_.get_order(*item.order_id);
        if (!order || (order->state != "failed" && order->state != "rejected")) continue;
        // Before the requeue, so the delivery's outcome finds the order open: after it, a fast delivery could be
        // filed against the final state and be lost for the order's state.
        model::OrderEvent event;
        event.order_id = order->id;
        event.vendor = order->vendor;
        event.state = model::OrderState::routed;
        event.occurred_at = model::utc_timestamp(std::chrono::system_clock::now());
        event.reason = fmt::format("dead letter {} replayed by {}: {}", item.id, call.who.name, reason);
        store::NewOrderEvent e;
        e.order_id = order->id;
        e.vendor = order->vendor;
        e.state = "routed";
        e.json = model::to_json_string(event);
        // No transition rule: an operator's replay deliberately reopens a final state.
        if (auto r = store_.append_order_event(e, std::nullopt); !r) {
            log::warn("ops.reopen_failed", {{"order_id", order->id}, {"error", r.error().to_string()}});
        }
    }
}

Response AdminApi::replay_dead_letters(const Call& call) {
    auto body = read_action_body(call.request);
    if (!body) return problem(body.error(), call.request);
    const auto* ids_value = body->body.if_contains("ids");
    if (!ids_value || !ids_value->is_array() || ids_value->as_array().empty()) {
        return problem(Status::bad_request, "\"ids\" must be a non-empty array of outbox ids", call.request);
    }
    const auto& array = ids_value->as_array();
    if (array.size() > options_.max_replay_ids) {
        return problem(Status::bad_request,
                       fmt::format("at most {} ids per call", options_.max_replay_ids), call.request);
    }
    std::vector<std::int64_t> ids;
    for (const auto& v : array) {
        const bool positive = (v.is_int64() && v.as_int64() > 0) || (v.is_uint64() && v.as_uint64() > 0 &&
                                                                     v.as_uint64() < (1ull << 62));
        if (!positive) return problem(Status::bad_request, "\"ids\" must hold positive integers", call.request);
        ids.push_back(v.is_int64() ? v.as_int64() : static_cast<std::int64_t>(v.as_uint64()));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return requeue(call, ids, body->reason);
}

Response AdminApi::replay_dead_letter(const Call& call) {
    auto id = path_id(call.request);
    if (!id) return problem(id.error(), call.request);
    auto body = read_action_body(call.request);
    if (!body) return problem(body.error(), call.request);
    return requeue(call, {*id}, body->reason);
}

Response AdminApi::pause_vendor(const Call& call, bool pause) {
    const auto name = std::string(call.request.param("name").value_or(""));
    auto body = read_action_body(call.request);
    if (!body) return problem(body.error(), call.request);
    const auto& hook = pause ? hooks_.pause : hooks_.resume;
    if (!hook) return problem(Status::not_implemented, "pausing vendors is not available", call.request);
    const auto vendors = hooks_.vendors ? hooks_.vendors() : std::vector<VendorStatus>{};
    if (std::none_of(vendors.begin(), vendors.end(), [&](const VendorStatus& v) { return v.vendor == name; })) {
        return problem(Status::not_found, fmt::format("no vendor '{}'", name.substr(0, 64)), call.request);
    }
    if (!audit(call, pause ? "vendor.pause" : "vendor.resume", "vendor:" + name, body->reason)) {
        return problem(Status::service_unavailable, "the audit log could not be written; nothing was done",
                       call.request);
    }
    if (auto r = hook(name, call.who.name); !r) return problem(r.error(), call.request);
    return ok(json::object{{"vendor", name}, {"paused", pause}});
}

Response AdminApi::reload(const Call& call) {
    auto body = read_action_body(call.request);
    if (!body) return problem(body.error(), call.request);
    if (!hooks_.reload) {
        return problem(Status::not_implemented, "configuration reload is not available in this build",
                       call.request);
    }
    if (!audit(call, "config.reload", "config", body->reason)) {
        return problem(Status::service_unavailable, "the audit log could not be written; nothing was done",
                       call.request);
    }
    auto outcome = hooks_.reload(call.who.name);
    if (!outcome) return problem(outcome.error(), call.request);
    json::array errors;
    for (const auto& e : outcome->errors) errors.emplace_back(e);
    json::object out{{"applied", outcome->applied}, {"errors", std::move(errors)}, {"detail", outcome->detail}};
    if (!outcome->applied) {
        audit(call, "config.reload.refused", "config", body->reason,
              outcome->errors.empty() ? "refused" : outcome->errors.front());
        return Response::json(Status::unprocessable_entity, out);
    }
    return ok(out);
}

}  // namespace gw::ops
