#pragma once
// StatusPoller: asks the grocers that send no webhooks (capabilities.status: poll) how each open order is doing.
// Per vendor, every `tick` it lists the orders that were submitted and are not final yet (submitted, accepted,
// partially_accepted, picking, out_for_delivery — never received/routed, handed_over or a final state) and runs the
// adapter's `status` operation for each one that is due, at most `max_in_flight` at once. The answer goes through
// the vendor's status mapping into StatusIngest (the same path as a webhook). A changed state resets the order's
// interval to status_in.poll.interval; an unchanged one or a failure doubles it up to max_interval, so a grocer is
// never asked about a quiet order more than it needs.
//
// A poll answer has no event id of its own: the gateway names it "poll:ORDER:STATE:HASH" (of the lines), so seeing
// the same status twice stores it once. Store calls run on the poller's own thread, adapters on the io_context.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "adapters/status/status_in_config.hpp"
#include "gateway/mapping/value.hpp"
#include "gateway/status/status_ingest.hpp"
#include "gateway/store/store.hpp"

namespace gw::status {

struct PollVendor {
    std::shared_ptr<adapters::Adapter> adapter;  // supports Operation::status
    adapters::status::StatusInConfig config;     // mode poll
    mapping::Params params;                      // the deployment's vendor params, for the status mapping
};

struct PollerOptions {
    std::chrono::milliseconds tick{1'000};               // how often due orders are looked for
    std::chrono::milliseconds operation_timeout{30'000};  // one status call
    std::size_t max_in_flight = 4;                        // status calls per vendor at once
};

struct PollerStats {
    std::uint64_t polls = 0, changes = 0, failures = 0;
};

class StatusPoller {
public:
    StatusPoller(boost::asio::io_context& io, store::Store& store, StatusIngest& ingest, std::vector<PollVendor> vendors,
                 PollerOptions options = {});
    ~StatusPoller();  // stop()
    StatusPoller(const StatusPoller&) = delete;
    StatusPoller& operator=(const StatusPoller&) = delete;

    void start();
    // Stops polling; calls in flight are abandoned (their answers are dropped). Idempotent.
    void stop();

    PollerStats stats() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

// The event id the poller gives an answer that has none.
std::string poll_event_id(const model::OrderEvent& event);

}  // namespace gw::status
