#include "adapters/http/operation_runner.hpp"

#include <algorithm>
#include <set>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "adapters/auth/auth_error.hpp"
#include "adapters/http/classify.hpp"

namespace gw::adapters::http {
namespace {

std::string join_url(const std::string& base, const std::string& path) {
    if (!base.empty() && base.back() == '/' && !path.empty() && path.front() == '/') return base + path.substr(1);
    return base + path;
}

bool truthy(std::string_view text) {
    return !text.empty() && text != "false" && text != "0" && text != "no";
}

int line_number_of(const boost::json::value* line, std::size_t index) {
    if (line && line->is_object()) {
        if (const auto* n = line->get_object().if_contains("line_number"); n && n->is_int64())
            return static_cast<int>(n->get_int64());
    }
    return static_cast<int>(index) + 1;
}

std::string json_text(const boost::json::value& v) {
    return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

}  // namespace

OperationRun::OperationRun(std::shared_ptr<AdapterCore> core, const OperationConfig& operation,
                           DeliveryRequest request, Done done)
    : core_(std::move(core)),
      operation_(operation),
      request_(std::move(request)),
      done_(std::move(done)),
      timer_strand_(boost::asio::make_strand(core_->io)),
      deadline_timer_(timer_strand_) {}

void OperationRun::arm_deadline() {
    deadline_timer_.expires_at(deadline_);
    deadline_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        DeliveryOutcome o;
        o.outcome = Outcome::retryable;
        {
            std::lock_guard lock(self->mutex_);
            o.step = self->label_;
        }
        o.error = fmt::format("timeout: the operation's deadline passed during {}", o.step.empty() ? "auth" : o.step);
        self->finish(std::move(o));
    });
}

bool OperationRun::finished() {
    std::lock_guard lock(mutex_);
    return finished_;
}

void OperationRun::start() {
    deadline_ = std::chrono::steady_clock::now() + std::min(request_.timeout, core_->config->operation_timeout);
    boost::asio::post(timer_strand_, [self = shared_from_this()] { self->arm_deadline(); });

    for (const auto& [k, v] : core_->settings.params) params_[k] = v;
    params_["order_id"] = request_.order_id;
    params_["idempotency_key"] = request_.idempotency_key;
    params_["vendor_order_ref"] = request_.vendor_order_ref;
    if (const auto* order = request_.order.if_object()) {
        if (const auto* lines = order->if_contains("lines"); lines && lines->is_array())
            line_count_ = lines->get_array().size();
    }
    run_step();
}

std::string OperationRun::step_label() const {
    if (!step().for_each_line) return step().name;
    return fmt::format("{}[{}]", step().name, line_number_of(current_line(), line_));
}

const boost::json::value* OperationRun::current_line() const {
    if (step_ >= operation_.steps.size() || !step().for_each_line) return nullptr;
    const auto* order = request_.order.if_object();
    const auto* lines = order ? order->if_contains("lines") : nullptr;
    if (!lines || !lines->is_array()) return nullptr;
    return line_ < lines->get_array().size() ? &lines->get_array()[line_] : nullptr;
}

TemplateScope OperationRun::scope() const {
    TemplateScope s;
    s.secrets = &core_->settings.secrets;
    s.params = &core_->settings.params;
    s.vars = &vars_;
    s.order_id = request_.order_id;
    s.idempotency_key = request_.idempotency_key;
    s.vendor_order_ref = request_.vendor_order_ref;
    s.line = current_line();
    return s;
}

// The last step sends the request's own key (a retried operation replays the grocer's answer to the step that
// creates the order); earlier steps and each line get derived keys so they never replay one another. A repeat after
// stale credentials gets a fresh key: the grocer refused the first try before doing anything, and a store that
// remembers that refusal must not replay it.
std::string OperationRun::idempotency_key(bool after_reauth) const {
    std::string key = request_.idempotency_key;
    const bool last = step_ + 1 == operation_.steps.size();
    if (!last || step().for_each_line) key += "/" + step().name;
    if (step().for_each_line) key += fmt::format("/{}", line_number_of(current_line(), line_));
    if (after_reauth) key += "/reauth";
    return key;
}

