#pragma once
// The vendor scorecard for the municipality's procurement team: how each grocer performed in a period, computed
// from what the store already records (orders, their events, deliveries and attempts). compute_scorecard() is a pure
// function of those records, so a fixture of a few orders can be checked by hand (tests/gateway/ops/).
//
// Per vendor, over the orders CREATED in [from, to):
//   orders                 orders routed to the vendor
//   accepted               the vendor confirmed them: an event accepted, partially_accepted, picking,
//                          out_for_delivery or delivered, and no later rejection
//   rejected               the vendor refused (event rejected)
//   failed                 the gateway gave up (event failed: retries exhausted, permanent error)
//   acceptance_rate        accepted / (accepted + rejected); orders the vendor never decided on are left out
//   lines_ordered          order lines of the accepted orders
//   line_fill_rate         lines delivered in some form (confirmed, substituted, quantity changed) / lines_ordered;
//                          a line an accepting event says nothing about counts as confirmed
//   substitution_rate      substituted lines / lines_ordered
//   out_of_stock_rate      out_of_stock lines / lines_ordered (the last outcome a line got counts)
//   time_to_accept         seconds from the order's creation to the first accepting event: median and 90th
//                          percentile by nearest rank (p-th value = the ceil(p*n)-th smallest)
//   delivered              orders with a delivered event
//   on_time / early / late delivered orders whose delivery time (Europe/Oslo) fell inside the promised window on the
//                          promised date / before it / after it; without a window the whole day counts
//   on_time_rate           on_time / (on_time + early + late); orders without a promised date are left out
//   deliveries             outbox items to the vendor ("vendor:NAME": submissions, cancellations)
//   attempts               delivery attempts of those items
//   error_rate             attempts that failed (retry or dead letter) / attempts
//   retry_rate             deliveries that needed more than one attempt / deliveries
// A rate whose denominator is 0 is undefined (empty in CSV, null in JSON).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "gateway/core/result.hpp"
#include "gateway/store/records.hpp"
#include "gateway/store/store.hpp"

namespace gw::ops {

struct ScorecardPeriod {
    store::TimePoint from{};  // inclusive
    store::TimePoint to{};    // exclusive
    std::string label_from;   // as the user gave it ("2026-11-01"), for the report
    std::string label_to;
};

// A period of whole Europe/Oslo days, from the first day through the last (both inclusive, "YYYY-MM-DD").
Result<ScorecardPeriod> oslo_days(std::string_view first_day, std::string_view last_day);

struct VendorScore {
    std::string vendor;
    std::int64_t orders = 0;
    std::int64_t accepted = 0;
    std::int64_t rejected = 0;
    std::int64_t failed = 0;
    std::int64_t lines_ordered = 0;
    std::int64_t lines_filled = 0;
    std::int64_t lines_substituted = 0;
    std::int64_t lines_out_of_stock = 0;
    std::vector<double> accept_seconds;  // one per accepted order, ascending
    std::int64_t delivered = 0;
    std::int64_t on_time = 0;
    std::int64_t early = 0;
    std::int64_t late = 0;
    std::int64_t deliveries = 0;
    std::int64_t deliveries_retried = 0;
    std::int64_t attempts = 0;
    std::int64_t failed_attempts = 0;

    std::optional<double> acceptance_rate() const;
    std::optional<double> line_fill_rate() const;
    std::optional<double> substitution_rate() const;
    std::optional<double> out_of_stock_rate() const;
    std::optional<double> time_to_accept_median() const;
    std::optional<double> time_to_accept_p90() const;
    std::optional<double> on_time_rate() const;
    std::optional<double> error_rate() const;
    std::optional<double> retry_rate() const;
};

// Orders outside the period are ignored; the result is sorted by vendor.
std::vector<VendorScore> compute_scorecard(std::span<const store::OrderDetail> orders, const ScorecardPeriod& period);

// Nearest-rank percentile (0 < p <= 1) of ascending values; nullopt when empty.
std::optional<double> nearest_rank(const std::vector<double>& ascending, double p);

// CSV (RFC 4180, header line first, rates with 4 decimals, seconds with 1).
std::string scorecard_csv(const std::vector<VendorScore>& scores, const ScorecardPeriod& period);
boost::json::value scorecard_json(const std::vector<VendorScore>& scores, const ScorecardPeriod& period);

// Reads every order created in the period (of one vendor, when given) with its events, deliveries and attempts.
// too_large when there are more than max_orders (ask for a shorter period).
Result<std::vector<store::OrderDetail>> load_scorecard_orders(store::Store& store, const ScorecardPeriod& period,
                                                              const std::string& vendor = {},
                                                              std::size_t max_orders = 200'000);

}  // namespace gw::ops
