// Status end to end, in-process: an OMS^O05 over MLLP into the gateway, the order to the grocer sandbox (a real
// grocer-sandbox process), the grocer's status back (PEPPOL OrderResponse with a substitution and an out-of-stock
// line; Instacart webhooks signed, duplicated and shuffled; polling; a cart hand-off with no status at all), and
// every change back to the care system as ORS^O06 over MLLP to a test receiver that checks nothing is lost, nothing
// goes backwards and nothing is reported twice. Cancels from the care system are answered truthfully.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gateway/app/gateway_app.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/hl7/message.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mllp/client.hpp"
#include "gateway/model/order_state.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "tests/support/care_system_receiver.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using testing::CareSystemReceiver;

std::string source(const std::string& relative) { return std::string(GATEWAY_SOURCE_DIR) + "/" + relative; }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void replace(std::string& s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}

// The shipped sample with its own MSH-10 and placer order number (ORC-1 NW, or CA for the cancel sample).
std::string sample(const std::string& file, const std::string& control_id, const std::string& placer) {
    std::string raw = read_file(source("mappings/inbound/samples/" + file));
    replace(raw, file == "oms-o05-cancel.hl7" ? "MSG00006" : "MSG00001", control_id);
    replace(raw, "BK-2026-004711", placer);
    return raw;
}

struct Report {
    std::string control_id, answers, order_control, order_status, state, placer;
    hl7::Message message;
};

Report read_report(const std::string& payload) {
    auto m = hl7::parse(payload);
    EXPECT_TRUE(m) << payload;
    Report r{m->get("MSH-10"), m->get("MSA-2"), m->get("ORC-1"), m->get("ORC-5"), m->get("ORC-16.1"),
             m->get("ORC-2"), *m};
    return r;
}

constexpr const char* kPlacerPrefix = "BK-ST-";

std::string sandbox_yaml(const std::string& extra_instacart = "") {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 11
vendors:
  instacart-connect:
    client_id: gw
    client_secret: s3cret
    webhook_secret: hook-secret
    event_interval: 80ms
    duplicate_percent: 50
    reorder_percent: 50
)" + extra_instacart + R"(
  kroger-cart:
    client_id: gw
    client_secret: s3cret
  peppol-ap:
    callback_token: ap-token
    response_delay: 50ms
    out_of_stock: ["07038010000126"]
    substitutes:
      "07038010000119": {gtin: "07038010000140", name: "Grovbrød skivet 750 g"}
)";
}

class StatusRoundTrip : public ::testing::Test {
protected:
    static void SetUpTestSuite() { log::init(log::Options{.level = log::Level::warn}); }

