#include "gateway/ops/live_feed.hpp"

#include <algorithm>
#include <set>

#include <boost/json/serialize.hpp>

#include "gateway/log/log.hpp"
#include "gateway/ops/query_params.hpp"

namespace gw::ops {

namespace json = boost::json;
using namespace std::chrono;

namespace {

double seconds_between(steady_clock::time_point a, steady_clock::time_point b) {
    return duration_cast<duration<double>>(b - a).count();
}

double value_of(const std::map<std::string, double>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

// Counters as JSON integers ("12", not "1.2E1").
std::int64_t count_of(const std::map<std::string, double>& m, const std::string& key) {
    return static_cast<std::int64_t>(value_of(m, key));
}

double round_to(double v, double step) { return std::round(v / step) * step; }

}  // namespace

LiveFeed::LiveFeed(GatewayMetrics& metrics, StatsCache& stats, const OpsHooks& hooks, LiveFeedOptions options)
    : metrics_(metrics), stats_(stats), hooks_(hooks), options_(options) {}

LiveFeed::~LiveFeed() { stop(); }

void LiveFeed::start() {
    std::lock_guard lock(mutex_);
    if (running_ || stopping_) return;
    running_ = true;
    thread_ = std::thread([this] { run(); });
}

void LiveFeed::Clients::prune() {
    streams.erase(std::remove_if(streams.begin(), streams.end(), [](const http::SseStream& s) { return !s.is_open(); }),
                  streams.end());
}

void LiveFeed::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::vector<http::SseStream> streams;
    {
        std::lock_guard lock(clients_->mutex);
        streams.swap(clients_->streams);
    }
    for (auto& c : streams) c.close();
}

bool LiveFeed::subscribe(const http::SseStream& stream) {
    std::string first;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        if (!latest_.is_null()) first = json::serialize(latest_);
    }
    {
        std::lock_guard lock(clients_->mutex);
        clients_->prune();
        if (clients_->streams.size() >= options_.max_clients) return false;
        clients_->streams.push_back(stream);
    }
    // Removed as soon as it closes (the browser went away), not at the next tick.
    stream.on_close([weak = std::weak_ptr<Clients>(clients_)] {
        if (auto clients = weak.lock()) {
            std::lock_guard lock(clients->mutex);
            clients->prune();
        }
    });
    if (!first.empty()) stream.send(first, "flow");
    return true;
}

std::size_t LiveFeed::clients() const {
    std::lock_guard lock(clients_->mutex);
    return static_cast<std::size_t>(std::count_if(clients_->streams.begin(), clients_->streams.end(),
                                                  [](const http::SseStream& s) { return s.is_open(); }));
}

json::value LiveFeed::latest() {
    {
        std::lock_guard lock(mutex_);
        if (!latest_.is_null()) return latest_;
    }
    return tick();
}

LiveFeed::Sample LiveFeed::sample() const {
    Sample s;
    s.at = steady_clock::now();
    metrics_.messages_received.each([&](const LabelValues& v, const Counter& c) {
        s.counters["received/" + v[0]] += static_cast<double>(c.value());
    });
    metrics_.messages_acknowledged.each([&](const LabelValues& v, const Counter& c) {
        s.counters["acknowledged/" + v[0]] += static_cast<double>(c.value());
    });
    metrics_.messages_rejected.each([&](const LabelValues& v, const Counter& c) {
        s.counters["rejected/" + v[0]] += static_cast<double>(c.value());
    });
    metrics_.delivery_attempts.each([&](const LabelValues& v, const Counter& c) {
        s.counters["attempts/" + v[0]] += static_cast<double>(c.value());
        if (v[1] == "retryable" || v[1] == "permanent") {
            s.counters["failures/" + v[0]] += static_cast<double>(c.value());
        }
    });
    metrics_.delivery_duration.each(
        [&](const LabelValues& v, const Histogram& h) { s.latency[v[0]] = h.snapshot(); });
    s.commit = metrics_.store_commit_duration.with_values({}).snapshot();
    return s;
}

json::value LiveFeed::tick() {
    std::lock_guard tick_lock(tick_mutex_);
    const auto now = steady_clock::now();
    const auto stats_every = clients() > 0 ? options_.stats_interval : options_.idle_stats_interval;
    if (last_stats_ == steady_clock::time_point{} || now - last_stats_ >= stats_every) {
        if (auto r = stats_.get(); !r) log::warn("ops.stats_failed", {{"error", r.error().to_string()}});
        last_stats_ = now;
    }
    Sample current = sample();
    Sample then;
    {
        std::lock_guard lock(mutex_);
        while (!history_.empty() && now - history_.front().at > options_.window) history_.pop_front();
        then = history_.empty() ? current : history_.front();
        history_.push_back(current);
    }
    json::value snapshot = build(current, then, now);
    const std::string frame = json::serialize(snapshot);
    {
        std::lock_guard lock(mutex_);
        latest_ = snapshot;
    }
    push(frame);
    return snapshot;
}

