// What only the PostgreSQL store has to get right: several instances on one database (disjoint claims, a duplicate
// sent to two instances at once, leadership for singleton jobs), migrations under concurrency and against a newer
// schema, and the database going away — unreachable at start, a connection lost in the middle of a transaction, a
// read-only database, a restart. Everything both backends share is in the parameterised suite.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "gateway/store/group_commit_sink.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/postgres_db.hpp"
#include "store_test_util.hpp"

namespace gw::store {
namespace {

using namespace std::chrono_literals;
using ingest::SinkStatus;
using testing::Completions;
using testing::count_messages;
using testing::GatedWriter;
using testing::hl7_message;
using testing::ManualClock;
using gw::testing::PostgresServer;
using gw::testing::postgres_detail::execute;
using gw::testing::postgres_detail::query_value;

// Polls `condition` until it holds or the deadline passes; never a fixed sleep as synchronisation.
template <class F>
bool eventually(F condition, std::chrono::milliseconds limit = 30s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (condition()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return condition();
}

class PostgresStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        GW_SKIP_UNLESS_BACKEND(testing::Backend::postgres);
        store_ = db_.open(clock_.clock());
        ASSERT_TRUE(store_);
    }

    std::unique_ptr<PostgresStore> open_another(Clock clock = system_clock()) {
        PostgresStoreOptions options;
        options.dsn = db_.location();
        options.clock = std::move(clock);
        auto opened = PostgresStore::open(std::move(options));
        EXPECT_TRUE(opened) << opened.error().to_string();
        return opened ? std::move(opened).value() : nullptr;
    }

    std::string admin_dsn() const { return gw::testing::shared_postgres_server()->dsn(); }

    // Backends of this test's database, other than the admin connection asking.
    int connections() const {
        auto n = query_value(admin_dsn(), "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '" +
                                              db_.database_name() + "' AND pid <> pg_backend_pid()");
        return n ? std::stoi(*n) : -1;
    }

    testing::TestDatabase db_{testing::Backend::postgres};
    ManualClock clock_;
    std::unique_ptr<Store> store_;
    Completions done_;
};

TEST_F(PostgresStoreTest, MigratesOnceEvenWhenInstancesStartTogether) {
    auto* pg = dynamic_cast<PostgresStore*>(store_.get());
    ASSERT_NE(pg, nullptr);
    EXPECT_EQ(pg->schema_version(), latest_schema_version());
    // Four more instances at once on the migrated database, and the count of applied migrations does not move.
    std::vector<std::thread> threads;
    std::atomic<int> opened{0};
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            if (auto s = open_another()) opened += s->schema_version() == latest_schema_version() ? 1 : 0;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(opened.load(), 4);
    EXPECT_EQ(query_value(db_.location(), "SELECT COUNT(*) FROM schema_version"),
              std::to_string(migrations().size()));
    EXPECT_EQ(query_value(db_.location(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN "
                                          "('inbound_message', 'orders', 'order_event', 'outbox', "
                                          "'delivery_attempt', 'audit_log')"),
              "6");
}

TEST_F(PostgresStoreTest, FreshDatabaseOpenedByManyInstancesAtOnceIsMigratedOnce) {
    auto* server = gw::testing::shared_postgres_server();
    ASSERT_NE(server, nullptr);
    const std::string dsn = server->create_database();
    ASSERT_FALSE(dsn.empty());
    std::vector<std::thread> threads;
    std::atomic<int> opened{0};
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            PostgresStoreOptions options;
            options.dsn = dsn;
            auto s = PostgresStore::open(std::move(options));
            EXPECT_TRUE(s) << s.error().to_string();
            if (s) ++opened;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(opened.load(), 4);
    EXPECT_EQ(query_value(dsn, "SELECT COUNT(*) FROM schema_version"), std::to_string(migrations().size()));
}

TEST_F(PostgresStoreTest, NewerSchemaIsRefusedWithAClearError) {
    const int future = latest_schema_version() + 1;
    ASSERT_EQ(execute(db_.location(), "INSERT INTO schema_version (version, name, applied_at) VALUES (" +
                                          std::to_string(future) + ", 'from the future', 0)"),
              "");
    PostgresStoreOptions options;
    options.dsn = db_.location();
    auto refused = PostgresStore::open(options);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::unsupported);
    EXPECT_NE(refused.error().message.find("schema version " + std::to_string(future)), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("newer than this gateway"), std::string::npos);
    // Waiting for the database does not change a refusal: it is not a connection problem.
    options.wait_for_database = true;
    auto still_refused = PostgresStore::open(options);
    ASSERT_FALSE(still_refused);
    EXPECT_EQ(still_refused.error().code, ErrorCode::unsupported);
}

TEST_F(PostgresStoreTest, MalformedDsnIsAnInvalidArgumentAndUnreachableIsUnavailable) {
    PostgresStoreOptions malformed;
    malformed.dsn = "host=127.0.0.1 port";
    auto bad = PostgresStore::open(malformed);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(bad.error().message.find("invalid PostgreSQL DSN"), std::string::npos) << bad.error().message;

    PostgresStoreOptions nobody_home;
    const int port = gw::testing::postgres_detail::free_port();
    nobody_home.dsn = "host=127.0.0.1 port=" + std::to_string(port) + " user=gw password=s3cret dbname=gateway";
    nobody_home.connect_timeout = 2s;
    auto down = PostgresStore::open(nobody_home);
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, ErrorCode::unavailable);
    // Says where it tried, never the password.
    EXPECT_NE(down.error().message.find("port=" + std::to_string(port)), std::string::npos) << down.error().message;
    EXPECT_EQ(down.error().message.find("s3cret"), std::string::npos) << down.error().message;
}