    // Starts the sandbox, the care system's receiver and a gateway that routes every order to `vendor`.
    void start(const std::string& vendor, const std::string& vendor_folder = "",
               const std::string& sandbox_extra = "", CareSystemReceiver::Script script = {}) {
        dir_ = testing::temp_dir();
        sandbox_ = std::make_unique<testing::SandboxProcess>(sandbox_yaml(sandbox_extra));
        ASSERT_TRUE(sandbox_->running());
        receiver_ = std::make_unique<CareSystemReceiver>(std::move(script));
        const std::string folder = vendor_folder.empty() ? source("mappings/vendors/" + vendor) : vendor_folder;
        const std::string yaml = fmt::format(R"(gateway:
  shutdown_grace: 5s
http:
  host: 127.0.0.1
  port: 0
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
    mapping: {inbound}
    status_out:
      host: 127.0.0.1
      port: {receiver}
      ack_timeout: 5s
      mapping: {outbound}
      delivery: {{backoff_initial: 50ms, backoff_max: 200ms, max_attempts: 20}}
store:
  path: {dir}/gateway.db
vendors:
  {vendor}:
    folder: {folder}
    base_url: {base}/{api}
    secrets: {{client_id: gw, client_secret: s3cret, webhook_secret: hook-secret, callback_token: ap-token}}
    params: {{seller_org_number: "937270062", seller_name: Sandbox Grocer AS, currency: NOK}}
    delivery: {{backoff_initial: 50ms, backoff_max: 200ms}}
routes:
  - municipality: "*"
    contracts: [{{vendor: {vendor}, from: "2020-01-01"}}]
)",
                                             fmt::arg("inbound", source("mappings/inbound/oms-o05.yaml")),
                                             fmt::arg("outbound", source("mappings/outbound/ors-o06.yaml")),
                                             fmt::arg("receiver", receiver_->port()), fmt::arg("dir", dir_),
                                             fmt::arg("vendor", vendor), fmt::arg("folder", folder),
                                             fmt::arg("base", sandbox_->base_url()),
                                             fmt::arg("api", vendor == "peppol-bis" ? "peppol-ap" : vendor));
        auto loaded = config::load_gateway_config_text(yaml, dir_ + "/gateway.yaml");
        ASSERT_TRUE(loaded.config) << loaded.errors.front().to_string() << "\n" << yaml;
        auto app = app::GatewayApp::create(io_, std::move(*loaded.config));
        ASSERT_TRUE(app) << app.error().to_string();
        app_ = std::move(app).value();
        ASSERT_TRUE(app_->start());
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
        // The gateway's HTTP port is known only now: point the grocer's callbacks at it.
        const auto base = fmt::format("http://127.0.0.1:{}/api/v1/webhooks/", app_->http_port());
        auto r = control().request(httpclient::HttpRequest::post(
            sandbox_->url("/_sandbox/callbacks"),
            json::serialize(json::object{{"instacart-connect", base + "instacart-connect"},
                                         {"peppol-ap", base + "peppol-bis"}}),
            "application/json"));
        ASSERT_TRUE(r) << r.error().to_string();
        ASSERT_EQ(r->status, 200u) << r->body;
    }

    void TearDown() override {
        if (app_) {
            std::promise<void> stopped;
            app_->stop([&] { stopped.set_value(); });
            EXPECT_EQ(stopped.get_future().wait_for(15s), std::future_status::ready);
        }
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        app_.reset();
        receiver_.reset();
        sandbox_.reset();
        std::error_code ec;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
    }

    static httpclient::BlockingHttpClient& control() {
        static auto client = std::move(httpclient::BlockingHttpClient::create()).value();
        return *client;
    }

    // Sends one HL7 message; true when the gateway accepted it (the samples ask for enhanced mode: CA).
    bool send(const std::string& hl7) {
        mllp::ClientOptions o;
        o.port = app_->mllp_port();
        o.io_timeout = 10s;
        mllp::MllpClient client(o);
        EXPECT_TRUE(client.connect());
        auto ack = client.exchange(hl7);
        EXPECT_TRUE(ack) << (ack ? "" : ack.error().to_string());
        if (!ack) return false;
        auto m = hl7::parse(*ack, hl7::ParseOptions{.strict = false, .charset = {}});
        const auto code = m ? m->get("MSA-1") : std::string();
        return code == "CA" || code == "AA";
    }

    // The ORS^O06 reports about `placer` the care system has received so far, in arrival order; a report sent again
    // after a negative ACK (same MSH-10) counts once.
    std::vector<Report> reports_for(const std::string& placer) {
        std::vector<Report> out;
        std::set<std::string> ids;
        for (const auto& payload : receiver_->messages()) {
            auto r = read_report(payload);
            if (r.placer == placer && ids.insert(r.control_id).second) out.push_back(std::move(r));
        }
        return out;
    }

    bool wait_for_report(const std::string& placer, const std::function<bool(const Report&)>& pred,
                         std::chrono::milliseconds timeout = 30s) {
        return receiver_->wait_until(
            [&](const std::vector<std::string>& messages) {
                for (const auto& m : messages) {
                    auto r = read_report(m);
                    if (r.placer == placer && pred(r)) return true;
                }
                return false;
            },
            timeout);
    }

    // What the store says about the order with this placer number.
    store::OrderDetail order_detail(const std::string& placer) {
        store::SqliteStoreOptions o;
        o.path = dir_ + "/gateway.db";
        auto s = store::SqliteStore::open(o);
        EXPECT_TRUE(s);
        store::OrderQuery q;
        q.external_ref = placer;
        auto page = (*s)->find_orders(q);
        EXPECT_TRUE(page && !page->items.empty());
        return *(*s)->get_order_detail(page->items.front().id);
    }

    // Reports about one order never go backwards and never repeat a state (the care system sees each change once).
    static void expect_forward_only(const std::vector<Report>& reports) {
        int last = -1;
        std::set<std::string> seen;
        for (const auto& r : reports) {
            if (r.order_control == "UC") continue;  // an answer to a cancel repeats the current state on purpose
            auto s = model::parse_order_state(r.state);
            ASSERT_TRUE(s) << r.state;
            EXPECT_GE(model::rank(*s), last) << "went back to " << r.state;
            last = model::rank(*s);
            EXPECT_TRUE(seen.insert(r.state).second) << r.state << " reported twice";
        }
    }

    std::string dir_;
    std::unique_ptr<testing::SandboxProcess> sandbox_;
    std::unique_ptr<CareSystemReceiver> receiver_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
    std::vector<std::thread> threads_;
    std::unique_ptr<app::GatewayApp> app_;
};

