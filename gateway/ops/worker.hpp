#pragma once
// A few threads with a bounded queue for the admin API's blocking work (store queries, scorecards, audit writes),
// so a slow search never runs on an Asio thread that MLLP connections share. post() refuses work when the queue is
// full (the API answers 503) instead of queueing without bound.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gw::ops {

class Worker {
  public:
    Worker(std::size_t threads, std::size_t capacity);
    ~Worker();  // stop()
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // False when the queue is full or the worker has stopped; the job is then dropped (not run).
    bool post(std::function<void()> job);

    // Runs what is queued, then joins. Idempotent.
    void stop();

    std::size_t queued() const;

  private:
    void run();

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::mutex stop_mutex_;
    std::vector<std::thread> threads_;
};

}  // namespace gw::ops
