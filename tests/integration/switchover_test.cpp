// The switch-over the gateway exists for, end to end and in-process: Bærum's contract with oda-web ends and
// instacart-connect's begins at Oslo midnight. Before the switch, orders (OMS^O05 over MLLP) go to oda-web's API
// (the grocer sandbox) and — shadow mode — are also translated with instacart-connect's mappings and submitted to
// instacart's *test* endpoint (a second sandbox), never its production API, with every outcome counted. Then the
// date passes (the gateway's clock is moved; nothing sleeps until midnight): new orders go to instacart-connect's
// production API, while the orders oda-web still had in flight complete with oda-web. Each order keeps its vendor for
// life: its status reports (ORS^O06 over MLLP to the care system: oda-web's acceptance, instacart-connect's webhooks
// up to delivered) and a cancel after the switch, answered for oda-web's order by oda-web.

#include <algorithm>
#include <atomic>
#include <map>
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
#include "gateway/hl7/message.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/log/log.hpp"
#include "gateway/routing/oslo_time.hpp"
#include "gateway/routing/route_table.hpp"
#include "tests/support/care_system_receiver.hpp"
#include "tests/support/order_traffic.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using std::chrono::system_clock;

std::string grocers_yaml() {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 21
vendors:
  oda-web:
    username: care
    password: pw
    session_ttl: 30m
    max_in_flight: 8
  instacart-connect:
    client_id: gw
    client_secret: s3cret
    token_ttl: 1h
    slot_hold: 10m
    webhook_url: http://127.0.0.1:9/instacart
    webhook_secret: hook-secret
    event_interval: 80ms
)";
}

// The gateway's clock: the real one plus an offset the test moves.
class MovableClock {
public:
    system_clock::time_point now() const { return system_clock::now() + offset_.load(); }
    void set_offset(system_clock::duration d) { offset_ = d; }

private:
    std::atomic<system_clock::duration> offset_{system_clock::duration::zero()};
};

class SwitchoverTest : public ::testing::Test {
protected:
    void SetUp() override {
        log::Options quiet;
        quiet.level = log::Level::warn;
        log::init(quiet);
        ASSERT_TRUE(grocers_.running() && instacart_test_.running()) << "grocer-sandbox did not start";
        dir_ = gw::testing::temp_dir();
        http_ = std::move(httpclient::BlockingHttpClient::create()).value();
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

    std::string config_text(const std::string& switch_day) const {
        return fmt::format(R"(gateway: {{instance_id: switchover-test, shutdown_grace: 10s}}
http: {{host: 127.0.0.1, port: 0}}
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
    mapping: {src}/mappings/inbound/oms-o05.yaml
    status_out:
      host: 127.0.0.1
      port: {receiver}
      ack_timeout: 5s
      mapping: {src}/mappings/outbound/ors-o06.yaml
      delivery: {{backoff_initial: 50ms, backoff_max: 200ms}}
store: {{kind: sqlite, path: {dir}/gw.db}}
vendors:
  oda-web:
    folder: {src}/mappings/vendors/oda-web
    base_url: {grocers}/oda-web
    secrets: {{username: care, password: pw}}
    delivery: {{concurrency: 1}}
  instacart-connect:
    folder: {src}/mappings/vendors/instacart-connect
    base_url: {grocers}/instacart-connect
    sandbox_url: {test}/instacart-connect
    secrets: {{client_id: gw, client_secret: s3cret, webhook_secret: hook-secret}}
routes:
  - municipality: "3201"
    shadow: instacart-connect
    contracts:
      - {{vendor: oda-web, from: "2026-01-01", until: "{day}"}}
      - {{vendor: instacart-connect, from: "{day}"}}
)",
                           fmt::arg("src", src_), fmt::arg("dir", dir_), fmt::arg("grocers", grocers_.base_url()),
                           fmt::arg("test", instacart_test_.base_url()), fmt::arg("day", switch_day),
                           fmt::arg("receiver", care_system_.port()));
    }

