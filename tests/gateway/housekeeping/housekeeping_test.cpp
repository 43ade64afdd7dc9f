// Housekeeping against a real SQLite store: retention removes the personal data of settled orders once they are old
// enough (and only then), the scheduled thread runs both jobs by itself and stops promptly, and maintenance moves
// the WAL into the database file.
#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "gateway/housekeeping/housekeeping.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace gw::housekeeping {
namespace {

using namespace std::chrono_literals;

class HousekeepingTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gw-housekeeping-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        store::SqliteStoreOptions o;
        o.path = (dir_ / "gw.db").string();
        o.clock = [this] { return store::TimePoint(std::chrono::milliseconds(now_ms_.load())); };
        auto s = store::SqliteStore::open(o);
        ASSERT_TRUE(s) << s.error().to_string();
        store_ = std::move(s).value();
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    void make_order(const std::string& id, const std::string& state) {
        ingest::InboundMessage m;
        m.channel = "mllp";
        m.sender = "CARE^BAERUM";
        m.control_id = "MSG-" + id;
        m.message_type = "OMS^O05";
        m.raw = "MSH|^~\\&|CARE|BAERUM|GW|GW|20240501120000||OMS^O05|MSG-" + id + "|P|2.5\rPID|||R-1||Nordmann^Kari";
        m.ack = "MSA|AA|MSG-" + id;
        auto appended = store_->append_messages(std::vector{m});
        ASSERT_TRUE(appended);
        store::NewOrder o;
        o.id = id;
        o.message_id = appended->at(0).message_id;
        o.canonical_json = R"({"gateway_id":")" + id + R"(","recipient":{"reference":"R-1","name":{"family":"Nordmann"}},)"
                           R"("delivery":{"date":"2024-05-02","instructions":"ring twice"},"lines":[]})";
        o.municipality = "3201";
        o.vendor = "oda";
        store::NewOutboxItem d;
        d.destination = "vendor:oda";
        d.payload = "{}";
        d.idempotency_key = id;
        ASSERT_TRUE(store_->create_order(o, d));
        store::NewOrderEvent e;
        e.order_id = id;
        e.vendor = "oda";
        e.state = state;
        e.json = "{}";
        ASSERT_TRUE(store_->append_order_event(e, std::nullopt));
    }

    std::filesystem::path dir_;
    std::atomic<std::int64_t> now_ms_{1'700'000'000'000};
    std::unique_ptr<store::SqliteStore> store_;
};

TEST_F(HousekeepingTest, RetentionPurgesOnlySettledOrdersOlderThanTheLimit) {
    make_order("GW-OLD-DELIVERED", "delivered");
    make_order("GW-OLD-PICKING", "picking");
    HousekeepingOptions o;
    o.personal_data_after = std::chrono::days(30);
    Housekeeping hk(*store_, o);

    now_ms_ += std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days(29)).count();
    auto early = hk.run_retention();
    ASSERT_TRUE(early) << early.error().to_string();
    EXPECT_EQ(early->orders, 0);

    now_ms_ += std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days(2)).count();
    auto due = hk.run_retention();
    ASSERT_TRUE(due) << due.error().to_string();
    EXPECT_EQ(due->orders, 1);
    auto purged = store_->get_order("GW-OLD-DELIVERED");
    ASSERT_TRUE(purged);
    EXPECT_TRUE(purged->purged);
    EXPECT_EQ(purged->canonical_json.find("Nordmann"), std::string::npos) << purged->canonical_json;
    EXPECT_EQ(purged->state, "delivered");  // the metadata stays for statistics
    auto kept = store_->get_order("GW-OLD-PICKING");
    ASSERT_TRUE(kept);
    EXPECT_FALSE(kept->purged);
    EXPECT_NE(kept->canonical_json.find("Nordmann"), std::string::npos);
    EXPECT_EQ(hk.stats().orders_purged, 1u);
    EXPECT_EQ(hk.stats().retention_runs, 2u);
}

TEST_F(HousekeepingTest, TheThreadRunsBothJobsOnItsOwnAndStopsPromptly) {
    make_order("GW-1", "delivered");
    now_ms_ += std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days(40)).count();
    HousekeepingOptions o;
    o.retention_every = 20ms;
    o.maintain_every = 20ms;
    std::atomic<int> asked{0};
    o.may_run = [&](std::string_view job) {
        EXPECT_EQ(job, "retention");
        ++asked;
        return true;
    };
    Housekeeping hk(*store_, o);
    hk.start();
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until &&
           (hk.stats().orders_purged < 1 || hk.stats().maintain_runs < 2)) {
        std::this_thread::sleep_for(5ms);
    }
    const auto stop_started = std::chrono::steady_clock::now();
    hk.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 2s);
    EXPECT_EQ(hk.stats().orders_purged, 1u);
    EXPECT_GE(hk.stats().maintain_runs, 2u);
    EXPECT_EQ(hk.stats().maintain_failures, 0u);
    EXPECT_GE(asked.load(), 1);
}

TEST_F(HousekeepingTest, AnInstanceWithoutTheLeadSkipsRetention) {
    make_order("GW-1", "delivered");
    now_ms_ += std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::days(40)).count();
    HousekeepingOptions o;
    o.retention_every = 10ms;
    o.maintain_every = 10ms;
    o.may_run = [](std::string_view) { return false; };
    Housekeeping hk(*store_, o);
    hk.start();
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < until && hk.stats().maintain_runs < 5) std::this_thread::sleep_for(5ms);
    hk.stop();
    EXPECT_GE(hk.stats().maintain_runs, 5u);
    EXPECT_EQ(hk.stats().retention_runs, 0u);
    auto order = store_->get_order("GW-1");
    ASSERT_TRUE(order);
    EXPECT_FALSE(order->purged);
}

TEST_F(HousekeepingTest, MaintenanceCheckpointsTheWalIntoTheDatabaseFile) {
    for (int i = 0; i < 200; ++i) make_order("GW-" + std::to_string(i), "accepted");
    const auto db = dir_ / "gw.db";
    const auto before = std::filesystem::file_size(db);
    Housekeeping hk(*store_, {});
    ASSERT_TRUE(hk.run_maintenance());
    EXPECT_GT(std::filesystem::file_size(db), before) << "the WAL's pages were not copied into the database";
}

}  // namespace
}  // namespace gw::housekeeping
