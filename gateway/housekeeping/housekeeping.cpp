#include "gateway/housekeeping/housekeeping.hpp"

#include <algorithm>

#include "gateway/log/log.hpp"

namespace gw::housekeeping {

using Clock = std::chrono::steady_clock;

Housekeeping::Housekeeping(store::Store& store, HousekeepingOptions options)
    : store_(store), options_(std::move(options)) {
    options_.maintain_every = std::max(options_.maintain_every, std::chrono::milliseconds(10));
    options_.retention_every = std::max(options_.retention_every, std::chrono::milliseconds(10));
}

Housekeeping::~Housekeeping() { stop(); }

void Housekeeping::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void Housekeeping::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

HousekeepingStats Housekeeping::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

Result<store::PurgeResult> Housekeeping::run_retention() {
    auto purged = store_.purge_personal_data(options_.personal_data_after);
    std::lock_guard lock(mutex_);
    ++stats_.retention_runs;
    if (!purged) {
        ++stats_.retention_failures;
        log::warn("housekeeping.retention_failed", {{"error", purged.error().to_string()}});
        return purged;
    }
    stats_.orders_purged += static_cast<std::uint64_t>(purged->orders);
    if (purged->orders + purged->messages + purged->outbox_payloads > 0) {
        log::info("housekeeping.retention", {{"orders", purged->orders},
                                             {"messages", purged->messages},
                                             {"outbox_payloads", purged->outbox_payloads}});
    }
    return purged;
}

Result<void> Housekeeping::run_maintenance() {
    auto done = store_.maintain();
    std::lock_guard lock(mutex_);
    ++stats_.maintain_runs;
    if (!done) {
        ++stats_.maintain_failures;
        log::warn("housekeeping.maintain_failed", {{"error", done.error().to_string()}});
    }
    return done;
}

void Housekeeping::run() {
    auto next_maintain = Clock::now() + options_.maintain_every;
    auto next_retention = Clock::now() + std::min(options_.maintain_every, options_.retention_every);
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            const auto next = options_.retention ? std::min(next_maintain, next_retention) : next_maintain;
            if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
        }
        const auto now = Clock::now();
        const auto may = [this](std::string_view job) { return !options_.may_run || options_.may_run(job); };
        if (now >= next_maintain) {
            next_maintain = now + options_.maintain_every;
            (void)run_maintenance();
        }
        if (options_.retention && now >= next_retention) {
            next_retention = now + options_.retention_every;
            if (may("retention")) (void)run_retention();
        }
    }
}

}  // namespace gw::housekeeping