TEST_F(StatusRoundTrip, PeppolSubstitutionAndOutOfStockReachTheCareSystemAsOrsO06) {
    // The care system answers the first report AE (busy): the report is retried until AA, nothing is lost.
    start("peppol-bis", "", "", [](const std::string&, std::size_t i) {
        CareSystemReceiver::Answer a;
        if (i == 0) a.code = "AE";
        return a;
    });
    const std::string placer = std::string(kPlacerPrefix) + "P1";
    ASSERT_TRUE(send(sample("oms-o05-three-lines.hl7", "STP0001", placer)));
    ASSERT_TRUE(wait_for_report(placer, [](const Report& r) { return r.state == "partially_accepted"; }))
        << receiver_->messages().size() << " reports received";
    auto reports = reports_for(placer);
    auto changed = std::find_if(reports.begin(), reports.end(),
                                [](const Report& r) { return r.state == "partially_accepted"; });
    ASSERT_NE(changed, reports.end());
    const auto& m = changed->message;
    EXPECT_EQ(m.get("MSH-9.1"), "ORS");
    EXPECT_EQ(m.get("MSH-9.2"), "O06");
    EXPECT_EQ(m.get("MSH-5"), "GERICA");  // back to the sender of the order
    EXPECT_EQ(m.get("MSA-1"), "AA");
    EXPECT_EQ(m.get("MSA-2"), "STP0001");  // the order's own MSH-10
    EXPECT_EQ(m.get("ORC-1"), "OK");
    EXPECT_EQ(m.get("ORC-5"), "IP");
    // Line 1 confirmed, line 2 substituted by the grocer's item, line 3 out of stock.
    EXPECT_EQ(m.get("RQD[1]-1"), "1");
    EXPECT_EQ(m.get("NTE[1]-4.1"), "CONFIRMED");
    EXPECT_EQ(m.get("RQD[2]-1"), "2");
    EXPECT_EQ(m.get("NTE[2]-4.1"), "SUBSTITUTED");
    EXPECT_EQ(m.get("RQD[2]-2.1"), "07038010000140");
    EXPECT_EQ(m.get("RQD[2]-2.2"), "Grovbrød skivet 750 g");
    EXPECT_EQ(m.get("RQD[2]-5"), "1");
    EXPECT_EQ(m.get("RQD[3]-1"), "3");
    EXPECT_EQ(m.get("NTE[3]-4.1"), "OUT_OF_STOCK");
    EXPECT_EQ(m.get("RQD[3]-5"), "0");
    expect_forward_only(reports);
    // The first attempt was refused with AE and retried: the receiver saw one report more than it kept.
    EXPECT_GE(receiver_->messages().size(), reports.size());
    auto detail = order_detail(placer);
    EXPECT_EQ(detail.order.state, "partially_accepted");
    // Every report is traceable from the order, and each was delivered.
    std::size_t status_reports = 0;
    for (const auto& d : detail.deliveries) {
        if (d.kind != store::OutboxKind::status_report) continue;
        ++status_reports;
        EXPECT_EQ(d.destination, "mllp:care-system");
    }
    EXPECT_GE(status_reports, 1u);
    EXPECT_TRUE(std::any_of(detail.attempts.begin(), detail.attempts.end(), [](const store::DeliveryAttempt& a) {
        return a.outcome == store::AttemptOutcome::retry && a.error.find("AE from the care system") != std::string::npos;
    }));
}

