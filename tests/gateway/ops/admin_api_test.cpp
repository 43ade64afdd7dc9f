// The admin API over real sockets against a real SQLite store: authentication and roles (refusals audited),
// masking and audited unmasking, hostile search parameters, page caps, malformed bodies, dead-letter replay,
// pause/resume, /metrics parsed as Prometheus would, and live streams that end without leaking.
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "gateway/http/server.hpp"
#include "gateway/http/test_client.hpp"
#include "gateway/ops/ops_service.hpp"
#include "gateway/routing/oslo_time.hpp"
#include "gateway/store/sqlite_store.hpp"
#include "tests/gateway/ops/exposition_parser.hpp"

namespace gw::ops {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const char* kRaw =
    "MSH|^~\\&|GERICA|3201|GROCERY-GW|GW|20261111091500+0100||OMS^O05^OMS_O05|CTRL-77|P|2.5\r"
    "PID|1||PSN-4711^^^BAERUM^PI||Johansen^Ingrid||||||Kirkeveien 12 B^^Sandvika^^1337^NO||+4791234567\r"
    "ORC|NW|BK-77\r"
    "RQD|1|7038010009457^TINE Lettmelk 1 l^GTIN||2|EA\r";

const char* kCanonical =
    R"({"gateway_id":"GW-A","source":{"channel":"hl7_mllp","control_id":"CTRL-77","placer_order_number":"BK-77"},)"
    R"("action":"new","municipality":{"number":"3201"},"recipient":{"reference":"PSN-4711","name":{"given":"Ingrid",)"
    R"("family":"Johansen"},"address":{"street":"Kirkeveien 12 B","postal_code":"1337","city":"Sandvika",)"
    R"("country":"NO"},"phone":"+4791234567"},"delivery":{"date":"2026-11-12"},"lines":[{"line_number":1,)"
    R"("gtin":"07038010009457","description":"Lettmelk","quantity":"2","unit":{"code":"EA"},)"
    R"("substitution_allowed":false}],"ordered_by":{"staff_id":"S-1"},"created_at":"2026-11-11T09:15:00+01:00"})";

// What the hooks were asked to do.
struct Calls {
    std::mutex mutex;
    std::map<std::string, bool> paused{{"oda-web", false}, {"peppol-bis", false}};
    std::vector<std::string> woken;
    std::vector<std::string> actors;
};

class AdminApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("gw-admin-api-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(dir_);
        store::SqliteStoreOptions so;
        so.path = (dir_ / "gw.db").string();
        auto opened = store::SqliteStore::open(so);
        ASSERT_TRUE(opened) << opened.error().to_string();
        store_ = std::move(opened).value();
        seed();

        TokenStore tokens({{"vera", sha256_hex("viewer-token"), static_cast<std::uint8_t>(Role::viewer)},
                           {"otto", sha256_hex("operator-token"), static_cast<std::uint8_t>(Role::operator_)},
                           {"petra", sha256_hex("phi-token"),
                            static_cast<std::uint8_t>(static_cast<int>(Role::viewer) | static_cast<int>(Role::phi_reader))}});
        OpsOptions options;
        options.api.max_page_size = 2;
        options.api.default_page_size = 2;
        options.feed.interval = 50ms;
        options.feed.max_clients = 2;
        options.stats_max_age = 0ms;
        ops_ = std::make_unique<OpsService>(*store_, hooks(), options, std::move(tokens));
        http::Router router;
        ops_->mount(router);
        http::ServerOptions ho;
        ho.port = 0;
        ho.stop_timeout = 2s;
        server_ = std::make_unique<http::HttpServer>(io_, ho, std::move(router));
        ASSERT_TRUE(server_->start());
        work_.emplace(io_.get_executor());
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
        ops_->start();
    }

