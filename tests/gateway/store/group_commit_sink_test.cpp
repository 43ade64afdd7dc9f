#include "gateway/store/group_commit_sink.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>
#include <thread>

#include "store_test_util.hpp"

namespace gw::store {
namespace {

using ingest::SinkStatus;
using testing::Completions;
using testing::count_messages;
using testing::GatedWriter;
using testing::hl7_message;
using testing::open_store;
using testing::TempDir;

// Every test runs against both backends.
class GroupCommitSinkTest : public ::testing::TestWithParam<testing::Backend> {
  protected:
    void SetUp() override {
        GW_SKIP_UNLESS_BACKEND(GetParam());
        store_ = db_.open();
        ASSERT_TRUE(store_);
    }

    testing::TestDatabase db_{GetParam()};
    std::unique_ptr<Store> store_;
    Completions done_;
};

// Failures made with SQLite's own means (query_only, a lock held by another process); the PostgreSQL counterparts
// (a read-only database, a connection lost mid-transaction) are in postgres_store_test.cpp.
class SqliteGroupCommitSinkTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = open_store(dir_.file());
        ASSERT_TRUE(store_);
    }

    TempDir dir_;
    std::unique_ptr<SqliteStore> store_;
    Completions done_;
};

TEST_P(GroupCommitSinkTest, StoresDurablyThenCompletesWithTheAck) {
    GroupCommitSink sink(*store_);
    const auto message = hl7_message("MSG-1");
    sink.submit(message, done_.slot(0));
    ASSERT_TRUE(done_.wait_for(1));

    const auto result = done_.at(0);
    EXPECT_EQ(result.status, SinkStatus::stored);
    EXPECT_GT(result.message_id, 0);
    EXPECT_EQ(result.ack, message.ack);
    EXPECT_FALSE(result.error);

    auto stored = store_->get_message(result.message_id);
    ASSERT_TRUE(stored) << stored.error().to_string();
    EXPECT_EQ(stored->raw, message.raw);
    EXPECT_EQ(stored->channel, "mllp");
    EXPECT_EQ(stored->sender, message.sender);
    EXPECT_EQ(stored->control_id, "MSG-1");
    EXPECT_EQ(stored->message_type, "OMS^O05");
    EXPECT_EQ(stored->peer, message.peer);
    EXPECT_EQ(stored->correlation_id, "corr-MSG-1");
    EXPECT_EQ(stored->ack, message.ack);
    EXPECT_EQ(stored->state, MessageState::received);
    EXPECT_TRUE(stored->error_code.empty());
}

TEST_P(GroupCommitSinkTest, KeepsBinaryBytesExactly) {
    GroupCommitSink sink(*store_);
    auto message = hl7_message("BIN-1");
    message.raw = std::string("MSH|\xe6\xf8\xe5|\0|\xff", 10);  // ISO-8859-1 and a NUL: bytes, not text
    sink.submit(message, done_.slot(0));
    ASSERT_TRUE(done_.wait_for(1));
    auto stored = store_->get_message(done_.at(0).message_id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->raw, message.raw);
}

TEST_P(GroupCommitSinkTest, SequentialDuplicateGetsTheOriginalAckAndNoNewRow) {
    GroupCommitSink sink(*store_);
    auto first = hl7_message("DUP-1");
    sink.submit(first, done_.slot(0));
    ASSERT_TRUE(done_.wait_for(1));
    auto again = hl7_message("DUP-1");
    again.ack = "a different ack the second time";
    again.raw += "\rNTE|resent";
    sink.submit(again, done_.slot(1));
    ASSERT_TRUE(done_.wait_for(2));

    EXPECT_EQ(done_.at(0).status, SinkStatus::stored);
    EXPECT_EQ(done_.at(1).status, SinkStatus::duplicate);
    EXPECT_EQ(done_.at(1).message_id, done_.at(0).message_id);
    EXPECT_EQ(done_.at(1).ack, first.ack);
    EXPECT_EQ(count_messages(*store_), 1);
}

TEST_P(GroupCommitSinkTest, SameControlIdFromAnotherSenderIsNotADuplicate) {
    GroupCommitSink sink(*store_);
    sink.submit(hl7_message("X-1", "CARE^BAERUM"), done_.slot(0));
    sink.submit(hl7_message("X-1", "CARE^ASKER"), done_.slot(1));
    ASSERT_TRUE(done_.wait_for(2));
    EXPECT_EQ(done_.at(0).status, SinkStatus::stored);
    EXPECT_EQ(done_.at(1).status, SinkStatus::stored);
    EXPECT_NE(done_.at(0).message_id, done_.at(1).message_id);
}

