#include <gtest/gtest.h>

#include <set>

#include "store_test_util.hpp"

namespace gw::store {
namespace {

using namespace std::chrono_literals;
using testing::hl7_message;
using testing::ManualClock;

// Seven messages over seven minutes from two channels and two senders, one of them rejected.
class QueryTest : public ::testing::TestWithParam<testing::Backend> {
  protected:
    void SetUp() override {
        GW_SKIP_UNLESS_BACKEND(GetParam());
        store_ = db_.open(clock_.clock());
        ASSERT_TRUE(store_);
        start_ = clock_.now();
        for (int i = 0; i < 7; ++i) {
            auto m = hl7_message("Q-" + std::to_string(i), i % 2 == 0 ? "CARE^BAERUM" : "CARE^ASKER");
            m.channel = i < 5 ? "mllp" : "http-msghead";
            m.received_at = clock_.now();
            if (i == 3) m.error = make_error(ErrorCode::parse_error, "bad");
            auto appended = store_->append_messages(std::vector{m});
            ASSERT_TRUE(appended);
            ids_.push_back(appended->at(0).message_id);

            NewOrder o;
            o.id = "GW-" + std::to_string(i);
            o.message_id = i == 3 ? std::nullopt : std::optional(ids_.back());
            o.canonical_json = "{}";
            o.municipality = i < 4 ? "3201" : "3203";
            o.vendor = i % 3 == 0 ? "oda" : "meny";
            o.external_ref = "PL-" + std::to_string(i);
            o.state = i < 2 ? "submitted" : "received";
            NewOutboxItem d;
            d.destination = "vendor:" + o.vendor;
            d.payload = "{}";
            d.idempotency_key = "submit:" + o.id;
            ASSERT_TRUE(store_->create_order(o, d));
            clock_.advance(1min);
        }
    }

    template <class T>
    static std::vector<std::int64_t> ids_of(const Result<Page<T>>& page) {
        EXPECT_TRUE(page) << page.error().to_string();
        std::vector<std::int64_t> out;
        if (!page) return out;
        for (const auto& item : page->items) {
            if constexpr (std::is_same_v<T, OrderRecord>) {
                out.push_back(item.seq);
            } else {
                out.push_back(item.id);
            }
        }
        return out;
    }

    std::vector<std::string> order_ids(OrderQuery q) {
        auto page = store_->find_orders(q);
        EXPECT_TRUE(page);
        std::vector<std::string> out;
        if (page) {
            for (const auto& o : page->items) out.push_back(o.id);
        }
        return out;
    }

