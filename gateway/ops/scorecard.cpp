#include "gateway/ops/scorecard.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "gateway/model/datetime.hpp"
#include "gateway/ops/query_params.hpp"
#include "gateway/routing/oslo_time.hpp"

namespace gw::ops {

namespace json = boost::json;
using namespace std::chrono;

namespace {

std::optional<double> ratio(std::int64_t num, std::int64_t den) {
    if (den <= 0) return std::nullopt;
    return static_cast<double>(num) / static_cast<double>(den);
}

bool accepting_state(std::string_view s) {
    return s == "accepted" || s == "partially_accepted" || s == "picking" || s == "out_for_delivery" ||
           s == "delivered";
}

json::value parse_or_null(std::string_view text) {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    return ec ? json::value(nullptr) : v;
}

std::string text_of(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

enum class Timing { on_time, early, late, unknown };

// Where the delivery at `t` fell relative to the promised day and window (Europe/Oslo wall clock).
Timing timing(const json::object& order, system_clock::time_point t) {
    const auto* d = order.if_contains("delivery");
    if (!d || !d->is_object()) return Timing::unknown;
    const auto date = model::parse_date(text_of(d->as_object(), "date"));
    if (!date) return Timing::unknown;
    const auto start = model::parse_local_time(text_of(d->as_object(), "window_start"));
    const auto end = model::parse_local_time(text_of(d->as_object(), "window_end"));
    const auto local = floor<minutes>(t + routing::oslo_offset(t));
    const auto local_day = floor<days>(local);
    const year_month_day ymd{local_day};
    const model::Date delivered_on{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                   static_cast<unsigned>(ymd.day())};
    if (delivered_on < *date) return Timing::early;
    if (*date < delivered_on) return Timing::late;
    if (!start || !end) return Timing::on_time;
    const auto minute_of_day = duration_cast<minutes>(local - local_day).count();
    const auto from = static_cast<long>(start->hour * 60 + start->minute);
    const auto to = static_cast<long>(end->hour * 60 + end->minute);
    if (minute_of_day < from) return Timing::early;
    if (minute_of_day > to) return Timing::late;
    return Timing::on_time;
}

void score_order(const store::OrderDetail& detail, VendorScore& score) {
    ++score.orders;
    const auto order_json = parse_or_null(detail.order.canonical_json);
    static const json::object empty;
    const json::object& order = order_json.is_object() ? order_json.as_object() : empty;

    // Events are oldest first: the first accepting event times the acceptance; a later rejection overrides it.
    std::optional<store::TimePoint> accepted_at;
    std::optional<store::TimePoint> delivered_at;
    bool rejected = false;
    bool failed = false;
    std::map<std::int64_t, std::string> line_outcome;  // line number -> last outcome
    for (const auto& event : detail.events) {
        if (accepting_state(event.state)) {
            if (!accepted_at) accepted_at = event.occurred_at;
            rejected = false;
        }
        if (event.state == "rejected") rejected = true;
        if (event.state == "failed") failed = true;
        if (event.state == "delivered" && !delivered_at) delivered_at = event.occurred_at;
        const auto ev = parse_or_null(event.json);
        const auto* lines = ev.is_object() ? ev.as_object().if_contains("lines") : nullptr;
        if (!lines || !lines->is_array()) continue;
        for (const auto& l : lines->as_array()) {
            if (!l.is_object()) continue;
            const auto* n = l.as_object().if_contains("line_number");
            const auto outcome = text_of(l.as_object(), "outcome");
            if (n && n->is_number() && !outcome.empty()) line_outcome[n->to_number<std::int64_t>()] = outcome;
        }
    }

    if (rejected) {
        ++score.rejected;
    } else if (accepted_at) {
        ++score.accepted;
        score.accept_seconds.push_back(
            duration_cast<duration<double>>(*accepted_at - detail.order.created_at).count());
        const auto* lines = order.if_contains("lines");
        if (lines && lines->is_array()) {
            for (const auto& l : lines->as_array()) {
                if (!l.is_object()) continue;
                ++score.lines_ordered;
                const auto* n = l.as_object().if_contains("line_number");
                const auto it = n && n->is_number() ? line_outcome.find(n->to_number<std::int64_t>())
                                                    : line_outcome.end();
                const std::string outcome = it == line_outcome.end() ? "confirmed" : it->second;
                if (outcome == "out_of_stock") {
                    ++score.lines_out_of_stock;
                } else {
                    ++score.lines_filled;
                    if (outcome == "substituted") ++score.lines_substituted;
                }
            }
        }
    } else if (failed) {
        ++score.failed;
    }

    if (delivered_at) {
        ++score.delivered;
        switch (timing(order, *delivered_at)) {
            case Timing::on_time: ++score.on_time; break;
            case Timing::early: ++score.early; break;
            case Timing::late: ++score.late; break;
            case Timing::unknown: break;
        }
    }

    std::map<std::int64_t, int> attempts_per_delivery;
    for (const auto& delivery : detail.deliveries) {
        if (!delivery.destination.starts_with("vendor:")) continue;  // status reports go to the care system
        ++score.deliveries;
        attempts_per_delivery[delivery.id] = 0;
    }
    for (const auto& attempt : detail.attempts) {
        auto it = attempts_per_delivery.find(attempt.outbox_id);
        if (it == attempts_per_delivery.end()) continue;
        ++it->second;
        ++score.attempts;
        if (attempt.outcome != store::AttemptOutcome::success) ++score.failed_attempts;
    }
    for (const auto& [id, n] : attempts_per_delivery) {
        if (n > 1) ++score.deliveries_retried;
    }
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string fixed(std::optional<double> v, int decimals) {
    if (!v) return {};
    return fmt::format("{:.{}f}", *v, decimals);
}

json::value number_or_null(std::optional<double> v, int decimals) {
    if (!v) return nullptr;
    const double scale = std::pow(10.0, decimals);
    return std::round(*v * scale) / scale;
}

}  // namespace

Result<ScorecardPeriod> oslo_days(std::string_view first_day, std::string_view last_day) {
    const auto first = model::parse_date(first_day);
    const auto last = model::parse_date(last_day);
    if (!first || !last) {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("scorecard period: dates must be YYYY-MM-DD, got '{}' and '{}'", first_day,
                                      last_day));
    }
    if (*last < *first) {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("scorecard period: {} is before {}", last_day, first_day));
    }
    ScorecardPeriod p;
    p.from = *oslo_day_start(first_day);
    const sys_days next = sys_days{year{last->year} / month{last->month} / day{last->day}} + days{1};
    const year_month_day n{next};
    p.to = *oslo_day_start(model::to_string(model::Date{static_cast<int>(n.year()), static_cast<unsigned>(n.month()),
                                                        static_cast<unsigned>(n.day())}));
    p.label_from = std::string(first_day);
    p.label_to = std::string(last_day);
    return p;
}

std::optional<double> nearest_rank(const std::vector<double>& ascending, double p) {
    if (ascending.empty()) return std::nullopt;
    auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(ascending.size())));
    rank = std::clamp<std::size_t>(rank, 1, ascending.size());
    return ascending[rank - 1];
}