TEST_F(PostgresStoreTest, ReadinessFollowsTheDatabaseFromStartThroughOutageAndBack) {
    if (auto missing = gw::testing::postgres_server_unavailable_reason(); !missing.empty()) GTEST_SKIP() << missing;
    std::string why;
    auto server = PostgresServer::start({}, &why);
    ASSERT_TRUE(server) << why;
    const std::string dsn = server->create_database(&why);
    ASSERT_FALSE(dsn.empty()) << why;
    ASSERT_TRUE(server->stop());

    // Unreachable at start: the store is returned, not ready, and keeps trying.
    PostgresStoreOptions options;
    options.dsn = dsn;
    options.wait_for_database = true;
    options.retry_initial = 50ms;
    options.retry_max = 200ms;
    options.health_interval = 100ms;
    options.connect_timeout = 2s;
    auto opened = PostgresStore::open(options);
    ASSERT_TRUE(opened) << opened.error().to_string();
    auto& store = **opened;
    auto not_ready = store.readiness();
    ASSERT_FALSE(not_ready);
    EXPECT_EQ(not_ready.error().code, ErrorCode::unavailable);
    EXPECT_NE(not_ready.error().message.find("not connected to PostgreSQL"), std::string::npos)
        << not_ready.error().message;
    auto refused = store.append_messages(std::vector{hl7_message("EARLY")});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::unavailable);

    // The database comes up: the store migrates and becomes ready by itself.
    ASSERT_TRUE(server->restart()) << server->log();
    ASSERT_TRUE(eventually([&] { return store.readiness().ok(); })) << store.readiness().error().to_string();
    EXPECT_EQ(store.schema_version(), latest_schema_version());
    ASSERT_TRUE(store.append_messages(std::vector{hl7_message("AFTER-START")}));

    // An outage while running: readiness turns false, operations fail as unavailable (the sender retries).
    ASSERT_TRUE(server->stop());
    ASSERT_TRUE(eventually([&] { return !store.readiness().ok(); }));
    auto during = store.append_messages(std::vector{hl7_message("DURING")});
    ASSERT_FALSE(during);
    EXPECT_EQ(during.error().code, ErrorCode::unavailable);

    // And back: ready again, and the pool's dead connections were replaced.
    ASSERT_TRUE(server->restart()) << server->log();
    ASSERT_TRUE(eventually([&] { return store.readiness().ok(); })) << store.readiness().error().to_string();
    auto again = store.append_messages(std::vector{hl7_message("DURING")});
    ASSERT_TRUE(again) << again.error().to_string();
    EXPECT_FALSE(again->at(0).duplicate);  // the failed attempt stored nothing
}