    void TearDown() override {
        if (server_) server_->stop();
        if (ops_) ops_->stop();
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        server_.reset();
        ops_.reset();
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    OpsHooks hooks() {
        OpsHooks h;
        h.vendors = [this] {
            std::lock_guard lock(calls_.mutex);
            std::vector<VendorStatus> out;
            for (const auto& [name, paused] : calls_.paused) {
                VendorStatus v;
                v.vendor = name;
                v.destination = "vendor:" + name;
                v.paused = paused;
                v.breaker = name == "oda-web" ? "open" : "closed";
                out.push_back(v);
            }
            return out;
        };
        auto set = [this](bool value) {
            return [this, value](std::string_view vendor, std::string_view actor) -> Result<void> {
                std::lock_guard lock(calls_.mutex);
                calls_.paused[std::string(vendor)] = value;
                calls_.actors.emplace_back(actor);
                return {};
            };
        };
        h.pause = set(true);
        h.resume = set(false);
        h.wake = [this](std::string_view d) {
            std::lock_guard lock(calls_.mutex);
            calls_.woken.emplace_back(d);
        };
        h.routes = [] {
            config::RouteSection r;
            r.municipality = "3201";
            r.contracts = {{"oda-web", "2020-01-01", "2099-01-01", {}}, {"peppol-bis", "2099-01-01", "", {}}};
            return std::vector<config::RouteSection>{r};
        };
        h.mapping_trace = [](const store::MessageRecord& m) -> Result<json::value> {
            return json::value(json::object{
                {"mapping", "oms-o05"},
                {"fields", json::array{json::object{{"output", "recipient.name.family"}, {"source", "PID-5.1"},
                                                    {"value", "Johansen"}},
                                       json::object{{"output", "recipient.reference"}, {"source", "PID-3.1"},
                                                    {"value", "PSN-4711"}},
                                       json::object{{"output", "source.control_id"}, {"source", "MSH-10"},
                                                    {"value", m.control_id}}}}});
        };
        return h;
    }

    void seed() {
        ingest::InboundMessage m;
        m.channel = "care-system";
        m.raw = kRaw;
        m.sender = "GERICA^3201";
        m.control_id = "CTRL-77";
        m.message_type = "OMS^O05";
        m.peer = "127.0.0.1:5000";
        m.correlation_id = "c0ffee";
        m.ack = "MSH|^~\\&|GW|GW|GERICA|3201|20261111||ACK^O05|A1|P|2.5\rMSA|AA|CTRL-77\r";
        auto appended = store_->append_messages(std::span<const ingest::InboundMessage>(&m, 1));
        ASSERT_TRUE(appended);
        message_id_ = appended->front().message_id;

        auto make = [&](std::string id, std::optional<std::int64_t> message, std::string vendor) {
            store::NewOrder o;
            o.id = id;
            o.message_id = message;
            o.canonical_json = kCanonical;
            o.municipality = "3201";
            o.vendor = vendor;
            o.external_ref = "BK-" + id;
            store::NewOutboxItem d;
            d.destination = "vendor:" + vendor;
            d.payload = kCanonical;
            d.idempotency_key = "submit-" + id;
            auto r = store_->create_order(o, d);
            EXPECT_TRUE(r) << r.error().to_string();
        };
        make("GW-A", message_id_, "oda-web");
        make("GW-B", std::nullopt, "oda-web");
        make("GW-C", std::nullopt, "peppol-bis");
        // GW-A's submission fails for good: a dead letter.
        auto claimed = store_->claim_due("vendor:oda-web", 1, "test", 60s);
        ASSERT_TRUE(claimed);
        ASSERT_EQ(claimed->size(), 1u);
        dead_id_ = claimed->front().id;
        store::AttemptReport attempt;
        attempt.http_status = 400;
        attempt.error = "HTTP 400: bad address";
        store::NewOrderEvent rejected;
        rejected.order_id = "GW-A";
        rejected.vendor = "oda-web";
        rejected.state = "rejected";
        rejected.json = R"({"order_id":"GW-A","vendor":"oda-web","state":"rejected","lines":[]})";
        ASSERT_TRUE(store_->dead_letter_with_event(dead_id_, "test", attempt, rejected, std::nullopt));
    }

    http::ClientResponse call(http::Verb method, const std::string& target, const std::string& token = {},
                              std::string body = {}) {
        http::TestClient client;
        EXPECT_TRUE(client.connect(server_->port()));
        http::Fields headers;
        if (!token.empty()) headers.set(http::beast_http::field::authorization, "Bearer " + token);
        if (!body.empty()) headers.set(http::beast_http::field::content_type, "application/json");
        auto r = client.request(method, target, std::move(body), headers);
        EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
        return r ? std::move(*r) : http::ClientResponse{};
    }
    http::ClientResponse get(const std::string& target, const std::string& token = "viewer-token") {
        return call(http::Verb::get, target, token);
    }
    http::ClientResponse post(const std::string& target, const std::string& token, std::string body) {
        return call(http::Verb::post, target, token, std::move(body));
    }
    static json::value body(const http::ClientResponse& r) {
        boost::system::error_code ec;
        auto v = json::parse(r.body, ec);
        EXPECT_FALSE(ec) << r.body;
        return v;
    }

    // Audit entries with `action`, waiting (bounded) for asynchronous writes.
    std::vector<store::AuditEntry> audit(const std::string& action, std::size_t at_least = 1) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        for (;;) {
            store::AuditQuery q;
            q.action = action;
            auto page = store_->find_audit(q);
            if (page && (page->items.size() >= at_least || std::chrono::steady_clock::now() > deadline)) {
                return page->items;
            }
            std::this_thread::sleep_for(10ms);
        }
    }

