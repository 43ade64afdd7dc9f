#pragma once
// SwitchableAdapter: the adapter the delivery engine holds for a vendor for the life of the process, while config
// reloads replace the adapter behind it (new adapter.yaml, mappings, URL, secrets). A run goes to the adapter that
// is current when it starts and finishes there; after a switch, new runs wait until every run still out on an
// earlier adapter has finished, so two generations of one vendor's adapter never run side by side — a cart API
// (one session, one cart) must never see two orders filling the cart at once, and adapter.yaml's `concurrency`
// holds across a reload. The wait is bounded by the runs' own deadlines.
//
// An adapter that was switched away from is shut down and released once its last run has reported.

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"

namespace gw::app {

class SwitchableAdapter final : public adapters::Adapter, public std::enable_shared_from_this<SwitchableAdapter> {
public:
    explicit SwitchableAdapter(std::shared_ptr<adapters::Adapter> first);

    // Runs started from now on go to `next` (once the runs on earlier adapters have finished). Any thread.
    void switch_to(std::shared_ptr<adapters::Adapter> next);
    // How many runs are out on adapters that were switched away from, and how many wait for them (tests, logs).
    std::size_t draining() const;
    std::size_t waiting() const;

    const std::string& vendor() const noexcept override { return vendor_; }
    std::string_view kind() const noexcept override;
    const adapters::Capabilities& capabilities() const noexcept override;
    bool supports(adapters::Operation op) const noexcept override;
    void run(adapters::Operation op, adapters::DeliveryRequest request,
             std::function<void(adapters::DeliveryOutcome)> done) override;
    void shutdown() override;
    Result<std::vector<adapters::RenderedRequest>> render(adapters::Operation op,
                                                          const adapters::DeliveryRequest& request) const override;

private:
    struct Generation {
        std::shared_ptr<adapters::Adapter> adapter;
        std::size_t in_flight = 0;
    };
    struct Waiting {
        adapters::Operation op;
        adapters::DeliveryRequest request;
        std::function<void(adapters::DeliveryOutcome)> done;
    };
    std::shared_ptr<adapters::Adapter> current() const;
    // With mutex_ held: marks the run started on the current generation and returns it.
    std::shared_ptr<Generation> begin_locked();
    void start(std::shared_ptr<Generation> generation, Waiting run);
    void finished(const std::shared_ptr<Generation>& generation);

    const std::string vendor_;
    mutable std::mutex mutex_;
    std::shared_ptr<Generation> current_;
    std::vector<std::shared_ptr<Generation>> retired_;  // switched away from, runs still out
    std::deque<Waiting> waiting_;                       // started after a switch, before retired_ drained
    // capabilities()/kind() hand out references; every generation's values stay alive with this object.
    std::vector<std::shared_ptr<const adapters::Capabilities>> capabilities_;
    std::deque<std::string> kinds_;
    bool stopped_ = false;
};

}  // namespace gw::app
