#pragma once
// OrderPipeline: turns stored inbound messages into orders. After the group-commit sink has stored and acknowledged
// a message, on_stored hands its id here; a pipeline thread reads the raw bytes back, translates them through the
// channel's inbound mapping into a canonical CareOrder, routes it (the contract effective today), and creates the
// order with its first delivery queued — many orders per transaction, like the inbound group commit.
//
// Nothing is lost between acknowledgement and order: a message stays `received` until create_order marks it
// processed in the same transaction, and start() picks up every message still `received` (the process died after
// the ACK, or the queue here was full). A message that cannot become an order (mapping error, no route) is marked
// `failed` with the error, for inspection and replay. A message becomes at most one order (the store refuses a
// second).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/value.hpp>

#include "gateway/core/result.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/routing/router.hpp"
#include "gateway/store/store.hpp"

namespace gw::pipeline {

// An order whose route names a shadow vendor, after it was committed (PipelineConfig::shadow).
struct ShadowOrder {
    std::string order_id;
    std::string vendor;  // the vendor the order was routed to
    std::string shadow;  // the route's shadow vendor
    std::string municipality;
    std::string canonical_json;
};

// What a config reload replaces, as one immutable value: each batch of messages is translated and routed with the
// PipelineConfig current when the batch started, so a reload never splits a message between two configs.
struct PipelineConfig {
    // Inbound channel name (MLLP listener name) -> its mapping to canonical:care_order.
    std::map<std::string, std::shared_ptr<const mapping::Mapping>, std::less<>> channels;
    std::shared_ptr<const routing::Router> router;
    // Called on the pipeline thread for each committed order whose route has a shadow vendor; must not block.
    std::function<void(const ShadowOrder&)> shadow;
    std::uint64_t generation = 0;  // which config (1 at start, +1 per reload), for logs
};

struct PipelineOptions {
    // The current config, asked once per batch (reloadable). When unset, `channels` and `router` below are the
    // config for the pipeline's whole life.
    std::function<std::shared_ptr<const PipelineConfig>()> config;
    // Inbound channel name (MLLP listener name) -> its mapping to canonical:care_order.
    std::map<std::string, std::shared_ptr<const mapping::Mapping>, std::less<>> channels;
    std::shared_ptr<const routing::Router> router;
    store::Clock clock = store::system_clock();
    std::size_t max_batch = 256;
    std::size_t queue_capacity = 100'000;  // beyond this ids are dropped here and recovered by recover()
    // Called (on the pipeline thread) after orders were created, with each destination that got new work.
    std::function<void(const std::string& destination)> on_queued;
    // After sweep_every without work, messages still `received` that arrived more than sweep_older_than ago are
    // processed: left by another gateway instance that died between its ACK and the order (several instances on
    // one PostgreSQL store), or by a store failure here. A message normally becomes an order within milliseconds.
    // 0 disables (then only start() recovers).
    std::chrono::milliseconds sweep_every{5'000};
    std::chrono::milliseconds sweep_older_than{10'000};
    // The care system's cancels (canonical action `cancel`, HL7 ORC-1 = CA) become no order: this handles them
    // (gateway/status CancelForwarder: the grocer's cancel queued, or the care system answered) and returns the id
    // of the order concerned; the message is then marked processed. An error marks the message failed with it.
    // Unset: cancels are kept as failed messages, "not forwarded".
    std::function<Result<std::string>(const store::MessageRecord& message, const boost::json::value& cancel)>
        on_cancel;
};

struct Processed {
    std::int64_t message_id = 0;
    std::string order_id;
    std::string vendor;
    std::string destination;  // "vendor:NAME"
    std::int64_t outbox_id = 0;
};

class OrderPipeline {
public:
    OrderPipeline(store::Store& store, PipelineOptions options);
    ~OrderPipeline();  // stop()
    OrderPipeline(const OrderPipeline&) = delete;
    OrderPipeline& operator=(const OrderPipeline&) = delete;

    // Starts the thread; it first recovers messages left `received`.
    void start();
    // Processes what is queued, then joins. Idempotent.
    void stop();

    // Thread-safe, never blocks: queues a stored message for translation.
    void submit(std::int64_t message_id);

    // Synchronous, for replay and tests: one message to an order now. Marks the message failed on a mapping or
    // routing error. conflict when the message already became an order.
    Result<Processed> process(std::int64_t message_id);

    // Every message still `received` (that arrived before `received_before`, when set) is processed, oldest
    // first. Returns how many were found.
    Result<std::size_t> recover(std::optional<store::TimePoint> received_before = std::nullopt);

    struct Stats {
        std::uint64_t orders = 0;
        std::uint64_t failed = 0;
        std::uint64_t batches = 0;
    };
    Stats stats() const;

private:
    struct Prepared;
    std::shared_ptr<const PipelineConfig> current_config() const;
    Result<Prepared> prepare(std::int64_t message_id, const PipelineConfig& config);
    void run();
    void sweep();
    void process_batch(const std::vector<std::int64_t>& ids);
    void shadow(const PipelineConfig& config, const Prepared& prepared);
    void fail(std::int64_t message_id, const Error& error);

    store::Store& store_;
    PipelineOptions options_;
    std::shared_ptr<const PipelineConfig> fixed_config_;  // from options_.channels/router when options_.config is unset
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::int64_t> queue_;
    bool stopping_ = false;
    bool started_ = false;
    Stats stats_;
    std::thread thread_;
};

}  // namespace gw::pipeline
