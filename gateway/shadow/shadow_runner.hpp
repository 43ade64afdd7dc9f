#pragma once
// ShadowRunner: shadow mode's worker. After the pipeline has committed an order whose route names a `shadow:`
// vendor, the order is also translated with that vendor's mappings (Adapter::render — nothing is sent) and, when the
// vendor has a sandbox_url, submitted to that test endpoint; never to the vendor's production API. The outcome —
// would_succeed, mapping_error, validation_error (the sandbox refused it), unavailable (the sandbox could not be
// asked) — is stored per (order, vendor) and counted per vendor, so a municipality can see before a switch-over
// that the new grocer's mappings take every real order.
//
// Shadow work must never slow down or endanger real orders: submit() never blocks (a full queue drops the job and
// counts it), translation runs on the runner's own thread, sandbox calls are capped and time-limited, and every
// failure here — store included — is logged and counted, never passed back. A job whose order was committed but
// which had not been stored when the process stopped is not recovered: the counts say how many orders were shadowed
// next to how many were routed.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/adapter.hpp"
#include "gateway/store/store.hpp"

namespace gw::shadow {

struct ShadowJob {
    std::string order_id;
    std::string route_vendor;   // where the order really went
    std::string shadow_vendor;
    std::string municipality;
    std::string canonical_json;  // the order as delivered to route_vendor
    std::shared_ptr<adapters::Adapter> translator;  // the shadow vendor's adapter; only render() is called on it
    std::shared_ptr<adapters::Adapter> sandbox;     // the same vendor pointed at its sandbox_url; null: translate only
};

struct ShadowOptions {
    std::size_t queue_capacity = 10'000;  // jobs waiting; more are dropped (and counted)
    std::size_t max_batch = 256;          // results stored per transaction
    std::size_t max_sandbox_in_flight = 4;
    std::chrono::milliseconds sandbox_timeout{30'000};
};

// Per shadow vendor, since start.
struct VendorShadowStats {
    std::uint64_t would_succeed = 0;
    std::uint64_t mapping_error = 0;
    std::uint64_t validation_error = 0;
    std::uint64_t unavailable = 0;
    std::uint64_t dropped = 0;         // queue full or stopping: not shadowed
    std::uint64_t store_failures = 0;  // results that could not be stored
};

class ShadowRunner {
public:
    ShadowRunner(store::Store& store, ShadowOptions options = {});
    ~ShadowRunner();  // stop(0)
    ShadowRunner(const ShadowRunner&) = delete;
    ShadowRunner& operator=(const ShadowRunner&) = delete;

    void start();
    // Translates what is queued, waits up to `grace` for sandbox answers still out (later ones are dropped), stores
    // the results, joins. Idempotent.
    void stop(std::chrono::milliseconds grace);

    // Any thread, never blocks. false when the job was dropped (queue full, not started, stopping).
    bool submit(ShadowJob job);

    // Tests and the demo: true once nothing is queued, translating or out at a sandbox (or false after `timeout`).
    bool wait_idle(std::chrono::milliseconds timeout);

    std::map<std::string, VendorShadowStats> stats() const;

private:
    // What sandbox answers (on io threads, possibly after stop) share with the runner thread.
    struct Shared;
    void run();
    void translate(ShadowJob job, std::vector<store::NewShadowResult>& done);
    void send_to_sandbox(ShadowJob job, std::string summary);
    void store_results(std::vector<store::NewShadowResult>& results);

    store::Store& store_;
    ShadowOptions options_;
    std::shared_ptr<Shared> shared_;
    std::thread thread_;
};

}  // namespace gw::shadow
