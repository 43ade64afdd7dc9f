// Config reload under load, in-process and end to end: a GatewayApp on port 0 with a real SQLite store and the real
// grocer sandbox, an MLLP client sending orders as fast as the gateway ACKs them, and the config file rewritten and
// reloaded every few milliseconds meanwhile — alternating Bærum's grocer between two vendors (each reload rebuilds
// every mapping and adapter) and now and then a config with a broken vendor mapping, which must be refused with its
// FILE:LINE:COL while the running config stays in force. Afterwards every ACKed message is exactly one order,
// every order was delivered exactly once, and the grocers hold exactly those orders: nothing lost, nothing doubled.

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gateway/app/gateway_app.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/log/log.hpp"
#include "tests/support/order_traffic.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string sandbox_yaml() {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 7
vendors:
  oda-web:
    username: care
    password: pw
    session_ttl: 30m
    max_in_flight: 8
  peppol-ap:
    callback_url: http://127.0.0.1:9/peppol
    response_delay: 10ms
)";
}

class ReloadTest : public ::testing::Test {
protected:
    void SetUp() override {
        log::Options quiet;
        quiet.level = log::Level::warn;
        log::init(quiet);
        ASSERT_TRUE(sandbox_.running()) << "grocer-sandbox did not start";
        dir_ = gw::testing::temp_dir();
        config_file_ = dir_ + "/gateway.yaml";
        // A vendor folder whose mapping a reload will break: a copy of oda-web.
        std::filesystem::copy(src_ + "/mappings/vendors/oda-web", dir_ + "/oda-web",
                              std::filesystem::copy_options::recursive);
    }
    void TearDown() override {
        if (app_) {
            std::promise<void> stopped;
            app_->stop([&] { stopped.set_value(); });
            EXPECT_EQ(stopped.get_future().wait_for(20s), std::future_status::ready);
        }
        // The io threads end before the app goes: nothing of it may run on them while it is destroyed.
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        app_.reset();
        std::filesystem::remove_all(dir_);
        log::init({});
    }

    // The config file, Bærum routed to `vendor`; `shadow` names the route's shadow vendor.
    void write_config(const std::string& vendor, const std::string& shadow = {}) {
        std::ofstream(config_file_) << fmt::format(R"(gateway: {{instance_id: reload-test, shutdown_grace: 10s}}
http: {{enabled: false}}
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
    mapping: {src}/mappings/inbound/oms-o05.yaml
store: {{kind: sqlite, path: {dir}/gw.db}}
vendors:
  oda-web:
    folder: {dir}/oda-web
    base_url: {sandbox}/oda-web
    secrets: {{username: care, password: pw}}
    delivery: {{concurrency: 1, backoff_initial: 50ms, backoff_max: 500ms}}
  peppol-bis:
    folder: {src}/mappings/vendors/peppol-bis
    base_url: {sandbox}/peppol-ap
    params: {{seller_org_number: "937270062", seller_name: Sandbox Grocer AS, currency: NOK}}
    secrets: {{callback_token: peppol-callback}}
    delivery: {{concurrency: 4, backoff_initial: 50ms, backoff_max: 500ms}}
routes:
  - municipality: "3201"
    {shadow}contracts: [{{vendor: {vendor}, from: "2020-01-01"}}]
  - municipality: "*"
    contracts: [{{vendor: peppol-bis, from: "2020-01-01"}}]
)",
                                                   fmt::arg("src", src_), fmt::arg("dir", dir_),
                                                   fmt::arg("sandbox", sandbox_.base_url()), fmt::arg("vendor", vendor),
                                                   fmt::arg("shadow",
                                                            shadow.empty() ? "" : "shadow: " + shadow + "\n    "));
    }

    void start() {
        write_config("peppol-bis");
        auto loaded = config::load_gateway_config(config_file_);
        ASSERT_TRUE(loaded.config) << loaded.errors.front().to_string();
        auto app = app::GatewayApp::create(io_, std::move(*loaded.config));
        ASSERT_TRUE(app) << app.error().to_string();
        app_ = std::move(app).value();
        ASSERT_TRUE(app_->start());
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    }

    std::string src_ = GATEWAY_SOURCE_DIR;
    gw::testing::SandboxProcess sandbox_{sandbox_yaml()};
    std::string dir_;
    std::string config_file_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
    std::vector<std::thread> threads_;
    std::unique_ptr<app::GatewayApp> app_;
};