json::value LiveFeed::build(const Sample& now, const Sample& then, steady_clock::time_point now_at) {
    const double elapsed = seconds_between(then.at, now.at);
    auto per_minute = [&](const std::string& key) {
        if (elapsed < 0.5) return 0.0;
        return round_to((value_of(now.counters, key) - value_of(then.counters, key)) / elapsed * 60, 0.1);
    };

    json::object out;
    out["seq"] = ++sequence_;
    out["at"] = format_time(system_clock::now());
    out["window_s"] = round_to(elapsed, 0.1);

    std::set<std::string> channels;
    for (const auto& [key, v] : now.counters) {
        if (key.starts_with("received/")) channels.insert(key.substr(9));
    }
    json::array channel_list;
    for (const auto& c : channels) {
        channel_list.push_back(json::object{
            {"channel", c},
            {"received", count_of(now.counters, "received/" + c)},
            {"acknowledged", count_of(now.counters, "acknowledged/" + c)},
            {"rejected", count_of(now.counters, "rejected/" + c)},
            {"received_per_min", per_minute("received/" + c)},
            {"rejected_per_min", per_minute("rejected/" + c)},
        });
    }
    out["channels"] = std::move(channel_list);

    const auto taken = stats_.last();
    std::map<std::string, const store::DestinationStats*> destinations;
    if (taken) {
        for (const auto& d : taken->stats.destinations) destinations[d.destination] = &d;
    }

    std::vector<VendorStatus> vendors = hooks_.vendors ? hooks_.vendors() : std::vector<VendorStatus>{};
    for (const auto& [key, v] : now.counters) {
        if (!key.starts_with("attempts/")) continue;
        const auto name = key.substr(9);
        if (std::none_of(vendors.begin(), vendors.end(), [&](const VendorStatus& s) { return s.vendor == name; })) {
            vendors.push_back(VendorStatus{name, "vendor:" + name});
        }
    }
    json::array vendor_list;
    for (const auto& v : vendors) {
        json::object o{
            {"vendor", v.vendor},
            {"destination", v.destination},
            {"paused", v.paused},
            {"breaker", v.breaker},
            {"in_flight", v.in_flight},
            {"delivered", v.delivered},
            {"retried", v.retried},
            {"dead", v.dead},
            {"attempts", count_of(now.counters, "attempts/" + v.vendor)},
            {"failures", count_of(now.counters, "failures/" + v.vendor)},
            {"attempts_per_min", per_minute("attempts/" + v.vendor)},
            {"failures_per_min", per_minute("failures/" + v.vendor)},
        };
        auto latency = now.latency.find(v.vendor);
        if (latency != now.latency.end()) {
            auto before = then.latency.find(v.vendor);
            const auto window = before == then.latency.end() || elapsed < 0.5 ? latency->second
                                                                              : latency->second.minus(before->second);
            // No attempt in the window: the latency of the whole run says more than a zero.
            const auto& basis = window.count > 0 ? window : latency->second;
            o["latency_p50_ms"] = round_to(basis.quantile(0.5) * 1000, 0.1);
            o["latency_p95_ms"] = round_to(basis.quantile(0.95) * 1000, 0.1);
        } else {
            o["latency_p50_ms"] = nullptr;
            o["latency_p95_ms"] = nullptr;
        }
        auto d = destinations.find(v.destination);
        o["queue_depth"] = d == destinations.end() ? 0 : d->second->depth();
        o["dead_letters"] = d == destinations.end() ? 0 : d->second->dead;
        o["oldest_pending_s"] = d == destinations.end() || !d->second->oldest_pending_age
                                    ? json::value(nullptr)
                                    : json::value(round_to(
                                          static_cast<double>(d->second->oldest_pending_age->count()) / 1000, 0.1));
        vendor_list.push_back(std::move(o));
    }
    out["vendors"] = std::move(vendor_list);

    json::array outbox;
    for (const auto& [name, d] : destinations) {
        outbox.push_back(json::object{
            {"destination", name},
            {"pending", d->pending},
            {"in_flight", d->in_flight},
            {"dead", d->dead},
            {"oldest_pending_s", d->oldest_pending_age
                                     ? json::value(static_cast<double>(d->oldest_pending_age->count()) / 1000)
                                     : json::value(nullptr)},
        });
    }
    out["outbox"] = std::move(outbox);

    json::object store;
    if (taken) {
        store["messages"] = json::object{{"received", taken->stats.messages_received},
                                         {"processed", taken->stats.messages_processed},
                                         {"rejected", taken->stats.messages_rejected},
                                         {"failed", taken->stats.messages_failed}};
        store["stats_age_s"] = round_to(seconds_between(taken->at, now_at), 0.1);
    }
    const auto commits = now.commit.minus(then.commit).count > 0 ? now.commit.minus(then.commit) : now.commit;
    store["commit_p50_ms"] = round_to(commits.quantile(0.5) * 1000, 0.01);
    store["commit_p95_ms"] = round_to(commits.quantile(0.95) * 1000, 0.01);
    out["store"] = std::move(store);

    if (hooks_.pipeline) {
        const auto p = hooks_.pipeline();
        out["pipeline"] = json::object{{"orders", p.orders}, {"failed", p.failed}};
    }
    return out;
}

void LiveFeed::push(const std::string& frame) {
    std::vector<http::SseStream> streams;
    {
        std::lock_guard lock(clients_->mutex);
        streams = clients_->streams;
    }
    bool any_closed = false;
    for (const auto& c : streams) any_closed |= !c.send(frame, "flow");
    if (!any_closed) return;
    std::lock_guard lock(clients_->mutex);
    clients_->prune();
}

void LiveFeed::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        tick();
        lock.lock();
        wake_.wait_for(lock, options_.interval, [this] { return stopping_; });
    }
}

}  // namespace gw::ops
