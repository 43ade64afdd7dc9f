#include "gateway/store/migrations.hpp"

#include <array>

namespace gw::store {
namespace {

// Times are BIGINT milliseconds since the Unix epoch (UTC): one representation in both databases, cheap to compare.
constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE inbound_message (
    id {{id}},
    channel TEXT NOT NULL,
    sender TEXT NOT NULL,
    control_id TEXT NOT NULL,
    message_type TEXT NOT NULL,
    peer TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('received', 'processed', 'rejected', 'failed')),
    claims_control_id INTEGER NOT NULL CHECK (claims_control_id IN (0, 1)),
    error_code TEXT,
    error_text TEXT,
    raw {{blob}},
    ack {{blob}} NOT NULL,
    purged_at BIGINT
);
CREATE UNIQUE INDEX inbound_message_control_id ON inbound_message (sender, control_id) WHERE claims_control_id = 1;
CREATE INDEX inbound_message_state ON inbound_message (state, id);
CREATE INDEX inbound_message_received_at ON inbound_message (received_at);
CREATE INDEX inbound_message_correlation ON inbound_message (correlation_id);

CREATE TABLE orders (
    seq {{id}},
    id TEXT NOT NULL UNIQUE,
    message_id BIGINT REFERENCES inbound_message (id),
    canonical_json TEXT NOT NULL,
    municipality TEXT NOT NULL,
    vendor TEXT NOT NULL,
    external_ref TEXT NOT NULL,
    vendor_order_ref TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    purged_at BIGINT
);
CREATE INDEX orders_message ON orders (message_id);
CREATE INDEX orders_state ON orders (state, updated_at);
CREATE INDEX orders_vendor ON orders (vendor, created_at);
CREATE INDEX orders_external_ref ON orders (external_ref);
CREATE INDEX orders_vendor_order_ref ON orders (vendor_order_ref);
CREATE INDEX orders_created_at ON orders (created_at);

CREATE TABLE order_event (
    id {{id}},
    order_id TEXT NOT NULL REFERENCES orders (id),
    vendor TEXT NOT NULL,
    vendor_event_id TEXT,
    state TEXT NOT NULL,
    event_json TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX order_event_vendor_event ON order_event (vendor, vendor_event_id);
CREATE INDEX order_event_order ON order_event (order_id, occurred_at);

CREATE TABLE outbox (
    id {{id}},
    destination TEXT NOT NULL,
    order_id TEXT REFERENCES orders (id),
    kind TEXT NOT NULL CHECK (kind IN ('submit', 'cancel', 'status_report')),
    payload {{blob}} NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (destination, state, next_attempt_at);
CREATE INDEX outbox_order ON outbox (order_id);

CREATE TABLE delivery_attempt (
    id {{id}},
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    started_at BIGINT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'retry', 'dead')),
    http_status INTEGER,
    error TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT NOT NULL
);
CREATE INDEX delivery_attempt_outbox ON delivery_attempt (outbox_id, id);

CREATE TABLE audit_log (
    id {{id}},
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target, id)
)sql";

// Shadow mode (gateway/shadow): one result per order and shadow vendor; a repeated run replaces it.
constexpr std::string_view kShadowResults = R"sql(
CREATE TABLE shadow_result (
    id {{id}},
    order_id TEXT NOT NULL REFERENCES orders (id),
    vendor TEXT NOT NULL,
    route_vendor TEXT NOT NULL,
    municipality TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('would_succeed', 'mapping_error', 'validation_error', 'unavailable')),
    sent INTEGER NOT NULL CHECK (sent IN (0, 1)),
    http_status INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    recorded_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX shadow_result_order_vendor ON shadow_result (order_id, vendor);
CREATE INDEX shadow_result_vendor ON shadow_result (vendor, outcome, recorded_at)
)sql";

constexpr std::array kMigrations{
    Migration{1, "initial schema: messages, orders, events, outbox, attempts, audit", kInitialSchema},
    Migration{2, "shadow mode results", kShadowResults},
};

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

}  // namespace

std::span<const Migration> migrations() {
    return kMigrations;
}

int latest_schema_version() {
    return kMigrations.back().version;
}

std::string render(const Migration& migration, SqlDialect dialect) {
    std::string sql(migration.sql);
    switch (dialect) {
        case SqlDialect::sqlite:
            // AUTOINCREMENT: ids are quoted in logs and the ops API, so a deleted id must never come back.
            replace_all(sql, "{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT");
            replace_all(sql, "{{blob}}", "BLOB");
            break;
        case SqlDialect::postgres:
            replace_all(sql, "{{id}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
            replace_all(sql, "{{blob}}", "BYTEA");
            break;
    }
    return sql;
}

}  // namespace gw::store
