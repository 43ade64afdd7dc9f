// SqliteStore's shadow-mode queries (shadow_records.hpp): kept apart from sqlite_store.cpp, which holds the order
// path, because nothing on the order path reads them.
#include <algorithm>
#include <variant>

#include <fmt/format.h>

#include "gateway/store/sqlite_store.hpp"

namespace gw::store {
namespace {

using sqlite::Null;
using sqlite::Statement;
using sqlite::Transaction;

std::int64_t to_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_ms(std::int64_t ms) {
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

// Error texts are kept short: they are for an operator's list, and a mapping's message may quote order data.
constexpr std::size_t kMaxDetail = 500;

constexpr std::string_view kUpsert =
    "INSERT INTO shadow_result (order_id, vendor, route_vendor, municipality, outcome, sent, http_status, detail, "
    "recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (order_id, vendor) DO UPDATE SET route_vendor = excluded.route_vendor, "
    "municipality = excluded.municipality, outcome = excluded.outcome, sent = excluded.sent, "
    "http_status = excluded.http_status, detail = excluded.detail, recorded_at = excluded.recorded_at";

constexpr std::string_view kColumns =
    "id, order_id, vendor, route_vendor, municipality, outcome, sent, http_status, detail, recorded_at";

ShadowResult read_result(const Statement& s) {
    ShadowResult r;
    r.id = s.int64(0);
    r.order_id = s.text(1);
    r.vendor = s.text(2);
    r.route_vendor = s.text(3);
    r.municipality = s.text(4);
    r.outcome = parse_shadow_outcome(s.text(5)).value_or(ShadowOutcome::unavailable);
    r.sent = s.int64(6) != 0;
    if (auto status = s.optional_int64(7)) r.http_status = static_cast<int>(*status);
    r.detail = s.text(8);
    r.recorded_at = from_ms(s.int64(9));
    return r;
}

}  // namespace

Result<void> SqliteStore::record_shadow_results(std::span<const NewShadowResult> results) {
    if (results.empty()) return {};
    std::lock_guard lock(writer_mutex_);
    auto tx = Transaction::begin(writer_);
    if (!tx) return std::move(tx).error();
    const auto now = now_ms();
    for (const auto& r : results) {
        if (r.order_id.empty() || r.vendor.empty()) {
            return make_error(ErrorCode::invalid_argument, "store: a shadow result needs an order id and a vendor");
        }
        auto stmt = writer_.prepare(std::string(kUpsert));
        if (!stmt) return std::move(stmt).error();
        const std::string detail = r.detail.size() > kMaxDetail ? r.detail.substr(0, kMaxDetail) + "…" : r.detail;
        stmt->bind_all(r.order_id, r.vendor, r.route_vendor, r.municipality, to_string(r.outcome), r.sent ? 1 : 0);
        stmt->bind(7, r.http_status);
        stmt->bind(8, detail);
        stmt->bind(9, r.at == TimePoint{} ? now : to_ms(r.at));
        if (auto done = stmt->run(); !done) {
            auto e = std::move(done).error();
            if (e.code == ErrorCode::conflict) {
                e.code = ErrorCode::not_found;
                e.message = fmt::format("store: no order {} for its shadow result ({})", r.order_id, e.message);
            }
            return e;
        }
    }
    return tx->commit();
}

Result<std::vector<ShadowCount>> SqliteStore::shadow_counts(std::optional<TimePoint> since) {
    std::lock_guard lock(reader_mutex_);
    auto stmt = reader_.prepare(
        "SELECT vendor, outcome, COUNT(*), MAX(recorded_at) FROM shadow_result WHERE recorded_at >= ?1 "
        "GROUP BY vendor, outcome ORDER BY vendor, outcome");
    if (!stmt) return std::move(stmt).error();
    stmt->bind(1, since ? to_ms(*since) : std::int64_t{0});
    std::vector<ShadowCount> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        ShadowCount c;
        c.vendor = stmt->text(0);
        c.outcome = parse_shadow_outcome(stmt->text(1)).value_or(ShadowOutcome::unavailable);
        c.count = stmt->int64(2);
        c.last_at = from_ms(stmt->int64(3));
        out.push_back(std::move(c));
    }
    return out;
}

Result<Page<ShadowResult>> SqliteStore::find_shadow_results(const ShadowQuery& query) {
    std::string where;
    std::vector<std::variant<std::string, std::int64_t>> params;
    auto add = [&](std::string_view condition, std::variant<std::string, std::int64_t> value) {
        where += params.empty() ? " WHERE " : " AND ";
        where += condition;
        params.push_back(std::move(value));
    };
    if (!query.vendor.empty()) add("vendor = ?", query.vendor);
    if (query.outcome) add("outcome = ?", std::string(to_string(*query.outcome)));
    if (query.from) add("recorded_at >= ?", to_ms(*query.from));
    if (query.to) add("recorded_at < ?", to_ms(*query.to));
    if (query.page.cursor) add("id < ?", *query.page.cursor);
    const std::size_t limit = std::clamp<std::size_t>(query.page.limit, 1, 1000);

    std::lock_guard lock(reader_mutex_);
    auto stmt = reader_.prepare(fmt::format("SELECT {} FROM shadow_result{} ORDER BY id DESC LIMIT ?", kColumns, where));
    if (!stmt) return std::move(stmt).error();
    int index = 1;
    for (const auto& p : params) std::visit([&](const auto& v) { stmt->bind(index++, v); }, p);
    stmt->bind(index, limit + 1);
    Page<ShadowResult> page;
    for (;;) {
        auto row = stmt->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        page.items.push_back(read_result(*stmt));
    }
    if (page.items.size() > limit) {
        page.items.resize(limit);
        page.next_cursor = page.items.back().id;
    }
    return page;
}

}  // namespace gw::store
