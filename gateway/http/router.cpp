#include "gateway/http/router.hpp"

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include "gateway/http/problem.hpp"

namespace gw::http {

struct Responder::State {
    std::function<void(Response)> deliver;
    std::atomic<bool> done{false};

    ~State() {
        if (!done.exchange(true) && deliver) {
            deliver(
                make_problem(Status::internal_server_error, "the handler finished without a response").to_response());
        }
    }
};

Responder::Responder(std::function<void(Response)> deliver) : state_(std::make_shared<State>()) {
    state_->deliver = std::move(deliver);
}

void Responder::operator()(Response response) const {
    if (state_->done.exchange(true)) return;
    state_->deliver(std::move(response));
}

bool Responder::responded() const {
    return state_->done.load();
}

namespace {

bool is_param(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Orders candidate routes: at the first position where they differ, a literal beats a parameter.
bool more_specific(const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
        bool pa = is_param(a.segments[i]);
        bool pb = is_param(b.segments[i]);
        if (pa != pb) return !pa;
    }
    return false;
}

bool matches(const Route& route, const std::vector<std::string>& segments, Params* params) {
    if (route.segments.size() != segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& pattern = route.segments[i];
        if (is_param(pattern)) {
            if (segments[i].empty()) return false;
            if (params) params->emplace_back(pattern.substr(1, pattern.size() - 2), segments[i]);
        } else if (pattern != segments[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

Result<std::vector<std::string>> split_pattern(std::string_view pattern) {
    if (pattern.empty() || pattern.front() != '/') {
        return make_error(ErrorCode::invalid_argument, fmt::format("route pattern '{}' must start with '/'", pattern));
    }
    std::vector<std::string> segments;
    std::string_view rest = pattern.substr(1);
    if (rest.empty()) return segments;
    while (true) {
        auto slash = rest.find('/');
        auto segment = rest.substr(0, slash);
        bool has_brace = segment.find_first_of("{}") != std::string_view::npos;
        if (has_brace && (!is_param(segment) || segment.size() == 2 ||
                          segment.substr(1, segment.size() - 2).find_first_of("{}/") != std::string_view::npos)) {
            return make_error(
                ErrorCode::invalid_argument,
                fmt::format("route pattern '{}': segment '{}' must be literal or a whole {{name}}", pattern, segment));
        }
        segments.emplace_back(segment);
        if (slash == std::string_view::npos) break;
        rest = rest.substr(slash + 1);
    }
    return segments;
}

Router& Router::add(Verb method, std::string_view pattern, SyncHandler handler, RouteOptions options) {
    Route r;
    r.method = method;
    r.pattern = std::string(pattern);
    r.handler = std::move(handler);
    r.options = options;
    return insert(std::move(r));
}

Router& Router::add_async(Verb method, std::string_view pattern, AsyncHandler handler, RouteOptions options) {
    Route r;
    r.method = method;
    r.pattern = std::string(pattern);
    r.handler = std::move(handler);
    r.options = options;
    return insert(std::move(r));
}

Router& Router::add_sse(std::string_view pattern, SseHandler handler) {
    Route r;
    r.method = Verb::get;
    r.pattern = std::string(pattern);
    r.handler = std::move(handler);
    return insert(std::move(r));
}

Router& Router::insert(Route route) {
    if (error_) return *this;
    auto segments = split_pattern(route.pattern);
    if (!segments) {
        error_ = std::move(segments).error();
        return *this;
    }
    route.segments = std::move(*segments);
    bool empty_handler = std::visit([](const auto& h) { return !h; }, route.handler);
    if (empty_handler) {
        error_ = make_error(
            ErrorCode::invalid_argument,
            fmt::format("route {} {} has no handler", std::string_view(to_string(route.method)), route.pattern));
        return *this;
    }
    for (const auto& existing : routes_) {
        // Same shape (parameter names aside) and same method: the second could never be reached.
        bool same_shape = existing.method == route.method && existing.segments.size() == route.segments.size() &&
                          std::equal(existing.segments.begin(), existing.segments.end(), route.segments.begin(),
                                     [](const std::string& a, const std::string& b) {
                                         return (is_param(a) && is_param(b)) || a == b;
                                     });
        if (same_shape) {
            error_ = make_error(ErrorCode::conflict, fmt::format("route {} {} is already registered as {}",
                                                                 std::string_view(to_string(route.method)),
                                                                 route.pattern, existing.pattern));
            return *this;
        }
    }
    routes_.push_back(std::move(route));
    return *this;
}

Result<void> Router::status() const {
    if (error_) return *error_;
    return {};
}

RouteMatch Router::match(Verb method, const std::vector<std::string>& segments) const {
    RouteMatch result;
    const Route* best = nullptr;
    std::vector<Verb> allowed;
    for (const auto& route : routes_) {
        if (!matches(route, segments, nullptr)) continue;
        if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) allowed.push_back(route.method);
        if (route.method != method) continue;
        if (!best || more_specific(route, *best)) best = &route;
    }
    if (best) {
        result.outcome = RouteMatch::Outcome::found;
        result.route = best;
        matches(*best, segments, &result.params);
        return result;
    }
    if (allowed.empty()) return result;
    result.outcome = RouteMatch::Outcome::method_not_allowed;
    for (auto verb : allowed) {
        if (!result.allow.empty()) result.allow += ", ";
        result.allow += std::string_view(to_string(verb));
    }
    return result;
}

}  // namespace gw::http