    std::filesystem::path dir_;
    std::unique_ptr<store::SqliteStore> store_;
    std::int64_t message_id_ = 0;
    std::int64_t dead_id_ = 0;
    Calls calls_;
    std::unique_ptr<OpsService> ops_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::thread> threads_;
    std::unique_ptr<http::HttpServer> server_;
};

TEST_F(AdminApiTest, WithoutAValidTokenEveryCallIs401AndAudited) {
    for (const std::string token : {"", "wrong-token"}) {
        auto r = get("/api/v1/orders", token);
        EXPECT_EQ(r.status, 401u);
        EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"gateway-admin\"");
        EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
        EXPECT_EQ(body(r).at("status"), 401);
    }
    EXPECT_EQ(post("/api/v1/vendors/oda-web/pause", "", R"({"reason":"x"})").status, 401u);
    const auto entries = audit("api.unauthenticated", 3);
    ASSERT_EQ(entries.size(), 3u);
    // Refusals are written by the worker threads, so in no particular order.
    EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const store::AuditEntry& e) {
        return e.target == "POST /api/v1/vendors/oda-web/pause";
    }));
    for (const auto& e : entries) EXPECT_TRUE(e.actor.starts_with("anonymous@127.0.0.1:")) << e.actor;
    std::lock_guard lock(calls_.mutex);
    EXPECT_FALSE(calls_.paused["oda-web"]);
}

TEST_F(AdminApiTest, WrongRoleIs403AndAudited) {
    auto r = post("/api/v1/vendors/oda-web/pause", "viewer-token", R"({"reason":"testing"})");
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_EQ(post("/api/v1/dead-letters/replay", "phi-token", R"({"reason":"x","ids":[1]})").status, 403u);
    auto unmask = get("/api/v1/orders/GW-A?unmask=true&reason=curious", "viewer-token");
    EXPECT_EQ(unmask.status, 403u);
    EXPECT_EQ(get("/api/v1/audit", "viewer-token").status, 403u);  // the audit log is for operators
    const auto entries = audit("api.forbidden", 4);
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const store::AuditEntry& e) { return e.actor == "vera"; }));
    std::lock_guard lock(calls_.mutex);
    EXPECT_FALSE(calls_.paused["oda-web"]);
}