TEST_F(ReloadTest, NothingIsLostOrDoubledAcrossReloadsUnderLoad) {
    start();
    ASSERT_TRUE(app_);
    constexpr int kOrders = 200;
    const auto three_lines = gw::testing::sample("oms-o05-three-lines.hl7");

    // The care system: one connection, orders back to back, every ACK kept.
    std::atomic<int> acked{0};
    std::atomic<bool> sending{true};
    std::vector<std::string> codes(kOrders);
    std::thread sender([&] {
        mllp::ClientOptions o;
        o.port = app_->mllp_port();
        mllp::MllpClient client(o);
        ASSERT_TRUE(client.connect());
        for (int i = 0; i < kOrders; ++i) {
            auto ack = client.exchange(gw::testing::unique_order(three_lines, fmt::format("RL-{:04}", i),
                                                                 fmt::format("BK-RL-{:04}", i)));
            codes[i] = ack ? gw::testing::ack_code(*ack) : "no answer: " + ack.error().to_string();
            if (gw::testing::accepted(codes[i])) ++acked;
            // Paced like a busy care system (~100 orders/s), so the intake spans many reloads.
            std::this_thread::sleep_for(10ms);
        }
        sending = false;
    });

    // The operator: reloads back to back while orders flow, alternating Bærum's grocer (and a shadow vendor), and
    // every fifth time a config whose oda-web mapping is broken.
    int applied = 0, refused = 0;
    std::chrono::milliseconds slowest{0}, total{0};
    const auto good_mapping = gw::testing::read_text(dir_ + "/oda-web/cart-item.yaml");
    for (int round = 0; sending.load() || round < 10; ++round) {
        const bool broken = round % 5 == 4;
        if (broken) {
            std::ofstream(dir_ + "/oda-web/cart-item.yaml")
                << good_mapping << "  note: =line.note | no_such_function\n";
        }
        write_config(round % 2 ? "oda-web" : "peppol-bis", round % 3 == 0 ? "oda-web" : "");
        const auto before = app_->current_config();
        auto report = app_->reload();
        if (broken) {
            EXPECT_FALSE(report.applied);
            ASSERT_FALSE(report.errors.empty());
            // The error points into the broken file; the config in force is the very one from before.
            EXPECT_NE(report.errors[0].to_string().find("oda-web/cart-item.yaml:"), std::string::npos)
                << report.errors[0].to_string();
            EXPECT_EQ(app_->current_config(), before);
            ++refused;
            std::ofstream(dir_ + "/oda-web/cart-item.yaml") << good_mapping;
        } else {
            EXPECT_TRUE(report.applied) << (report.errors.empty() ? "" : report.errors[0].to_string());
            EXPECT_TRUE(report.restart_needed.empty());
            ++applied;
        }
        slowest = std::max(slowest, report.took);
        total += report.took;
        std::this_thread::sleep_for(5ms);  // pacing only: the reloads are the load's background, not a sync
    }
    sender.join();
    EXPECT_EQ(acked.load(), kOrders) << "first NAK: " << *std::find_if(codes.begin(), codes.end(), [](auto& c) {
        return !gw::testing::accepted(c);
    });

    const gw::testing::DbReader db(dir_ + "/gw.db");
    EXPECT_EQ(db.wait_for("SELECT COUNT(*) FROM orders", kOrders, 60s), kOrders);
    EXPECT_EQ(db.wait_for("SELECT COUNT(*) FROM outbox WHERE kind = 'submit' AND state = 'done'", kOrders, 120s),
              kOrders);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM inbound_message WHERE state = 'processed'"), kOrders);
    EXPECT_EQ(db.count("SELECT COUNT(DISTINCT message_id) FROM orders"), kOrders);
    EXPECT_EQ(db.count("SELECT COUNT(DISTINCT external_ref) FROM orders"), kOrders);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM outbox WHERE state = 'dead'"), 0);
    const auto oda = db.count("SELECT COUNT(*) FROM orders WHERE vendor = 'oda-web'");
    const auto peppol = db.count("SELECT COUNT(*) FROM orders WHERE vendor = 'peppol-bis'");
    EXPECT_EQ(oda + peppol, kOrders);

    // The grocers' side: exactly the orders the gateway routed to each, none twice.
    auto http = httpclient::BlockingHttpClient::create();
    ASSERT_TRUE(http);
    auto listed = (*http)->request(httpclient::HttpRequest::get(sandbox_.url("/_sandbox/orders")));
    ASSERT_TRUE(listed);
    std::map<std::string, long long> per_vendor;
    std::set<std::string> refs;
    const auto grocer_orders = json::parse(listed->body);
    for (const auto& o : grocer_orders.as_array()) {
        per_vendor[std::string(o.at("vendor").as_string())]++;
        refs.insert(json::serialize(o.at("external_ref")));
    }
    EXPECT_EQ(per_vendor["oda-web"], oda);
    EXPECT_EQ(per_vendor["peppol-ap"] + per_vendor["peppol-bis"], peppol);
    EXPECT_EQ(refs.size(), static_cast<std::size_t>(kOrders));

    const auto attempts = db.count("SELECT COUNT(*) FROM delivery_attempt");
    std::printf("[ reload under load ] delivery ms per order: oda-web avg %lld, peppol-bis avg %lld; wall %lld ms\n",
                db.count("SELECT CAST(AVG(a.duration_ms) AS INTEGER) FROM delivery_attempt a JOIN outbox o ON "
                         "o.id = a.outbox_id WHERE o.destination = 'vendor:oda-web'"),
                db.count("SELECT CAST(AVG(a.duration_ms) AS INTEGER) FROM delivery_attempt a JOIN outbox o ON "
                         "o.id = a.outbox_id WHERE o.destination = 'vendor:peppol-bis'"),
                db.count("SELECT MAX(started_at + duration_ms) - MIN(started_at) FROM delivery_attempt"));
    std::printf("[ reload under load ] %d orders, %d reloads applied, %d refused (broken mapping), reload took "
                "avg %lld ms / max %lld ms; oda-web %lld, peppol-bis %lld orders; %lld delivery attempts; "
                "lost 0, doubled 0\n",
                kOrders, applied, refused, static_cast<long long>(total.count() / std::max(1, applied + refused)),
                static_cast<long long>(slowest.count()), oda, peppol, attempts);
    EXPECT_GE(applied, 4);
    EXPECT_GE(refused, 1);
    EXPECT_GT(oda, 0);
    EXPECT_GT(peppol, 0);
}