TEST_F(PostgresStoreTest, ConnectionLostMidTransactionFailsTheBatchAndStoresNothing) {
    GroupCommitSink sink(*store_);
    // Another session holds a lock the batch's INSERT needs, so the batch's transaction is open and waiting when
    // the server drops its connection.
    PGconn* blocker = PQconnectdb(db_.location().c_str());
    ASSERT_EQ(PQstatus(blocker), CONNECTION_OK);
    PQclear(PQexec(blocker, "BEGIN"));
    PQclear(PQexec(blocker, "LOCK TABLE inbound_message IN EXCLUSIVE MODE"));

    sink.submit(hl7_message("LOST-1"), done_.slot(0));
    sink.submit(hl7_message("LOST-2"), done_.slot(1));
    std::string waiting_pid;
    ASSERT_TRUE(eventually([&] {
        auto pid = query_value(admin_dsn(), "SELECT pid FROM pg_stat_activity WHERE datname = '" +
                                                db_.database_name() + "' AND wait_event_type = 'Lock'");
        if (pid) waiting_pid = *pid;
        return pid.has_value();
    }));
    ASSERT_EQ(execute(admin_dsn(), "SELECT pg_terminate_backend(" + waiting_pid + ")"), "");
    ASSERT_TRUE(done_.wait_for(1));
    const auto lost = done_.at(0);
    EXPECT_EQ(lost.status, SinkStatus::unavailable);  // not acknowledged: the sender retries
    ASSERT_TRUE(lost.error);
    EXPECT_EQ(lost.error->code, ErrorCode::unavailable) << lost.error->to_string();
    PQclear(PQexec(blocker, "ROLLBACK"));
    PQfinish(blocker);

    ASSERT_TRUE(done_.wait_for(2));
    // The retry goes through on a new connection, stored once.
    sink.submit(hl7_message("LOST-1"), done_.slot(2));
    ASSERT_TRUE(done_.wait_for(3));
    EXPECT_EQ(done_.at(2).status, SinkStatus::stored);
    MessageQuery query;
    query.control_id = "LOST-1";
    EXPECT_EQ(count_messages(*store_, query), 1);
}

TEST_F(PostgresStoreTest, ReadOnlyDatabaseFailsTheWholeBatchAndNothingIsHalfStored) {
    const std::string db = db_.database_name();
    ASSERT_EQ(execute(admin_dsn(), "ALTER DATABASE " + db + " SET default_transaction_read_only = on"), "");
    gw::testing::shared_postgres_server()->terminate_connections(db);  // new sessions take the setting
    GatedWriter gate(*store_);
    {
        GroupCommitSink sink(gate);
        sink.submit(hl7_message("RO-0"), done_.slot(0));
        ASSERT_TRUE(gate.wait_for_batches(1));
        for (std::size_t i = 1; i <= 3; ++i) sink.submit(hl7_message("RO-" + std::to_string(i)), done_.slot(i));
        gate.open();
        ASSERT_TRUE(done_.wait_for(4));
    }
    // The first batch may meet a connection the server was still closing; every later one meets read-only.
    for (std::size_t i = 0; i < 4; ++i) {
        const auto r = done_.at(i);
        EXPECT_EQ(r.status, SinkStatus::unavailable) << i;
        ASSERT_TRUE(r.error) << i;
        EXPECT_EQ(r.message_id, 0);
    }
    ASSERT_TRUE(done_.at(3).error);
    EXPECT_EQ(done_.at(3).error->code, ErrorCode::io_error) << done_.at(3).error->to_string();
    EXPECT_NE(done_.at(3).error->message.find("read-only"), std::string::npos) << done_.at(3).error->message;
    EXPECT_EQ(count_messages(*store_), 0);

    ASSERT_EQ(execute(admin_dsn(), "ALTER DATABASE " + db + " RESET default_transaction_read_only"), "");
    gw::testing::shared_postgres_server()->terminate_connections(db);
    ASSERT_TRUE(eventually([&] { return connections() == 0; }));
    GroupCommitSink sink(*store_);
    sink.submit(hl7_message("RO-1"), done_.slot(4));
    ASSERT_TRUE(done_.wait_for(5));
    EXPECT_EQ(done_.at(4).status, SinkStatus::stored) << (done_.at(4).error ? done_.at(4).error->to_string() : "");
    EXPECT_EQ(count_messages(*store_), 1);
}

TEST_F(PostgresStoreTest, ConnectionsClosedWhileIdleAreReplacedWithoutFailingAnyCall) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->append_audit({"t", "warm.up", "pool", ""}));
    ASSERT_GT(gw::testing::shared_postgres_server()->terminate_connections(db_.database_name()), 0);
    ASSERT_TRUE(eventually([&] { return connections() == 0; }));
    for (int i = 0; i < 10; ++i) {
        auto r = store_->append_audit({"t", "after.restart", "pool", std::to_string(i)});
        ASSERT_TRUE(r) << i << ": " << r.error().to_string();
    }
    EXPECT_TRUE(store_->readiness());
}

NewOutboxItem item(int i) {
    NewOutboxItem o;
    o.destination = "vendor:oda-web";
    o.payload = "{\"n\":" + std::to_string(i) + "}";
    o.idempotency_key = "k-" + std::to_string(i);
    return o;
}