std::optional<double> VendorScore::acceptance_rate() const { return ratio(accepted, accepted + rejected); }
std::optional<double> VendorScore::line_fill_rate() const { return ratio(lines_filled, lines_ordered); }
std::optional<double> VendorScore::substitution_rate() const { return ratio(lines_substituted, lines_ordered); }
std::optional<double> VendorScore::out_of_stock_rate() const { return ratio(lines_out_of_stock, lines_ordered); }
std::optional<double> VendorScore::time_to_accept_median() const { return nearest_rank(accept_seconds, 0.5); }
std::optional<double> VendorScore::time_to_accept_p90() const { return nearest_rank(accept_seconds, 0.9); }
std::optional<double> VendorScore::on_time_rate() const { return ratio(on_time, on_time + early + late); }
std::optional<double> VendorScore::error_rate() const { return ratio(failed_attempts, attempts); }
std::optional<double> VendorScore::retry_rate() const { return ratio(deliveries_retried, deliveries); }

std::vector<VendorScore> compute_scorecard(std::span<const store::OrderDetail> orders, const ScorecardPeriod& period) {
    std::map<std::string, VendorScore> by_vendor;
    for (const auto& detail : orders) {
        if (detail.order.created_at < period.from || detail.order.created_at >= period.to) continue;
        auto& score = by_vendor[detail.order.vendor];
        score.vendor = detail.order.vendor;
        score_order(detail, score);
    }
    std::vector<VendorScore> out;
    out.reserve(by_vendor.size());
    for (auto& [name, score] : by_vendor) {
        std::sort(score.accept_seconds.begin(), score.accept_seconds.end());
        out.push_back(std::move(score));
    }
    return out;
}

