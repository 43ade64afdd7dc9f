#pragma once
// ConcurrencyLimit: at most N calls to a vendor in flight (web shops answer 425/429 or slow down when a client
// runs too many at once). try_acquire() hands out a Permit, an RAII token that gives the slot back when destroyed;
// it may move into an asynchronous callback and outlive the limit object. Thread-safe, lock-free.

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>

namespace gw::adapters::protection {

class ConcurrencyLimit {
    struct State {
        explicit State(std::size_t n) : limit(n) {}
        const std::size_t limit;
        std::atomic<std::size_t> in_use{0};
    };

public:
    class Permit {
    public:
        Permit(Permit&& other) noexcept = default;
        Permit& operator=(Permit&& other) noexcept {
            if (this != &other) {
                release();
                state_ = std::move(other.state_);
            }
            return *this;
        }
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        ~Permit() { release(); }

        // Gives the slot back now (also done by the destructor).
        void release() {
            if (state_) {
                state_->in_use.fetch_sub(1, std::memory_order_acq_rel);
                state_.reset();
            }
        }

    private:
        friend class ConcurrencyLimit;
        explicit Permit(std::shared_ptr<State> state) : state_(std::move(state)) {}
        std::shared_ptr<State> state_;
    };

    // limit >= 1 (0 is raised to 1: a vendor that may get no call at all is a config error caught earlier).
    explicit ConcurrencyLimit(std::size_t limit) : state_(std::make_shared<State>(limit == 0 ? 1 : limit)) {}

    // A permit when fewer than `limit` are out; nullopt otherwise (the caller queues or reschedules).
    std::optional<Permit> try_acquire() {
        auto current = state_->in_use.load(std::memory_order_relaxed);
        while (current < state_->limit) {
            if (state_->in_use.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel)) {
                return Permit(state_);
            }
        }
        return std::nullopt;
    }

    std::size_t in_use() const { return state_->in_use.load(std::memory_order_acquire); }
    std::size_t limit() const noexcept { return state_->limit; }

private:
    std::shared_ptr<State> state_;
};

}  // namespace gw::adapters::protection
