#include "gateway/store/group_commit_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "gateway/log/log.hpp"

namespace gw::store {
namespace {

ingest::SinkResult unavailable(Error error) {
    ingest::SinkResult result;
    result.status = ingest::SinkStatus::unavailable;
    result.error = std::move(error);
    return result;
}

}  // namespace

GroupCommitSink::GroupCommitSink(InboundBatchWriter& store, GroupCommitSinkOptions options)
    : store_(store),
      options_([&] {
          options.queue_capacity = std::max<std::size_t>(options.queue_capacity, 1);
          options.max_batch = std::max<std::size_t>(options.max_batch, 1);
          return std::move(options);
      }()),
      writer_([this] { run(); }) {}

GroupCommitSink::~GroupCommitSink() {
    stop();
}

void GroupCommitSink::submit(ingest::InboundMessage message, ingest::SinkCompletion done) {
    std::unique_lock lock(mutex_);
    if (stopping_) {
        lock.unlock();
        done(unavailable(make_error(ErrorCode::unavailable, "message store is shutting down")));
        return;
    }
    if (queue_.size() >= options_.queue_capacity) {
        lock.unlock();
        done(unavailable(
            make_error(ErrorCode::unavailable,
                       fmt::format("message store queue is full ({} messages waiting)", options_.queue_capacity))));
        return;
    }
    queue_.push_back(Pending{std::move(message), std::move(done)});
    queued_.store(queue_.size(), std::memory_order_relaxed);
    lock.unlock();
    wake_.notify_one();
}

bool GroupCommitSink::has_capacity() const {
    return queued_.load(std::memory_order_relaxed) < options_.queue_capacity;
}

void GroupCommitSink::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    // From a completion or on_stored (the writer thread itself) we cannot join; the writer drains and exits anyway.
    if (std::this_thread::get_id() == writer_.get_id()) return;
    std::lock_guard stop_lock(stop_mutex_);
    if (writer_.joinable()) writer_.join();
}

GroupCommitSink::Stats GroupCommitSink::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void GroupCommitSink::run() {
    std::deque<Pending> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued has been committed
            const std::size_t n = std::min(queue_.size(), options_.max_batch);
            batch.clear();
            std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(batch));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
            queued_.store(queue_.size(), std::memory_order_relaxed);
        }
        commit(batch);
    }
}

void GroupCommitSink::commit(std::deque<Pending>& batch) {
    std::vector<ingest::InboundMessage> messages;
    messages.reserve(batch.size());
    for (auto& p : batch) messages.push_back(std::move(p.message));

    std::optional<Result<std::vector<InboundAppend>>> outcome;
    const auto started = std::chrono::steady_clock::now();
    try {
        outcome.emplace(store_.append_messages(messages));
    } catch (const std::exception& e) {
        // Only allocation failure can get here; it must not kill the writer and strand every listener.
        outcome.emplace(make_error(ErrorCode::internal, fmt::format("message store failed: {}", e.what())));
    }
    const bool failed = !outcome->ok() || outcome->value().size() != batch.size();
    if (options_.on_commit) options_.on_commit(batch.size(), std::chrono::steady_clock::now() - started, !failed);
    {
        std::lock_guard lock(mutex_);
        ++stats_.batches;
        stats_.messages += batch.size();
        stats_.largest_batch = std::max(stats_.largest_batch, batch.size());
        if (failed) ++stats_.failed_batches;
    }

    if (failed) {
        Error error = outcome->ok() ? make_error(ErrorCode::internal, "message store answered for the wrong count")
                                    : outcome->error();
        error.message = fmt::format("message not stored: {}", error.message);
        log::error("store.batch_failed", {{"messages", batch.size()}, {"error", error.message}});
        for (auto& p : batch) p.done(unavailable(error));
        return;
    }

    const std::vector<InboundAppend>& appended = outcome->value();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        ingest::SinkResult result;
        result.status = appended[i].duplicate ? ingest::SinkStatus::duplicate : ingest::SinkStatus::stored;
        result.message_id = appended[i].message_id;
        result.ack = appended[i].ack;
        batch[i].done(std::move(result));
    }
    if (!options_.on_stored) return;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!appended[i].duplicate && !messages[i].error) options_.on_stored(appended[i].message_id);
    }
}

}  // namespace gw::store
