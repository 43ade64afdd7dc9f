#pragma once
// ReloadTrigger: runs config reloads on a thread of its own when asked (SIGHUP), so the io thread that received the
// signal never blocks while mappings load. Requests that arrive while a reload runs are coalesced into one more
// reload afterwards: the file is read again once it may have changed, never skipped, never queued without bound.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace gw::app {

class ReloadTrigger {
public:
    explicit ReloadTrigger(std::function<void()> reload);
    ~ReloadTrigger();  // finishes a reload in progress, then joins
    ReloadTrigger(const ReloadTrigger&) = delete;
    ReloadTrigger& operator=(const ReloadTrigger&) = delete;

    // Any thread, never blocks.
    void request();

private:
    void run();

    std::function<void()> reload_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool requested_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace gw::app
