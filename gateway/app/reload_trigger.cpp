#include "gateway/app/reload_trigger.hpp"

namespace gw::app {

ReloadTrigger::ReloadTrigger(std::function<void()> reload)
    : reload_(std::move(reload)), thread_([this] { run(); }) {}

ReloadTrigger::~ReloadTrigger() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void ReloadTrigger::request() {
    {
        std::lock_guard lock(mutex_);
        requested_ = true;
    }
    wake_.notify_one();
}

void ReloadTrigger::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || requested_; });
        if (stopping_) return;
        requested_ = false;
        lock.unlock();
        reload_();
        lock.lock();
    }
}

}  // namespace gw::app