TEST_F(PostgresStoreTest, InstancesClaimingTogetherGetDisjointItems) {
    constexpr int kItems = 300;
    for (int i = 0; i < kItems; ++i) ASSERT_TRUE(store_->enqueue(item(i)));
    auto a = open_another(clock_.clock());
    auto b = open_another(clock_.clock());
    ASSERT_TRUE(a && b);
    std::vector<OutboxItem> got_a, got_b;
    auto claim_all = [](PostgresStore& s, std::string owner, std::vector<OutboxItem>& out) {
        for (;;) {
            auto claimed = s.claim_due("vendor:oda-web", 7, owner, 60s);
            ASSERT_TRUE(claimed) << claimed.error().to_string();
            if (claimed->empty()) return;
            out.insert(out.end(), claimed->begin(), claimed->end());
        }
    };
    std::thread ta([&] { claim_all(*a, "gw-a", got_a); });
    std::thread tb([&] { claim_all(*b, "gw-b", got_b); });
    ta.join();
    tb.join();
    std::set<std::int64_t> ids;
    for (const auto& o : got_a) {
        EXPECT_EQ(o.lease_owner, "gw-a");
        EXPECT_EQ(o.attempts, 1);
        ids.insert(o.id);
    }
    for (const auto& o : got_b) {
        EXPECT_EQ(o.lease_owner, "gw-b");
        EXPECT_EQ(o.attempts, 1);
        EXPECT_FALSE(ids.contains(o.id)) << "item " << o.id << " claimed by both instances";
        ids.insert(o.id);
    }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kItems));
    EXPECT_GT(got_a.size(), 0u);
    EXPECT_GT(got_b.size(), 0u);
}

TEST_F(PostgresStoreTest, LeasesOfAnInstanceThatDiedAreTakenOverAfterExpiry) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->enqueue(item(i)));
    {
        auto doomed = open_another(clock_.clock());
        ASSERT_TRUE(doomed);
        auto claimed = doomed->claim_due("vendor:oda-web", 10, "gw-dead", 30s);
        ASSERT_TRUE(claimed);
        ASSERT_EQ(claimed->size(), 5u);
    }  // gone without finishing anything
    auto survivor = open_another(clock_.clock());
    ASSERT_TRUE(survivor);
    auto early = survivor->claim_due("vendor:oda-web", 10, "gw-alive", 30s);
    ASSERT_TRUE(early);
    EXPECT_TRUE(early->empty());  // leased: not before it expires
    clock_.advance(31s);
    auto taken = survivor->claim_due("vendor:oda-web", 10, "gw-alive", 30s);
    ASSERT_TRUE(taken);
    ASSERT_EQ(taken->size(), 5u);
    for (const auto& o : *taken) {
        EXPECT_EQ(o.attempts, 2);
        ASSERT_TRUE(survivor->complete(o.id, "gw-alive", {}));
    }
    // The dead instance's outcome no longer counts.
    auto late = store_->complete(taken->front().id, "gw-dead", {});
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, ErrorCode::conflict);
}

TEST_F(PostgresStoreTest, DuplicateSentToTwoInstancesAtOnceIsStoredOnce) {
    auto a = open_another();
    auto b = open_another();
    ASSERT_TRUE(a && b);
    constexpr int kRounds = 40;
    std::vector<InboundAppend> from_a(kRounds), from_b(kRounds);
    std::atomic<int> ready{0};
    auto send = [&](PostgresStore& s, std::vector<InboundAppend>& out, std::string ack) {
        for (int i = 0; i < kRounds; ++i) {
            // Both threads meet before each round so the two copies really race.
            ++ready;
            while (ready.load() < 2 * (i + 1)) std::this_thread::yield();
            auto m = hl7_message("RACE-" + std::to_string(i));
            m.ack = ack;
            auto r = s.append_messages(std::vector{hl7_message("OTHER-" + ack + std::to_string(i)), m});
            ASSERT_TRUE(r) << r.error().to_string();
            out[static_cast<std::size_t>(i)] = r->at(1);
        }
    };
    std::thread ta([&] { send(*a, from_a, "ack-a"); });
    std::thread tb([&] { send(*b, from_b, "ack-b"); });
    ta.join();
    tb.join();
    for (int i = 0; i < kRounds; ++i) {
        const auto& x = from_a[static_cast<std::size_t>(i)];
        const auto& y = from_b[static_cast<std::size_t>(i)];
        EXPECT_EQ(x.message_id, y.message_id) << i;
        EXPECT_NE(x.duplicate, y.duplicate) << i;  // exactly one of them stored it
        EXPECT_EQ(x.ack, y.ack) << i;              // and both answer with the stored copy's ack
        MessageQuery q;
        q.control_id = "RACE-" + std::to_string(i);
        EXPECT_EQ(count_messages(*store_, q), 1) << i;
    }
}

