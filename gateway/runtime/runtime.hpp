#pragma once
// The process runtime: one io_context run by N threads, signal handling and graceful shutdown.
// SIGINT/SIGTERM: every shutdown hook runs (listeners stop accepting, sessions finish), then the runtime waits for
// outstanding work up to the grace period and stops. SIGHUP: the reload hook runs (config reload is wired by the
// routing issue). The grace period bounds how long a stop may take.

#include <chrono>
#include <functional>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace gw::runtime {

class Runtime {
public:
    Runtime(int threads, std::chrono::milliseconds shutdown_grace);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    boost::asio::io_context& io() { return io_; }

    void on_shutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }
    void on_reload(std::function<void()> hook) { reload_hooks_.push_back(std::move(hook)); }

    // Runs until shutdown completes. Returns the process exit code (0 after a graceful stop).
    int run();

    // Starts a graceful shutdown, as SIGTERM does. Safe from any thread.
    void request_shutdown();

    // How many times SIGHUP (or reload()) ran the reload hooks; for tests and metrics.
    int reload_count() const { return reload_count_; }
    void reload();

private:
    void wait_for_signal();
    void begin_shutdown();

    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    boost::asio::signal_set signals_;
    int threads_;
    std::chrono::milliseconds grace_;
    std::vector<std::function<void()>> shutdown_hooks_;
    std::vector<std::function<void()>> reload_hooks_;
    bool shutting_down_ = false;
    std::thread watchdog_;
    std::mutex watchdog_mutex_;
    std::condition_variable watchdog_cv_;
    bool finished_ = false;
    int reload_count_ = 0;
};

}  // namespace gw::runtime