TEST_P(GroupCommitSinkTest, ConcurrentDuplicatesInOneBatchStoreOneRow) {
    GatedWriter gate(*store_);
    GroupCommitSink sink(gate);
    sink.submit(hl7_message("BLOCKER"), done_.slot(0));
    ASSERT_TRUE(gate.wait_for_batches(1));  // the writer now holds BLOCKER; the next two queue together

    auto a = hl7_message("SAME");
    a.ack = "ack from copy A";
    auto b = hl7_message("SAME");
    b.ack = "ack from copy B";
    std::thread ta([&] { sink.submit(a, done_.slot(1)); });
    std::thread tb([&] { sink.submit(b, done_.slot(2)); });
    ta.join();
    tb.join();
    gate.open();
    ASSERT_TRUE(done_.wait_for(3));

    EXPECT_EQ(gate.batch_sizes(), (std::vector<std::size_t>{1, 2}));
    const auto r1 = done_.at(1);
    const auto r2 = done_.at(2);
    ASSERT_NE(r1.status, r2.status);
    const auto& stored = r1.status == SinkStatus::stored ? r1 : r2;
    const auto& duplicate = r1.status == SinkStatus::stored ? r2 : r1;
    EXPECT_EQ(duplicate.status, SinkStatus::duplicate);
    EXPECT_EQ(duplicate.message_id, stored.message_id);
    EXPECT_EQ(duplicate.ack, stored.ack);  // the original (first committed) copy's ack
    MessageQuery query;
    query.control_id = "SAME";
    EXPECT_EQ(count_messages(*store_, query), 1);
}

TEST_P(GroupCommitSinkTest, DuplicateIsRecognisedAfterReopen) {
    const auto original = hl7_message("REOPEN-1");
    {
        GroupCommitSink sink(*store_);
        sink.submit(original, done_.slot(0));
        ASSERT_TRUE(done_.wait_for(1));
    }
    store_.reset();
    store_ = db_.open();
    ASSERT_TRUE(store_);
    GroupCommitSink sink(*store_);
    auto resend = hl7_message("REOPEN-1");
    resend.ack = "new ack";
    sink.submit(resend, done_.slot(1));
    ASSERT_TRUE(done_.wait_for(2));
    EXPECT_EQ(done_.at(1).status, SinkStatus::duplicate);
    EXPECT_EQ(done_.at(1).message_id, done_.at(0).message_id);
    EXPECT_EQ(done_.at(1).ack, original.ack);
    EXPECT_EQ(count_messages(*store_), 1);
}

TEST_P(GroupCommitSinkTest, RejectedIsStoredWithItsErrorAndDoesNotClaimTheControlId) {
    GroupCommitSink sink(*store_);
    auto rejected = hl7_message("FIX-1");
    SourceLocation where;
    where.byte_offset = 57;
    rejected.error = make_error(ErrorCode::parse_error, "segment PID is malformed", where);
    rejected.ack = "MSA|AR|FIX-1";
    sink.submit(rejected, done_.slot(0));
    ASSERT_TRUE(done_.wait_for(1));
    EXPECT_EQ(done_.at(0).status, SinkStatus::stored);
    EXPECT_EQ(done_.at(0).ack, "MSA|AR|FIX-1");

    auto stored = store_->get_message(done_.at(0).message_id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->state, MessageState::rejected);
    EXPECT_EQ(stored->error_code, "parse_error");
    EXPECT_NE(stored->error_text.find("segment PID is malformed"), std::string::npos);
    EXPECT_NE(stored->error_text.find("57"), std::string::npos);
    EXPECT_EQ(stored->raw, rejected.raw);

    // The corrected resend goes through, and only then does the control id count for duplicates.
    sink.submit(hl7_message("FIX-1"), done_.slot(1));
    sink.submit(hl7_message("FIX-1"), done_.slot(2));
    sink.submit(rejected, done_.slot(3));  // a rejected copy is stored again: it shows what was received
    ASSERT_TRUE(done_.wait_for(4));
    EXPECT_EQ(done_.at(1).status, SinkStatus::stored);
    EXPECT_NE(done_.at(1).message_id, done_.at(0).message_id);
    EXPECT_EQ(done_.at(2).status, SinkStatus::duplicate);
    EXPECT_EQ(done_.at(2).message_id, done_.at(1).message_id);
    EXPECT_EQ(done_.at(3).status, SinkStatus::stored);
    MessageQuery rejected_only;
    rejected_only.state = MessageState::rejected;
    EXPECT_EQ(count_messages(*store_, rejected_only), 2);
    EXPECT_EQ(count_messages(*store_), 3);
}

