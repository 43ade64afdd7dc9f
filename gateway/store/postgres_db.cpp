#include "gateway/store/postgres_db.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "gateway/log/log.hpp"

namespace gw::store::pg {
namespace {

std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    return std::string(text);
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

Error result_error(const PGresult* r, std::string_view what) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const std::string sqlstate = state != nullptr ? state : "";
    const std::string message = primary != nullptr ? primary : trimmed(PQresultErrorMessage(r));
    return make_error(classify(sqlstate), fmt::format("store: {}: {} (SQLSTATE {})", what, message,
                                                      sqlstate.empty() ? "none" : sqlstate));
}

// The server's notices (e.g. "terminating connection due to administrator command" read while idle) go to the log
// at debug level instead of libpq's default, stderr.
void log_notice(void*, const char* message) {
    log::debug("store.postgres_notice", {{"message", trimmed(message != nullptr ? message : "")}});
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

ErrorCode classify(std::string_view sqlstate) noexcept {
    if (sqlstate.size() != 5) return ErrorCode::unavailable;  // libpq's own errors: the connection failed
    if (starts_with(sqlstate, "08")) return ErrorCode::unavailable;  // connection exception
    if (starts_with(sqlstate, "40")) return ErrorCode::unavailable;  // serialization failure, deadlock
    if (sqlstate == "55P03") return ErrorCode::unavailable;          // lock not available (lock_timeout)
    if (starts_with(sqlstate, "57")) return ErrorCode::unavailable;  // canceled (statement_timeout), shutting down
    if (sqlstate == "53300") return ErrorCode::unavailable;          // too many connections
    if (starts_with(sqlstate, "28")) return ErrorCode::unavailable;  // authentication: fixable on the server side
    if (starts_with(sqlstate, "3D")) return ErrorCode::unavailable;  // database does not exist (yet)
    if (starts_with(sqlstate, "53")) return ErrorCode::io_error;     // disk full, out of memory
    if (starts_with(sqlstate, "58")) return ErrorCode::io_error;     // system / I/O error
    if (sqlstate == "25006") return ErrorCode::io_error;             // read-only transaction (standby, read-only)
    if (starts_with(sqlstate, "23")) return ErrorCode::conflict;     // integrity constraint
    if (starts_with(sqlstate, "22")) return ErrorCode::invalid_argument;  // data exception
    return ErrorCode::internal;
}

std::string describe_dsn(const std::string& dsn) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
    if (options == nullptr) {
        PQfreemem(error);
        return "an unparseable DSN";
    }
    std::string out;
    for (const std::string_view wanted : {"host", "hostaddr", "port", "dbname", "user"}) {
        for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
            if (o->keyword != wanted || o->val == nullptr || *o->val == '\0') continue;
            if (!out.empty()) out += ' ';
            out += fmt::format("{}={}", wanted, o->val);
        }
    }
    PQconninfoFree(options);
    return out.empty() ? "the default server (PG* environment)" : out;
}

std::string valid_text(std::string_view text) {
    // Fast path: ASCII without NUL, by far the common case.
    if (std::all_of(text.begin(), text.end(), [](char c) { return c != '\0' && static_cast<unsigned char>(c) < 0x80; })) {
        return std::string(text);
    }
    std::string out;
    out.reserve(text.size());
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        std::size_t len = 0;
        std::uint32_t min = 0;
        if (c == 0) {
            len = 0;
        } else if (c < 0x80) {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            min = 0x10000;
        }
        bool ok = len > 0 && i + len <= n;
        std::uint32_t cp = ok ? (c & (0xFF >> (len + 1))) : 0;
        for (std::size_t k = 1; ok && k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) ok = false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (ok) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
        }
    }
    return out;
}

// ---- Params ----

Params& Params::add(std::string_view text) {
    values_.push_back(valid_text(text));
    null_.push_back(0);
    formats_.push_back(0);
    return *this;
}

Params& Params::add(Bytes bytes) {
    values_.emplace_back(bytes.bytes);
    null_.push_back(0);
    formats_.push_back(1);
    return *this;
}

Params& Params::add(Null) {
    values_.emplace_back();
    null_.push_back(1);
    formats_.push_back(0);
    return *this;
}

Params& Params::add_int64(std::int64_t value) {
    values_.push_back(std::to_string(value));
    null_.push_back(0);
    formats_.push_back(0);
    return *this;
}

// ---- Rows ----

int Rows::size() const noexcept {
    return result_ ? PQntuples(result_.get()) : 0;
}

std::int64_t Rows::affected() const noexcept {
    if (!result_) return 0;
    const char* tuples = PQcmdTuples(result_.get());
    std::int64_t n = 0;
    if (tuples != nullptr) std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
    return n;
}

