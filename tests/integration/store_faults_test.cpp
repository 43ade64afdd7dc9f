// When the store cannot keep a message, the gateway must not accept it: a real `gateway serve` whose SQLite store
// is locked by another process answers the care system with an application error ("retry later") and an ERR
// segment instead of an accept, stores nothing half-way, and takes the same message normally once the store is
// writable again. (A read-only database is covered one level down, in tests/gateway/store/group_commit_sink_test.)

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "gateway/mllp/client.hpp"
#include "tests/support/gateway_process.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kOrder =
    "MSH|^~\\&|GERICA|3201|GROCERY-GW|GW|20261111091500+0100||OMS^O05^OMS_O05|CTRL-LOCKED-1|P|2.5\r"
    "PID|1||PSN-4711^^^BAERUM^PI||Johansen^Ingrid\r"
    "ORC|NW|BK-LOCKED-1\r"
    "RQD|1|7038010009457^TINE Lettmelk 1 l^GTIN||2|EA\r";

std::string msa_code(std::string_view ack) {
    auto pos = ack.find("MSA|");
    return pos == std::string_view::npos ? std::string() : std::string(ack.substr(pos + 4, 2));
}

class SqliteConnection {
public:
    explicit SqliteConnection(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
    ~SqliteConnection() { sqlite3_close(db_); }
    bool exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
    long long count(const char* sql) {
        sqlite3_stmt* st = nullptr;
        long long n = -1;
        if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        return n;
    }

private:
    sqlite3* db_ = nullptr;
};

TEST(StoreFaults, ALockedStoreIsAnsweredWithRetryLaterAndNothingIsStoredUntilItIsFree) {
    const auto dir = testing::temp_dir();
    const auto db = dir + "/gw.db";
    const auto config = dir + "/gateway.yaml";
    std::ofstream(config) << fmt::format(R"(gateway: {{threads: 2, shutdown_grace: 5s}}
logging: {{level: warn}}
http: {{host: 127.0.0.1, port: 0}}
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
store: {{kind: sqlite, path: {}}}
)",
                                         db);
    testing::GatewayProcess gateway(config, dir + "/gateway.log");
    ASSERT_TRUE(gateway.start()) << gateway.log();

    mllp::ClientOptions o;
    o.port = static_cast<std::uint16_t>(gateway.mllp_port("care-system"));
    o.io_timeout = 20s;  // the store waits for its busy timeout before it gives up
    mllp::MllpClient client(o);
    ASSERT_TRUE(client.connect());

    // Another process holds the database's write lock (a backup tool, a stuck migration, an operator's sqlite3).
    SqliteConnection other(db);
    ASSERT_TRUE(other.exec("BEGIN IMMEDIATE"));
    auto refused = client.exchange(kOrder);
    ASSERT_TRUE(refused) << refused.error().to_string();
    EXPECT_EQ(msa_code(*refused), "AE") << *refused;
    EXPECT_NE(refused->find("ERR|"), std::string::npos) << *refused;
    EXPECT_NE(refused->find("retry later"), std::string::npos) << *refused;
    ASSERT_TRUE(other.exec("COMMIT"));
    EXPECT_EQ(other.count("select count(*) from inbound_message"), 0) << "a refused message must not be stored";

    // The care system retries the same message: now it is stored and accepted, once.
    auto accepted = client.exchange(kOrder);
    ASSERT_TRUE(accepted) << accepted.error().to_string();
    EXPECT_EQ(msa_code(*accepted), "AA") << *accepted;
    EXPECT_EQ(other.count("select count(*) from inbound_message where control_id = 'CTRL-LOCKED-1'"), 1);
    EXPECT_EQ(gateway.stop(), 0);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace gw
