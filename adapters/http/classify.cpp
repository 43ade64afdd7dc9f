#include "adapters/http/classify.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "adapters/http/retry_after.hpp"
#include "gateway/httpclient/failure.hpp"

namespace gw::adapters::http {
namespace {

bool rule_matches(const StatusRule& rule, unsigned status, const ResponseBody& body) {
    if (std::find(rule.status.begin(), rule.status.end(), status) == rule.status.end()) return false;
    for (const auto& [pointer, expected] : rule.match) {
        const auto* v = json_at(body, pointer);
        if (!v) return false;
        const std::string text = v->is_string() ? std::string(v->get_string()) : boost::json::serialize(*v);
        if (text != expected) return false;
    }
    return true;
}

std::vector<std::string> pointers_of(const OutcomeConfig& config) {
    auto all = config.error_text;
    for (const auto& p : default_error_pointers())
        if (std::find(all.begin(), all.end(), p) == all.end()) all.push_back(p);
    return all;
}

}  // namespace

bool retryable_status(unsigned status) noexcept {
    return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

Verdict judge_response(const httpclient::HttpResponse& response, const ResponseBody& body, const std::string& step,
                       const OutcomeConfig& config, std::chrono::system_clock::time_point now) {
    Verdict v;
    const unsigned status = response.status;
    auto finish = [&](Outcome outcome, std::string message) {
        v.next = Verdict::Next::finish;
        v.outcome.outcome = outcome;
        v.outcome.http_status = status;
        v.outcome.step = step;
        if (message.empty()) message = grocer_error_text(response, body, pointers_of(config));
        v.outcome.error = fmt::format("HTTP {} from {}: {}", status, step, message.empty() ? "(no body)" : message);
        if (outcome == Outcome::retryable) {
            if (auto header = response.header("Retry-After"); !header.empty())
                v.outcome.retry_after = parse_retry_after(header, now);
        }
        return v;
    };
    for (const auto& rule : config.rules) {
        if (!rule_matches(rule, status, body)) continue;
        if (rule.outcome == Outcome::success) {
            v.next = status >= 200 && status < 300 ? Verdict::Next::proceed : Verdict::Next::proceed_no_capture;
            return v;
        }
        return finish(rule.outcome, rule.message);
    }
    if (status >= 200 && status < 300) return v;
    if (retryable_status(status)) return finish(Outcome::retryable, {});
    return finish(Outcome::permanent, {});
}

DeliveryOutcome judge_failure(const Error& failure, const std::string& step) {
    DeliveryOutcome out;
    out.step = step;
    const auto kind = httpclient::failure_kind(failure);
    out.outcome = kind && httpclient::is_transient(*kind) ? Outcome::retryable : Outcome::permanent;
    out.error = fmt::format("{} failed: {}", step, failure.message);
    return out;
}

}  // namespace gw::adapters::http