    void control(const gw::testing::SandboxProcess& sandbox, httpclient::Verb verb, const std::string& path,
                 std::string body = "{}") {
        auto r = httpclient::HttpRequest::post(sandbox.url(path), std::move(body), "application/json");
        r.method = verb;
        auto answer = http_->request(std::move(r));
        ASSERT_TRUE(answer) << answer.error().to_string();
        ASSERT_EQ(answer->status / 100, 2u) << answer->body;
    }

    // The sandbox's orders as (vendor, external_ref) pairs.
    std::multiset<std::pair<std::string, std::string>> orders_at(const gw::testing::SandboxProcess& sandbox) {
        std::multiset<std::pair<std::string, std::string>> out;
        auto r = http_->request(httpclient::HttpRequest::get(sandbox.url("/_sandbox/orders")));
        EXPECT_TRUE(r);
        if (!r) return out;
        const auto parsed = json::parse(r->body);
        for (const auto& o : parsed.as_array()) {
            const auto& ref = o.at("external_ref");
            out.emplace(std::string(o.at("vendor").as_string()),
                        ref.is_string() ? std::string(ref.as_string()) : json::serialize(ref));
        }
        return out;
    }

    std::string send(mllp::MllpClient& client, const std::string& control_id, const std::string& placer,
                     const std::string& sample = "oms-o05-one-line.hl7") {
        auto ack = client.exchange(gw::testing::unique_order(gw::testing::sample(sample), control_id, placer));
        if (!ack) return ack.error().to_string();
        return gw::testing::accepted(gw::testing::ack_code(*ack)) ? "accepted" : *ack;
    }

    // The care system's states of each order (ORC-2 placer -> ORC-16.1 of every ORS^O06), and its UC answers.
    // `messages` as the receiver hands them to a wait_until predicate (under its lock: never call back into it).
    static std::map<std::string, std::vector<std::string>> reported_states(const std::vector<std::string>& messages) {
        std::map<std::string, std::vector<std::string>> out;
        std::set<std::string> seen;  // a report resent after a negative ACK keeps its MSH-10
        for (const auto& payload : messages) {
            auto m = hl7::parse(payload);
            if (!m || !seen.insert(m->get("MSH-10")).second) continue;
            out[m->get("ORC-2")].push_back(m->get("ORC-1") == "UC" ? "UC: " + m->get("ORC-16.2") : m->get("ORC-16.1"));
        }
        return out;
    }
    static bool has(const std::vector<std::string>& states, std::string_view prefix) {
        return std::any_of(states.begin(), states.end(), [&](const std::string& s) { return s.starts_with(prefix); });
    }

    std::string src_ = GATEWAY_SOURCE_DIR;
    gw::testing::CareSystemReceiver care_system_;
    gw::testing::SandboxProcess grocers_{grocers_yaml()};          // the grocers' production APIs
    gw::testing::SandboxProcess instacart_test_{grocers_yaml()};   // instacart-connect's test endpoint
    std::unique_ptr<httpclient::BlockingHttpClient> http_;
    std::string dir_;
    MovableClock clock_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
    std::vector<std::thread> threads_;
    std::unique_ptr<app::GatewayApp> app_;
};

