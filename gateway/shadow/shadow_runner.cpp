#include "gateway/shadow/shadow_runner.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "gateway/log/log.hpp"

namespace gw::shadow {

using store::NewShadowResult;
using store::ShadowOutcome;

struct ShadowRunner::Shared {
    std::mutex mutex;
    std::condition_variable wake;  // the runner thread: work arrived, an answer came back, stop
    std::condition_variable idle;  // wait_idle()
    std::deque<ShadowJob> queue;
    std::deque<std::pair<ShadowJob, std::string>> waiting;  // rendered, waiting for a sandbox slot
    std::vector<NewShadowResult> answered;                  // sandbox answers, filed by io threads
    std::size_t in_flight = 0;                              // at a sandbox
    bool busy = false;                                      // the runner thread holds work outside the queues
    bool started = false;
    bool stopping = false;
    std::chrono::steady_clock::time_point give_up{};
    std::map<std::string, VendorShadowStats> stats;

    bool idle_locked() const {
        return queue.empty() && waiting.empty() && answered.empty() && in_flight == 0 && !busy;
    }
};

namespace {

NewShadowResult result_for(const ShadowJob& job, ShadowOutcome outcome, std::string detail) {
    NewShadowResult r;
    r.order_id = job.order_id;
    r.vendor = job.shadow_vendor;
    r.route_vendor = job.route_vendor;
    r.municipality = job.municipality;
    r.outcome = outcome;
    r.detail = std::move(detail);
    return r;
}

// "4 requests: add_line x3, checkout": what the vendor would have been sent, without the bodies (personal data).
std::string summary_of(const std::vector<adapters::RenderedRequest>& requests) {
    std::vector<std::pair<std::string, int>> steps;
    for (const auto& r : requests) {
        const auto name = r.step.substr(0, r.step.find('['));
        if (!steps.empty() && steps.back().first == name) {
            ++steps.back().second;
        } else {
            steps.emplace_back(name, 1);
        }
    }
    std::string out = fmt::format("{} request{}", requests.size(), requests.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        out += i == 0 ? ": " : ", ";
        out += steps[i].first;
        if (steps[i].second > 1) out += fmt::format(" x{}", steps[i].second);
    }
    return out;
}

void count(std::map<std::string, VendorShadowStats>& stats, const NewShadowResult& r) {
    auto& s = stats[r.vendor];
    switch (r.outcome) {
        case ShadowOutcome::would_succeed: ++s.would_succeed; break;
        case ShadowOutcome::mapping_error: ++s.mapping_error; break;
        case ShadowOutcome::validation_error: ++s.validation_error; break;
        case ShadowOutcome::unavailable: ++s.unavailable; break;
    }
}

}  // namespace

ShadowRunner::ShadowRunner(store::Store& store, ShadowOptions options)
    : store_(store), options_(options), shared_(std::make_shared<Shared>()) {
    if (options_.max_batch == 0) options_.max_batch = 1;
    if (options_.max_sandbox_in_flight == 0) options_.max_sandbox_in_flight = 1;
}

ShadowRunner::~ShadowRunner() { stop(std::chrono::milliseconds(0)); }

void ShadowRunner::start() {
    std::lock_guard lock(shared_->mutex);
    if (shared_->started) return;
    shared_->started = true;
    thread_ = std::thread([this] { run(); });
}

void ShadowRunner::stop(std::chrono::milliseconds grace) {
    {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->stopping) {
            shared_->stopping = true;
            shared_->give_up = std::chrono::steady_clock::now() + grace;
        }
    }
    shared_->wake.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool ShadowRunner::submit(ShadowJob job) {
    {
        std::lock_guard lock(shared_->mutex);
        if (!shared_->started || shared_->stopping || shared_->queue.size() >= options_.queue_capacity) {
            ++shared_->stats[job.shadow_vendor].dropped;
            log::warn("shadow.dropped", {{"order_id", job.order_id},
                                         {"vendor", job.shadow_vendor},
                                         {"reason", shared_->stopping || !shared_->started ? "not running"
                                                                                            : "queue full"}});
            return false;
        }
        shared_->queue.push_back(std::move(job));
    }
    shared_->wake.notify_one();
    return true;
}

bool ShadowRunner::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(shared_->mutex);
    return shared_->idle.wait_for(lock, timeout, [this] { return shared_->idle_locked(); });
}

std::map<std::string, VendorShadowStats> ShadowRunner::stats() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->stats;
}

