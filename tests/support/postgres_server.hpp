#pragma once
// Test support: a throwaway PostgreSQL server of our own — initdb into a temporary directory, the server on a free
// 127.0.0.1 port, stopped and deleted at the end. Used by the store suite (every test against both backends), the
// two-instance integration test and the PostgreSQL-vs-SQLite benchmark.
//
// - Binaries: $GW_POSTGRES_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's `postgresql` package,
//   installed by scripts/deps). postgres_binaries_missing() says when there are none, so a test can skip.
// - Root: initdb and postgres refuse to run as root, so when the tests run as root (containers, some CI) the server
//   runs as the `postgres` OS user (else `nobody`) in a directory that user owns; as a normal user it runs as you.
// - The server is a child process (no pg_ctl daemon) with a parent-death signal: a test that crashes or is killed
//   does not leave a server behind.
// - initdb runs once per machine and PostgreSQL version into a cached template directory; each server starts from a
//   copy (about 0.1 s instead of 1.5 s), which matters because ctest runs every test case in its own process.
// - Non-durable by default (fsync=off): the tests are about the gateway's transactions, not about PostgreSQL's own
//   crash safety, and fsync on a shared CI disk is slow. Benchmarks ask for `durable`.
// - $GW_TEST_POSTGRES_DSN (a superuser DSN of an existing server, e.g. a CI service container) replaces the shared
//   per-process server; every test still gets a database of its own. Tests that stop and restart a server (or need
//   one per test) still start their own.

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace gw::testing {

namespace postgres_detail {

inline bool executable(const std::filesystem::path& p) {
    return ::access(p.c_str(), X_OK) == 0;
}

// The version number of a /usr/lib/postgresql/<version> folder, for picking the newest.
inline int version_of(const std::filesystem::path& dir) {
    try {
        return std::stoi(dir.filename().string());
    } catch (...) {
        return -1;
    }
}

// Who the server runs as: ourselves, or (as root) an unprivileged user.
struct ServerUser {
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

inline std::optional<ServerUser> server_user() {
    if (::geteuid() != 0) return ServerUser{};
    for (const char* name : {"postgres", "nobody"}) {
        if (const passwd* pw = ::getpwnam(name)) return ServerUser{true, pw->pw_uid, pw->pw_gid};
    }
    return std::nullopt;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// fork + (as root) drop to the server user + exec, stdout and stderr to `log`. The child gets `death_signal` when
// this thread's process dies (0: none).
inline pid_t spawn(const std::vector<std::string>& args, const ServerUser& user, const std::string& log,
                   int death_signal) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (user.switch_user && ::fchown(fd, user.uid, user.gid) != 0) {
        ::close(fd);
        return -1;
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Only async-signal-safe calls from here to exec.
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        ::setpgid(0, 0);  // out of the test's process group: a terminal's Ctrl-C reaches us, we stop the server
        if (user.switch_user) {
            if (::setgroups(0, nullptr) != 0 || ::setgid(user.gid) != 0 || ::setuid(user.uid) != 0) ::_exit(126);
        }
        // After the user switch, which would clear it.
        if (death_signal != 0) {
            ::prctl(PR_SET_PDEATHSIG, death_signal);
            if (::getppid() != parent) ::_exit(125);
        }
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(fd);
    return pid;
}

// Runs a command to completion; true when it exited 0.
inline bool run(const std::vector<std::string>& args, const ServerUser& user, const std::string& log) {
    const pid_t pid = spawn(args, user, log, SIGKILL);
    if (pid <= 0) return false;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

// Runs one statement on `dsn`; an empty string on success, else the error.
inline std::string execute(const std::string& dsn, const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn.c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
        error = PQerrorMessage(conn);
    } else {
        PGresult* r = PQexec(conn, sql.c_str());
        const auto status = PQresultStatus(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = PQresultErrorMessage(r);
        PQclear(r);
    }
    PQfinish(conn);
    return error;
}

// The first column of the first row of `sql`, or nullopt on error.
inline std::optional<std::string> query_value(const std::string& dsn, const std::string& sql) {
    PGconn* conn = PQconnectdb(dsn.c_str());
    std::optional<std::string> value;
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult* r = PQexec(conn, sql.c_str());
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) value = PQgetvalue(r, 0, 0);
        PQclear(r);
    }
    PQfinish(conn);
    return value;
}

}  // namespace postgres_detail

// The folder with initdb and postgres, or empty.
inline std::string postgres_bin_dir() {
    namespace fs = std::filesystem;
    if (const char* env = std::getenv("GW_POSTGRES_BIN"); env != nullptr && *env != '\0') {
        return postgres_detail::executable(fs::path(env) / "initdb") ? std::string(env) : std::string();
    }
    std::error_code ec;
    fs::path best;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const fs::path bin = entry.path() / "bin";
        if (!postgres_detail::executable(bin / "initdb") || !postgres_detail::executable(bin / "postgres")) continue;
        if (best.empty() || postgres_detail::version_of(entry.path()) > postgres_detail::version_of(best.parent_path())) {
            best = bin;
        }
    }
    return best.string();
}

// An existing server's superuser DSN: $GW_TEST_POSTGRES_DSN, or the content of $GW_TEST_POSTGRES_DSN_FILE (the
// ctest fixture, tests/support/postgres_fixture.sh, writes it); empty when neither is set or the file is missing.
inline std::string external_test_dsn() {
    if (const char* dsn = std::getenv("GW_TEST_POSTGRES_DSN"); dsn != nullptr && *dsn != '\0') return dsn;
    if (const char* file = std::getenv("GW_TEST_POSTGRES_DSN_FILE"); file != nullptr && *file != '\0') {
        std::string dsn = postgres_detail::read_file(file);
        while (!dsn.empty() && (dsn.back() == '\n' || dsn.back() == ' ')) dsn.pop_back();
        return dsn;
    }
    return {};
}

// Why this machine cannot start a PostgreSQL server of its own (PostgresServer::start), or empty when it can.
inline std::string postgres_server_unavailable_reason() {
    if (postgres_bin_dir().empty()) {
        return "PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/*/bin: install the "
               "`postgresql` package (scripts/deps), set GW_POSTGRES_BIN, or set GW_TEST_POSTGRES_DSN";
    }
    if (!postgres_detail::server_user()) return "running as root and there is no `postgres` or `nobody` user";
    return {};
}

// Why tests on the shared server (shared_postgres_server) cannot run here, or empty: the reason for GTEST_SKIP.
inline std::string postgres_unavailable_reason() {
    return external_test_dsn().empty() ? postgres_server_unavailable_reason() : std::string();
}

struct PostgresServerOptions {
    bool durable = false;  // fsync on (benchmarks); tests leave it off
    int port = 0;          // 0: a free port
};

class PostgresServer {
  public:
    // Starts a server; nullptr with `error` set when it could not (the log says why).
    static std::unique_ptr<PostgresServer> start(PostgresServerOptions options = {}, std::string* error = nullptr) {
        auto fail = [&](std::string why) -> std::unique_ptr<PostgresServer> {
            if (error != nullptr) *error = std::move(why);
            return nullptr;
        };
        if (auto why = postgres_server_unavailable_reason(); !why.empty()) return fail(why);
        std::unique_ptr<PostgresServer> server(new PostgresServer());
        server->options_ = options;
        server->bin_ = postgres_bin_dir();
        server->user_ = *postgres_detail::server_user();
        if (auto made = server->make_data_dir(); !made.empty()) return fail(made);
        for (int attempt = 0; attempt < 3; ++attempt) {
            server->port_ = options.port != 0 ? options.port : postgres_detail::free_port();
            if (server->launch()) return server;
            if (options.port != 0) break;  // a fixed port that is taken will not free itself
        }
        return fail("PostgreSQL did not start; its log:\n" + server->log());
    }

    ~PostgresServer() {
        if (::getpid() != owner_pid_) return;  // a forked child must not stop its parent's server
        stop();
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    int port() const { return port_; }
    bool running() const { return pid_ > 0 || !external_dsn_.empty(); }

    // A DSN for `dbname` on this server, as its superuser.
    std::string dsn(const std::string& dbname = "postgres") const {
        if (!external_dsn_.empty()) return external_dsn_ + " dbname=" + dbname;
        return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres connect_timeout=5 dbname=" + dbname;
    }

    // A new empty UTF8 database; returns its DSN (empty on failure, with `error` set).
    std::string create_database(std::string* error = nullptr) {
        static std::atomic<int> counter{0};
        const std::string name = "gw_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
        const std::string failed = postgres_detail::execute(
            dsn(), "CREATE DATABASE " + name + " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
        if (!failed.empty()) {
            if (error != nullptr) *error = failed;
            return {};
        }
        return dsn(name);
    }

    // Immediate shutdown: no shutdown checkpoint (the data is thrown away, or recovered by restart() like after a
    // crash), which takes a second or two off every test process. True when the server is down.
    bool stop() {
        if (pid_ <= 0) return true;
        ::kill(pid_, SIGQUIT);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pid_ = -1;
        return true;
    }

    // An existing server (GW_TEST_POSTGRES_DSN) standing in for one of our own: databases only, no stop/restart.
    static std::unique_ptr<PostgresServer> external(std::string dsn) {
        std::unique_ptr<PostgresServer> server(new PostgresServer());
        server->external_dsn_ = std::move(dsn);
        return server;
    }

    // Starts the server again on the same port and data directory.
    bool restart() {
        if (!external_dsn_.empty()) return true;
        stop();
        return launch();
    }

    // Every backend connected to `dbname` except our own query's: the server closes them (as if the network or the
    // database had dropped them). Returns how many.
    int terminate_connections(const std::string& dbname) {
        auto n = postgres_detail::query_value(
            dsn(), "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" + dbname +
                       "' AND pid <> pg_backend_pid()");
        return n ? std::stoi(*n) : -1;
    }

    std::string log() const { return postgres_detail::read_file(dir_ + "/server.log"); }

  private:
    PostgresServer() = default;

    // A copy of the cached initdb template (made on first use), owned by the server user.
    std::string make_data_dir() {
        namespace fs = std::filesystem;
        std::string pattern = (fs::temp_directory_path() / "gw-postgres-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) return "mkdtemp failed";
        dir_ = pattern;
        if (user_.switch_user && ::chown(dir_.c_str(), user_.uid, user_.gid) != 0) return "chown of " + dir_ + " failed";
        const std::string template_dir = ensure_template();
        if (template_dir.empty()) return "initdb failed; its log:\n" + postgres_detail::read_file(dir_ + "/initdb.log");
        if (!postgres_detail::run({"/bin/cp", "-a", template_dir, dir_ + "/data"}, user_, dir_ + "/initdb.log")) {
            return "copying the initdb template failed: " + postgres_detail::read_file(dir_ + "/initdb.log");
        }
        return {};
    }

    // initdb once per machine, PostgreSQL version and server user; concurrent test processes race safely (each
    // builds its own and renames it into place; the loser's copy is removed).
    std::string ensure_template() {
        namespace fs = std::filesystem;
        const std::string version = fs::path(bin_).parent_path().filename().string();
        const fs::path cache = fs::temp_directory_path() /
                               ("gw-postgres-template-" + version + "-w1-uid" + std::to_string(user_.uid));
        if (fs::exists(cache / "PG_VERSION")) return cache.string();
        const std::string building = dir_ + "/template";
        // 1 MB WAL segments instead of 16: the copy each server starts from is 24 MB instead of 40.
        if (!postgres_detail::run({bin_ + "/initdb", "-D", building, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                   "--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1"},
                                  user_, dir_ + "/initdb.log")) {
            return {};
        }
        std::error_code ec;
        fs::rename(building, cache, ec);
        if (ec) fs::remove_all(building, ec);  // another process won the race; its template is as good
        return fs::exists(cache / "PG_VERSION") ? cache.string() : std::string();
    }

    bool launch() {
        std::vector<std::string> args{bin_ + "/postgres",
                                      "-D",
                                      dir_ + "/data",
                                      "-p",
                                      std::to_string(port_),
                                      "-k",
                                      dir_,
                                      "-c",
                                      "listen_addresses=127.0.0.1",
                                      "-c",
                                      "max_connections=100",
                                      "-c",
                                      "shared_buffers=16MB",
                                      "-c",
                                      "logging_collector=off",
                                      "-c",
                                      "log_min_messages=warning"};
        if (!options_.durable) {
            for (const char* s : {"fsync=off", "full_page_writes=off"}) {
                args.push_back("-c");
                args.push_back(s);
            }
        }
        // SIGQUIT: PostgreSQL's immediate shutdown, for when this process dies without stopping the server.
        pid_ = postgres_detail::spawn(args, user_, dir_ + "/server.log", SIGQUIT);
        if (pid_ <= 0) return false;
        const std::string conninfo = dsn();
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (std::chrono::steady_clock::now() < deadline) {
            if (PQping(conninfo.c_str()) == PQPING_OK) return true;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stop();
        return false;
    }

    PostgresServerOptions options_;
    std::string bin_;
    postgres_detail::ServerUser user_;
    std::string dir_;
    std::string external_dsn_;
    int port_ = 0;
    pid_t pid_ = -1;
    pid_t owner_pid_ = ::getpid();
};

// One server per test process, started on first use and stopped at exit; nullptr with `error` set when it cannot
// start. Call it from the main thread (the server's parent-death signal follows the thread that started it).
inline PostgresServer* shared_postgres_server(std::string* error = nullptr) {
    static std::string start_error;
    static std::unique_ptr<PostgresServer> server = external_test_dsn().empty()
                                                        ? PostgresServer::start({}, &start_error)
                                                        : PostgresServer::external(external_test_dsn());
    if (!server && error != nullptr) *error = start_error;
    return server.get();
}

}  // namespace gw::testing