std::string scorecard_csv(const std::vector<VendorScore>& scores, const ScorecardPeriod& period) {
    std::string out =
        "vendor,period_from,period_to,orders,accepted,rejected,failed,acceptance_rate,lines_ordered,line_fill_rate,"
        "substitution_rate,out_of_stock_rate,time_to_accept_median_s,time_to_accept_p90_s,delivered,on_time,early,"
        "late,on_time_rate,deliveries,attempts,error_rate,retry_rate\r\n";
    for (const auto& s : scores) {
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
                           csv_field(s.vendor), csv_field(period.label_from), csv_field(period.label_to), s.orders,
                           s.accepted, s.rejected, s.failed, fixed(s.acceptance_rate(), 4), s.lines_ordered,
                           fixed(s.line_fill_rate(), 4), fixed(s.substitution_rate(), 4),
                           fixed(s.out_of_stock_rate(), 4), fixed(s.time_to_accept_median(), 1),
                           fixed(s.time_to_accept_p90(), 1), s.delivered, s.on_time, s.early, s.late,
                           fixed(s.on_time_rate(), 4), s.deliveries, s.attempts, fixed(s.error_rate(), 4),
                           fixed(s.retry_rate(), 4));
    }
    return out;
}

json::value scorecard_json(const std::vector<VendorScore>& scores, const ScorecardPeriod& period) {
    json::array vendors;
    for (const auto& s : scores) {
        vendors.push_back(json::object{
            {"vendor", s.vendor},
            {"orders", s.orders},
            {"accepted", s.accepted},
            {"rejected", s.rejected},
            {"failed", s.failed},
            {"acceptance_rate", number_or_null(s.acceptance_rate(), 4)},
            {"lines_ordered", s.lines_ordered},
            {"line_fill_rate", number_or_null(s.line_fill_rate(), 4)},
            {"substitution_rate", number_or_null(s.substitution_rate(), 4)},
            {"out_of_stock_rate", number_or_null(s.out_of_stock_rate(), 4)},
            {"time_to_accept_median_s", number_or_null(s.time_to_accept_median(), 1)},
            {"time_to_accept_p90_s", number_or_null(s.time_to_accept_p90(), 1)},
            {"delivered", s.delivered},
            {"on_time", s.on_time},
            {"early", s.early},
            {"late", s.late},
            {"on_time_rate", number_or_null(s.on_time_rate(), 4)},
            {"deliveries", s.deliveries},
            {"attempts", s.attempts},
            {"error_rate", number_or_null(s.error_rate(), 4)},
            {"retry_rate", number_or_null(s.retry_rate(), 4)},
        });
    }
    return json::object{{"from", period.label_from}, {"to", period.label_to}, {"vendors", std::move(vendors)}};
}

Result<std::vector<store::OrderDetail>> load_scorecard_orders(store::Store& store, const ScorecardPeriod& period,
                                                              const std::string& vendor, std::size_t max_orders) {
    std::vector<store::OrderDetail> out;
    store::OrderQuery query;
    query.vendor = vendor;
    query.from = period.from;
    query.to = period.to;
    query.page.limit = 1000;
    for (;;) {
        auto page = store.find_orders(query);
        if (!page) return std::move(page).error();
        for (const auto& order : page->items) {
            if (out.size() >= max_orders) {
                return make_error(ErrorCode::too_large,
                                  fmt::format("more than {} orders in the period; ask for a shorter one", max_orders));
            }
            auto detail = store.get_order_detail(order.id);
            if (!detail) return std::move(detail).error();
            out.push_back(std::move(detail).value());
        }
        if (!page->next_cursor) break;
        query.page.cursor = page->next_cursor;
    }
    return out;
}

}  // namespace gw::ops
