#pragma once
// Thin RAII layer over libpq, private to the store (the PostgreSQL counterpart of sqlite_db.hpp).
//
// - Connection owns a PGconn*. Every call takes a deadline and never waits past it: the socket is non-blocking and
//   polled, so a server that stops answering (network cut, frozen host) costs at most the deadline; after a timeout
//   or a lost connection the Connection is broken and its owner drops it.
// - Statements are prepared once per connection (keyed by SQL text) and executed with parameters; several
//   statements can go in one round trip (pipeline mode), which is how a batch of inbound messages is stored.
// - Byte strings (raw messages, acks, payloads) are bytea parameters sent in binary, so every byte arrives exactly;
//   text parameters are made valid UTF-8 without NUL first (PostgreSQL text cannot hold anything else, and one bad
//   byte must never fail a whole batch).
// - Pool hands out connections to the store's threads, opens them on demand up to its size, and replaces
//   connections the server closed while they were idle.
// A Connection is not thread-safe; the Pool gives each one to one thread at a time.

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "gateway/core/result.hpp"

namespace gw::store::pg {

using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

inline Deadline deadline_after(std::chrono::milliseconds d) {
    return SteadyClock::now() + d;
}

// Maps a SQLSTATE to our error codes: connection loss, serialization failures, deadlocks, lock and statement
// timeouts, shutdowns and too many connections -> unavailable (retry later); disk full, I/O, read-only transaction
// -> io_error; integrity constraints -> conflict; data exceptions -> invalid_argument; anything else -> internal.
ErrorCode classify(std::string_view sqlstate) noexcept;

// "host=db1 port=5432 dbname=gateway user=gw": what a DSN points at, for messages; never the password.
std::string describe_dsn(const std::string& dsn);

// `text` as valid UTF-8 without NUL bytes (invalid sequences and NULs become U+FFFD).
std::string valid_text(std::string_view text);

struct Bytes {
    std::string_view bytes;
};
struct Null {};

// Positional parameters $1..$n, in the order added.
class Params {
  public:
    Params() = default;
    template <class... A>
    explicit Params(const A&... args) {
        (add(args), ...);
    }

    Params& add(std::string_view text);
    Params& add(const std::string& text) { return add(std::string_view(text)); }
    Params& add(const char* text) { return add(std::string_view(text)); }
    Params& add(Bytes bytes);
    Params& add(Null);
    template <class I, class = std::enable_if_t<std::is_integral_v<I>>>
    Params& add(I value) {
        if constexpr (std::is_same_v<I, bool>) {
            return add(std::string_view(value ? "true" : "false"));
        } else {
            return add_int64(static_cast<std::int64_t>(value));
        }
    }
    template <class T>
    Params& add(const std::optional<T>& value) {
        return value ? add(*value) : add(Null{});
    }

    int size() const noexcept { return static_cast<int>(values_.size()); }

  private:
    friend class Connection;
    Params& add_int64(std::int64_t value);

    std::vector<std::string> values_;
    std::vector<char> null_;    // 1: SQL NULL
    std::vector<int> formats_;  // 0 text, 1 binary
};

// The rows of one statement's result; owns its PGresult*. Columns are read by index.
class Rows {
  public:
    Rows() = default;
    explicit Rows(PGresult* result) noexcept : result_(result) {}
    Rows(Rows&&) noexcept = default;
    Rows& operator=(Rows&&) noexcept = default;

    int size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    // Rows changed by INSERT/UPDATE/DELETE (also with RETURNING).
    std::int64_t affected() const noexcept;

    bool is_null(int row, int column) const noexcept;
    std::string_view text(int row, int column) const noexcept;
    std::int64_t int64(int row, int column) const noexcept;
    std::optional<std::int64_t> optional_int64(int row, int column) const noexcept;
    bool boolean(int row, int column) const noexcept;
    // A bytea column in text result format ("\x" + hex), decoded.
    std::string bytes(int row, int column) const;

