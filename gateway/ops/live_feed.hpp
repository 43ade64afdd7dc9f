#pragma once
// LiveFeed: the dashboard's live flow. A thread samples the counters every `interval` (messages per channel,
// delivery attempts and latency per vendor, engine status) and the store counts every `stats_interval` (queue
// depth, oldest pending age, dead letters), turns them into one JSON snapshot with per-minute rates and latency
// percentiles over the last `window`, and pushes it to every subscribed Server-Sent Events stream.
//
// Streams are bounded (max_clients; the HTTP server also drops a client that falls behind its queue limit) and
// removed as soon as they close — a browser that goes away costs nothing after its socket closes.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/value.hpp>

#include "gateway/http/sse.hpp"
#include "gateway/ops/gateway_metrics.hpp"
#include "gateway/ops/ops_hooks.hpp"
#include "gateway/ops/stats_cache.hpp"

namespace gw::ops {

struct LiveFeedOptions {
    std::chrono::milliseconds interval{1'000};
    // Store counts cost a query that grows with the order table (GROUP BY over orders): every stats_interval while
    // someone watches, every idle_stats_interval otherwise (they still feed /readyz's outbox check).
    std::chrono::milliseconds stats_interval{2'000};
    std::chrono::milliseconds idle_stats_interval{15'000};
    std::chrono::milliseconds window{60'000};  // rates and percentiles are over this much history
    std::size_t max_clients = 32;
};

class LiveFeed {
  public:
    LiveFeed(GatewayMetrics& metrics, StatsCache& stats, const OpsHooks& hooks, LiveFeedOptions options);
    ~LiveFeed();  // stop()
    LiveFeed(const LiveFeed&) = delete;
    LiveFeed& operator=(const LiveFeed&) = delete;

    void start();
    void stop();  // closes every stream; idempotent

    // Adds a stream and sends it the latest snapshot at once. False when max_clients streams are open.
    bool subscribe(const http::SseStream& stream);
    std::size_t clients() const;

    // The latest snapshot (taken now if there is none yet).
    boost::json::value latest();
    // Takes a snapshot now and pushes it (tests; the thread does this every interval).
    boost::json::value tick();

  private:
    struct Sample {
        std::chrono::steady_clock::time_point at;
        std::map<std::string, double> counters;                   // "received/care-system" -> value
        std::map<std::string, HistogramSnapshot> latency;         // vendor -> cumulative
        HistogramSnapshot commit;
    };
    Sample sample() const;
    boost::json::value build(const Sample& now, const Sample& then, std::chrono::steady_clock::time_point now_at);
    void run();
    void push(const std::string& frame);

    GatewayMetrics& metrics_;
    StatsCache& stats_;
    const OpsHooks& hooks_;
    const LiveFeedOptions options_;

    // Shared with the streams' on_close callbacks, which may run on an HTTP strand after this feed is gone.
    struct Clients {
        std::mutex mutex;
        std::vector<http::SseStream> streams;
        void prune();  // under mutex
    };
    std::shared_ptr<Clients> clients_ = std::make_shared<Clients>();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool running_ = false;
    bool stopping_ = false;
    std::deque<Sample> history_;
    boost::json::value latest_;
    std::uint64_t sequence_ = 0;
    std::chrono::steady_clock::time_point last_stats_{};

    std::mutex tick_mutex_;  // one tick at a time (thread and tests)
    std::thread thread_;
};

}  // namespace gw::ops
