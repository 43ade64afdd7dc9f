#include "gateway/ops/worker.hpp"

#include <algorithm>
#include <exception>

#include "gateway/log/log.hpp"

namespace gw::ops {

Worker::Worker(std::size_t threads, std::size_t capacity) : capacity_(capacity) {
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) threads_.emplace_back([this] { run(); });
}

Worker::~Worker() { stop(); }

bool Worker::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= capacity_) return false;
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void Worker::stop() {
    std::lock_guard stop_lock(stop_mutex_);  // two callers must not join the same thread
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) {
        // A job that stops the worker cannot join its own thread; it exits after the job anyway.
        if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
    }
}

std::size_t Worker::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void Worker::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {
            // Only allocation failure gets here (handlers return errors as values); keep the thread alive.
            log::error("ops.worker_job_threw", {{"error", e.what()}});
        }
    }
}

}  // namespace gw::ops
