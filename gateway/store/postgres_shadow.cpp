// PostgresStore's shadow-mode queries (shadow_records.hpp), the counterpart of sqlite_shadow.cpp: apart from
// postgres_store.cpp, which holds the order path, because nothing on the order path reads them.
#include <fmt/format.h>

#include <algorithm>

#include "gateway/store/postgres_store.hpp"

namespace gw::store {
namespace {

using pg::Params;
using pg::Rows;

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
    "recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (order_id, vendor) DO UPDATE SET route_vendor = excluded.route_vendor, "
    "municipality = excluded.municipality, outcome = excluded.outcome, sent = excluded.sent, "
    "http_status = excluded.http_status, detail = excluded.detail, recorded_at = excluded.recorded_at";

constexpr std::string_view kColumns =
    "id, order_id, vendor, route_vendor, municipality, outcome, sent, http_status, detail, recorded_at";

ShadowResult read_result(const Rows& s, int row) {
    ShadowResult r;
    r.id = s.int64(row, 0);
    r.order_id = s.text(row, 1);
    r.vendor = s.text(row, 2);
    r.route_vendor = s.text(row, 3);
    r.municipality = s.text(row, 4);
    r.outcome = parse_shadow_outcome(s.text(row, 5)).value_or(ShadowOutcome::unavailable);
    r.sent = s.int64(row, 6) != 0;
    if (auto status = s.optional_int64(row, 7)) r.http_status = static_cast<int>(*status);
    r.detail = s.text(row, 8);
    r.recorded_at = from_ms(s.int64(row, 9));
    return r;
}

}  // namespace

Result<void> PostgresStore::record_shadow_results(std::span<const NewShadowResult> results) {
    if (results.empty()) return {};
    for (const auto& r : results) {
        if (r.order_id.empty() || r.vendor.empty()) {
            return make_error(ErrorCode::invalid_argument, "store: a shadow result needs an order id and a vendor");
        }
    }
    const auto now = now_ms();
    std::vector<Params> params;
    params.reserve(results.size());
    std::vector<pg::Statement> statements{{"BEGIN", nullptr}};
    for (const auto& r : results) {
        const std::string detail = r.detail.size() > kMaxDetail ? r.detail.substr(0, kMaxDetail) + "…" : r.detail;
        params.emplace_back(r.order_id, r.vendor, r.route_vendor, r.municipality, to_string(r.outcome),
                            r.sent ? 1 : 0, r.http_status, detail, r.at == TimePoint{} ? now : to_ms(r.at));
        statements.push_back({kUpsert, &params.back()});
    }
    statements.push_back({"COMMIT", nullptr});
    const pg::Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    pg::PipelineError failed;
    auto done = observe((*conn)->pipeline(statements, deadline, &failed));
    if (done) return {};
    if ((*conn)->usable() && (*conn)->in_transaction()) {
        (void)(*conn)->query("ROLLBACK", pg::deadline_after(std::chrono::seconds(5)));
    }
    auto e = std::move(done).error();
    if (e.code == ErrorCode::conflict && failed.index >= 1 && failed.index <= results.size()) {
        e.code = ErrorCode::not_found;  // the order does not exist (foreign key)
        e.message = fmt::format("store: no order {} for its shadow result ({})", results[failed.index - 1].order_id,
                                e.message);
    }
    return e;
}

Result<std::vector<ShadowCount>> PostgresStore::shadow_counts(std::optional<TimePoint> since) {
    const pg::Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    auto rows = observe((*conn)->query(
        "SELECT vendor, outcome, COUNT(*), MAX(recorded_at) FROM shadow_result WHERE recorded_at >= $1 "
        "GROUP BY vendor, outcome ORDER BY vendor COLLATE \"C\", outcome COLLATE \"C\"",
        Params(since ? to_ms(*since) : std::int64_t{0}), deadline));
    if (!rows) return std::move(rows).error();
    std::vector<ShadowCount> out;
    for (int r = 0; r < rows->size(); ++r) {
        ShadowCount c;
        c.vendor = rows->text(r, 0);
        c.outcome = parse_shadow_outcome(rows->text(r, 1)).value_or(ShadowOutcome::unavailable);
        c.count = rows->int64(r, 2);
        c.last_at = from_ms(rows->int64(r, 3));
        out.push_back(std::move(c));
    }
    return out;
}

Result<Page<ShadowResult>> PostgresStore::find_shadow_results(const ShadowQuery& query) {
    std::string where;
    Params params;
    auto add = [&](std::string_view column_op, const auto& value) {
        where += params.size() == 0 ? " WHERE " : " AND ";
        where += fmt::format("{} ${}", column_op, params.size() + 1);
        params.add(value);
    };
    if (!query.vendor.empty()) add("vendor =", query.vendor);
    if (query.outcome) add("outcome =", to_string(*query.outcome));
    if (query.from) add("recorded_at >=", to_ms(*query.from));
    if (query.to) add("recorded_at <", to_ms(*query.to));
    if (query.page.cursor) add("id <", *query.page.cursor);
    const std::size_t limit = std::clamp<std::size_t>(query.page.limit, 1, 1000);
    const std::string sql =
        fmt::format("SELECT {} FROM shadow_result{} ORDER BY id DESC LIMIT ${}", kColumns, where, params.size() + 1);
    params.add(limit + 1);

    const pg::Deadline deadline = this->deadline();
    auto conn = connection(deadline);
    if (!conn) return std::move(conn).error();
    auto rows = observe((*conn)->query(sql, params, deadline));
    if (!rows) return std::move(rows).error();
    Page<ShadowResult> page;
    for (int r = 0; r < rows->size(); ++r) page.items.push_back(read_result(*rows, r));
    if (page.items.size() > limit) {
        page.items.resize(limit);
        page.next_cursor = page.items.back().id;
    }
    return page;
}

}  // namespace gw::store