  private:
    struct Clear {
        void operator()(PGresult* r) const noexcept { PQclear(r); }
    };
    std::unique_ptr<PGresult, Clear> result_;
};

// One statement of a pipeline.
struct Statement {
    std::string_view sql;
    const Params* params = nullptr;  // null: no parameters
};

// A failed statement in a pipeline: which one, and why.
struct PipelineError {
    std::size_t index = 0;
    std::string sqlstate;
    Error error;
};

class Connection {
  public:
    // Connects within the deadline and runs `session_setup` (simple query; e.g. SET statements).
    static Result<Connection> open(const std::string& dsn, Deadline deadline, std::string_view session_setup);

    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() = default;

    // One statement; prepared on first use on this connection.
    Result<Rows> query(std::string_view sql, const Params& params, Deadline deadline);
    Result<Rows> query(std::string_view sql, Deadline deadline) { return query(sql, Params{}, deadline); }

    // Several statements in one round trip. On success one Rows per statement. When a statement fails, the
    // statements after it are not run and the PipelineError names it; inside an explicit transaction (a BEGIN in
    // the pipeline) the transaction is then aborted and must be rolled back.
    Result<std::vector<Rows>> pipeline(std::span<const Statement> statements, Deadline deadline,
                                       PipelineError* failed = nullptr);

    // Statements without parameters separated by ';' (migrations), in the simple query protocol.
    Result<void> exec_script(std::string_view sql, Deadline deadline);

    // False once the connection was lost or a call timed out; the owner must drop it.
    bool usable() const noexcept;
    // In a transaction (or a failed one) rather than idle.
    bool in_transaction() const noexcept;
    // Cheap check before reuse (no round trip): false when the server closed the connection while it was idle
    // (restart, pg_terminate_backend, idle timeout).
    bool still_open();
    int backend_pid() const noexcept;

  private:
    struct Finish {
        void operator()(PGconn* c) const noexcept { PQfinish(c); }
    };
    explicit Connection(PGconn* conn) noexcept : conn_(conn) {}

    Result<void> flush(Deadline deadline);
    Result<PGresult*> next_result(Deadline deadline);
    Result<void> wait_socket(bool for_write, Deadline deadline);
    Error connection_error(std::string_view what);
    Error timeout_error(Deadline deadline);

    std::unique_ptr<PGconn, Finish> conn_;
    std::unordered_map<std::string, std::string> prepared_;  // SQL text -> server-side statement name
    bool broken_ = false;
};

// Rolls back unless committed; used by the store for multi-step transactions.
class Transaction {
  public:
    static Result<Transaction> begin(Connection& conn, Deadline deadline, std::string_view begin_sql = "BEGIN");
    Transaction(Transaction&& other) noexcept : conn_(other.conn_), deadline_(other.deadline_) {
        other.conn_ = nullptr;
    }
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();

  private:
    Transaction(Connection& conn, Deadline deadline) : conn_(&conn), deadline_(deadline) {}
    Connection* conn_;
    Deadline deadline_;
};

struct PoolOptions {
    std::string dsn;
    std::size_t size = 8;
    std::chrono::milliseconds connect_timeout{5000};
    std::string session_setup;  // run on every new connection
};

class Pool {
  public:
    explicit Pool(PoolOptions options);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // A connection for one thread; goes back to the pool when the Lease ends (dropped instead when broken or left
    // inside a transaction).
    class Lease {
      public:
        Lease(Pool* pool, std::unique_ptr<Connection> conn) noexcept : pool_(pool), conn_(std::move(conn)) {}
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease();
        Connection& operator*() const noexcept { return *conn_; }
        Connection* operator->() const noexcept { return conn_.get(); }

      private:
        Pool* pool_;
        std::unique_ptr<Connection> conn_;
    };

    // Waits for a free connection until the deadline; opens a new one when below the size. unavailable when the
    // pool stays exhausted or the database cannot be reached.
    Result<Lease> acquire(Deadline deadline);

    // Closes idle connections (e.g. after the server restarted, so none of them is tried again).
    void clear_idle();

    struct Stats {
        std::size_t open = 0;
        std::size_t idle = 0;
        std::uint64_t connects = 0;
        std::uint64_t dropped = 0;
    };
    Stats stats() const;

  private:
    void give_back(std::unique_ptr<Connection> conn);

    const PoolOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_ = 0;  // idle + leased + being opened
    std::uint64_t connects_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace gw::store::pg