TEST_F(AdminApiTest, ViewersSeeOrdersMasked) {
    auto r = get("/api/v1/orders/GW-A");
    ASSERT_EQ(r.status, 200u) << r.body;
    for (const char* secret : {"Johansen", "Ingrid", "Kirkeveien", "Sandvika", "91234567"}) {
        EXPECT_EQ(r.body.find(secret), std::string::npos) << secret << " leaked: " << r.body;
    }
    const auto v = body(r);
    EXPECT_EQ(v.at("masked"), true);
    EXPECT_EQ(v.at("order").at("canonical").at("recipient").at("reference"), "PSN-4711");
    EXPECT_EQ(v.at("order").at("recipient_ref"), "PSN-4711");
    EXPECT_EQ(v.at("message").at("control_id"), "CTRL-77");
    EXPECT_NE(v.at("message").at("raw").as_string().find("ORC|NW|BK-77"), std::string::npos);
    EXPECT_EQ(v.at("deliveries").at(0).at("state"), "dead");
    EXPECT_EQ(v.at("attempts").at(0).at("http_status"), 400);
    EXPECT_EQ(v.at("mapping_trace").at("fields").at(0).at("value"), "J***");
    EXPECT_EQ(v.at("mapping_trace").at("fields").at(1).at("value"), "PSN-4711");
    EXPECT_EQ(get("/api/v1/orders/GW-NOPE").status, 404u);

    auto m = get("/api/v1/messages/" + std::to_string(message_id_));
    ASSERT_EQ(m.status, 200u);
    EXPECT_EQ(m.body.find("Johansen"), std::string::npos);
    EXPECT_EQ(body(m).at("order_id"), "GW-A");
}

TEST_F(AdminApiTest, PhiReadersUnmaskWithAReasonAndEveryViewIsAudited) {
    auto no_reason = get("/api/v1/orders/GW-A?unmask=true", "phi-token");
    EXPECT_EQ(no_reason.status, 400u);
    EXPECT_TRUE(audit("phi.view", 0).empty());

    auto r = get("/api/v1/orders/GW-A?unmask=true&reason=driver%20cannot%20find%20the%20door", "phi-token");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_NE(r.body.find("Johansen"), std::string::npos);
    EXPECT_NE(r.body.find("Kirkeveien 12 B"), std::string::npos);
    EXPECT_EQ(body(r).at("masked"), false);
    auto m = get("/api/v1/messages/" + std::to_string(message_id_) + "?unmask=1&reason=check%20PID", "phi-token");
    ASSERT_EQ(m.status, 200u);
    EXPECT_NE(m.body.find("Johansen^Ingrid"), std::string::npos);

    const auto entries = audit("phi.view", 2);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].actor, "petra");
    EXPECT_EQ(entries[1].target, "order:GW-A");
    EXPECT_NE(entries[1].detail.find("driver cannot find the door"), std::string::npos) << entries[1].detail;
    EXPECT_EQ(entries[0].target, "message:" + std::to_string(message_id_));
    // Without asking, a phi-reader sees masked data too (and nothing is audited).
    auto plain = get("/api/v1/orders/GW-A", "phi-token");
    EXPECT_EQ(plain.body.find("Johansen"), std::string::npos);
}

TEST_F(AdminApiTest, SearchFindsOrdersByEveryKey) {
    auto by_control = body(get("/api/v1/orders?control_id=CTRL-77"));
    ASSERT_EQ(by_control.at("items").as_array().size(), 1u);
    EXPECT_EQ(by_control.at("items").at(0).at("id"), "GW-A");
    auto by_recipient = body(get("/api/v1/orders?recipient=PSN-4711&vendor=peppol-bis"));
    ASSERT_EQ(by_recipient.at("items").as_array().size(), 1u);
    EXPECT_EQ(by_recipient.at("items").at(0).at("id"), "GW-C");
    auto by_ref = body(get("/api/v1/orders?external_ref=BK-GW-B"));
    ASSERT_EQ(by_ref.at("items").as_array().size(), 1u);
    auto by_time = body(get("/api/v1/orders?from=2000-01-01&to=2000-01-02"));
    EXPECT_TRUE(by_time.at("items").as_array().empty());
    auto messages = body(get("/api/v1/messages?control_id=CTRL-77&state=processed"));
    ASSERT_EQ(messages.at("items").as_array().size(), 1u);
    EXPECT_EQ(get("/api/v1/messages?state=bogus").status, 400u);
}

