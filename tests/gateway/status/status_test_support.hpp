#pragma once
// Shared by the gateway/status tests: a real SQLite store in a temporary folder, orders made the way the pipeline
// makes them (the shipped OMS^O05 sample through the shipped inbound mapping, stored with its inbound message), and
// a StatusReporter that reports the "care-system" channel to "mllp:care-system" with the shipped ORS^O06 mapping.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>

#include "gateway/hl7/message.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/model/json.hpp"
#include "gateway/status/status_reporter.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace gw::status::testing {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string source(const std::string& relative) { return std::string(GATEWAY_SOURCE_DIR) + "/" + relative; }

class StatusFixture : public ::testing::Test {
protected:
    static void SetUpTestSuite() { log::init(log::Options{.level = log::Level::error}); }

    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "gw-status-test-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        store::SqliteStoreOptions options;
        options.path = dir_ + "/gateway.db";
        auto opened = store::SqliteStore::open(options);
        ASSERT_TRUE(opened) << opened.error().to_string();
        store_ = std::move(opened).value();
        auto inbound = mapping::load_mapping(source("mappings/inbound/oms-o05.yaml"));
        ASSERT_TRUE(inbound.mapping);
        inbound_ = inbound.mapping;
        auto ors = mapping::load_mapping(source("mappings/outbound/ors-o06.yaml"));
        ASSERT_TRUE(ors.mapping);
        ors_ = ors.mapping;
    }

    void TearDown() override {
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    ReporterOptions reporter_options() const {
        ReporterOptions o;
        StatusDestination d;
        d.channel = "care-system";
        d.destination = "mllp:care-system";
        d.mapping = ors_;
        o.destinations.push_back(d);
        return o;
    }

    // An order like the pipeline makes it: message stored on channel `channel`, translated, routed to `vendor`,
    // in `state`. Each call uses a fresh MSH-10 and placer order number unless given.
    store::OrderRecord make_order(const std::string& vendor, const std::string& state = "submitted",
                                  const std::string& placer = "", const std::string& channel = "care-system",
                                  const std::string& vendor_order_ref = "") {
        const int n = ++orders_;
        std::string raw = read_file(source("mappings/inbound/samples/oms-o05-three-lines.hl7"));
        const std::string control_id = "MSG" + std::to_string(1000 + n);
        const std::string placer_number = placer.empty() ? "BK-TEST-" + std::to_string(n) : placer;
        replace(raw, "MSG00001", control_id);
        replace(raw, "BK-2026-004711", placer_number);
        ingest::InboundMessage m;
        m.channel = channel;
        m.raw = raw;
        m.sender = "GERICA^BAERUM_HJT";
        m.control_id = control_id;
        m.message_type = "OMS^O05";
        m.ack = "ack";
        auto appended = store_->append_messages(std::span<const ingest::InboundMessage>(&m, 1));
        EXPECT_TRUE(appended);
        auto canonical = mapping::translate_hl7_to_care_order(*inbound_, raw);
        EXPECT_TRUE(canonical) << (canonical ? "" : canonical.error().to_string());
        store::NewOrder order;
        order.id = "GW-T" + std::to_string(n);
        canonical->as_object()["gateway_id"] = order.id;
        order.message_id = (*appended)[0].message_id;
        order.canonical_json = boost::json::serialize(*canonical);
        order.municipality = "3201";
        order.vendor = vendor;
        order.external_ref = placer_number;
        order.state = state;
        store::NewOutboxItem submit;
        submit.destination = "vendor:" + vendor;
        submit.order_id = order.id;
        submit.payload = order.canonical_json;
        submit.idempotency_key = order.id;
        auto created = store_->create_order(order, submit);
        EXPECT_TRUE(created) << (created ? "" : created.error().to_string());
        if (!vendor_order_ref.empty()) {
            store::NewOrderEvent e;
            e.order_id = order.id;
            e.vendor = vendor;
            e.state = state;
            e.json = "{}";
            e.vendor_order_ref = vendor_order_ref;
            EXPECT_TRUE(store_->append_order_event(e, std::nullopt));
        }
        return *store_->get_order(order.id);
    }

    std::string state_of(const std::string& order_id) { return store_->get_order(order_id)->state; }

    std::vector<store::OutboxItem> outbox(const std::string& destination, const std::string& order_id = "") {
        store::OutboxQuery q;
        q.destination = destination;
        q.order_id = order_id;
        q.page.limit = 1000;
        auto page = store_->find_outbox(q);
        EXPECT_TRUE(page);
        auto items = page->items;
        std::reverse(items.begin(), items.end());  // oldest first
        return items;
    }

    std::vector<store::MessageRecord> rejected_messages(const std::string& channel) {
        store::MessageQuery q;
        q.state = store::MessageState::rejected;
        q.channel = channel;
        q.with_raw = true;
        auto page = store_->find_messages(q);
        EXPECT_TRUE(page);
        return page->items;
    }

    static model::OrderEvent event(const std::string& order_ref, model::OrderState state, const std::string& id = "",
                                   const std::string& vendor = "instacart-connect") {
        model::OrderEvent e;
        e.order_id = order_ref;
        e.vendor = vendor;
        e.state = state;
        e.occurred_at = *model::parse_timestamp("2026-11-25T15:00:00+01:00");
        if (!id.empty()) e.vendor_event_id = id;
        return e;
    }

    static void replace(std::string& s, const std::string& from, const std::string& to) {
        for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
            s.replace(pos, from.size(), to);
    }

    std::string dir_;
    std::unique_ptr<store::SqliteStore> store_;
    std::shared_ptr<const mapping::Mapping> inbound_;
    std::shared_ptr<const mapping::Mapping> ors_;
    int orders_ = 0;
};

}  // namespace gw::status::testing
