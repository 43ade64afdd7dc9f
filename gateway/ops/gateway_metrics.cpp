#include "gateway/ops/gateway_metrics.hpp"

#include <string>

namespace gw::ops {

namespace {

// Latency buckets for calls to grocer APIs (tens of milliseconds to a minute) and for fsync-bound commits.
const std::vector<double> kDeliveryBounds{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
const std::vector<double> kCommitBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
const std::vector<double> kBatchBounds{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

}  // namespace

std::string_view ack_code(std::string_view ack) noexcept {
    std::size_t pos = 0;
    while (pos < ack.size()) {
        // MSA at the start of a segment.
        if (ack.compare(pos, 3, "MSA") == 0 && pos + 3 < ack.size()) {
            const char sep = ack[pos + 3];
            const auto start = pos + 4;
            auto end = start;
            while (end < ack.size() && ack[end] != sep && ack[end] != '\r' && ack[end] != '\n') ++end;
            return ack.substr(start, end - start);
        }
        pos = ack.find_first_of("\r\n", pos);
        if (pos == std::string_view::npos) break;
        while (pos < ack.size() && (ack[pos] == '\r' || ack[pos] == '\n')) ++pos;
    }
    // v2.xml acknowledgements: <MSA.1>AA</MSA.1>
    if (auto p = ack.find("<MSA.1>"); p != std::string_view::npos) {
        const auto start = p + 7;
        const auto end = ack.find('<', start);
        if (end != std::string_view::npos) return ack.substr(start, end - start);
    }
    return {};
}

void ChannelCounters::answered(std::string_view ack) noexcept {
    const auto code = ack_code(ack);
    if (code == "AA") aa_.inc();
    else if (code == "CA") ca_.inc();
    else if (code == "AR") ar_.inc();
    else if (code == "CE") ce_.inc();
    else if (code == "CR") cr_.inc();
    else ae_.inc();
}

GatewayMetrics::GatewayMetrics(Registry& registry)
    : messages_received(registry.counter("gateway_messages_received_total",
                                         "Inbound messages received, per channel (before validation)", {"channel"})),
      messages_acknowledged(registry.counter("gateway_messages_acknowledged_total",
                                             "Inbound messages answered with a positive acknowledgement (AA, CA)",
                                             {"channel", "code"})),
      messages_rejected(registry.counter("gateway_messages_rejected_total",
                                         "Inbound messages answered with a negative acknowledgement (AE, AR, CE, CR)",
                                         {"channel", "code"})),
      delivery_attempts(registry.counter("gateway_delivery_attempts_total",
                                         "Delivery attempts to grocers by the adapter's outcome", {"vendor", "outcome"})),
      delivery_duration(registry.histogram("gateway_delivery_attempt_duration_seconds",
                                           "Duration of one delivery attempt to a grocer (all its HTTP calls)",
                                           {"vendor"}, kDeliveryBounds)),
      store_commit_duration(registry.histogram("gateway_store_commit_duration_seconds",
                                               "Duration of one inbound group-commit transaction, fsync included", {},
                                               kCommitBounds)),
      store_commit_batch(registry.histogram("gateway_store_commit_batch_messages",
                                            "Inbound messages per group-commit transaction", {}, kBatchBounds)),
      store_commits(registry.counter("gateway_store_commits_total", "Inbound group-commit transactions by result",
                                     {"result"})),
      reloads(registry.counter("gateway_config_reloads_total", "Configuration reloads by result", {"result"})),
      admin_requests(registry.counter("gateway_admin_requests_total", "Admin API requests by status class",
                                      {"status"})),
      registry_(registry),
      commit_duration_(store_commit_duration.with_values({})),
      commit_batch_(store_commit_batch.with_values({})),
      commits_ok_(store_commits.with({"ok"})),
      commits_failed_(store_commits.with({"failed"})) {
    // Zero-valued series exist from the start, so rate() and alerts see them before the first event.
    reloads.with({"applied"});
    reloads.with({"refused"});
}

ChannelCounters GatewayMetrics::channel(std::string_view name) {
    const std::string n(name);
    return ChannelCounters(messages_received.with({n}), messages_acknowledged.with({n, "AA"}),
                           messages_acknowledged.with({n, "CA"}), messages_rejected.with({n, "AE"}),
                           messages_rejected.with({n, "AR"}), messages_rejected.with({n, "CE"}),
                           messages_rejected.with({n, "CR"}));
}

void GatewayMetrics::delivery_attempt(std::string_view vendor, std::string_view outcome, double seconds) {
    delivery_attempts.with({vendor, outcome}).inc();
    delivery_duration.with({vendor}).observe(seconds);
}

void GatewayMetrics::store_commit(std::size_t messages, double seconds, bool ok) {
    commit_duration_.observe(seconds);
    commit_batch_.observe(static_cast<double>(messages));
    (ok ? commits_ok_ : commits_failed_).inc();
}

void GatewayMetrics::config_reload(bool applied) { reloads.with({applied ? "applied" : "refused"}).inc(); }

void GatewayMetrics::admin_request(unsigned status) {
    static constexpr std::string_view classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    const unsigned c = status / 100;
    admin_requests.with({c >= 1 && c <= 5 ? classes[c - 1] : std::string_view("other")}).inc();
}

}  // namespace gw::ops