TEST_F(AdminApiTest, InjectionAttemptsInSearchParametersAreJustValues) {
    for (const std::string q : {"/api/v1/orders?external_ref=x%27%20OR%20%271%27%3D%271",
                                "/api/v1/orders?recipient=%27)%20OR%201%3D1%20--",
                                "/api/v1/orders?vendor=oda-web%27%3B%20DROP%20TABLE%20orders%3B%20--",
                                "/api/v1/orders?control_id=%25",
                                "/api/v1/messages?channel=%27%20OR%20%27%27%3D%27"}) {
        auto r = get(q);
        ASSERT_EQ(r.status, 200u) << q << " " << r.body;
        EXPECT_TRUE(body(r).at("items").as_array().empty()) << q << " " << r.body;
    }
    EXPECT_EQ(get("/api/v1/orders?state=accepted%27%20OR%201%3D1").status, 400u);
    EXPECT_EQ(get("/api/v1/orders?message_id=1%20OR%201%3D1").status, 400u);
    EXPECT_EQ(get("/api/v1/orders?vendor=a%0Ab").status, 400u);  // control characters
    // The table is still there and complete.
    auto all = store_->find_orders({});
    ASSERT_TRUE(all);
    EXPECT_EQ(all->items.size(), 3u);
}

TEST_F(AdminApiTest, PageSizesAreCappedAndCursorsPage) {
    auto first = body(get("/api/v1/orders?limit=1000000000000000000000000"));
    EXPECT_EQ(first.at("limit"), 2);
    ASSERT_EQ(first.at("items").as_array().size(), 2u);
    ASSERT_TRUE(first.at("next_cursor").is_string());
    auto second = body(get("/api/v1/orders?limit=50&cursor=" + std::string(first.at("next_cursor").as_string())));
    ASSERT_EQ(second.at("items").as_array().size(), 1u);
    EXPECT_TRUE(second.at("next_cursor").is_null());
    EXPECT_EQ(get("/api/v1/orders?limit=0").status, 400u);
    EXPECT_EQ(get("/api/v1/orders?limit=-5").status, 400u);
    EXPECT_EQ(get("/api/v1/orders?limit=abc").status, 400u);
    EXPECT_EQ(get("/api/v1/orders?stat=failed").status, 400u);  // a typo is an error, not "everything"
    EXPECT_EQ(get("/api/v1/orders?limit=1&limit=2").status, 400u);
}

TEST_F(AdminApiTest, MalformedBodiesAre400ProblemsAndChangeNothing) {
    const std::string target = "/api/v1/dead-letters/replay";
    for (const std::string bad : {R"({"reason": "x", "ids": [1)", "not json", R"([1,2])", R"({"ids":[1]})",
                                  R"({"reason":"","ids":[1]})", R"({"reason":"x","ids":"1"})",
                                  R"({"reason":"x","ids":[-1]})", R"({"reason":"x","ids":[]})",
                                  R"({"reason":"x","ids":[1.5]})", R"({"reason":"x"} trailing)"}) {
        auto r = post(target, "operator-token", bad);
        EXPECT_EQ(r.status, 400u) << bad << " -> " << r.body;
        EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << bad;
        EXPECT_TRUE(body(r).at("detail").is_string());
    }
    EXPECT_EQ(post("/api/v1/vendors/oda-web/pause", "operator-token", "").status, 400u);
    std::lock_guard lock(calls_.mutex);
    EXPECT_FALSE(calls_.paused["oda-web"]);
    auto dead = store_->find_outbox({"", store::OutboxState::dead, "", {}});
    ASSERT_TRUE(dead);
    EXPECT_EQ(dead->items.size(), 1u);
}

TEST_F(AdminApiTest, DeadLettersAreListedAndReplayedWithAudit) {
    auto list = body(get("/api/v1/dead-letters?vendor=oda-web"));
    ASSERT_EQ(list.at("items").as_array().size(), 1u);
    EXPECT_EQ(list.at("items").at(0).at("id"), dead_id_);
    EXPECT_EQ(list.at("items").at(0).at("last_error"), "HTTP 400: bad address");

    auto r = post("/api/v1/dead-letters/" + std::to_string(dead_id_) + "/replay", "operator-token",
                  R"({"reason":"address fixed by the care team"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(body(r).at("requeued"), 1);
    auto pending = store_->find_outbox({"vendor:oda-web", store::OutboxState::pending, "GW-A", {}});
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->items.size(), 1u);
    // The rejected order is open again, so the replayed delivery's outcome can move it on.
    auto reopened = store_->get_order_detail("GW-A");
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->order.state, "routed");
    EXPECT_NE(reopened->events.back().json.find("replayed by otto: address fixed by the care team"), std::string::npos);
    {
        std::lock_guard lock(calls_.mutex);
        EXPECT_NE(std::find(calls_.woken.begin(), calls_.woken.end(), "vendor:oda-web"), calls_.woken.end());
    }
    const auto entries = audit("dead_letter.replay");
    ASSERT_FALSE(entries.empty());
    EXPECT_EQ(entries.front().actor, "otto");
    EXPECT_NE(entries.front().detail.find("address fixed by the care team"), std::string::npos);
    // Again: nothing left to replay.
    EXPECT_EQ(post("/api/v1/dead-letters/replay", "operator-token",
                   R"({"reason":"again","ids":[)" + std::to_string(dead_id_) + "]}")
                  .status,
              409u);
}

