// Two `gateway serve` processes share one PostgreSQL database (a throwaway server this test starts). Care-system
// senders load both over MLLP; one gateway is `kill -9`ed mid-run. A sender whose gateway died sends its unanswered
// message again to the survivor, the way a care system behind a load balancer retries. Then:
//  - every order whose accept ACK a sender received reached the grocer (the sandbox) exactly once;
//  - nothing is half applied: every stored message became exactly one order with exactly one finished delivery;
//  - the dead instance's in-flight deliveries were taken over by the survivor once their leases expired, and the
//    messages it had acknowledged but not yet turned into orders were picked up by the survivor's sweep.
// Nothing is restarted: the survivor alone finishes the dead instance's work.

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
#include <libpq-fe.h>

#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/mllp/client.hpp"
#include "tests/support/exactly_once.hpp"
#include "tests/support/gateway_process.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

long long count(const std::string& dsn, const std::string& sql) {
    auto v = gw::testing::postgres_detail::query_value(dsn, sql);
    return v ? std::stoll(*v) : -1;
}

class MultiInstanceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (auto why = gw::testing::postgres_server_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
        std::string error;
        postgres_ = gw::testing::PostgresServer::start({}, &error);
        ASSERT_TRUE(postgres_) << error;
        dsn_ = postgres_->create_database(&error);
        ASSERT_FALSE(dsn_.empty()) << error;

        dir_ = gw::testing::temp_dir();
        sandbox_ = std::make_unique<gw::testing::SandboxProcess>(R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 12
  threads: 2
vendors:
  peppol-ap:
    response_delay: 5ms
)");
        ASSERT_TRUE(sandbox_->running());
        // The DSN is a secret: a file, as in production.
        std::ofstream(dir_ + "/dsn") << dsn_;
        const std::string root = fs::current_path().string();
        for (const char* instance : {"gw-a", "gw-b"}) {
            std::ofstream(dir_ + "/" + instance + ".yaml") << fmt::format(
                R"(gateway: {{instance_id: {instance}, threads: 2, shutdown_grace: 5s}}
logging: {{level: info}}
http: {{host: 127.0.0.1, port: 0}}
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
    mapping: {root}/mappings/inbound/oms-o05.yaml
store: {{kind: postgres, dsn_file: {dir}/dsn}}
vendors:
  peppol-bis:
    folder: {root}/mappings/vendors/peppol-bis
    base_url: {sandbox}/peppol-ap
    params: {{seller_org_number: "937270062", seller_name: Sandbox Grocer AS, currency: NOK}}
    secrets: {{callback_token: peppol-callback}}
    delivery: {{concurrency: 8, backoff_initial: 50ms, backoff_max: 500ms, operation_timeout: 2s, lease: 3s}}
routes:
  - municipality: "*"
    contracts:
      - {{vendor: peppol-bis, from: "2020-01-01"}}
)",
                fmt::arg("instance", instance), fmt::arg("root", root), fmt::arg("dir", dir_),
                fmt::arg("sandbox", sandbox_->base_url()));
        }
        sample_ = read_text(root + "/mappings/inbound/samples/oms-o05-one-line.hl7");
        ASSERT_FALSE(sample_.empty());
        httpclient::ClientOptions o;
        o.max_body_bytes = 256 * 1024 * 1024;
        auto http = httpclient::BlockingHttpClient::create(o);
        ASSERT_TRUE(http);
        http_ = std::move(http).value();
    }

    void TearDown() override {
        a_.reset();
        b_.reset();
        sandbox_.reset();
        postgres_.reset();
        std::error_code ec;
        if (!dir_.empty()) fs::remove_all(dir_, ec);
    }

    std::unique_ptr<gw::testing::GatewayProcess> start(const std::string& instance) {
        auto g = std::make_unique<gw::testing::GatewayProcess>(dir_ + "/" + instance + ".yaml",
                                                               dir_ + "/" + instance + ".log");
        EXPECT_TRUE(g->start()) << g->log();
        return g;
    }

    // The sandbox's accepted orders: external reference -> how many times.
    std::map<std::string, int> grocer_orders() {
        return gw::testing::grocer_orders(*http_, sandbox_->url("/_sandbox/orders"));
    }

    std::unique_ptr<gw::testing::PostgresServer> postgres_;
    std::string dsn_, dir_, sample_;
    std::unique_ptr<gw::testing::SandboxProcess> sandbox_;
    std::unique_ptr<gw::testing::GatewayProcess> a_, b_;
    std::unique_ptr<httpclient::BlockingHttpClient> http_;
};