bool Rows::is_null(int row, int column) const noexcept {
    return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view Rows::text(int row, int column) const noexcept {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t Rows::int64(int row, int column) const noexcept {
    const auto t = text(row, column);
    std::int64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
}

std::optional<std::int64_t> Rows::optional_int64(int row, int column) const noexcept {
    if (is_null(row, column)) return std::nullopt;
    return int64(row, column);
}

bool Rows::boolean(int row, int column) const noexcept {
    return text(row, column) == "t";
}

std::string Rows::bytes(int row, int column) const {
    const auto t = text(row, column);
    if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return std::string(t);  // bytea_output is set to hex
    std::string out;
    out.reserve((t.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < t.size(); i += 2) {
        out.push_back(static_cast<char>(hex_value(t[i]) * 16 + hex_value(t[i + 1])));
    }
    return out;
}

// ---- Connection ----

Result<Connection> Connection::open(const std::string& dsn, Deadline deadline, std::string_view session_setup) {
    {
        char* parse_error = nullptr;
        PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &parse_error);
        if (parsed == nullptr) {
            std::string detail = parse_error != nullptr ? trimmed(parse_error) : "out of memory";
            PQfreemem(parse_error);
            return make_error(ErrorCode::invalid_argument, fmt::format("store: invalid PostgreSQL DSN: {}", detail));
        }
        PQconninfoFree(parsed);
    }
    // expand_dbname: `dsn` may be a key=value string or a postgresql:// URI. TCP keepalives notice a peer that
    // vanished without closing (a firewall dropped an idle connection, a host lost power) on pooled connections;
    // listed before the DSN so the DSN's own settings win.
    const char* keys[] = {"keepalives_idle", "keepalives_interval", "keepalives_count", "dbname",
                          "fallback_application_name", nullptr};
    const char* values[] = {"30", "10", "3", dsn.c_str(), "care-grocer-gateway", nullptr};
    PGconn* raw = PQconnectStartParams(keys, values, 1);
    if (raw == nullptr) return make_error(ErrorCode::unavailable, "store: cannot allocate a PostgreSQL connection");
    Connection conn(raw);
    PQsetNoticeProcessor(raw, log_notice, nullptr);
    if (PQstatus(raw) == CONNECTION_BAD) return conn.connection_error("connecting to " + describe_dsn(dsn));
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
        if (status == PGRES_POLLING_FAILED) return conn.connection_error("connecting to " + describe_dsn(dsn));
        if (auto waited = conn.wait_socket(status == PGRES_POLLING_WRITING, deadline); !waited) {
            return make_error(ErrorCode::unavailable,
                              fmt::format("store: connecting to {}: no answer within the connect timeout",
                                          describe_dsn(dsn)));
        }
        status = PQconnectPoll(raw);
    }
    if (PQsetnonblocking(raw, 1) != 0) return conn.connection_error("setting the connection non-blocking");
    if (!session_setup.empty()) {
        if (auto setup = conn.exec_script(session_setup, deadline); !setup) return std::move(setup).error();
    }
    return conn;
}

Error Connection::connection_error(std::string_view what) {
    broken_ = true;
    const char* message = conn_ ? PQerrorMessage(conn_.get()) : "no connection";
    return make_error(ErrorCode::unavailable, fmt::format("store: {}: {}", what, trimmed(message)));
}

Error Connection::timeout_error(Deadline) {
    // The server may still be working on what we sent; the connection's state is unknown, so it is not reused.
    broken_ = true;
    return make_error(ErrorCode::unavailable, "store: PostgreSQL did not answer within the operation timeout");
}

bool Connection::usable() const noexcept {
    return !broken_ && conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

bool Connection::in_transaction() const noexcept {
    return conn_ && PQtransactionStatus(conn_.get()) != PQTRANS_IDLE;
}

int Connection::backend_pid() const noexcept {
    return conn_ ? PQbackendPID(conn_.get()) : 0;
}

bool Connection::still_open() {
    // An idle connection has nothing to read unless the server sent a notice or is closing it: then there is its
    // farewell error and the end of the stream, which libpq may take two reads to see.
    for (int reads = 0; reads < 4 && usable(); ++reads) {
        pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
        if (::poll(&fd, 1, 0) <= 0) break;
        if (PQconsumeInput(conn_.get()) == 0) broken_ = true;
    }
    return usable();
}

Result<void> Connection::wait_socket(bool for_write, Deadline deadline) {
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0) return timeout_error(deadline);
        pollfd fd{PQsocket(conn_.get()), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
        if (fd.fd < 0) return connection_error("waiting for the server");
        const int ready = ::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
        if (ready > 0) return {};
        if (ready < 0 && errno != EINTR) return connection_error("waiting for the server");
    }
}

Result<void> Connection::flush(Deadline deadline) {
    for (;;) {
        const int r = PQflush(conn_.get());
        if (r == 0) return {};
        if (r < 0) return connection_error("sending to the server");
        // Output is blocked: wait for the socket to drain, reading meanwhile so the server is never stuck on us.
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0) return timeout_error(deadline);
        pollfd fd{PQsocket(conn_.get()), POLLIN | POLLOUT, 0};
        const int ready = ::poll(&fd, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
        if (ready < 0 && errno != EINTR) return connection_error("sending to the server");
        if (ready > 0 && (fd.revents & POLLIN) != 0 && PQconsumeInput(conn_.get()) == 0) {
            return connection_error("reading from the server");
        }
    }
}

Result<PGresult*> Connection::next_result(Deadline deadline) {
    while (PQisBusy(conn_.get()) != 0) {
        if (auto waited = wait_socket(false, deadline); !waited) return std::move(waited).error();
        if (PQconsumeInput(conn_.get()) == 0) return connection_error("reading from the server");
    }
    return PQgetResult(conn_.get());
}

Result<Rows> Connection::query(std::string_view sql, const Params& params, Deadline deadline) {
    const Statement one{sql, &params};
    auto rows = pipeline(std::span(&one, 1), deadline);
    if (!rows) return std::move(rows).error();
    return std::move(rows->front());
}

Result<std::vector<Rows>> Connection::pipeline(std::span<const Statement> statements, Deadline deadline,
                                               PipelineError* failed) {
    if (!usable()) return make_error(ErrorCode::unavailable, "store: the PostgreSQL connection was lost");
    PGconn* c = conn_.get();
    if (PQenterPipelineMode(c) == 0) return connection_error("entering pipeline mode");

    struct Expected {
        std::size_t index;
        bool is_prepare;
        std::string name;  // for a prepare: the name to remember once it succeeded
    };
    std::vector<Expected> expected;
    expected.reserve(statements.size() * 2);
    std::unordered_map<std::string_view, std::string> preparing;  // SQL prepared earlier in this pipeline
    std::vector<const char*> values;
    std::vector<int> lengths;
    static const Params kNoParams;
    for (std::size_t i = 0; i < statements.size(); ++i) {
        const Statement& st = statements[i];
        const Params& p = st.params != nullptr ? *st.params : kNoParams;
        std::string name;
        if (auto known = prepared_.find(std::string(st.sql)); known != prepared_.end()) {
            name = known->second;
        } else if (auto pending = preparing.find(st.sql); pending != preparing.end()) {
            name = pending->second;
        } else {
            name = fmt::format("gw{}", prepared_.size() + preparing.size() + 1);
            if (PQsendPrepare(c, name.c_str(), std::string(st.sql).c_str(), p.size(), nullptr) == 0) {
                return connection_error("sending a statement");
            }
            preparing.emplace(st.sql, name);
            expected.push_back({i, true, name});
        }
        values.assign(static_cast<std::size_t>(p.size()), nullptr);
        lengths.assign(static_cast<std::size_t>(p.size()), 0);
        for (std::size_t k = 0; k < values.size(); ++k) {
            if (p.null_[k] != 0) continue;
            values[k] = p.values_[k].data();
            lengths[k] = static_cast<int>(p.values_[k].size());
        }
        if (PQsendQueryPrepared(c, name.c_str(), p.size(), values.data(), lengths.data(), p.formats_.data(), 0) == 0) {
            return connection_error("sending a statement");
        }
        expected.push_back({i, false, {}});
    }
    if (PQpipelineSync(c) == 0) return connection_error("sending a statement");
    if (auto sent = flush(deadline); !sent) return std::move(sent).error();

    std::vector<Rows> rows(statements.size());
    std::optional<PipelineError> first_error;
    for (const Expected& e : expected) {
        auto got = next_result(deadline);
        if (!got) return std::move(got).error();
        if (*got == nullptr) return connection_error("reading a result");
        Rows result(*got);
        const ExecStatusType status = PQresultStatus(*got);
        if (status == PGRES_FATAL_ERROR) {
            if (!first_error) {
                const char* state = PQresultErrorField(*got, PG_DIAG_SQLSTATE);
                first_error = PipelineError{e.index, state != nullptr ? state : "",
                                            result_error(*got, e.is_prepare ? "preparing a statement" : "query")};
            }
            if (PQstatus(c) == CONNECTION_BAD) {
                broken_ = true;
                if (failed != nullptr) *failed = *first_error;
                return first_error->error;
            }
        } else if (status != PGRES_PIPELINE_ABORTED) {
            if (e.is_prepare) {
                prepared_.emplace(std::string(statements[e.index].sql), e.name);
            } else {
                rows[e.index] = std::move(result);
            }
        }
        // Each command's results end with a null result.
        for (;;) {
            auto end = next_result(deadline);
            if (!end) return std::move(end).error();
            if (*end == nullptr) break;
            PQclear(*end);
        }
    }
    auto sync = next_result(deadline);
    if (!sync) return std::move(sync).error();
    const bool synced = *sync != nullptr && PQresultStatus(*sync) == PGRES_PIPELINE_SYNC;
    PQclear(*sync);
    if (!synced) return connection_error("reading the end of a pipeline");
    if (PQexitPipelineMode(c) == 0) return connection_error("leaving pipeline mode");
    if (first_error) {
        if (failed != nullptr) *failed = *first_error;
        return first_error->error;
    }
    return rows;
}

Result<void> Connection::exec_script(std::string_view sql, Deadline deadline) {
    if (!usable()) return make_error(ErrorCode::unavailable, "store: the PostgreSQL connection was lost");
    if (PQsendQuery(conn_.get(), std::string(sql).c_str()) == 0) return connection_error("sending a script");
    if (auto sent = flush(deadline); !sent) return std::move(sent).error();
    std::optional<Error> first_error;
    for (;;) {
        auto got = next_result(deadline);
        if (!got) return std::move(got).error();
        if (*got == nullptr) break;
        Rows result(*got);
        if (PQresultStatus(*got) == PGRES_FATAL_ERROR && !first_error) first_error = result_error(*got, "script");
    }
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return connection_error("running a script");
    if (first_error) return *first_error;
    return {};
}

// ---- Transaction ----

Result<Transaction> Transaction::begin(Connection& conn, Deadline deadline, std::string_view begin_sql) {
    auto begun = conn.query(begin_sql, deadline);
    if (!begun) return std::move(begun).error();
    return Transaction(conn, deadline);
}

Transaction::~Transaction() {
    if (conn_ == nullptr || !conn_->usable() || !conn_->in_transaction()) return;
    // Bounded separately: the caller's deadline may be what just expired.
    if (auto rolled_back = conn_->query("ROLLBACK", deadline_after(std::chrono::seconds(5))); !rolled_back) {
        log::warn("store.rollback_failed", {{"error", rolled_back.error().to_string()}});
    }
}

Result<void> Transaction::commit() {
    if (conn_ == nullptr) return make_error(ErrorCode::internal, "store: commit without a transaction");
    // COMMIT of a failed transaction "succeeds" as a ROLLBACK; never report that as stored.
    if (!conn_->in_transaction()) return make_error(ErrorCode::internal, "store: commit outside a transaction");
    auto done = conn_->query("COMMIT", deadline_);
    if (!done) return std::move(done).error();
    conn_ = nullptr;
    return {};
}

// ---- Pool ----

Pool::Pool(PoolOptions options) : options_(std::move(options)) {}

Pool::~Pool() {
    std::lock_guard lock(mutex_);
    idle_.clear();
}

Pool::Lease::~Lease() {
    if (conn_ && pool_ != nullptr) pool_->give_back(std::move(conn_));
}

Result<Pool::Lease> Pool::acquire(Deadline deadline) {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (!idle_.empty()) {
            auto conn = std::move(idle_.back());
            idle_.pop_back();
            lock.unlock();
            if (conn->still_open()) return Lease(this, std::move(conn));
            conn.reset();
            lock.lock();
            --open_;
            ++dropped_;
            continue;
        }
        if (open_ < options_.size) {
            ++open_;
            ++connects_;
            lock.unlock();
            auto opened = Connection::open(options_.dsn, std::min(deadline, deadline_after(options_.connect_timeout)),
                                           options_.session_setup);
            if (!opened) {
                lock.lock();
                --open_;
                available_.notify_one();
                return std::move(opened).error();
            }
            return Lease(this, std::make_unique<Connection>(std::move(opened).value()));
        }
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            open_ >= options_.size) {
            return make_error(ErrorCode::unavailable,
                              fmt::format("store: all {} PostgreSQL connections stayed busy until the operation "
                                          "timeout",
                                          options_.size));
        }
    }
}

void Pool::give_back(std::unique_ptr<Connection> conn) {
    const bool reusable = conn->usable() && !conn->in_transaction();
    if (!reusable) conn.reset();  // outside the lock: closing is a system call
    std::lock_guard lock(mutex_);
    if (reusable) {
        idle_.push_back(std::move(conn));
    } else {
        --open_;
        ++dropped_;
    }
    available_.notify_one();
}

void Pool::clear_idle() {
    std::vector<std::unique_ptr<Connection>> closing;
    {
        std::lock_guard lock(mutex_);
        closing.swap(idle_);
        open_ -= closing.size();
        dropped_ += closing.size();
        available_.notify_all();
    }
}

Pool::Stats Pool::stats() const {
    std::lock_guard lock(mutex_);
    return {open_, idle_.size(), connects_, dropped_};
}

}  // namespace gw::store::pg