TEST_F(ReloadTest, ARefusedReloadReportsEveryErrorAndChangesNothing) {
    start();
    ASSERT_TRUE(app_);
    const auto before = app_->current_config();
    // Two problems in two files at once: a broken vendor mapping, overlapping contracts.
    std::ofstream(dir_ + "/oda-web/checkout.yaml") << "mapping: broken\ninput: canonical:care_order\noutput: json\n"
                                                      "template:\n  x: =nope(\n";
    std::ofstream(config_file_) << fmt::format(R"(gateway: {{instance_id: reload-test}}
http: {{enabled: false}}
mllp: [{{name: care-system, host: 127.0.0.1, port: 0, mapping: {src}/mappings/inbound/oms-o05.yaml}}]
store: {{kind: sqlite, path: {dir}/gw.db}}
vendors:
  oda-web: {{folder: {dir}/oda-web, base_url: "{sandbox}/oda-web", secrets: {{username: care, password: pw}}}}
  peppol-bis:
    folder: {src}/mappings/vendors/peppol-bis
    base_url: {sandbox}/peppol-ap
    params: {{seller_org_number: "937270062", seller_name: Sandbox Grocer AS, currency: NOK}}
    secrets: {{callback_token: peppol-callback}}
routes:
  - municipality: "3201"
    contracts:
      - {{vendor: peppol-bis, from: "2020-01-01", until: "2031-01-01"}}
      - {{vendor: peppol-bis, from: "2030-01-01"}}
)",
                                               fmt::arg("src", src_), fmt::arg("dir", dir_),
                                               fmt::arg("sandbox", sandbox_.base_url()));
    auto report = app_->reload();
    EXPECT_FALSE(report.applied);
    std::string all;
    for (const auto& e : report.errors) all += e.to_string() + "\n";
    EXPECT_NE(all.find("oda-web/checkout.yaml:5:"), std::string::npos) << all;
    EXPECT_NE(all.find("gateway.yaml:16:9: error: contract peppol-bis 2030-01-01 on overlaps"), std::string::npos)
        << all;
    EXPECT_EQ(app_->current_config(), before);
    EXPECT_EQ(report.generation, 1u);

    // A config file that is not even YAML: refused the same way.
    std::ofstream(config_file_) << "routes: [\n";
    auto garbage = app_->reload();
    EXPECT_FALSE(garbage.applied);
    ASSERT_FALSE(garbage.errors.empty());
    EXPECT_NE(garbage.errors[0].to_string().find("gateway.yaml:"), std::string::npos);
    EXPECT_EQ(app_->current_config(), before);

    // The gateway still works on the config it had: an order goes to peppol-bis and is delivered.
    mllp::ClientOptions o;
    o.port = app_->mllp_port();
    mllp::MllpClient client(o);
    ASSERT_TRUE(client.connect());
    auto ack = client.exchange(gw::testing::unique_order(gw::testing::sample("oms-o05-one-line.hl7"), "RF-1", "BK-RF-1"));
    ASSERT_TRUE(ack);
    EXPECT_TRUE(gw::testing::accepted(gw::testing::ack_code(*ack))) << *ack;
    const gw::testing::DbReader db(dir_ + "/gw.db");
    EXPECT_EQ(db.wait_for("SELECT COUNT(*) FROM outbox WHERE state = 'done'", 1, 30s), 1);
    EXPECT_EQ(db.column("SELECT vendor FROM orders"), std::vector<std::string>{"peppol-bis"});
}

