#include "gateway/ops/stats_cache.hpp"

namespace gw::ops {

Result<store::StoreStats> StatsCache::get() {
    std::lock_guard query_lock(query_mutex_);
    {
        std::lock_guard lock(mutex_);
        if (last_ && std::chrono::steady_clock::now() - last_->at < max_age_) return last_->stats;
    }
    auto stats = store_.stats();
    if (!stats) return stats;
    std::lock_guard lock(mutex_);
    last_ = Taken{*stats, std::chrono::steady_clock::now()};
    return stats;
}

std::optional<StatsCache::Taken> StatsCache::last() const {
    std::lock_guard lock(mutex_);
    return last_;
}

}  // namespace gw::ops