TEST_F(AdminApiTest, VendorsArePausedAndResumedWithAudit) {
    auto vendors = body(get("/api/v1/vendors"));
    ASSERT_EQ(vendors.at("items").as_array().size(), 2u);
    EXPECT_EQ(vendors.at("items").at(0).at("vendor"), "oda-web");
    EXPECT_EQ(vendors.at("items").at(0).at("dead_letters"), 1);
    EXPECT_EQ(vendors.at("items").at(0).at("breaker"), "open");

    auto r = post("/api/v1/vendors/oda-web/pause", "operator-token", R"({"reason":"sends duplicates"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    {
        std::lock_guard lock(calls_.mutex);
        EXPECT_TRUE(calls_.paused["oda-web"]);
        EXPECT_EQ(calls_.actors.back(), "otto");
    }
    EXPECT_EQ(body(get("/api/v1/vendors")).at("items").at(0).at("paused"), true);
    EXPECT_EQ(post("/api/v1/vendors/oda-web/resume", "operator-token", R"({"reason":"fixed"})").status, 200u);
    EXPECT_EQ(post("/api/v1/vendors/nobody/pause", "operator-token", R"({"reason":"x"})").status, 404u);
    const auto paused = audit("vendor.pause");
    ASSERT_EQ(paused.size(), 1u);
    EXPECT_EQ(paused[0].target, "vendor:oda-web");
    EXPECT_NE(paused[0].detail.find("sends duplicates"), std::string::npos);
    EXPECT_EQ(audit("vendor.resume").size(), 1u);
    // No reload hook in this build: 501, and the audit log stays as it was.
    EXPECT_EQ(post("/api/v1/reload", "operator-token", R"({"reason":"x"})").status, 501u);
}

TEST_F(AdminApiTest, RoutesShowTheUpcomingSwitchOver) {
    auto routes = body(get("/api/v1/routes"));
    const auto& r = routes.at("items").at(0);
    EXPECT_EQ(r.at("current").at("vendor"), "oda-web");
    EXPECT_EQ(r.at("next").at("vendor"), "peppol-bis");
    EXPECT_EQ(r.at("next").at("from"), "2099-01-01");
}

TEST_F(AdminApiTest, MetricsAreValidExpositionWithStoreAndVendorState) {
    auto r = call(http::Verb::get, "/metrics");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    const auto parsed = testing::parse_exposition(r.body);
    ASSERT_TRUE(parsed.ok()) << parsed.error << "\n" << r.body;
    const auto& f = parsed.families;
    EXPECT_EQ(f.at("gateway_orders").value({{"vendor", "oda-web"}, {"state", "failed"}}), std::nullopt);
    EXPECT_EQ(f.at("gateway_orders").value({{"vendor", "oda-web"}, {"state", "received"}}), 1);
    EXPECT_EQ(f.at("gateway_orders").value({{"vendor", "oda-web"}, {"state", "rejected"}}), 1);
    EXPECT_EQ(f.at("gateway_orders").value({{"vendor", "peppol-bis"}, {"state", "received"}}), 1);
    EXPECT_EQ(f.at("gateway_dead_letters").value({{"destination", "vendor:oda-web"}}), 1);
    EXPECT_EQ(f.at("gateway_outbox_depth").value({{"destination", "vendor:oda-web"}}), 1);
    EXPECT_EQ(f.at("gateway_store_messages").value({{"state", "processed"}}), 1);
    EXPECT_EQ(f.at("gateway_circuit_breaker_state").value({{"vendor", "oda-web"}, {"state", "open"}}), 1);
    EXPECT_EQ(f.at("gateway_circuit_breaker_state").value({{"vendor", "oda-web"}, {"state", "closed"}}), 0);
    EXPECT_EQ(f.at("gateway_vendor_paused").value({{"vendor", "peppol-bis"}}), 0);
    EXPECT_EQ(f.at("gateway_store_stats_up").value({}), 1);
    EXPECT_EQ(f.at("gateway_start_time_seconds").type, "gauge");
}