TEST_F(SqliteGroupCommitSinkTest, ReadOnlyDatabaseFailsTheWholeBatchAsUnavailable) {
    ASSERT_TRUE(store_->set_query_only_for_testing(true));
    GatedWriter gate(*store_);
    {
        GroupCommitSink sink(gate);
        sink.submit(hl7_message("RO-0"), done_.slot(0));
        ASSERT_TRUE(gate.wait_for_batches(1));
        for (std::size_t i = 1; i <= 3; ++i) sink.submit(hl7_message("RO-" + std::to_string(i)), done_.slot(i));
        gate.open();
        ASSERT_TRUE(done_.wait_for(4));
        EXPECT_EQ(gate.batch_sizes(), (std::vector<std::size_t>{1, 3}));
    }
    for (std::size_t i = 0; i < 4; ++i) {
        const auto r = done_.at(i);
        EXPECT_EQ(r.status, SinkStatus::unavailable) << i;
        ASSERT_TRUE(r.error) << i;
        EXPECT_EQ(r.error->code, ErrorCode::io_error);
        EXPECT_NE(r.error->message.find("not stored"), std::string::npos) << r.error->message;
        EXPECT_NE(r.error->message.find("readonly"), std::string::npos) << r.error->message;
        EXPECT_EQ(r.message_id, 0);
    }
    EXPECT_EQ(count_messages(*store_), 0);

    // Once writable again the same messages go through: nothing was half-stored or claimed.
    ASSERT_TRUE(store_->set_query_only_for_testing(false));
    GroupCommitSink sink(*store_);
    sink.submit(hl7_message("RO-1"), done_.slot(4));
    ASSERT_TRUE(done_.wait_for(5));
    EXPECT_EQ(done_.at(4).status, SinkStatus::stored);
    EXPECT_EQ(count_messages(*store_), 1);
}

TEST_F(SqliteGroupCommitSinkTest, DatabaseLockedByAnotherProcessIsUnavailable) {
    store_.reset();
    store_ = open_store(dir_.file(), system_clock(), std::chrono::milliseconds(50));
    ASSERT_TRUE(store_);
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.file().c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
    {
        GroupCommitSink sink(*store_);
        sink.submit(hl7_message("LOCKED-1"), done_.slot(0));
        ASSERT_TRUE(done_.wait_for(1));
        EXPECT_EQ(done_.at(0).status, SinkStatus::unavailable);
        ASSERT_TRUE(done_.at(0).error);
        EXPECT_EQ(done_.at(0).error->code, ErrorCode::unavailable) << done_.at(0).error->to_string();
    }
    ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    GroupCommitSink sink(*store_);
    sink.submit(hl7_message("LOCKED-1"), done_.slot(1));
    ASSERT_TRUE(done_.wait_for(2));
    EXPECT_EQ(done_.at(1).status, SinkStatus::stored);
}

TEST_P(GroupCommitSinkTest, FullQueueRefusesAtOnceAndReportsNoCapacity) {
    GatedWriter gate(*store_);
    GroupCommitSinkOptions options;
    options.queue_capacity = 4;
    options.max_batch = 64;
    GroupCommitSink sink(gate, options);
    EXPECT_TRUE(sink.has_capacity());
    sink.submit(hl7_message("BP-0"), done_.slot(0));
    ASSERT_TRUE(gate.wait_for_batches(1));  // the writer is busy with BP-0; the queue is empty again
    for (std::size_t i = 1; i <= 3; ++i) sink.submit(hl7_message("BP-" + std::to_string(i)), done_.slot(i));
    EXPECT_TRUE(sink.has_capacity());
    sink.submit(hl7_message("BP-4"), done_.slot(4));
    EXPECT_FALSE(sink.has_capacity());

    sink.submit(hl7_message("BP-5"), done_.slot(5));  // refused inline, without waiting for the disk
    EXPECT_EQ(done_.count(), 1u);
    EXPECT_EQ(done_.at(5).status, SinkStatus::unavailable);
    ASSERT_TRUE(done_.at(5).error);
    EXPECT_NE(done_.at(5).error->message.find("queue is full"), std::string::npos);

    gate.open();
    ASSERT_TRUE(done_.wait_for(6));
    for (std::size_t i = 0; i <= 4; ++i) EXPECT_EQ(done_.at(i).status, SinkStatus::stored) << i;
    sink.stop();
    EXPECT_TRUE(sink.has_capacity());
    EXPECT_EQ(count_messages(*store_), 5);
}

