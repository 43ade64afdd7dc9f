#pragma once
// Callers of apply() waiting for one token fetch or login. The first waiter starts the fetch; the others queue
// behind it, so a burst of requests after expiry costs one token request, not one per request. Not thread-safe on
// its own: the scheme guards it with its mutex and runs the taken waiters after unlocking.

#include <functional>
#include <utility>
#include <vector>

#include "gateway/core/result.hpp"

namespace gw::adapters::auth {

template <class Credential>
class Pending {
public:
    using Waiter = std::function<void(const Result<Credential>&)>;

    // Queues `waiter`; true when no fetch was in flight, i.e. the caller must start one.
    bool join(Waiter waiter) {
        waiters_.push_back(std::move(waiter));
        return waiters_.size() == 1;
    }
    // Everyone waiting for the fetch that just ended; the next join() starts a new one.
    std::vector<Waiter> take() { return std::exchange(waiters_, {}); }

private:
    std::vector<Waiter> waiters_;
};

}  // namespace gw::adapters::auth
