#pragma once
// Thin RAII layer over the SQLite C API, private to the store: a Connection owns its sqlite3* and a cache of
// prepared statements (keyed by SQL text); a Statement borrows one cached statement and resets it when it goes out of
// scope, so no statement keeps a read transaction open (that would pin the WAL and hide later commits from readers);
// a Transaction rolls back unless committed. A Connection is not thread-safe; its owner serialises access.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "gateway/core/result.hpp"

namespace gw::store::sqlite {

// Maps a SQLite result code to our error codes: busy/locked -> unavailable; read-only, full, I/O, cannot open,
// corrupt, not a database -> io_error; constraint -> conflict; anything else -> internal.
ErrorCode classify(int rc) noexcept;
Error make_sqlite_error(sqlite3* db, int rc, std::string_view what);

struct Blob {
    std::string_view bytes;
};
struct Null {};

class Statement {
  public:
    Statement(sqlite3_stmt* stmt, bool* in_use) noexcept : stmt_(stmt), in_use_(in_use) {}
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based. Text and blobs are copied (SQLITE_TRANSIENT), so temporaries are fine.
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, Blob blob);
    Statement& bind(int index, Null);
    template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
    Statement& bind(int index, I value) {
        return bind_int64(index, static_cast<std::int64_t>(value));
    }
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, Null{});
    }
    template <class... A>
    Statement& bind_all(const A&... args) {
        int index = 1;
        (bind(index++, args), ...);
        return *this;
    }

    // true: a row is ready; false: done. A bind error is reported here.
    Result<bool> step();
    // Steps to completion, for statements without result rows.
    Result<void> run();

    bool is_null(int column) const noexcept;
    std::int64_t int64(int column) const noexcept;
    std::optional<std::int64_t> optional_int64(int column) const noexcept;
    std::string text(int column) const;
    std::string blob(int column) const;

  private:
    Statement& bind_int64(int index, std::int64_t value);
    Statement& check_bind(int rc, int index);

    sqlite3_stmt* stmt_;
    bool* in_use_;
    int bind_error_ = SQLITE_OK;
    int bind_error_index_ = 0;
};

class Connection {
  public:
    // Opens (creating when writable) the database. busy_timeout: how long a statement waits for a lock held by
    // another connection before failing with unavailable.
    static Result<Connection> open(const std::string& path, bool read_only, std::chrono::milliseconds busy_timeout);

    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;

    // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
    Result<void> exec(std::string_view sql);
    // The cached prepared statement for `sql`, prepared on first use. internal if it is already borrowed.
    Result<Statement> prepare(const std::string& sql);
    // A single-value query, e.g. a pragma.
    Result<std::string> query_text(const std::string& sql);

    std::int64_t last_insert_rowid() const noexcept;
    int changes() const noexcept;
    sqlite3* handle() const noexcept { return db_.get(); }

  private:
    struct CloseDb {
        void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
    };
    struct FinalizeStmt {
        void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
    };
    struct Cached {
        std::unique_ptr<sqlite3_stmt, FinalizeStmt> stmt;
        bool in_use = false;
    };

    explicit Connection(sqlite3* db) : db_(db) {}

    // Declared before the cache: members are destroyed in reverse order, statements before their database.
    std::unique_ptr<sqlite3, CloseDb> db_;
    // unique_ptr so the in_use flags a Statement points to stay put when the map rehashes.
    std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
};

class Transaction {
  public:
    // BEGIN IMMEDIATE: take the write lock up front, so a busy database fails here rather than at the first write.
    static Result<Transaction> begin(Connection& connection);
    // BEGIN DEFERRED on a reader: one consistent snapshot across several queries; ends with commit() or scope exit.
    static Result<Transaction> begin_read(Connection& connection);

    Transaction(Transaction&& other) noexcept : connection_(other.connection_) { other.connection_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();

  private:
    explicit Transaction(Connection& connection) : connection_(&connection) {}
    Connection* connection_;  // null once committed or rolled back
};

}  // namespace gw::store::sqlite
