// POST /api/v1/webhooks/{vendor} on a real HttpServer (port 0) with the shipped instacart-connect and peppol-bis
// folders and a real SQLite store: every answer the endpoint gives, the bad inputs (bad signature, replayed old
// timestamp, unknown vendor, unknown order, a body the mapping refuses, too large), and a burst of concurrent
// signed webhooks that all end up stored exactly once.

#include <chrono>
#include <ctime>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "adapters/status/status_in_config.hpp"
#include "gateway/http/server.hpp"
#include "gateway/http/test_client.hpp"
#include "gateway/status/status_ingest.hpp"
#include "gateway/status/webhook_routes.hpp"
#include "gateway/status/webhook_verifier.hpp"
#include "tests/gateway/status/status_test_support.hpp"

namespace gw::status {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* kSecret = "test-webhook-secret";
constexpr const char* kToken = "test-callback-token";

class Webhooks : public testing::StatusFixture {
protected:
    void SetUp() override {
        StatusFixture::SetUp();
        reporter_ = std::make_unique<StatusReporter>(*store_, reporter_options());
        ingest_ = std::make_unique<StatusIngest>(*store_, reporter_.get());
        ingest_->start();
        std::vector<WebhookVendor> vendors;
        for (const std::string name : {"instacart-connect", "peppol-bis"}) {
            adapters::VendorSettings s;
            s.name = name;
            s.folder = testing::source("mappings/vendors/" + name);
            s.secrets = {{"webhook_secret", kSecret}, {"callback_token", kToken}};
            auto loaded = adapters::status::load_status_in(s);
            ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
            ASSERT_TRUE(loaded.config);
            if (name == "instacart-connect") instacart_ = *loaded.config->webhook;
            vendors.push_back({std::move(*loaded.config), {}});
        }
        routes_ = std::make_unique<WebhookRoutes>(*ingest_, std::move(vendors), [this] { return now_; });
        http::Router router;
        routes_->mount(router);
        http::ServerOptions options;
        options.port = 0;
        server_ = std::make_unique<http::HttpServer>(io_, options, std::move(router));
        ASSERT_TRUE(server_->start());
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    }

    void TearDown() override {
        server_.reset();
        work_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
        ingest_->stop();
        ingest_.reset();
        StatusFixture::TearDown();
    }

    http::ClientResponse post(const std::string& vendor, const std::string& body, const http::Fields& headers) {
        http::TestClient client;
        EXPECT_TRUE(client.connect(server_->port()));
        auto r = client.request(http::Verb::post, "/api/v1/webhooks/" + vendor, body, headers);
        EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
        return r ? *r : http::ClientResponse{};
    }

    // A webhook as the sandbox signs it, at `at` (unix seconds).
    http::ClientResponse instacart(const std::string& order_id, const std::string& status, const std::string& event_id,
                                   std::int64_t at) {
        const std::string body = R"({"event_id":)" + event_id + R"(,"event_type":"order.status_changed","order_id":")" +
                                 order_id + R"(","status":")" + status + R"(","occurred_at":"2026-11-25T14:05:12Z"})";
        http::Fields h;
        h.set("Content-Type", "application/json");
        h.set("X-Instacart-Timestamp", std::to_string(at));
        h.set("X-Instacart-Signature", sign_webhook(instacart_, std::to_string(at), body));
        return post("instacart-connect", body, h);
    }

    std::int64_t now_unix() const {
        return std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
    }

    static json::object problem(const http::ClientResponse& r) {
        EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
        return json::parse(r.body).as_object();
    }

    std::chrono::system_clock::time_point now_{std::chrono::seconds(1'764'079'200)};
    std::unique_ptr<StatusReporter> reporter_;
    std::unique_ptr<StatusIngest> ingest_;
    std::unique_ptr<WebhookRoutes> routes_;
    adapters::status::WebhookVerification instacart_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    std::unique_ptr<http::HttpServer> server_;
    std::vector<std::thread> threads_;
};

TEST_F(Webhooks, ASignedEventIsStoredBeforeTheAnswer) {
    auto order = make_order("instacart-connect");
    auto r = instacart(order.id, "acknowledged", "9007199254740993", now_unix());
    ASSERT_EQ(r.status, 200u) << r.body;
    auto body = json::parse(r.body).as_object();
    EXPECT_EQ(body.at("result"), "stored");
    EXPECT_EQ(body.at("order_state"), "accepted");
    EXPECT_EQ(state_of(order.id), "accepted");
    auto events = store_->get_order_detail(order.id)->events;
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].vendor_event_id, "9007199254740993");  // every digit of an id above 2^53
    EXPECT_EQ(outbox("mllp:care-system", order.id).size(), 1u);
}

TEST_F(Webhooks, ARetriedWebhookIsA200DuplicateAndALateOneDoesNotMoveTheOrderBack) {
    auto order = make_order("instacart-connect");
    ASSERT_EQ(instacart(order.id, "picking", "9007199254740995", now_unix()).status, 200u);
    auto again = instacart(order.id, "picking", "9007199254740995", now_unix());
    EXPECT_EQ(again.status, 200u);
    EXPECT_EQ(json::parse(again.body).at("result"), "duplicate");
    auto late = instacart(order.id, "acknowledged", "9007199254740994", now_unix());
    EXPECT_EQ(late.status, 200u);
    EXPECT_EQ(json::parse(late.body).at("result"), "stale");
    EXPECT_EQ(state_of(order.id), "picking");
}

