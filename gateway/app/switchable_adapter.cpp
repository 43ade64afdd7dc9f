#include "gateway/app/switchable_adapter.hpp"

#include <algorithm>

namespace gw::app {

SwitchableAdapter::SwitchableAdapter(std::shared_ptr<adapters::Adapter> first)
    : vendor_(first->vendor()), current_(std::make_shared<Generation>(Generation{first, 0})) {
    capabilities_.push_back(std::make_shared<const adapters::Capabilities>(first->capabilities()));
    kinds_.emplace_back(first->kind());
}

void SwitchableAdapter::switch_to(std::shared_ptr<adapters::Adapter> next) {
    std::shared_ptr<adapters::Adapter> idle;
    {
        std::lock_guard lock(mutex_);
        capabilities_.push_back(std::make_shared<const adapters::Capabilities>(next->capabilities()));
        kinds_.emplace_back(next->kind());
        auto old = std::exchange(current_, std::make_shared<Generation>(Generation{std::move(next), 0}));
        if (old->in_flight > 0) {
            retired_.push_back(std::move(old));
        } else {
            idle = std::move(old->adapter);
        }
    }
    if (idle) idle->shutdown();
}

std::size_t SwitchableAdapter::draining() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& g : retired_) n += g->in_flight;
    return n;
}

std::size_t SwitchableAdapter::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

std::shared_ptr<adapters::Adapter> SwitchableAdapter::current() const {
    std::lock_guard lock(mutex_);
    return current_->adapter;
}

std::string_view SwitchableAdapter::kind() const noexcept {
    std::lock_guard lock(mutex_);
    return kinds_.back();
}

const adapters::Capabilities& SwitchableAdapter::capabilities() const noexcept {
    std::lock_guard lock(mutex_);
    return *capabilities_.back();
}

bool SwitchableAdapter::supports(adapters::Operation op) const noexcept { return current()->supports(op); }

Result<std::vector<adapters::RenderedRequest>> SwitchableAdapter::render(adapters::Operation op,
                                                                          const adapters::DeliveryRequest& request) const {
    return current()->render(op, request);
}

std::shared_ptr<SwitchableAdapter::Generation> SwitchableAdapter::begin_locked() {
    ++current_->in_flight;
    return current_;
}

void SwitchableAdapter::run(adapters::Operation op, adapters::DeliveryRequest request,
                            std::function<void(adapters::DeliveryOutcome)> done) {
    std::shared_ptr<Generation> generation;
    {
        std::lock_guard lock(mutex_);
        if (!retired_.empty() && !stopped_) {
            waiting_.push_back(Waiting{op, std::move(request), std::move(done)});
            return;
        }
        generation = begin_locked();
    }
    start(std::move(generation), Waiting{op, std::move(request), std::move(done)});
}

void SwitchableAdapter::start(std::shared_ptr<Generation> generation, Waiting run) {
    auto adapter = generation->adapter;
    adapter->run(run.op, std::move(run.request),
                 [self = shared_from_this(), generation = std::move(generation),
                  done = std::move(run.done)](adapters::DeliveryOutcome outcome) {
                     self->finished(generation);
                     done(std::move(outcome));
                 });
}

void SwitchableAdapter::finished(const std::shared_ptr<Generation>& generation) {
    std::shared_ptr<adapters::Adapter> drained;
    std::deque<Waiting> ready;
    std::shared_ptr<Generation> target;
    {
        std::lock_guard lock(mutex_);
        --generation->in_flight;
        if (generation != current_ && generation->in_flight == 0) {
            retired_.erase(std::remove(retired_.begin(), retired_.end(), generation), retired_.end());
            drained = generation->adapter;
        }
        if (retired_.empty() && !waiting_.empty()) {
            ready.swap(waiting_);
            current_->in_flight += ready.size();
            target = current_;
        }
    }
    // The last run of an old generation has reported: close its connections.
    if (drained) drained->shutdown();
    for (auto& run : ready) start(target, std::move(run));
}

void SwitchableAdapter::shutdown() {
    std::vector<std::shared_ptr<adapters::Adapter>> all;
    std::deque<Waiting> ready;
    std::shared_ptr<Generation> target;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        all.push_back(current_->adapter);
        for (const auto& g : retired_) all.push_back(g->adapter);
        ready.swap(waiting_);
        current_->in_flight += ready.size();
        target = current_;
    }
    for (auto& a : all) a->shutdown();
    // Runs that waited for a switch are handed to the (now stopped) current adapter, which reports each as
    // retryable: the delivery engine files them for a later attempt, nothing is dropped.
    for (auto& run : ready) start(target, std::move(run));
}

}  // namespace gw::app
