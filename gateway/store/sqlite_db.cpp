#include "gateway/store/sqlite_db.hpp"

#include <fmt/format.h>

namespace gw::store::sqlite {

ErrorCode classify(int rc) noexcept {
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return ErrorCode::unavailable;
        case SQLITE_READONLY:
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_PERM:
            return ErrorCode::io_error;
        case SQLITE_CONSTRAINT:
            return ErrorCode::conflict;
        default:
            return ErrorCode::internal;
    }
}

Error make_sqlite_error(sqlite3* db, int rc, std::string_view what) {
    const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return make_error(classify(rc), fmt::format("store: {}: {} (sqlite {})", what, detail, sqlite3_errstr(rc)));
}

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : stmt_(other.stmt_),
      in_use_(other.in_use_),
      bind_error_(other.bind_error_),
      bind_error_index_(other.bind_error_index_) {
    other.stmt_ = nullptr;
    other.in_use_ = nullptr;
}

Statement::~Statement() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
}

Statement& Statement::check_bind(int rc, int index) {
    if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) {
        bind_error_ = rc;
        bind_error_index_ = index;
    }
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // A default string_view has a null data(), which SQLite would store as NULL; empty text must stay ''.
    const char* data = text.data() != nullptr ? text.data() : "";
    return check_bind(sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
}

Statement& Statement::bind(int index, Blob blob) {
    // A zero-length blob must still be a blob, not NULL: bind_blob64 with a null pointer would store NULL.
    if (blob.bytes.empty()) return check_bind(sqlite3_bind_zeroblob(stmt_, index, 0), index);
    return check_bind(sqlite3_bind_blob64(stmt_, index, blob.bytes.data(), blob.bytes.size(), SQLITE_TRANSIENT), index);
}

Statement& Statement::bind(int index, Null) {
    return check_bind(sqlite3_bind_null(stmt_, index), index);
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
    return check_bind(sqlite3_bind_int64(stmt_, index, value), index);
}

Result<bool> Statement::step() {
    sqlite3* db = sqlite3_db_handle(stmt_);
    if (bind_error_ != SQLITE_OK) {
        return make_sqlite_error(db, bind_error_, fmt::format("binding parameter {}", bind_error_index_));
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return make_sqlite_error(db, rc, sqlite3_sql(stmt_));
}

Result<void> Statement::run() {
    for (;;) {
        auto row = step();
        if (!row) return std::move(row).error();
        if (!*row) return {};
    }
}

bool Statement::is_null(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const noexcept {
    return sqlite3_column_int64(stmt_, column);
}

std::optional<std::int64_t> Statement::optional_int64(int column) const noexcept {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}

std::string Statement::text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (p == nullptr) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::blob(int column) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    if (p == nullptr) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

// ---- Connection ----

Result<Connection> Connection::open(const std::string& path, bool read_only, std::chrono::milliseconds busy_timeout) {
    sqlite3* raw = nullptr;
    const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    // The handle exists even when opening failed (it carries the message); the Connection closes it either way.
    Connection connection(raw);
    if (rc != SQLITE_OK) return make_sqlite_error(raw, rc, fmt::format("opening {}", path));
    sqlite3_busy_timeout(raw, static_cast<int>(busy_timeout.count()));
    return connection;
}

Result<void> Connection::exec(std::string_view sql) {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return make_sqlite_error(db_.get(), rc, text.substr(0, 80));
    return {};
}

Result<Statement> Connection::prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* raw = nullptr;
        const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size() + 1),
                                          SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(raw);
            return make_sqlite_error(db_.get(), rc, fmt::format("preparing {}", sql));
        }
        auto cached = std::make_unique<Cached>();
        cached->stmt.reset(raw);
        it = cache_.emplace(sql, std::move(cached)).first;
    }
    Cached& cached = *it->second;
    if (cached.in_use)
        return make_error(ErrorCode::internal, fmt::format("store: statement used re-entrantly: {}", sql));
    cached.in_use = true;
    return Statement(cached.stmt.get(), &cached.in_use);
}

Result<std::string> Connection::query_text(const std::string& sql) {
    auto stmt = prepare(sql);
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    if (!*row) return std::string();
    return stmt->text(0);
}

std::int64_t Connection::last_insert_rowid() const noexcept {
    return sqlite3_last_insert_rowid(db_.get());
}

int Connection::changes() const noexcept {
    return sqlite3_changes(db_.get());
}

// ---- Transaction ----

Result<Transaction> Transaction::begin(Connection& connection) {
    if (auto r = connection.exec("BEGIN IMMEDIATE"); !r) return std::move(r).error();
    return Transaction(connection);
}

Result<Transaction> Transaction::begin_read(Connection& connection) {
    if (auto r = connection.exec("BEGIN DEFERRED"); !r) return std::move(r).error();
    return Transaction(connection);
}

Transaction::~Transaction() {
    if (connection_ == nullptr) return;
    // A failed COMMIT may already have rolled back (e.g. SQLITE_FULL); ROLLBACK then has nothing to do.
    if (sqlite3_get_autocommit(connection_->handle()) == 0) (void)connection_->exec("ROLLBACK");
}

Result<void> Transaction::commit() {
    if (connection_ == nullptr) return make_error(ErrorCode::internal, "store: commit without a transaction");
    if (auto r = connection_->exec("COMMIT"); !r) return r;  // the destructor rolls back
    connection_ = nullptr;
    return {};
}

}  // namespace gw::store::sqlite
