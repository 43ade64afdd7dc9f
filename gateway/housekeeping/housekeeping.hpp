#pragma once
// Housekeeping: the store's scheduled upkeep on a thread of its own — retention (personal data removed from settled
// orders after N days, non-personal metadata kept for statistics) and store maintenance (SQLite: WAL checkpoint).
// Both are slow, rare and never urgent, so they stay off the Asio threads and out of the inbound group commit; a
// failure is logged and tried again at the next interval, never fatal.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "gateway/core/result.hpp"
#include "gateway/store/store.hpp"

namespace gw::housekeeping {

struct HousekeepingOptions {
    bool retention = true;
    std::chrono::days personal_data_after{30};
    std::chrono::milliseconds retention_every{3'600'000};
    std::chrono::milliseconds maintain_every{60'000};
    // Several gateways on one store: only the instance that holds the job's lead runs it (PostgreSQL advisory
    // lock). Unset: always this one.
    std::function<bool(std::string_view job)> may_run;
};

struct HousekeepingStats {
    std::uint64_t retention_runs = 0;
    std::uint64_t retention_failures = 0;
    std::uint64_t orders_purged = 0;
    std::uint64_t maintain_runs = 0;
    std::uint64_t maintain_failures = 0;
};

class Housekeeping {
public:
    Housekeeping(store::Store& store, HousekeepingOptions options);
    ~Housekeeping();  // stop()
    Housekeeping(const Housekeeping&) = delete;
    Housekeeping& operator=(const Housekeeping&) = delete;

    // The first retention run comes one maintain interval after start (never during start-up's recovery work).
    void start();
    void stop();

    // One retention pass now, on the caller's thread (tests, an operator's command).
    Result<store::PurgeResult> run_retention();
    Result<void> run_maintenance();

    HousekeepingStats stats() const;

private:
    void run();

    store::Store& store_;
    HousekeepingOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    HousekeepingStats stats_;
    std::thread thread_;
};

}  // namespace gw::housekeeping