TEST_F(Webhooks, ABadSignatureIs401WithAProblemAndIsCountedNotStored) {
    auto order = make_order("instacart-connect");
    const std::string body = R"({"event_id":1,"order_id":")" + order.id + R"(","status":"delivered"})";
    http::Fields h;
    h.set("X-Instacart-Timestamp", std::to_string(now_unix()));
    h.set("X-Instacart-Signature", "v1=" + std::string(64, 'a'));
    auto r = post("instacart-connect", body, h);
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(r.header("WWW-Authenticate"), "Signature");
    auto p = problem(r);
    EXPECT_EQ(p.at("code"), "bad_signature");
    EXPECT_EQ(p.at("status"), 401);
    EXPECT_EQ(state_of(order.id), "submitted");
    EXPECT_TRUE(rejected_messages("webhook:instacart-connect").empty());  // an attacker cannot fill the disk
    EXPECT_EQ(routes_->stats().bad_signature, 1u);
    EXPECT_EQ(routes_->stats().refused, 1u);
}

TEST_F(Webhooks, AReplayedOldTimestampIs401EvenWithAValidSignature) {
    auto order = make_order("instacart-connect");
    auto r = instacart(order.id, "delivered", "77", now_unix() - 3600);
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(problem(r).at("code"), "stale_timestamp");
    EXPECT_EQ(state_of(order.id), "submitted");
    EXPECT_EQ(routes_->stats().stale_timestamp, 1u);
}

TEST_F(Webhooks, AMissingSignatureIs401) {
    auto r = post("instacart-connect", "{}", {});
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(problem(r).at("code"), "missing_timestamp");
}

TEST_F(Webhooks, AnUnknownVendorIs404) {
    auto r = post("fresh-foods", "{}", {});
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(problem(r).at("code"), "unknown_vendor");
    EXPECT_EQ(routes_->stats().unknown_vendor, 1u);
}

TEST_F(Webhooks, AnUnknownOrderIs404AndKept) {
    auto r = instacart("GW-NEVER-SEEN", "delivered", "78", now_unix());
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(problem(r).at("code"), "unknown_order");
    auto kept = rejected_messages("webhook:instacart-connect");
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_NE(kept[0].raw.find("GW-NEVER-SEEN"), std::string::npos);
    EXPECT_EQ(kept[0].control_id, "78");
}

TEST_F(Webhooks, ABodyTheMappingRefusesIs422AndKept) {
    auto order = make_order("instacart-connect");
    auto r = instacart(order.id, "teleported", "79", now_unix());
    EXPECT_EQ(r.status, 422u);
    EXPECT_NE(problem(r).at("detail").as_string().find("teleported"), std::string::npos);
    EXPECT_EQ(rejected_messages("webhook:instacart-connect").size(), 1u);
    // Not even JSON.
    const std::string junk = "<html>oops</html>";
    http::Fields h;
    h.set("X-Instacart-Timestamp", std::to_string(now_unix()));
    h.set("X-Instacart-Signature", sign_webhook(instacart_, std::to_string(now_unix()), junk));
    EXPECT_EQ(post("instacart-connect", junk, h).status, 422u);
    EXPECT_EQ(rejected_messages("webhook:instacart-connect").size(), 2u);
}

TEST_F(Webhooks, ABodyOverTheVendorsLimitIs413) {
    std::string big(300 * 1024, 'x');  // instacart-connect: 256 KiB; the route accepts peppol's 1 MiB
    auto r = post("instacart-connect", big, {});
    EXPECT_EQ(r.status, 413u);
    EXPECT_EQ(routes_->stats().too_large, 1u);
}

TEST_F(Webhooks, APeppolOrderResponseWithTheBearerTokenUpdatesTheOrderFoundByPlacerNumber) {
    auto order = make_order("peppol-bis", "submitted", "BK-PEPPOL-1");
    std::string xml = testing::read_file(testing::source("mappings/vendors/peppol-bis/tests/responses/accepted.xml"));
    // The response names our Order by its cbc:ID, the placer order number.
    const auto at = xml.find("<cac:OrderReference>");
    ASSERT_NE(at, std::string::npos);
    const auto id_start = xml.find("<cbc:ID>", at) + 8;
    xml.replace(id_start, xml.find("</cbc:ID>", id_start) - id_start, "BK-PEPPOL-1");
    http::Fields h;
    h.set("Content-Type", "application/xml");
    h.set("Authorization", std::string("Bearer ") + kToken);
    auto r = post("peppol-bis", xml, h);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(state_of(order.id), "accepted");
    h.set("Authorization", "Bearer wrong");
    auto refused = post("peppol-bis", xml, h);
    EXPECT_EQ(refused.status, 401u);
    EXPECT_EQ(refused.header("WWW-Authenticate"), "Bearer");
}

TEST_F(Webhooks, ConcurrentWebhooksAreAllStoredOnce) {
    auto order = make_order("instacart-connect");
    constexpr int kThreads = 4, kPerThread = 25;
    std::vector<std::thread> senders;
    std::atomic<int> ok{0};
    for (int t = 0; t < kThreads; ++t) {
        senders.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                // Half of them are repeats of another thread's event: the id decides, not the arrival.
                const int id = (t % 2) * 1000 + i;
                auto r = instacart(order.id, "picking", std::to_string(9007199254740993LL + id), now_unix());
                if (r.status == 200) ok.fetch_add(1);
            }
        });
    }
    for (auto& s : senders) s.join();
    EXPECT_EQ(ok.load(), kThreads * kPerThread);
    EXPECT_EQ(store_->get_order_detail(order.id)->events.size(), 2u * kPerThread);
    EXPECT_EQ(state_of(order.id), "picking");
    EXPECT_EQ(outbox("mllp:care-system", order.id).size(), 1u);  // one change, one report
}

}  // namespace
}  // namespace gw::status
