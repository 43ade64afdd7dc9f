#include "gateway/http/health.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "gateway/http/problem.hpp"

namespace gw::http {

void HealthRegistry::add(std::string name, Check check) {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(checks_.begin(), checks_.end(), [&](const auto& c) { return c.first == name; });
    if (it != checks_.end()) {
        it->second = std::move(check);
    } else {
        checks_.emplace_back(std::move(name), std::move(check));
    }
}

void HealthRegistry::remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    std::erase_if(checks_, [&](const auto& c) { return c.first == name; });
}

std::vector<HealthRegistry::CheckResult> HealthRegistry::run() const {
    std::vector<std::pair<std::string, Check>> checks;
    {
        // Copied so that a slow check never holds the lock that add() needs.
        std::lock_guard lock(mutex_);
        checks = checks_;
    }
    std::vector<CheckResult> results;
    results.reserve(checks.size());
    for (const auto& [name, check] : checks) {
        CheckResult result{name, true, {}};
        try {
            auto outcome = check ? check() : Result<void>(make_error(ErrorCode::internal, "empty check"));
            if (!outcome) {
                result.ok = false;
                result.error = outcome.error().message;
            }
        } catch (const std::exception& e) {
            result.ok = false;
            result.error = fmt::format("check threw: {}", e.what());
        }
        results.push_back(std::move(result));
    }
    return results;
}

Response HealthRegistry::liveness() const {
    return Response::json(Status::ok, boost::json::value(boost::json::object{{"status", "ok"}}));
}

Response HealthRegistry::readiness() const {
    auto results = run();
    boost::json::array checks;
    std::size_t failing = 0;
    for (const auto& r : results) {
        boost::json::object entry{{"name", r.name}, {"status", r.ok ? "ok" : "fail"}};
        if (!r.ok) {
            entry["error"] = r.error;
            ++failing;
        }
        checks.push_back(std::move(entry));
    }
    if (failing == 0) {
        return Response::json(Status::ok,
                              boost::json::value(boost::json::object{{"status", "ok"}, {"checks", std::move(checks)}}));
    }
    auto problem = make_problem(Status::service_unavailable,
                                fmt::format("{} of {} readiness checks failing", failing, results.size()), "/readyz");
    problem.extensions["checks"] = std::move(checks);
    return problem.to_response();
}

void HealthRegistry::mount(Router& router) const {
    router.get("/healthz", [this](const Request&) { return liveness(); });
    router.get("/readyz", [this](const Request&) { return readiness(); });
}

}  // namespace gw::http
