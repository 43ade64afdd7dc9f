// The front door end to end, in-process: MLLP listener -> HL7 intake -> SQLite group commit -> ACK.
// Proves "commit before ACK": the moment a client holds an AA, its message is in the database file.
#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "gateway/app/gateway_app.hpp"
#include "gateway/mllp/client.hpp"

namespace gw {
namespace {

using namespace std::chrono_literals;

std::string order(std::string_view control_id, std::string_view version = "2.5") {
    return fmt::format(
        "MSH|^~\\&|GERICA|3201|GROCERY-GW|GW|20261111091500+0100||OMS^O05^OMS_O05|{}|P|{}\r"
        "PID|1||PSN-4711^^^BAERUM^PI||Johansen^Ingrid\r"
        "ORC|NW|BK-{}\r"
        "RQD|1|7038010009457^TINE Lettmelk 1 l^GTIN||2|EA\r",
        control_id, version, control_id);
}

std::string field(std::string_view ack, std::string_view segment, int index) {
    auto pos = ack.find(std::string(segment) + "|");
    if (pos == std::string_view::npos) return {};
    auto line = ack.substr(pos, ack.find('\r', pos) - pos);
    int i = 0;
    std::size_t start = 0;
    while (i < index) {
        start = line.find('|', start);
        if (start == std::string_view::npos) return {};
        ++start;
        ++i;
    }
    return std::string(line.substr(start, line.find('|', start) - start));
}

class Db {
public:
    explicit Db(const std::string& path) { sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr); }
    ~Db() { sqlite3_close(db_); }
    long long count(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        long long n = -1;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        return n;
    }

private:
    sqlite3* db_ = nullptr;
};

class MllpStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               fmt::format("gw-mllp-store-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        config::GatewayConfig cfg;
        cfg.http.enabled = false;
        config::MllpListenerSection listener;
        listener.name = "care-system";
        listener.host = "127.0.0.1";
        listener.port = 0;
        cfg.mllp.push_back(listener);
        cfg.store.path = (dir_ / "gw.db").string();
        cfg.gateway.shutdown_grace = 5s;
        auto app = app::GatewayApp::create(io_, cfg);
        ASSERT_TRUE(app) << app.error().to_string();
        app_ = std::move(app).value();
        ASSERT_TRUE(app_->start());
        work_.emplace(io_.get_executor());
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    }

    void TearDown() override {
        if (app_) {
            std::promise<void> stopped;
            app_->stop([&] { stopped.set_value(); });
            EXPECT_EQ(stopped.get_future().wait_for(10s), std::future_status::ready);
        }
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        app_.reset();
        std::filesystem::remove_all(dir_);
    }

    mllp::MllpClient client() {
        mllp::ClientOptions o;
        o.port = app_->mllp_port();
        o.io_timeout = 10s;
        mllp::MllpClient c(o);
        EXPECT_TRUE(c.connect());
        return c;
    }

    std::string db_path() const { return (dir_ / "gw.db").string(); }

    std::filesystem::path dir_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::thread> threads_;
    std::unique_ptr<app::GatewayApp> app_;
};

TEST_F(MllpStoreTest, EveryAcceptAckMeansTheMessageIsAlreadyStored) {
    auto c = client();
    Db db(db_path());
    for (int i = 0; i < 50; ++i) {
        const auto id = fmt::format("SEQ-{}", i);
        auto ack = c.exchange(order(id));
        ASSERT_TRUE(ack) << ack.error().to_string();
        ASSERT_EQ(field(*ack, "MSA", 1), "AA") << *ack;
        ASSERT_EQ(field(*ack, "MSA", 2), id);
        // Read through a separate connection: the row must be committed, not just queued.
        EXPECT_EQ(db.count(fmt::format("select count(*) from inbound_message where control_id='{}'", id)), 1) << id;
    }
}

TEST_F(MllpStoreTest, ConcurrentConnectionsAllStoredExactlyOnce) {
    constexpr int kConnections = 8, kPerConnection = 40;
    std::atomic<int> accepted{0};
    std::vector<std::thread> senders;
    for (int c = 0; c < kConnections; ++c) {
        senders.emplace_back([&, c] {
            auto cl = client();
            for (int i = 0; i < kPerConnection; ++i) {
                auto ack = cl.exchange(order(fmt::format("C{}-{}", c, i)));
                if (ack && field(*ack, "MSA", 1) == "AA") ++accepted;
            }
        });
    }
    for (auto& t : senders) t.join();
    EXPECT_EQ(accepted.load(), kConnections * kPerConnection);
    Db db(db_path());
    EXPECT_EQ(db.count("select count(*) from inbound_message"), kConnections * kPerConnection);
    EXPECT_EQ(db.count("select count(distinct control_id) from inbound_message"), kConnections * kPerConnection);
}

TEST_F(MllpStoreTest, ConcurrentDuplicatesOnTwoConnectionsGiveOneRowAndTheSameAck) {
    for (int round = 0; round < 10; ++round) {
        const auto id = fmt::format("DUP-{}", round);
        auto a = client();
        auto b = client();
        auto fa = std::async(std::launch::async, [&] { return a.exchange(order(id)); });
        auto fb = std::async(std::launch::async, [&] { return b.exchange(order(id)); });
        auto ra = fa.get();
        auto rb = fb.get();
        ASSERT_TRUE(ra && rb);
        EXPECT_EQ(field(*ra, "MSA", 1), "AA");
        EXPECT_EQ(*ra, *rb) << "a duplicate must get the original acknowledgement";
    }
    Db db(db_path());
    EXPECT_EQ(db.count("select count(*) from inbound_message where control_id like 'DUP-%'"), 10);
}

TEST_F(MllpStoreTest, RejectedMessagesGetArAndAreStoredWithTheirError) {
    auto c = client();
    auto nak = c.exchange(order("BAD-VERSION", "2.999"));
    ASSERT_TRUE(nak);
    EXPECT_EQ(field(*nak, "MSA", 1), "AR") << *nak;
    EXPECT_EQ(field(*nak, "ERR", 3).substr(0, 3), "203") << *nak;
    auto garbage = c.exchange("this is not HL7");
    ASSERT_TRUE(garbage);
    EXPECT_EQ(field(*garbage, "MSA", 1), "AR") << *garbage;
    Db db(db_path());
    EXPECT_EQ(db.count("select count(*) from inbound_message where control_id='BAD-VERSION' and error_text is not null"),
              1);
    EXPECT_EQ(db.count("select count(*) from inbound_message where cast(raw as text) like '%not HL7%'"), 1)
        << "garbage is stored too, so it can be inspected";
    // A corrected resend with the same control id goes through: a rejection does not claim the id.
    auto fixed = c.exchange(order("BAD-VERSION"));
    ASSERT_TRUE(fixed);
    EXPECT_EQ(field(*fixed, "MSA", 1), "AA") << *fixed;
}

TEST_F(MllpStoreTest, MessagesSurviveARestartOnTheSameStore) {
    {
        auto c = client();
        for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.exchange(order(fmt::format("R-{}", i))));
    }
    std::promise<void> stopped;
    app_->stop([&] { stopped.set_value(); });
    ASSERT_EQ(stopped.get_future().wait_for(10s), std::future_status::ready);
    app_.reset();
    Db db(db_path());
    EXPECT_EQ(db.count("select count(*) from inbound_message where control_id like 'R-%'"), 20);
}

}  // namespace
}  // namespace gw
