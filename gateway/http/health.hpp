#pragma once
// Liveness and readiness. /healthz answers 200 {"status":"ok"} whenever the process can serve HTTP at all.
// /readyz runs every registered readiness check: 200 when all pass, otherwise 503 as a problem body whose "checks"
// member lists every check with its status and, if failing, its error text.
//
// Other modules add checks when they start ("store" -> is the store writable, "listeners" -> are they bound).
// Checks run on the requesting connection's strand, so they must be quick and must not block on I/O.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "gateway/core/result.hpp"
#include "gateway/http/router.hpp"

namespace gw::http {

class HealthRegistry {
  public:
    using Check = std::function<Result<void>()>;

    struct CheckResult {
        std::string name;
        bool ok = true;
        std::string error;  // the failing check's error message
    };

    // Thread-safe; replaces a check of the same name.
    void add(std::string name, Check check);
    void remove(const std::string& name);

    // Runs every check in registration order; a check that throws counts as failing.
    std::vector<CheckResult> run() const;

    // GET /healthz and GET /readyz on router. The registry must outlive the server that uses the router.
    void mount(Router& router) const;

    Response liveness() const;
    Response readiness() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, Check>> checks_;
};

}  // namespace gw::http