TEST_F(MultiInstanceTest, EveryAcknowledgedOrderIsDeliveredExactlyOnceWhenOneOfTwoInstancesIsKilled) {
    a_ = start("gw-a");
    b_ = start("gw-b");
    ASSERT_TRUE(a_->running() && b_->running());
    const int port_a = a_->mllp_port("care-system");
    const int port_b = b_->mllp_port("care-system");

    std::mutex mutex;
    std::set<std::string> acked;  // placer order numbers
    std::atomic<long long> sent{0}, resent{0};
    std::atomic<bool> stop{false};
    // Eight senders, four per instance. A sender whose gateway dies sends the same message (same control id) to
    // the survivor and stays there.
    auto sender = [&](int id, int first_port) {
        int port = first_port;
        mllp::ClientOptions o;
        o.io_timeout = 5s;
        o.port = static_cast<std::uint16_t>(port);
        auto client = std::make_unique<mllp::MllpClient>(o);
        if (!client->connect()) return;
        for (int i = 0; !stop.load() && i < 100'000; ++i) {
            const auto key = fmt::format("S{}N{}", id, i);
            const auto message = gw::testing::unique_order_message(sample_, "CTRL-" + key, "BK-" + key);
            ++sent;
            auto ack = client->exchange(message);
            if (!ack && port != port_b) {
                port = port_b;
                o.port = static_cast<std::uint16_t>(port_b);
                client = std::make_unique<mllp::MllpClient>(o);
                if (!client->connect()) return;
                ++resent;
                ack = client->exchange(message);
            }
            if (!ack) return;
            if (gw::testing::accept_ack(*ack)) {
                std::lock_guard lock(mutex);
                acked.insert("BK-" + key);
            }
            // About 50 orders/s per sender, 400/s in all: a busy morning many times over, and little enough that
            // the grocer sandbox takes them all within the test's time on a 2-core CI machine.
            std::this_thread::sleep_for(20ms);
        }
    };
    std::vector<std::thread> senders;
    for (int s = 0; s < 8; ++s) senders.emplace_back(sender, s, s % 2 == 0 ? port_a : port_b);

    std::mt19937 random(std::random_device{}());
    const auto kill_after = std::chrono::milliseconds(std::uniform_int_distribution<int>(600, 1500)(random));
    SCOPED_TRACE(fmt::format("gw-a killed after {} ms", kill_after.count()));
    std::this_thread::sleep_for(kill_after);
    const long long acked_before_kill = [&] {
        std::lock_guard lock(mutex);
        return static_cast<long long>(acked.size());
    }();
    a_->kill();
    const long long in_flight_at_kill = count(dsn_, "select count(*) from outbox where state = 'in_flight'");
    std::this_thread::sleep_for(1500ms);  // load on the survivor alone
    stop = true;
    for (auto& t : senders) t.join();
    ASSERT_GT(acked_before_kill, 20) << "the load did not get going: " << b_->log();

    // The survivor finishes everything: leases of the dead instance expire (3 s), its acknowledged messages that
    // never became orders are swept up. Bounded wait.
    const auto until = std::chrono::steady_clock::now() + 120s;
    long long open = -1, unprocessed = -1;
    while (std::chrono::steady_clock::now() < until) {
        open = count(dsn_, "select count(*) from outbox where state in ('pending', 'in_flight')");
        unprocessed = count(dsn_, "select count(*) from inbound_message where state = 'received'");
        if (open == 0 && unprocessed == 0) break;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(unprocessed, 0) << "messages still waiting to become orders after 120 s";
    ASSERT_EQ(open, 0) << "deliveries still open after 120 s; survivor's log:\n" << b_->log().substr(0, 20000);

    const auto orders = grocer_orders();
    gw::testing::expect_exactly_once(orders, acked, [this](const std::string& sql) { return count(dsn_, sql); });
    const long long messages = count(dsn_, "select count(*) from inbound_message");
    // Claimed twice: deliveries the dead instance had leased, finished by the survivor.
    const long long taken_over = count(dsn_, "select count(*) from outbox where attempts > 1");
    // Messages the dead instance acknowledged but never turned into orders, picked up by the survivor's sweep.
    long long swept = 0;
    const std::string survivor_log = b_->log();
    for (auto at = survivor_log.find("\"pipeline.swept\""); at != std::string::npos;
         at = survivor_log.find("\"pipeline.swept\"", at + 1)) {
        const auto field = survivor_log.find("\"messages\":\"", at);
        if (field != std::string::npos) swept += std::atoll(survivor_log.c_str() + field + 12);
    }
    EXPECT_EQ(b_->stop(), 0);
    std::cout << fmt::format(
        "[ multi ] {} sent ({} resent to the survivor), {} acknowledged ({} before the kill), {} stored, {} at the "
        "grocer; {} deliveries in flight at the kill, {} claimed again after their lease expired, {} messages "
        "swept up by the survivor\n",
        sent.load(), resent.load(), acked.size(), acked_before_kill, messages, orders.size(), in_flight_at_kill,
        taken_over, swept);
}

// The database is down when the gateway starts: the gateway still comes up, /readyz says why it is not ready, an
// order gets a negative ACK (the sender retries), and once PostgreSQL is up the gateway migrates, becomes ready and
// takes and delivers orders — without a restart.
TEST_F(MultiInstanceTest, DatabaseUnreachableAtStartIsWaitedForWithReadinessFalseAndNegativeAcks) {
    ASSERT_TRUE(postgres_->stop());
    a_ = std::make_unique<gw::testing::GatewayProcess>(dir_ + "/gw-a.yaml", dir_ + "/gw-a.log");
    ASSERT_TRUE(a_->start()) << "the gateway must start without its database: " << a_->log();
    auto readyz = [&] {
        return http_->request(
            httpclient::HttpRequest::get("http://127.0.0.1:" + std::to_string(a_->http_port()) + "/readyz"));
    };
    auto not_ready = readyz();
    ASSERT_TRUE(not_ready);
    EXPECT_EQ(not_ready->status, 503);
    EXPECT_NE(not_ready->body.find("not connected to PostgreSQL"), std::string::npos) << not_ready->body;

    mllp::ClientOptions o;
    o.io_timeout = 10s;
    o.port = static_cast<std::uint16_t>(a_->mllp_port("care-system"));
    mllp::MllpClient client(o);
    ASSERT_TRUE(client.connect());
    const auto message = gw::testing::unique_order_message(sample_, "CTRL-EARLY", "BK-EARLY");
    auto refused = client.exchange(message);
    ASSERT_TRUE(refused);
    EXPECT_FALSE(gw::testing::accept_ack(*refused)) << *refused;  // not acknowledged: nothing was stored

    ASSERT_TRUE(postgres_->restart()) << postgres_->log();
    const auto until = std::chrono::steady_clock::now() + 60s;
    bool ready = false;
    while (!ready && std::chrono::steady_clock::now() < until) {
        auto r = readyz();
        ready = r && r->status == 200;
        if (!ready) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(ready) << a_->log();
    auto retried = client.exchange(message);  // the care system's retry
    ASSERT_TRUE(retried);
    EXPECT_TRUE(gw::testing::accept_ack(*retried)) << *retried;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && !grocer_orders().contains("BK-EARLY")) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(grocer_orders()["BK-EARLY"], 1);
    EXPECT_EQ(count(dsn_, "select count(*) from inbound_message"), 1);
    EXPECT_EQ(a_->stop(), 0);
}

}  // namespace
}  // namespace gw
