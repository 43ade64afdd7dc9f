#pragma once
// The gateway's own metric families: what is counted as it happens (messages in, acknowledgements, delivery
// attempts and their latency, store commits, reloads). Values other components already keep
// (store counts, outbox depth, engine status) are read at scrape time by OpsService's collector instead, so the
// data path carries no extra bookkeeping.
//
// Names (Prometheus conventions: base units, _total for counters):
//   gateway_messages_received_total{channel}
//   gateway_messages_acknowledged_total{channel,code}        code AA | CA
//   gateway_messages_rejected_total{channel,code}            code AE | AR | CE | CR
//   gateway_delivery_attempts_total{vendor,outcome}          adapter outcome success | partial | retryable | permanent
//   gateway_delivery_attempt_duration_seconds{vendor}        histogram
//   gateway_store_commit_duration_seconds                    histogram, one group-commit transaction
//   gateway_store_commit_batch_messages                      histogram
//   gateway_store_commits_total{result}                      ok | failed
//   gateway_config_reloads_total{result}                     applied | refused
//   gateway_admin_requests_total{status}                     admin API answers by status class (2xx, 4xx, ...)

#include <string_view>

#include "gateway/ops/metrics.hpp"

namespace gw::ops {

// The counters of one inbound channel, looked up once (the listener's hot path touches no map).
class ChannelCounters {
  public:
    ChannelCounters(Counter& received, Counter& aa, Counter& ca, Counter& ae, Counter& ar, Counter& ce, Counter& cr)
        : received_(received), aa_(aa), ca_(ca), ae_(ae), ar_(ar), ce_(ce), cr_(cr) {}

    void received() noexcept { received_.inc(); }
    // Counts the acknowledgement by its MSA-1 code; an answer without one counts as AE.
    void answered(std::string_view ack) noexcept;

  private:
    Counter& received_;
    Counter &aa_, &ca_, &ae_, &ar_, &ce_, &cr_;
};

// MSA-1 of an HL7 acknowledgement ("AA", "AE", ...), or "" when there is no MSA segment.
std::string_view ack_code(std::string_view ack) noexcept;

class GatewayMetrics {
  public:
    explicit GatewayMetrics(Registry& registry);

    Registry& registry() noexcept { return registry_; }

    ChannelCounters channel(std::string_view name);
    void delivery_attempt(std::string_view vendor, std::string_view outcome, double seconds);
    void store_commit(std::size_t messages, double seconds, bool ok);
    void config_reload(bool applied);
    void admin_request(unsigned status);

    CounterFamily& messages_received;
    CounterFamily& messages_acknowledged;
    CounterFamily& messages_rejected;
    CounterFamily& delivery_attempts;
    HistogramFamily& delivery_duration;
    HistogramFamily& store_commit_duration;
    HistogramFamily& store_commit_batch;
    CounterFamily& store_commits;
    CounterFamily& reloads;
    CounterFamily& admin_requests;

  private:
    Registry& registry_;
    Histogram& commit_duration_;
    Histogram& commit_batch_;
    Counter& commits_ok_;
    Counter& commits_failed_;
};

}  // namespace gw::ops
