#pragma once
// The schema, in one place, as an ordered list of versioned migrations. Each migration is written once in SQL that
// both SQLite and PostgreSQL accept; the few words the two spell differently are placeholders that render() fills
// in for a dialect:
//   {{id}}    an auto-increment 64-bit primary key
//   {{blob}}  a byte string column (raw messages, acks and payloads are bytes, not necessarily UTF-8)
// Applied migrations are recorded in schema_version(version, name, applied_at). Never edit a released migration;
// append a new one.

#include <span>
#include <string>
#include <string_view>

namespace gw::store {

enum class SqlDialect { sqlite, postgres };

struct Migration {
    int version;  // 1, 2, 3, ... without gaps
    std::string_view name;
    std::string_view sql;  // one or more statements separated by ';', with placeholders
};

std::span<const Migration> migrations();
int latest_schema_version();

// The migration's SQL with the placeholders replaced for `dialect`.
std::string render(const Migration& migration, SqlDialect dialect);

// The bookkeeping table the runner creates before anything else (portable as written).
inline constexpr std::string_view kSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL)";

}  // namespace gw::store