void ShadowRunner::run() {
    auto& s = *shared_;
    std::unique_lock lock(s.mutex);
    for (;;) {
        const auto ready = [&] {
            return !s.queue.empty() || !s.answered.empty() ||
                   (!s.stopping && !s.waiting.empty() && s.in_flight < options_.max_sandbox_in_flight);
        };
        if (!s.stopping) {
            s.wake.wait(lock, [&] { return s.stopping || ready(); });
        }
        std::vector<NewShadowResult> results;
        if (s.stopping && !ready()) {
            // Rendered orders not yet sent are not sent any more: nothing is known about them.
            while (!s.waiting.empty()) {
                results.push_back(result_for(s.waiting.front().first, ShadowOutcome::unavailable,
                                             "not sent to the sandbox: the gateway was stopping"));
                s.waiting.pop_front();
            }
            if (results.empty()) {
                if (s.in_flight == 0 || std::chrono::steady_clock::now() >= s.give_up) break;
                s.wake.wait_until(lock, s.give_up, [&] { return ready() || s.in_flight == 0; });
                continue;
            }
        }
        std::vector<ShadowJob> jobs;
        std::vector<std::pair<ShadowJob, std::string>> to_send;
        for (auto& r : s.answered) results.push_back(std::move(r));
        s.answered.clear();
        while (!s.queue.empty() && jobs.size() < options_.max_batch) {
            jobs.push_back(std::move(s.queue.front()));
            s.queue.pop_front();
        }
        while (!s.stopping && !s.waiting.empty() && s.in_flight < options_.max_sandbox_in_flight) {
            to_send.push_back(std::move(s.waiting.front()));
            s.waiting.pop_front();
            ++s.in_flight;
        }
        s.busy = true;
        lock.unlock();

        for (auto& [job, summary] : to_send) send_to_sandbox(std::move(job), std::move(summary));
        for (auto& job : jobs) translate(std::move(job), results);
        store_results(results);

        lock.lock();
        s.busy = false;
        if (s.idle_locked()) s.idle.notify_all();
    }
    s.busy = false;
    s.idle.notify_all();
}

void ShadowRunner::translate(ShadowJob job, std::vector<NewShadowResult>& done) {
    if (!job.translator) {
        done.push_back(result_for(job, ShadowOutcome::unavailable,
                                  fmt::format("vendor {} has no adapter in this configuration", job.shadow_vendor)));
        return;
    }
    adapters::DeliveryRequest request;
    request.order_id = job.order_id;
    request.idempotency_key = "shadow-" + job.order_id;
    boost::system::error_code ec;
    request.order = boost::json::parse(job.canonical_json, ec);
    if (ec) {
        done.push_back(result_for(job, ShadowOutcome::unavailable, "the stored order is not JSON: " + ec.message()));
        return;
    }
    auto rendered = job.translator->render(adapters::Operation::submit, request);
    if (!rendered) {
        const auto& e = rendered.error();
        const auto outcome = e.code == ErrorCode::unsupported ? ShadowOutcome::unavailable : ShadowOutcome::mapping_error;
        done.push_back(result_for(job, outcome, e.message));
        return;
    }
    auto summary = summary_of(*rendered);
    if (!job.sandbox) {
        done.push_back(result_for(job, ShadowOutcome::would_succeed, std::move(summary)));
        return;
    }
    std::lock_guard lock(shared_->mutex);
    shared_->waiting.emplace_back(std::move(job), std::move(summary));
}

void ShadowRunner::send_to_sandbox(ShadowJob job, std::string summary) {
    adapters::DeliveryRequest request;
    request.order_id = job.order_id;
    // Its own key: the sandbox must never take a shadow submission for a replay of anything else.
    request.idempotency_key = "shadow-" + job.order_id;
    boost::system::error_code ec;
    request.order = boost::json::parse(job.canonical_json, ec);  // parsed without error in translate()
    request.timeout = options_.sandbox_timeout;
    auto sandbox = job.sandbox;
    sandbox->run(adapters::Operation::submit, std::move(request),
                 [shared = shared_, job = std::move(job), summary = std::move(summary)](adapters::DeliveryOutcome o) {
                     NewShadowResult r;
                     switch (o.outcome) {
                         case adapters::Outcome::success:
                         case adapters::Outcome::partial:
                             r = result_for(job, ShadowOutcome::would_succeed,
                                            o.outcome == adapters::Outcome::partial
                                                ? fmt::format("{}; sandbox: partial, {}", summary, o.error)
                                                : fmt::format("{}; sandbox: {}", summary, o.state));
                             break;
                         case adapters::Outcome::permanent:
                             r = result_for(job, ShadowOutcome::validation_error, "sandbox: " + o.error);
                             break;
                         case adapters::Outcome::retryable:
                             r = result_for(job, ShadowOutcome::unavailable, "sandbox: " + o.error);
                             break;
                     }
                     r.sent = true;
                     if (o.http_status) r.http_status = static_cast<int>(*o.http_status);
                     {
                         std::lock_guard lock(shared->mutex);
                         shared->answered.push_back(std::move(r));
                         --shared->in_flight;
                     }
                     shared->wake.notify_all();
                 });
}

void ShadowRunner::store_results(std::vector<NewShadowResult>& results) {
    if (results.empty()) return;
    auto stored = store_.record_shadow_results(results);
    if (!stored && results.size() > 1) {
        // One bad result (its order gone) must not cost the others: store them one by one.
        std::vector<NewShadowResult> kept;
        for (auto& r : results) {
            if (store_.record_shadow_results(std::span(&r, 1))) {
                kept.push_back(std::move(r));
            } else {
                std::lock_guard lock(shared_->mutex);
                ++shared_->stats[r.vendor].store_failures;
            }
        }
        results = std::move(kept);
        stored = {};
    }
    std::lock_guard lock(shared_->mutex);
    if (!stored) {
        log::error("shadow.store_failed", {{"results", results.size()}, {"error", stored.error().to_string()}});
        for (const auto& r : results) ++shared_->stats[r.vendor].store_failures;
        results.clear();
        return;
    }
    for (const auto& r : results) {
        count(shared_->stats, r);
        // The detail stays in the store: a mapping's message may quote order data.
        log::debug("shadow.result",
                   {{"order_id", r.order_id}, {"vendor", r.vendor}, {"outcome", store::to_string(r.outcome)}});
    }
    results.clear();
}

}  // namespace gw::shadow
