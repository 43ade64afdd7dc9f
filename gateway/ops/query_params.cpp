#include "gateway/ops/query_params.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "gateway/model/datetime.hpp"
#include "gateway/routing/oslo_time.hpp"

namespace gw::ops {

using namespace std::chrono;

QueryParams::QueryParams(const http::Params& params, std::initializer_list<std::string_view> allowed)
    : params_(params) {
    std::vector<std::string_view> seen;
    for (const auto& [name, value] : params_) {
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            fail(fmt::format("unknown query parameter '{}'; this endpoint takes: {}", name.substr(0, 64), list));
            return;
        }
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
            fail(fmt::format("query parameter '{}' is given twice", name));
            return;
        }
        seen.push_back(name);
    }
}

void QueryParams::fail(std::string message) {
    if (!error_) error_ = make_error(ErrorCode::invalid_argument, std::move(message));
}

std::optional<std::string_view> QueryParams::raw(std::string_view name) {
    for (const auto& [n, v] : params_) {
        if (n == name) return std::string_view(v);
    }
    return std::nullopt;
}

std::string QueryParams::text(std::string_view name, std::size_t max_length) {
    auto v = raw(name);
    if (!v) return {};
    if (v->size() > max_length) {
        fail(fmt::format("'{}' is longer than {} characters", name, max_length));
        return {};
    }
    // Control characters never belong in a search term; refusing them keeps logs and audit lines one line each.
    if (std::any_of(v->begin(), v->end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        fail(fmt::format("'{}' contains control characters", name));
        return {};
    }
    return std::string(*v);
}

std::optional<std::int64_t> QueryParams::integer(std::string_view name, std::int64_t min, std::int64_t max) {
    auto v = raw(name);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size()) {
        fail(fmt::format("'{}' must be an integer", name));
        return std::nullopt;
    }
    if (n < min || n > max) {
        fail(fmt::format("'{}' must be between {} and {}", name, min, max));
        return std::nullopt;
    }
    return n;
}

bool QueryParams::flag(std::string_view name) {
    auto v = raw(name);
    if (!v) return false;
    if (*v == "1" || *v == "true" || *v == "yes" || v->empty()) return true;
    if (*v == "0" || *v == "false" || *v == "no") return false;
    fail(fmt::format("'{}' must be true or false", name));
    return false;
}

std::optional<store::TimePoint> QueryParams::time(std::string_view name) {
    auto v = raw(name);
    if (!v) return std::nullopt;
    if (auto day = oslo_day_start(*v)) return day;
    if (auto ts = model::parse_timestamp(*v)) {
        return time_point_cast<system_clock::duration>(ts->to_sys());
    }
    fail(fmt::format("'{}' must be an RFC 3339 time (2026-11-12T09:00:00Z) or a day (2026-11-12)", name));
    return std::nullopt;
}

store::PageRequest QueryParams::page(std::size_t fallback, std::size_t max) {
    store::PageRequest page;
    page.limit = fallback;
    // Huge values are capped rather than refused: a client asking for "everything" gets the largest page.
    if (auto v = raw("limit")) {
        const bool digits = !v->empty() && std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; });
        std::uint64_t n = 0;
        if (digits && std::from_chars(v->data(), v->data() + v->size(), n).ec == std::errc::result_out_of_range) {
            n = std::numeric_limits<std::uint64_t>::max();
        }
        if (!digits || n == 0) {
            fail("'limit' must be a positive integer");
        } else {
            page.limit = static_cast<std::size_t>(std::min<std::uint64_t>(n, max));
        }
    }
    if (auto cursor = integer("cursor", 0, std::numeric_limits<std::int64_t>::max())) page.cursor = *cursor;
    return page;
}

std::optional<store::TimePoint> oslo_day_start(std::string_view day) {
    const auto d = model::parse_date(day);
    if (!d) return std::nullopt;
    const sys_days midnight{year{d->year} / month{d->month} / std::chrono::day{d->day}};
    // The offset at local midnight equals the offset an hour earlier in UTC: summer time switches at 01:00 UTC.
    return system_clock::time_point(midnight) - routing::oslo_offset(system_clock::time_point(midnight) - hours(1));
}

std::string format_time(store::TimePoint t) {
    return model::to_string(model::utc_timestamp(t));
}

}  // namespace gw::ops