TEST_F(ReloadTest, AReloadThatAddsARoutedVendorIsRefusedAndWhatNeedsARestartIsReported) {
    start();
    ASSERT_TRUE(app_);
    auto next = *app_->current_config();
    config::VendorSection kroger;
    kroger.name = "kroger-cart";
    kroger.folder = src_ + "/mappings/vendors/kroger-cart";
    kroger.base_url = sandbox_.url("/kroger-cart");
    kroger.secrets = {{"client_id", "gw"}, {"client_secret", "s"}};
    next.vendors.push_back(kroger);
    next.routes[0].contracts[0].vendor = "kroger-cart";
    auto refused = app_->reload(next);
    EXPECT_FALSE(refused.applied);
    ASSERT_EQ(refused.errors.size(), 1u);
    EXPECT_NE(refused.errors[0].message.find("vendor kroger-cart is new since the gateway started"),
              std::string::npos);

    // Declared but not routed to: applied, with the new vendor (and a changed delivery policy) named as needing a
    // restart.
    next.routes[0].contracts[0].vendor = "oda-web";
    next.vendors[0].delivery.max_attempts = 3;
    auto applied = app_->reload(next);
    EXPECT_TRUE(applied.applied) << (applied.errors.empty() ? "" : applied.errors[0].to_string());
    EXPECT_EQ(applied.generation, 2u);
    std::string restart;
    for (const auto& r : applied.restart_needed) restart += r + "; ";
    EXPECT_NE(restart.find("vendors.kroger-cart (new vendor"), std::string::npos) << restart;
    EXPECT_NE(restart.find("vendors.oda-web.delivery"), std::string::npos) << restart;
    EXPECT_EQ(app_->current_config()->routes[0].contracts[0].vendor, "oda-web");
}

}  // namespace
}  // namespace gw
