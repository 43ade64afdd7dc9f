#pragma once
// Store counts (messages, orders, outbox depth) shared by /metrics, the live feed and /readyz, so a burst of
// scrapes or dashboard clients costs one store query per max_age instead of one each. get() may block on the
// store (call it from ops threads); last() never blocks (health checks run on HTTP strands).

#include <chrono>
#include <mutex>
#include <optional>

#include "gateway/core/result.hpp"
#include "gateway/store/store.hpp"

namespace gw::ops {

class StatsCache {
  public:
    StatsCache(store::Store& store, std::chrono::milliseconds max_age) : store_(store), max_age_(max_age) {}

    // Fresh enough counts, querying the store when the cached ones are older than max_age.
    Result<store::StoreStats> get();
    // The last successful counts and when they were taken; nullopt before the first.
    struct Taken {
        store::StoreStats stats;
        std::chrono::steady_clock::time_point at;
    };
    std::optional<Taken> last() const;

  private:
    store::Store& store_;
    const std::chrono::milliseconds max_age_;
    std::mutex query_mutex_;  // one query at a time; others wait for its result
    mutable std::mutex mutex_;
    std::optional<Taken> last_;
};

}  // namespace gw::ops