TEST_P(GroupCommitSinkTest, StopDrainsEverythingQueuedThenRefuses) {
    constexpr std::size_t kMessages = 300;
    GroupCommitSink sink(*store_);
    for (std::size_t i = 0; i < kMessages; ++i) sink.submit(hl7_message("DRAIN-" + std::to_string(i)), done_.slot(i));
    sink.stop();
    EXPECT_EQ(done_.count(), kMessages);  // every completion fired before stop() returned
    for (std::size_t i = 0; i < kMessages; ++i) EXPECT_EQ(done_.at(i).status, SinkStatus::stored) << i;
    EXPECT_EQ(count_messages(*store_), static_cast<std::int64_t>(kMessages));

    sink.submit(hl7_message("LATE"), done_.slot(kMessages));
    EXPECT_EQ(done_.at(kMessages).status, SinkStatus::unavailable);
    sink.stop();  // idempotent
}

TEST_P(GroupCommitSinkTest, StopFromACompletionDoesNotDeadlock) {
    GroupCommitSink sink(*store_);
    auto record = done_.slot(0);
    sink.submit(hl7_message("SELF-STOP"), [&](ingest::SinkResult r) {
        sink.stop();
        record(std::move(r));
    });
    ASSERT_TRUE(done_.wait_for(1));
    EXPECT_EQ(done_.at(0).status, SinkStatus::stored);
    sink.submit(hl7_message("AFTER"), done_.slot(1));
    EXPECT_EQ(done_.at(1).status, SinkStatus::unavailable);
}

TEST_P(GroupCommitSinkTest, OnStoredRunsAfterCommitForNewAcceptedMessagesOnly) {
    std::mutex mutex;
    std::vector<std::int64_t> hooked;
    std::vector<bool> completed_before_hook;
    GroupCommitSinkOptions options;
    options.queue_capacity = 64;
    options.max_batch = 64;
    options.on_stored = [&](std::int64_t id) {
        std::lock_guard lock(mutex);
        hooked.push_back(id);
        completed_before_hook.push_back(done_.count() >= 1);
    };
    GroupCommitSink sink(*store_, options);
    auto rejected = hl7_message("HOOK-2");
    rejected.error = make_error(ErrorCode::invalid_value, "bad GTIN");
    sink.submit(hl7_message("HOOK-1"), done_.slot(0));
    sink.submit(rejected, done_.slot(1));
    sink.submit(hl7_message("HOOK-1"), done_.slot(2));
    sink.stop();
    ASSERT_EQ(done_.count(), 3u);
    std::lock_guard lock(mutex);
    EXPECT_EQ(hooked, std::vector<std::int64_t>{done_.at(0).message_id});
    EXPECT_EQ(completed_before_hook, std::vector<bool>{true});
    // The stored message is visible through the store when the hook runs.
    auto message = store_->get_message(hooked.at(0));
    EXPECT_TRUE(message);
}

TEST_P(GroupCommitSinkTest, ManyThreadsAllStoredWithDistinctIdsInFewerTransactions) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 40;
    GatedWriter gate(*store_);
    GroupCommitSink sink(gate);
    sink.submit(hl7_message("FIRST"), done_.slot(0));
    ASSERT_TRUE(gate.wait_for_batches(1));  // everything below queues behind FIRST and is committed in big batches
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const std::size_t slot = 1 + static_cast<std::size_t>(t * kPerThread + i);
                sink.submit(hl7_message("T" + std::to_string(t) + "-" + std::to_string(i)), done_.slot(slot));
            }
        });
    }
    for (auto& t : threads) t.join();
    gate.open();
    constexpr std::size_t kTotal = 1 + kThreads * kPerThread;
    ASSERT_TRUE(done_.wait_for(kTotal));
    std::set<std::int64_t> ids;
    for (std::size_t i = 0; i < kTotal; ++i) {
        EXPECT_EQ(done_.at(i).status, SinkStatus::stored);
        ids.insert(done_.at(i).message_id);
    }
    EXPECT_EQ(ids.size(), kTotal);
    EXPECT_EQ(count_messages(*store_), static_cast<std::int64_t>(kTotal));
    sink.stop();
    EXPECT_EQ(sink.stats().batches, 2u);  // FIRST alone, then all 320 together
    EXPECT_EQ(sink.stats().largest_batch, static_cast<std::size_t>(kThreads * kPerThread));
}

INSTANTIATE_TEST_SUITE_P(Backends, GroupCommitSinkTest, testing::kBothBackends, testing::backend_name);

}  // namespace
}  // namespace gw::store
