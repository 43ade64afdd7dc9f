// The promise behind every ACK, tested the hard way: real `gateway serve` processes take orders over MLLP from
// several connections at once and are `kill -9`ed at random moments, then restarted on the same SQLite store. In
// the end every order whose accept ACK the sender received has reached the grocer (the sandbox, PEPPOL access point
// style) exactly once, by its external reference, and nothing that was not acknowledged is half applied: every
// stored message became exactly one order, and every order was delivered exactly once.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/mllp/client.hpp"
#include "tests/support/exactly_once.hpp"
#include "tests/support/gateway_process.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

long long count(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    long long n = -1;
    if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

class CrashTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = testing::temp_dir();
        sandbox_ = std::make_unique<testing::SandboxProcess>(R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 11
  threads: 2
vendors:
  peppol-ap:
    response_delay: 10ms
)");
        ASSERT_TRUE(sandbox_->running());
        const std::string root = fs::current_path().string();
        db_ = dir_ + "/gw.db";
        config_ = dir_ + "/gateway.yaml";
        std::ofstream(config_) << fmt::format(R"(gateway: {{instance_id: crash-1, threads: 2, shutdown_grace: 5s}}
logging: {{level: warn}}
http: {{host: 127.0.0.1, port: 0}}
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
    mapping: {root}/mappings/inbound/oms-o05.yaml
store: {{kind: sqlite, path: {db}}}
vendors:
  peppol-bis:
    folder: {root}/mappings/vendors/peppol-bis
    base_url: {sandbox}/peppol-ap
    secrets: {{callback_token: crash-test-token}}
    params: {{seller_org_number: "937270062", seller_name: Sandbox Grocer AS, currency: NOK}}
    delivery: {{concurrency: 8, backoff_initial: 50ms, backoff_max: 500ms, lease: 60s, operation_timeout: 20s}}
routes:
  - municipality: "*"
    contracts:
      - {{vendor: peppol-bis, from: "2020-01-01"}}
)",
                                              fmt::arg("root", root), fmt::arg("db", db_),
                                              fmt::arg("sandbox", sandbox_->base_url()));
        sample_ = read_text(root + "/mappings/inbound/samples/oms-o05-one-line.hl7");
        ASSERT_FALSE(sample_.empty());
        httpclient::ClientOptions o;
        o.max_body_bytes = 256 * 1024 * 1024;
        auto http = httpclient::BlockingHttpClient::create(o);
        ASSERT_TRUE(http);
        http_ = std::move(http).value();
    }

    void TearDown() override {
        gateway_.reset();
        sandbox_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void start_gateway() {
        gateway_ = std::make_unique<testing::GatewayProcess>(config_, dir_ + "/gateway.log");
        ASSERT_TRUE(gateway_->start()) << gateway_->log();
    }

    // Senders on `connections` connections send numbered orders until the gateway stops answering; every accept
    // ACK is recorded by placer order number.
    void send_until_killed(int round, int connections, std::chrono::milliseconds kill_after) {
        std::atomic<bool> stop{false};
        std::vector<std::thread> senders;
        for (int c = 0; c < connections; ++c) {
            senders.emplace_back([&, c] {
                mllp::ClientOptions o;
                o.port = static_cast<std::uint16_t>(gateway_->mllp_port("care-system"));
                o.io_timeout = 5s;
                mllp::MllpClient client(o);
                if (!client.connect()) return;
                for (int i = 0; !stop.load() && i < 5000; ++i) {
                    const auto id = fmt::format("R{}C{}N{}", round, c, i);
                    const auto placer = "BK-" + id;
                    auto ack = client.exchange(testing::unique_order_message(sample_, "CTRL-" + id, placer));
                    if (!ack) return;  // killed: this message may or may not be stored, but it was not ACKed
                    std::lock_guard lock(mutex_);
                    ++sent_;
                    if (testing::accept_ack(*ack)) acked_.insert(placer);
                }
            });
        }
        std::this_thread::sleep_for(kill_after);
        gateway_->kill();
        stop = true;
        for (auto& t : senders) t.join();
    }

    std::string dir_, db_, config_, sample_;
    std::unique_ptr<testing::SandboxProcess> sandbox_;
    std::unique_ptr<testing::GatewayProcess> gateway_;
    std::unique_ptr<httpclient::BlockingHttpClient> http_;
    std::mutex mutex_;
    std::set<std::string> acked_;
    long long sent_ = 0;
};

TEST_F(CrashTest, EveryAcknowledgedOrderReachesTheGrocerExactlyOnceAcrossKillNine) {
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> kill_ms(150, 1200);
    constexpr int kRounds = 3;
    for (int round = 0; round < kRounds; ++round) {
        start_gateway();
        const auto after = std::chrono::milliseconds(kill_ms(random));
        send_until_killed(round, 6, after);
        SCOPED_TRACE(fmt::format("round {} killed after {} ms", round, after.count()));
    }
    // A last, clean start: it recovers what was stored but not yet an order, releases its own leases and delivers.
    start_gateway();
    ASSERT_GT(acked_.size(), 50u) << "the load did not get going: " << gateway_->log();

    // Everything stored ends up delivered: wait until no delivery is pending (bounded).
    const auto until = std::chrono::steady_clock::now() + 60s;
    long long open = -1;
    while (std::chrono::steady_clock::now() < until) {
        open = count(db_, "select count(*) from outbox where state in ('pending','in_flight')");
        const long long unprocessed = count(db_, "select count(*) from inbound_message where state = 'received'");
        if (open == 0 && unprocessed == 0) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(open, 0) << "deliveries still open after 60 s";

    const auto orders = testing::grocer_orders(*http_, sandbox_->url("/_sandbox/orders"));
    testing::expect_exactly_once(orders, acked_, [this](const std::string& sql) { return count(db_, sql); });
    const long long messages = count(db_, "select count(*) from inbound_message");
    EXPECT_EQ(gateway_->stop(), 0);
    std::cout << fmt::format("[ crash ] {} sent, {} acknowledged, {} stored, {} at the grocer\n", sent_,
                             acked_.size(), messages, orders.size());
}

}  // namespace
}  // namespace gw