TEST_F(PostgresStoreTest, OneLeaderPerJobAndTheLeadPassesOnWhenTheLeaderGoes) {
    auto a = open_another();
    auto b = open_another();
    ASSERT_TRUE(a && b);
    auto lead_a = a->try_lead("retention");
    ASSERT_TRUE(lead_a) << lead_a.error().to_string();
    EXPECT_TRUE(*lead_a);
    auto lead_b = b->try_lead("retention");
    ASSERT_TRUE(lead_b);
    EXPECT_FALSE(*lead_b);
    EXPECT_TRUE(*a->try_lead("retention"));  // still held, asked again
    EXPECT_TRUE(*b->try_lead("scorecards"));  // another job is independent
    EXPECT_FALSE(*a->try_lead("scorecards"));

    a.reset();  // the leader stops: its session ends and the lock with it
    ASSERT_TRUE(eventually([&] {
        auto r = b->try_lead("retention");
        return r && *r;
    }));

    // A leader whose database session is cut loses the lead; the other instance takes it.
    auto c = open_another();
    ASSERT_TRUE(c);
    EXPECT_FALSE(*c->try_lead("retention"));
    gw::testing::shared_postgres_server()->terminate_connections(db_.database_name());
    ASSERT_TRUE(eventually([&] {
        auto r = c->try_lead("retention");
        return r && *r;
    }));
    auto after = b->try_lead("retention");
    EXPECT_TRUE(!after || !*after);  // b noticed it lost its session; c holds the job now
}

TEST_F(PostgresStoreTest, TextThatIsNotUtf8IsStoredNotRefusedAndStillDeduplicates) {
    auto latin1 = hl7_message("ENC-1", std::string("CARE^B\xe6RUM", 10));
    latin1.peer = std::string("10.0.0.1\0:1", 11);
    auto first = store_->append_messages(std::vector{latin1, hl7_message("ENC-2")});
    ASSERT_TRUE(first) << first.error().to_string();  // one odd message never fails the batch
    auto stored = store_->get_message(first->at(0).message_id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->sender, "CARE^B\xEF\xBF\xBDRUM");
    EXPECT_EQ(stored->raw, latin1.raw);  // the bytes as received are exact
    auto again = store_->append_messages(std::vector{latin1});
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->at(0).duplicate);
    EXPECT_EQ(again->at(0).message_id, first->at(0).message_id);
}

TEST(PostgresText, ValidTextKeepsUtf8AndReplacesEverythingElse) {
    EXPECT_EQ(pg::valid_text("plain ASCII"), "plain ASCII");
    EXPECT_EQ(pg::valid_text("bl\xc3\xa5" "b\xc3\xa6r"), "bl\xc3\xa5" "b\xc3\xa6r");  // UTF-8 å, æ
    EXPECT_EQ(pg::valid_text("bl\xe5"), "bl\xEF\xBF\xBD");                               // Latin-1 å
    EXPECT_EQ(pg::valid_text(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");              // NUL
    EXPECT_EQ(pg::valid_text("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");                   // overlong
    EXPECT_EQ(pg::valid_text("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");   // surrogate
    EXPECT_EQ(pg::valid_text("\xf0\x9f\x8d\x8e"), "\xf0\x9f\x8d\x8e");                   // 4-byte (emoji)
}

TEST(PostgresText, SqlStatesMapToTheStoreErrorCodes) {
    EXPECT_EQ(pg::classify("08006"), ErrorCode::unavailable);
    EXPECT_EQ(pg::classify("40001"), ErrorCode::unavailable);
    EXPECT_EQ(pg::classify("57014"), ErrorCode::unavailable);
    EXPECT_EQ(pg::classify(""), ErrorCode::unavailable);
    EXPECT_EQ(pg::classify("53100"), ErrorCode::io_error);
    EXPECT_EQ(pg::classify("25006"), ErrorCode::io_error);
    EXPECT_EQ(pg::classify("23505"), ErrorCode::conflict);
    EXPECT_EQ(pg::classify("42601"), ErrorCode::internal);
    EXPECT_EQ(pg::describe_dsn("host=db port=5433 dbname=gw user=gw password=secret"),
              "host=db port=5433 dbname=gw user=gw");
}

}  // namespace
}  // namespace gw::store