TEST_F(AdminApiTest, LiveStreamNeedsATokenAndEndsWhenTheBrowserGoes) {
    {
        http::TestClient anonymous;
        ASSERT_TRUE(anonymous.connect(server_->port()));
        auto r = anonymous.request(http::Verb::get, "/api/v1/stream");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401u);
    }
    EXPECT_EQ(audit("api.unauthenticated").size(), 1u);
    for (int round = 0; round < 3; ++round) {
        {
            http::TestClient browser;
            ASSERT_TRUE(browser.connect(server_->port()));
            ASSERT_TRUE(browser.write("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-token\r\n\r\n"));
            std::string seen;
            const auto deadline = std::chrono::steady_clock::now() + 10s;
            while (seen.find("event: flow") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
                auto chunk = browser.read_some(2s);
                if (!chunk) break;
                seen += *chunk;
            }
            ASSERT_NE(seen.find("HTTP/1.1 200"), std::string::npos) << seen;
            ASSERT_NE(seen.find("event: flow"), std::string::npos) << seen;
            EXPECT_NE(seen.find("\"vendors\""), std::string::npos);
            EXPECT_EQ(ops_->feed().clients(), 1u);
        }  // the browser tab closes
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (ops_->feed().clients() != 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
        }
        EXPECT_EQ(ops_->feed().clients(), 0u) << "round " << round;
    }
    // At most max_clients (2) streams: the third is refused with 503.
    http::TestClient a, b, c;
    for (auto* client : {&a, &b}) {
        ASSERT_TRUE(client->connect(server_->port()));
        ASSERT_TRUE(client->write("GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer viewer-token\r\n\r\n"));
        ASSERT_TRUE(client->read_some(5s));
    }
    ASSERT_TRUE(c.connect(server_->port()));
    http::Fields headers;
    headers.set(http::beast_http::field::authorization, "Bearer viewer-token");
    auto refused = c.request(http::Verb::get, "/api/v1/stream", {}, headers);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503u);
}

TEST_F(AdminApiTest, ScorecardIsServedAsJsonAndCsv) {
    const auto today = routing::oslo_date(std::chrono::system_clock::now());
    auto j = get("/api/v1/scorecard?from=2000-01-01&to=2099-12-31");
    EXPECT_EQ(j.status, 400u);  // longer than a year
    auto csv = get("/api/v1/scorecard?format=csv&from=" + today + "&to=" + today);
    ASSERT_EQ(csv.status, 200u) << csv.body;
    EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
    EXPECT_TRUE(csv.body.starts_with("vendor,period_from,period_to,orders,")) << csv.body;
    EXPECT_NE(csv.body.find("\r\noda-web," + today + "," + today + ",2,"), std::string::npos) << csv.body;
    auto json_r = body(get("/api/v1/scorecard?from=" + today + "&to=" + today));
    EXPECT_EQ(json_r.at("vendors").as_array().size(), 2u);
    EXPECT_EQ(get("/api/v1/scorecard?from=" + today).status, 400u);
}

TEST_F(AdminApiTest, WhoamiAndOverview) {
    auto me = body(get("/api/v1/whoami", "phi-token"));
    EXPECT_EQ(me.at("name"), "petra");
    EXPECT_EQ(me.at("can_act"), false);
    EXPECT_EQ(me.at("can_unmask"), true);
    auto overview = get("/api/v1/overview");
    ASSERT_EQ(overview.status, 200u);
    EXPECT_EQ(body(overview).at("vendors").as_array().size(), 2u);
}

}  // namespace
}  // namespace gw::ops