std::chrono::milliseconds OperationRun::remaining() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
}

void OperationRun::run_step() {
    while (step_ < operation_.steps.size()) {
        const auto& s = step();
        if (s.for_each_line && line_ >= line_count_) {
            ++step_;
            line_ = 0;
            continue;
        }
        if (s.when) {
            auto text = render(*s.when, scope());
            if (!text) {
                DeliveryOutcome o;
                o.outcome = Outcome::permanent;
                o.step = step_label();
                o.error = fmt::format("{}: when: {}", step_label(), text.error().message);
                return finish(std::move(o));
            }
            if (!truthy(*text)) {
                ++step_;
                line_ = 0;
                continue;
            }
        }
        return send(false);
    }
    succeed();
}

void OperationRun::send(bool after_reauth) {
    if (finished()) return;
    reauthed_ = after_reauth;
    {
        std::lock_guard lock(mutex_);
        label_ = step_label();
    }
    const auto& s = step();
    auto permanent = [&](std::string what, const Error& e) {
        DeliveryOutcome o;
        o.outcome = Outcome::permanent;
        o.step = step_label();
        o.error = fmt::format("{}: {}: {}", step_label(), what, e.message);
        finish(std::move(o));
    };
    const auto left = remaining();
    if (left <= std::chrono::milliseconds::zero()) {
        DeliveryOutcome o;
        o.outcome = Outcome::retryable;
        o.step = step_label();
        o.error = fmt::format("the operation's deadline passed before {}", step_label());
        return finish(std::move(o));
    }
    auto path = render(s.path, scope(), true);
    if (!path) return permanent("path", path.error());
    httpclient::HttpRequest req;
    req.method = s.method;
    req.url = join_url(core_->settings.base_url, *path);
    req.total_timeout = std::min(s.timeout, left);
    last_body_.clear();
    if (s.body) {
        std::optional<std::size_t> item;
        if (s.for_each_line) item = line_;
        auto body = mapping::render_vendor_request(*s.body, request_.order, params_, item);
        if (!body) return permanent(fmt::format("mapping {}", s.body->file()), body.error());
        last_body_ = std::move(*body);
        req.body = last_body_;
        req.header("Content-Type", core_->config->body_kind == BodyKind::xml ? "application/xml" : "application/json");
    }
    req.header("Accept", core_->config->body_kind == BodyKind::xml ? "application/xml, application/json"
                                                                   : "application/json");
    for (const auto& [name, t] : s.headers) {
        auto value = render(t, scope());
        if (!value) return permanent(fmt::format("header {}", name), value.error());
        req.header(name, *value);
    }
    if (s.idempotent) req.header("Idempotency-Key", idempotency_key(after_reauth));
    core_->auth->apply(std::move(req), [self = shared_from_this()](Result<httpclient::HttpRequest> ready) {
        if (self->finished()) return;
        if (!ready) {
            DeliveryOutcome o;
            o.outcome = auth::is_retryable(ready.error()) ? Outcome::retryable : Outcome::permanent;
            o.step = self->step_label();
            o.error = fmt::format("{}: auth: {}", self->step_label(), ready.error().message);
            return self->finish(std::move(o));
        }
        self->core_->client->request(std::move(ready).value(), [self](Result<httpclient::HttpResponse> response) {
            self->on_response(std::move(response));
        });
    });
}

