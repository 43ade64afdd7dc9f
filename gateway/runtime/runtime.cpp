#include "gateway/runtime/runtime.hpp"

#include <csignal>
#include <thread>
#include <mutex>

#include <boost/asio/post.hpp>

#include "gateway/log/log.hpp"

namespace gw::runtime {

Runtime::Runtime(int threads, std::chrono::milliseconds shutdown_grace)
    : work_(boost::asio::make_work_guard(io_)),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      threads_(threads < 1 ? 1 : threads),
      grace_(shutdown_grace) {
    wait_for_signal();
}

Runtime::~Runtime() {
    if (watchdog_.joinable()) {
        {
            std::lock_guard lock(watchdog_mutex_);
            finished_ = true;
        }
        watchdog_cv_.notify_all();
        watchdog_.join();
    }
}

void Runtime::wait_for_signal() {
    if (shutting_down_) return;
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
        if (ec) return;  // cancelled during shutdown
        if (signo == SIGHUP) {
            log::info("runtime.sighup");
            reload();
            wait_for_signal();
            return;
        }
        if (shutting_down_) {
            log::warn("runtime.forced_stop", {{"signal", signo}});
            io_.stop();
            return;
        }
        log::info("runtime.shutdown_requested", {{"signal", signo}});
        begin_shutdown();
    });
}

void Runtime::reload() {
    ++reload_count_;
    for (auto& hook : reload_hooks_) hook();
}

void Runtime::request_shutdown() {
    boost::asio::post(io_, [this] {
        if (!shutting_down_) begin_shutdown();
    });
}

void Runtime::begin_shutdown() {
    shutting_down_ = true;
    for (auto& hook : shutdown_hooks_) hook();
    // From here io_ runs only while components still have work (sessions finishing, the store draining); when the
    // last handler completes, run() returns by itself. A watchdog thread bounds the wait by the grace period.
    work_.reset();
    signals_.cancel();
    watchdog_ = std::thread([this] {
        std::unique_lock lock(watchdog_mutex_);
        if (!watchdog_cv_.wait_for(lock, grace_, [this] { return finished_; })) {
            log::warn("runtime.grace_expired", {{"grace_ms", static_cast<long long>(grace_.count())}});
            io_.stop();
        }
    });
}

int Runtime::run() {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(threads_ - 1));
    for (int i = 1; i < threads_; ++i) pool.emplace_back([this] { io_.run(); });
    io_.run();
    for (auto& t : pool) t.join();
    {
        std::lock_guard lock(watchdog_mutex_);
        finished_ = true;
    }
    watchdog_cv_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
    log::info("runtime.stopped");
    return 0;
}

}  // namespace gw::runtime
