#pragma once
// GroupCommitSink: the MessageSink listeners use in production. submit() only enqueues (Asio threads never touch the
// disk); one writer thread drains the queue and commits everything waiting in ONE transaction — one fsync for the
// whole batch — then fires each message's completion. Under load the batch grows by itself: while one commit is
// being fsynced the next messages queue up, so durable throughput scales with concurrency instead of being capped at
// one fsync per message.
//
// Guarantees:
//  - a completion says `stored` or `duplicate` only after the commit returned; if the commit fails (read-only
//    database, disk full, I/O error, lock timeout) every message of that batch completes `unavailable` with the
//    error, and nothing of the batch is stored;
//  - duplicates (same sender + control id, including two copies in one batch) complete `duplicate` with the
//    original message's id and ack; see InboundBatchWriter::append_messages;
//  - the queue is bounded: has_capacity() is false while it is full, and a submit into a full queue completes
//    `unavailable` at once instead of blocking;
//  - stop() (and the destructor) stops taking messages, commits everything already queued, then joins the writer.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "gateway/ingest/message_sink.hpp"
#include "gateway/store/store.hpp"

namespace gw::store {

struct GroupCommitSinkOptions {
    std::size_t queue_capacity = 4096;  // messages waiting for the writer; beyond this has_capacity() is false
    std::size_t max_batch = 1024;       // messages per transaction; 1 = one transaction per message (benchmarks)
    // Runs on the writer thread after a batch's completions, once per newly stored accepted message (not for
    // duplicates or rejected messages): the hook that starts the pipeline (mapping -> order -> outbox). Keep it
    // short — post work elsewhere — since the next batch waits for it.
    std::function<void(std::int64_t message_id)> on_stored;
    // Runs on the writer thread after each transaction (metrics: commit latency and batch size). Keep it cheap.
    std::function<void(std::size_t messages, std::chrono::nanoseconds duration, bool ok)> on_commit;
};

class GroupCommitSink final : public ingest::MessageSink {
  public:
    // `store` must outlive the sink.
    explicit GroupCommitSink(InboundBatchWriter& store, GroupCommitSinkOptions options = {});
    ~GroupCommitSink() override;

    GroupCommitSink(const GroupCommitSink&) = delete;
    GroupCommitSink& operator=(const GroupCommitSink&) = delete;

    // Thread-safe; `done` runs exactly once, on the writer thread (or inline when the message is refused because the
    // queue is full or the sink has stopped).
    void submit(ingest::InboundMessage message, ingest::SinkCompletion done) override;
    bool has_capacity() const override;

    // Stops accepting, drains and commits the queue, joins the writer. Idempotent. Called from a completion or
    // on_stored it only stops accepting (a thread cannot join itself); the destructor joins.
    void stop();

    struct Stats {
        std::uint64_t batches = 0;   // transactions attempted
        std::uint64_t messages = 0;  // messages in them
        std::uint64_t failed_batches = 0;
        std::size_t largest_batch = 0;
    };
    Stats stats() const;

  private:
    struct Pending {
        ingest::InboundMessage message;
        ingest::SinkCompletion done;
    };

    void run();
    void commit(std::deque<Pending>& batch);

    InboundBatchWriter& store_;
    const GroupCommitSinkOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::atomic<std::size_t> queued_{0};  // queue_.size(), readable without the lock by has_capacity()
    Stats stats_;

    std::mutex stop_mutex_;  // serialises stop() callers around the join
    std::thread writer_;     // last: starts after everything it uses exists
};

}  // namespace gw::store