TEST_F(StatusRoundTrip, InstacartWebhooksShuffledAndDuplicatedEndDeliveredAndAreReportedOnceEach) {
    start("instacart-connect");
    const std::string placer = std::string(kPlacerPrefix) + "I1";
    ASSERT_TRUE(send(sample("oms-o05-three-lines.hl7", "STI0001", placer)));
    ASSERT_TRUE(wait_for_report(placer, [](const Report& r) { return r.state == "delivered"; }));
    // "delivered" may overtake earlier events: wait (bounded) until all five distinct events are stored.
    auto distinct_events = [&] {
        std::set<std::string> ids;
        for (const auto& e : order_detail(placer).events) {
            if (e.vendor_event_id.empty()) continue;
            EXPECT_TRUE(ids.insert(e.vendor_event_id).second) << "stored twice: " << e.vendor_event_id;
            EXPECT_GT(e.vendor_event_id.size(), 15u);  // ids above 2^53 keep every digit
        }
        return ids.size();
    };
    const auto until = std::chrono::steady_clock::now() + 15s;
    while (distinct_events() < 5 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
    EXPECT_EQ(distinct_events(), 5u);  // brand_new, acknowledged, picking, delivering, delivered: once each
    // Every webhook the grocer sent, duplicates included, was answered 2xx (none needs a retry).
    auto log = control().request(httpclient::HttpRequest::get(sandbox_->url("/_sandbox/webhooks")));
    ASSERT_TRUE(log);
    const auto attempts = json::parse(log->body);
    std::size_t sent = 0;
    for (const auto& w : attempts.as_array()) {
        if (w.at("vendor") != "instacart-connect") continue;
        ++sent;
        const auto* status = w.as_object().if_contains("status");
        EXPECT_TRUE(status && status->as_int64() == 200) << json::serialize(w);
    }
    EXPECT_GE(sent, 5u);
    auto detail = order_detail(placer);
    EXPECT_EQ(detail.order.state, "delivered");
    auto reports = reports_for(placer);
    expect_forward_only(reports);
    EXPECT_EQ(reports.back().order_status, "CM");
}

TEST_F(StatusRoundTrip, ACartHandOffWithoutStatusIsReportedHandedOver) {
    start("kroger-cart");
    const std::string placer = std::string(kPlacerPrefix) + "K1";
    ASSERT_TRUE(send(sample("oms-o05-three-lines.hl7", "STK0001", placer)));
    ASSERT_TRUE(wait_for_report(placer, [](const Report& r) { return r.state == "handed_over"; }));
    EXPECT_EQ(order_detail(placer).order.state, "handed_over");
}

TEST_F(StatusRoundTrip, ACancelTheGrocerCannotDoIsAnsweredUnableToCancel) {
    start("peppol-bis");
    const std::string placer = std::string(kPlacerPrefix) + "C1";
    ASSERT_TRUE(send(sample("oms-o05-three-lines.hl7", "STC0001", placer)));
    ASSERT_TRUE(wait_for_report(placer, [](const Report& r) { return r.state == "partially_accepted"; }));
    ASSERT_TRUE(send(sample("oms-o05-cancel.hl7", "STC0002", placer)));
    ASSERT_TRUE(wait_for_report(placer, [](const Report& r) { return r.order_control == "UC"; }));
    for (const auto& r : reports_for(placer)) {
        if (r.order_control != "UC") continue;
        EXPECT_EQ(r.answers, "STC0002");  // answers the cancel message
        EXPECT_EQ(r.state, "partially_accepted");
        EXPECT_NE(r.message.get("ORC-16.2").find("cannot cancel"), std::string::npos);
    }
    EXPECT_EQ(order_detail(placer).order.state, "partially_accepted");
}

TEST_F(StatusRoundTrip, AnOrderTheGrocerDoesNotKnowIsNeverReportedAndNothingCrashes) {
    start("peppol-bis");
    // A cancel for an order that never came: kept as a failed message; the care system got its CA for storage.
    ASSERT_TRUE(send(sample("oms-o05-cancel.hl7", "STX0001", "BK-UNKNOWN")));
    const std::string placer = std::string(kPlacerPrefix) + "X1";
    ASSERT_TRUE(send(sample("oms-o05-three-lines.hl7", "STX0002", placer)));
    ASSERT_TRUE(wait_for_report(placer, [](const Report& r) { return r.state == "partially_accepted"; }));
    EXPECT_TRUE(reports_for("BK-UNKNOWN").empty());
}

// Polling: the same grocer without webhooks (capabilities.status: poll), asked about the order until it is final.
TEST_F(StatusRoundTrip, PollingFollowsAGrocerWithoutWebhooksToDelivered) {
    const auto folder_root = testing::temp_dir();
    const auto folder = folder_root + "/instacart-connect";
    std::filesystem::copy(source("mappings/vendors/instacart-connect"), folder,
                          std::filesystem::copy_options::recursive);
    std::string adapter = read_file(folder + "/adapter.yaml");
    replace(adapter, "status: webhook", "status: poll");
    const auto webhook = adapter.find("  webhook:\n");
    ASSERT_NE(webhook, std::string::npos);
    const auto auth = adapter.find("\nauth:");
    adapter.replace(webhook, auth - webhook, "  poll: {interval: 1s, max_interval: 2s}");
    std::ofstream(folder + "/adapter.yaml") << adapter;
    start("instacart-connect", folder);
    const std::string placer = std::string(kPlacerPrefix) + "L1";
    ASSERT_TRUE(send(sample("oms-o05-three-lines.hl7", "STL0001", placer)));
    ASSERT_TRUE(wait_for_report(placer, [](const Report& r) { return r.state == "delivered"; }, 40s));
    auto reports = reports_for(placer);
    expect_forward_only(reports);
    auto detail = order_detail(placer);
    EXPECT_EQ(detail.order.state, "delivered");
    for (const auto& e : detail.events) {
        if (e.vendor == "instacart-connect" && !e.vendor_event_id.empty()) {
            EXPECT_TRUE(e.vendor_event_id.starts_with("poll:")) << e.vendor_event_id;
        }
    }
    std::error_code ec;
    std::filesystem::remove_all(folder_root, ec);
}

}  // namespace
}  // namespace gw