void OperationRun::on_response(Result<httpclient::HttpResponse> response) {
    if (finished()) return;
    if (!response) return finish(judge_failure(response.error(), step_label()));
    const auto& r = *response;
    last_status_ = r.status;
    if (core_->auth->on_response(r) && !reauthed_) return send(true);
    auto body = parse_response_body(r);
    auto verdict = judge_response(r, body, step_label(), operation_.outcome, core_->system_now());
    if (verdict.next == Verdict::Next::finish) return finish(std::move(verdict.outcome));
    const auto& s = step();
    if (verdict.next == Verdict::Next::proceed) {
        for (const auto& c : s.capture) {
            auto value = capture_value(body, c.path);
            if (!value) {
                // The grocer said yes but not what we need: repeating is only safe when the step is idempotent.
                DeliveryOutcome o;
                o.outcome = s.idempotent ? Outcome::retryable : Outcome::permanent;
                o.http_status = r.status;
                o.step = step_label();
                o.error = fmt::format("HTTP {} from {}: unexpected answer: {} ({})", r.status, step_label(),
                                      value.error().message, readable_excerpt(r.body, 120));
                return finish(std::move(o));
            }
            vars_[c.name] = *value;
            params_[c.name] = std::move(value).value();
        }
    }
    if (s.for_each_line) sent_[s.name].emplace_back(line_number_of(current_line(), line_), last_body_);
    if (step_ + 1 == operation_.steps.size() && (!s.for_each_line || line_ + 1 >= line_count_)) {
        final_body_ = std::move(body);
        if (operation_.operation == Operation::status) final_text_ = r.body;  // the poller maps it
    }
    advance();
}

void OperationRun::advance() {
    if (step().for_each_line && line_ + 1 < line_count_) {
        ++line_;
    } else {
        ++step_;
        line_ = 0;
    }
    run_step();
}

void OperationRun::check_partial(DeliveryOutcome& outcome) const {
    const auto& rule = *operation_.outcome.partial;
    const auto* list = json_at(final_body_, rule.response_list);
    if (!list || !list->is_array()) {
        // The grocer took the order (2xx) but its confirmation cannot be checked: report success, say why.
        outcome.error = fmt::format("could not check the confirmed lines: the answer has no list at {}", rule.response_list);
        return;
    }
    std::set<std::string> confirmed;
    for (const auto& item : list->get_array()) {
        boost::system::error_code ec;
        const auto* key = item.find_pointer(rule.response_key, ec);
        if (!ec && key) confirmed.insert(json_text(*key));
    }
    const auto sent = sent_.find(rule.sent_step);
    if (sent == sent_.end()) return;
    for (const auto& [line_number, text] : sent->second) {
        boost::system::error_code ec;
        const auto body = boost::json::parse(text, ec);
        if (ec) continue;
        const auto* key = body.find_pointer(rule.sent_key, ec);
        if (ec || !key) continue;
        if (confirmed.count(json_text(*key))) continue;
        outcome.lines.push_back({line_number, "out_of_stock", "missing from the grocer's confirmation"});
    }
    if (!outcome.lines.empty()) {
        outcome.outcome = Outcome::partial;
        outcome.state = "partially_accepted";
        outcome.error = fmt::format("{} of {} line(s) missing from the grocer's confirmation", outcome.lines.size(),
                                    sent->second.size());
    }
}

void OperationRun::succeed() {
    DeliveryOutcome o;
    o.outcome = Outcome::success;
    o.http_status = last_status_;  // the attempt log shows what the grocer answered
    o.state = operation_.outcome.state;
    o.step = operation_.steps.empty() ? std::string() : operation_.steps.back().name;
    if (operation_.outcome.vendor_order_ref) {
        auto ref = render(*operation_.outcome.vendor_order_ref, scope());
        if (ref) o.vendor_order_ref = std::move(*ref);
    } else if (auto it = vars_.find("vendor_order_ref"); it != vars_.end()) {
        o.vendor_order_ref = it->second;
    } else {
        o.vendor_order_ref = request_.vendor_order_ref;
    }
    if (operation_.outcome.partial) check_partial(o);
    o.body = std::move(final_text_);
    finish(std::move(o));
}

void OperationRun::finish(DeliveryOutcome outcome) {
    {
        std::lock_guard lock(mutex_);
        if (finished_) return;
        finished_ = true;
    }
    boost::asio::post(timer_strand_, [self = shared_from_this()] { self->deadline_timer_.cancel(); });
    if (outcome.outcome == Outcome::retryable || outcome.outcome == Outcome::permanent) outcome.state.clear();
    // Never inside run(): the caller may hold a lock while calling it.
    boost::asio::post(core_->io, [callback = std::move(done_), result = std::move(outcome)]() mutable {
        callback(std::move(result));
    });
}

}  // namespace gw::adapters::http
