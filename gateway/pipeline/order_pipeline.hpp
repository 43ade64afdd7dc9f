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

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/routing/router.hpp"
#include "gateway/store/store.hpp"

namespace gw::pipeline {

struct PipelineOptions {
    // Inbound channel name (MLLP listener name) -> its mapping to canonical:care_order.
    std::map<std::string, std::shared_ptr<const mapping::Mapping>, std::less<>> channels;
    std::shared_ptr<const routing::Router> router;
    store::Clock clock = store::system_clock();
    std::size_t max_batch = 256;
    std::size_t queue_capacity = 100'000;  // beyond this ids are dropped here and recovered by recover()
    // Called (on the pipeline thread) after orders were created, with each destination that got new work.
    std::function<void(const std::string& destination)> on_queued;
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

    // Every message still `received` is processed (oldest first). Returns how many were found.
    Result<std::size_t> recover();

    struct Stats {
        std::uint64_t orders = 0;
        std::uint64_t failed = 0;
        std::uint64_t batches = 0;
    };
    Stats stats() const;

private:
    struct Prepared;
    Result<Prepared> prepare(std::int64_t message_id);
    void run();
    void process_batch(const std::vector<std::int64_t>& ids);
    void fail(std::int64_t message_id, const Error& error);

    store::Store& store_;
    PipelineOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::int64_t> queue_;
    bool stopping_ = false;
    bool started_ = false;
    Stats stats_;
    std::thread thread_;
};

}  // namespace gw::pipeline