    testing::TestDatabase db_{GetParam()};
    ManualClock clock_;
    std::unique_ptr<Store> store_;
    TimePoint start_;
    std::vector<std::int64_t> ids_;
};

TEST_P(QueryTest, MessagesPageNewestFirstWithoutGapsOrRepeats) {
    MessageQuery q;
    q.page.limit = 3;
    std::vector<std::int64_t> seen;
    std::vector<std::size_t> page_sizes;
    for (int guard = 0; guard < 10; ++guard) {
        auto page = store_->find_messages(q);
        ASSERT_TRUE(page);
        page_sizes.push_back(page->items.size());
        for (const auto& m : page->items) {
            seen.push_back(m.id);
            EXPECT_TRUE(m.raw.empty());  // lists leave the raw bytes out unless asked
        }
        if (!page->next_cursor) break;
        q.page.cursor = page->next_cursor;
    }
    EXPECT_EQ(page_sizes, (std::vector<std::size_t>{3, 3, 1}));
    EXPECT_EQ(seen, std::vector<std::int64_t>(ids_.rbegin(), ids_.rend()));
}

TEST_P(QueryTest, ExactPageHasNoNextCursor) {
    MessageQuery q;
    q.page.limit = 7;
    auto page = store_->find_messages(q);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->items.size(), 7u);
    EXPECT_FALSE(page->next_cursor);
}

TEST_P(QueryTest, MessagesByEveryFilter) {
    MessageQuery q;
    q.state = MessageState::rejected;
    EXPECT_EQ(ids_of(store_->find_messages(q)), std::vector<std::int64_t>{ids_[3]});

    q = {};
    q.channel = "http-msghead";
    EXPECT_EQ(ids_of(store_->find_messages(q)), (std::vector<std::int64_t>{ids_[6], ids_[5]}));

    q = {};
    q.sender = "CARE^ASKER";
    EXPECT_EQ(ids_of(store_->find_messages(q)), (std::vector<std::int64_t>{ids_[5], ids_[3], ids_[1]}));

    q = {};
    q.control_id = "Q-4";
    EXPECT_EQ(ids_of(store_->find_messages(q)), std::vector<std::int64_t>{ids_[4]});

    q = {};
    q.correlation_id = "corr-Q-2";
    EXPECT_EQ(ids_of(store_->find_messages(q)), std::vector<std::int64_t>{ids_[2]});

    q = {};
    q.from = start_ + 2min;
    q.to = start_ + 4min;  // [from, to): messages 2 and 3
    EXPECT_EQ(ids_of(store_->find_messages(q)), (std::vector<std::int64_t>{ids_[3], ids_[2]}));

    q = {};
    q.state = MessageState::processed;
    q.sender = "CARE^BAERUM";
    q.channel = "mllp";
    EXPECT_EQ(ids_of(store_->find_messages(q)), (std::vector<std::int64_t>{ids_[4], ids_[2], ids_[0]}));

    q = {};
    q.control_id = "Q-1";
    q.with_raw = true;
    auto page = store_->find_messages(q);
    ASSERT_TRUE(page);
    ASSERT_EQ(page->items.size(), 1u);
    EXPECT_EQ(page->items[0].raw, hl7_message("Q-1").raw);

    q = {};
    q.control_id = "nope";
    EXPECT_TRUE(ids_of(store_->find_messages(q)).empty());
}

TEST_P(QueryTest, OrdersByEveryFilterAndPaged) {
    auto query = [](auto set) {
        OrderQuery q;
        set(q);
        return q;
    };
    EXPECT_EQ(order_ids(query([](OrderQuery& q) { q.state = "submitted"; })),
              (std::vector<std::string>{"GW-1", "GW-0"}));
    EXPECT_EQ(order_ids(query([](OrderQuery& q) { q.vendor = "oda"; })),
              (std::vector<std::string>{"GW-6", "GW-3", "GW-0"}));
    EXPECT_EQ(order_ids(query([](OrderQuery& q) { q.municipality = "3203"; })),
              (std::vector<std::string>{"GW-6", "GW-5", "GW-4"}));
    EXPECT_EQ(order_ids(query([](OrderQuery& q) { q.external_ref = "PL-5"; })), std::vector<std::string>{"GW-5"});
    EXPECT_EQ(order_ids(query([&](OrderQuery& q) { q.message_id = ids_[2]; })), std::vector<std::string>{"GW-2"});
    EXPECT_EQ(order_ids(query([&](OrderQuery& q) { q.from = start_ + 5min; })),
              (std::vector<std::string>{"GW-6", "GW-5"}));
    EXPECT_EQ(order_ids(query([&](OrderQuery& q) { q.to = start_ + 1min; })), std::vector<std::string>{"GW-0"});
    EXPECT_EQ(order_ids(query([](OrderQuery& q) {
                  q.state = "received";
                  q.vendor = "meny";
                  q.municipality = "3201";
              })),
              std::vector<std::string>{"GW-2"});

    OrderQuery paged;
    paged.page.limit = 4;
    std::set<std::string> seen;
    int pages = 0;
    for (;;) {
        auto page = store_->find_orders(paged);
        ASSERT_TRUE(page);
        ++pages;
        for (const auto& o : page->items) EXPECT_TRUE(seen.insert(o.id).second) << o.id;
        if (!page->next_cursor) break;
        paged.page.cursor = page->next_cursor;
    }
    EXPECT_EQ(pages, 2);
    EXPECT_EQ(seen.size(), 7u);
}

TEST_P(QueryTest, OutboxByDestinationStateAndOrder) {
    OutboxQuery q;
    q.destination = "vendor:oda";
    auto oda = store_->find_outbox(q);
    ASSERT_TRUE(oda);
    EXPECT_EQ(oda->items.size(), 3u);
    q = {};
    q.order_id = "GW-5";
    auto one = store_->find_outbox(q);
    ASSERT_TRUE(one);
    ASSERT_EQ(one->items.size(), 1u);
    EXPECT_EQ(one->items[0].idempotency_key, "submit:GW-5");
    q = {};
    q.state = OutboxState::pending;
    q.page.limit = 5;
    auto pending = store_->find_outbox(q);
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->items.size(), 5u);
    EXPECT_TRUE(pending->next_cursor);
}

TEST_P(QueryTest, ReadsSeeCommitsImmediately) {
    // The reader is a separate connection; it must not hold an old snapshot between calls.
    auto before = store_->get_order("GW-NEW");
    EXPECT_FALSE(before);
    NewOrder o;
    o.id = "GW-NEW";
    o.canonical_json = "{}";
    NewOutboxItem d;
    d.destination = "vendor:oda";
    d.payload = "{}";
    d.idempotency_key = "submit:GW-NEW";
    ASSERT_TRUE(store_->create_order(o, d));
    EXPECT_TRUE(store_->get_order("GW-NEW"));
}

INSTANTIATE_TEST_SUITE_P(Backends, QueryTest, testing::kBothBackends, testing::backend_name);

}  // namespace
}  // namespace gw::store