TEST_F(SwitchoverTest, NewOrdersGoToTheNewGrocerWhileTheOldOnesFinishAndShadowModeCountedBeforehand) {
    // The switch-over day is today in Oslo; the gateway starts the day before (its clock 24 h behind), so its clock
    // never runs ahead of the store's and nothing waits for real midnight.
    const auto switch_day = routing::oslo_date(system_clock::now());
    clock_.set_offset(-std::chrono::hours(24));
    const auto day_before = routing::oslo_date(clock_.now());
    ASSERT_NE(day_before, switch_day);
    std::ofstream(dir_ + "/gateway.yaml") << config_text(switch_day);
    auto loaded = config::load_gateway_config(dir_ + "/gateway.yaml");
    ASSERT_TRUE(loaded.config) << loaded.errors.front().to_string();

    // What `gateway routes --at` shows for the two days.
    const auto before_table = routing::effective_routes(loaded.config->routes, day_before);
    EXPECT_EQ(before_table.at(0).vendor, "oda-web");
    EXPECT_EQ(before_table.at(0).next_day, switch_day);
    EXPECT_EQ(before_table.at(0).next_vendor, "instacart-connect");
    EXPECT_EQ(routing::effective_routes(loaded.config->routes, switch_day).at(0).vendor, "instacart-connect");

    app::AppOptions options;
    options.clock = [this] { return clock_.now(); };
    auto app = app::GatewayApp::create(io_, std::move(*loaded.config), options);
    ASSERT_TRUE(app) << app.error().to_string();
    app_ = std::move(app).value();
    ASSERT_TRUE(app_->start());
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    // The grocers' webhooks to the gateway's HTTP port, known only now. The test endpoint's go nowhere.
    control(grocers_, httpclient::Verb::post, "/_sandbox/callbacks",
            json::serialize(json::object{
                {"instacart-connect",
                 fmt::format("http://127.0.0.1:{}/api/v1/webhooks/instacart-connect", app_->http_port())}}));
    control(grocers_, httpclient::Verb::delete_, "/_sandbox/orders");
    control(instacart_test_, httpclient::Verb::delete_, "/_sandbox/orders");
    // oda-web answers slowly, so its orders are still being delivered when the contract ends.
    control(grocers_, httpclient::Verb::post, "/_sandbox/faults", R"({"oda-web": {"latency_ms": 250}})");

    mllp::ClientOptions mllp_options;
    mllp_options.port = app_->mllp_port();
    mllp::MllpClient care_system(mllp_options);
    ASSERT_TRUE(care_system.connect());
    const gw::testing::DbReader db(dir_ + "/gw.db");

    // ---- the day before: oda-web, and instacart-connect in the shadow ----
    constexpr int kBefore = 3;
    for (int i = 0; i < kBefore; ++i) {
        ASSERT_EQ(send(care_system, fmt::format("SW-A{}", i), fmt::format("BK-SW-A{}", i)), "accepted");
    }
    ASSERT_EQ(db.wait_for("SELECT COUNT(*) FROM orders", kBefore, 20s), kBefore);
    const auto before_ids = db.column("SELECT id FROM orders ORDER BY seq");
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM orders WHERE vendor = 'oda-web'"), kBefore);

    // ---- midnight in Oslo: the contract date passes ----
    const auto switched_at = clock_.now() + std::chrono::hours(24);
    clock_.set_offset(system_clock::duration::zero());
    const auto done_at_switch = db.count(
        "SELECT COUNT(*) FROM outbox WHERE destination = 'vendor:oda-web' AND state = 'done'");
    EXPECT_LT(done_at_switch, kBefore) << "oda-web had nothing in flight at the switch-over";

    constexpr int kAfter = 3;
    for (int i = 0; i < kAfter; ++i) {
        ASSERT_EQ(send(care_system, fmt::format("SW-B{}", i), fmt::format("BK-SW-B{}", i)), "accepted");
    }
    ASSERT_EQ(db.wait_for("SELECT COUNT(*) FROM orders", kBefore + kAfter, 20s), kBefore + kAfter);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM orders WHERE vendor = 'instacart-connect'"), kAfter);

    // Every order is delivered, each by the vendor it was stored with.
    EXPECT_EQ(db.wait_for("SELECT COUNT(*) FROM outbox WHERE kind = 'submit' AND state = 'done'", kBefore + kAfter,
                          60s),
              kBefore + kAfter);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM outbox WHERE state = 'dead'"), 0);
    const auto switched_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(switched_at.time_since_epoch()).count();
    EXPECT_GT(db.count(fmt::format("SELECT COUNT(*) FROM delivery_attempt a JOIN outbox o ON o.id = a.outbox_id "
                                   "WHERE o.destination = 'vendor:oda-web' AND a.started_at >= {}",
                                   switched_ms - 1000)),
              0)
        << "no oda-web delivery finished after the contract ended";
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM orders WHERE vendor = 'oda-web' AND state = 'accepted'"), kBefore);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM order_event e JOIN orders o ON o.id = e.order_id "
                       "WHERE e.vendor = o.vendor"),
              db.count("SELECT COUNT(*) FROM order_event"));

    // The grocers' production APIs saw exactly their own orders.
    std::multiset<std::pair<std::string, std::string>> expected;
    for (const auto& id : db.column("SELECT id FROM orders WHERE vendor = 'oda-web'")) expected.emplace("oda-web", id);
    for (const auto& id : db.column("SELECT id FROM orders WHERE vendor = 'instacart-connect'")) {
        expected.emplace("instacart-connect", id);
    }
    EXPECT_EQ(orders_at(grocers_), expected);

    // Shadow mode before the switch: every oda-web order also went through instacart-connect's mappings and to its
    // test endpoint — and only there — and all of them would have succeeded. After the switch nothing is shadowed:
    // instacart-connect is the vendor itself.
    EXPECT_EQ(db.wait_for("SELECT COUNT(*) FROM shadow_result", kBefore, 30s), kBefore);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM shadow_result WHERE vendor = 'instacart-connect' AND route_vendor = "
                       "'oda-web' AND outcome = 'would_succeed' AND sent = 1"),
              kBefore);
    std::multiset<std::pair<std::string, std::string>> shadowed;
    for (const auto& id : before_ids) shadowed.emplace("instacart-connect", id);
    EXPECT_EQ(orders_at(instacart_test_), shadowed);
    EXPECT_EQ(db.column("SELECT order_id FROM shadow_result ORDER BY order_id"),
              [&] {
                  auto ids = before_ids;
                  std::sort(ids.begin(), ids.end());
                  return ids;
              }());

    // Status back to the care system, each order from its own grocer: oda-web's acceptance, instacart-connect's
    // webhooks (signed, from its production API) all the way to delivered.
    ASSERT_TRUE(care_system_.wait_until(
        [&](const std::vector<std::string>& messages) {
            auto states = reported_states(messages);
            for (int i = 0; i < kBefore; ++i) {
                if (!has(states[fmt::format("BK-SW-A{}", i)], "accepted")) return false;
            }
            for (int i = 0; i < kAfter; ++i) {
                if (!has(states[fmt::format("BK-SW-B{}", i)], "delivered")) return false;
            }
            return true;
        },
        60s))
        << care_system_.messages().size() << " reports";
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM orders WHERE vendor = 'instacart-connect' AND state = 'delivered'"),
              kAfter);
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM order_event e JOIN orders o ON o.id = e.order_id "
                       "WHERE e.vendor <> o.vendor"),
              0);

    // A cancel after the switch-over for an order stored before it goes to that order's grocer, oda-web — which
    // cannot cancel through its API: the care system hears exactly that, about oda-web, not instacart-connect.
    ASSERT_EQ(send(care_system, "SW-C0", "BK-SW-A0", "oms-o05-cancel.hl7"), "accepted");
    ASSERT_TRUE(care_system_.wait_until(
        [&](const std::vector<std::string>& messages) { return has(reported_states(messages)["BK-SW-A0"], "UC: "); },
        30s));
    auto states = reported_states(care_system_.messages());
    for (const auto& state : states["BK-SW-A0"]) {
        if (state.starts_with("UC: ")) {
            EXPECT_NE(state.find("grocer oda-web cannot cancel"), std::string::npos) << state;
        }
    }
    EXPECT_EQ(db.count("SELECT COUNT(*) FROM outbox WHERE kind = 'cancel'"), 0);
}

}  // namespace
}  // namespace gw
