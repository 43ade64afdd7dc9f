// Every shipped vendor folder against the real grocer sandbox (tests/sandbox): an order end to end, and the ways
// grocers fail — sold-out lines silently dropped, 425/429/503 bursts with and without Retry-After, validation 400s,
// expired sessions and tokens, HTML, garbage and cut-off JSON. The adapter must classify each, never crash.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "adapters/registry.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/mapping/mapping.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw::adapters {
namespace {

namespace json = boost::json;
using httpclient::HttpRequest;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A canonical order the way the gateway makes one: an inbound sample through oms-o05.yaml, then a gateway id.
json::value canonical_order(const std::string& sample, const std::string& gateway_id) {
    const std::string root = GATEWAY_SOURCE_DIR;
    auto mapping = mapping::load_mapping(root + "/mappings/inbound/oms-o05.yaml");
    EXPECT_TRUE(mapping.mapping);
    if (!mapping.mapping) return nullptr;
    auto order = mapping::translate_hl7_to_care_order(*mapping.mapping, read_file(root + "/mappings/inbound/samples/" + sample));
    EXPECT_TRUE(order) << order.error().to_string();
    if (!order) return nullptr;
    order->as_object()["gateway_id"] = gateway_id;
    return std::move(order).value();
}

std::string sandbox_yaml() {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 11
vendors:
  oda-web:
    username: care
    password: pw
    session_ttl: 10m
    max_in_flight: 4
    sold_out: ["7038010000119"]
  instacart-connect:
    client_id: gw
    client_secret: s3cret
    token_ttl: 1h
    slot_hold: 5m
    webhook_url: http://127.0.0.1:9/instacart
    webhook_secret: hook-secret
    event_interval: 10s
  kroger-cart:
    client_id: gw
    client_secret: s3cret
  peppol-ap:
    callback_url: http://127.0.0.1:9/peppol
    response_delay: 10s
)";
}

class SandboxAdapters : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        sandbox_ = new gw::testing::SandboxProcess(sandbox_yaml());
        control_ = std::move(httpclient::BlockingHttpClient::create()).value().release();
    }
    static void TearDownTestSuite() {
        delete control_;
        delete sandbox_;
    }

    void SetUp() override {
        ASSERT_TRUE(sandbox_->running()) << "grocer-sandbox did not start";
        control(HttpRequest{httpclient::Verb::delete_, sandbox_->url("/_sandbox/faults"), {}, {}, {}});
        control(HttpRequest{httpclient::Verb::delete_, sandbox_->url("/_sandbox/orders"), {}, {}, {}});
        thread_ = std::thread([this] { io_.run(); });
    }
    void TearDown() override {
        adapters_.clear();
        work_.reset();
        thread_.join();
    }

    static httpclient::HttpResponse control(HttpRequest request) {
        auto r = control_->request(std::move(request));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? std::move(r).value() : httpclient::HttpResponse{};
    }
    static void faults(const std::string& body) {
        auto r = control(HttpRequest::post(sandbox_->url("/_sandbox/faults"), body, "application/json"));
        ASSERT_EQ(r.status, 200u) << r.body;
    }
    static json::array orders() {
        auto r = control(HttpRequest::get(sandbox_->url("/_sandbox/orders")));
        return json::parse(r.body).as_array();
    }

    std::shared_ptr<Adapter> adapter(const std::string& vendor, const std::string& api) {
        VendorSettings s;
        s.name = vendor;
        s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/" + vendor;
        s.base_url = sandbox_->url("/" + api);
        s.secrets = {{"username", "care"}, {"password", "pw"}, {"client_id", "gw"}, {"client_secret", "s3cret"}};
        s.params = {{"seller_org_number", "987654321"}, {"seller_name", "Grocer AS"}};
        auto load = create_adapter(io_, s);
        std::string errors;
        for (const auto& e : load.errors) errors += e.to_string() + "\n";
        EXPECT_TRUE(load.adapter) << errors;
        if (load.adapter) adapters_.push_back(load.adapter);
        return load.adapter;
    }

    static DeliveryRequest order(const std::string& id, const std::string& sample = "oms-o05-three-lines.hl7") {
        DeliveryRequest r;
        r.order_id = id;
        r.idempotency_key = id;
        r.order = canonical_order(sample, id);
        r.timeout = std::chrono::seconds(20);
        return r;
    }

    static DeliveryOutcome run(Adapter& a, DeliveryRequest request, Operation op = Operation::submit) {
        std::promise<DeliveryOutcome> p;
        auto f = p.get_future();
        a.run(op, std::move(request), [&p](DeliveryOutcome o) { p.set_value(std::move(o)); });
        if (f.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
            ADD_FAILURE() << "no outcome in 30 s";
            return {};
        }
        return f.get();
    }

    static const json::object* recorded(const std::string& vendor, const json::value& external_ref) {
        static json::array last;
        last = orders();
        for (const auto& o : last)
            if (o.at("vendor") == vendor.c_str() && o.at("external_ref") == external_ref) return &o.as_object();
        return nullptr;
    }

    static gw::testing::SandboxProcess* sandbox_;
    static httpclient::BlockingHttpClient* control_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    std::thread thread_;
    std::vector<std::shared_ptr<Adapter>> adapters_;
};

gw::testing::SandboxProcess* SandboxAdapters::sandbox_ = nullptr;
httpclient::BlockingHttpClient* SandboxAdapters::control_ = nullptr;

// --- oda-web ---------------------------------------------------------------------------------------------------

TEST_F(SandboxAdapters, OdaTakesAnOrderAndReportsTheSoldOutLine) {
    auto oda = adapter("oda-web", "oda-web");
    ASSERT_TRUE(oda);
    EXPECT_EQ(oda->kind(), "http_json");
    auto out = run(*oda, order("GW-ODA-1"));
    ASSERT_EQ(out.outcome, Outcome::partial) << out.error;
    EXPECT_EQ(out.state, "partially_accepted");
    EXPECT_TRUE(out.vendor_order_ref.starts_with("ODA-")) << out.vendor_order_ref;
    ASSERT_EQ(out.lines.size(), 1u);
    EXPECT_EQ(out.lines[0].line_number, 2);
    EXPECT_EQ(out.lines[0].outcome, "out_of_stock");
    EXPECT_EQ(out.lines[0].detail, "missing from the grocer's confirmation");
    const auto* rec = recorded("oda-web", "GW-ODA-1");
    ASSERT_TRUE(rec) << json::serialize(orders());
    EXPECT_EQ(rec->at("body").at("submitted_items").as_array().size(), 3u);
    EXPECT_EQ(rec->at("body").at("accepted_items").as_array().size(), 2u);
}

TEST_F(SandboxAdapters, OdaWithoutSoldOutLinesIsASuccessAndLogsInAgainAfterExpiry) {
    auto oda = adapter("oda-web", "oda-web");
    ASSERT_TRUE(oda);
    auto first = run(*oda, order("GW-ODA-2", "oms-o05-one-line.hl7"));
    ASSERT_EQ(first.outcome, Outcome::success) << first.error;
    EXPECT_EQ(first.state, "accepted");
    // Every session now answers 419: the scheme logs in again and the step is repeated once.
    faults(R"({"oda-web": {"expire_tokens": true}})");
    auto second = run(*oda, order("GW-ODA-3", "oms-o05-one-line.hl7"));
    ASSERT_EQ(second.outcome, Outcome::success) << second.error;
    EXPECT_TRUE(recorded("oda-web", "GW-ODA-3"));
}

TEST_F(SandboxAdapters, OdaRunsOneOrderAtATimeSoCartsDoNotMix) {
    auto oda = adapter("oda-web", "oda-web");
    ASSERT_TRUE(oda);
    std::vector<std::future<DeliveryOutcome>> futures;
    std::vector<std::shared_ptr<std::promise<DeliveryOutcome>>> promises;
    for (int i = 0; i < 3; ++i) {
        auto p = std::make_shared<std::promise<DeliveryOutcome>>();
        futures.push_back(p->get_future());
        oda->run(Operation::submit, order("GW-ODA-C" + std::to_string(i), "oms-o05-one-line.hl7"),
                 [p](DeliveryOutcome o) { p->set_value(std::move(o)); });
        promises.push_back(std::move(p));
    }
    for (auto& f : futures) {
        ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
        auto out = f.get();
        EXPECT_EQ(out.outcome, Outcome::success) << out.error;
    }
    for (int i = 0; i < 3; ++i) {
        const auto* rec = recorded("oda-web", json::value("GW-ODA-C" + std::to_string(i)));
        ASSERT_TRUE(rec);
        EXPECT_EQ(rec->at("body").at("submitted_items").as_array().size(), 1u);  // its own line, nobody else's
    }
}

TEST_F(SandboxAdapters, OdaTooEarlyIsRetryableWithRetryAfter) {
    auto oda = adapter("oda-web", "oda-web");
    ASSERT_TRUE(oda);
    // Logged in first, so the burst meets a cart call, not the login.
    ASSERT_EQ(run(*oda, order("GW-ODA-7", "oms-o05-one-line.hl7")).outcome, Outcome::success);
    faults(R"({"oda-web": {"burst": {"status": 425, "count": 1, "retry_after_s": 3}}})");
    auto out = run(*oda, order("GW-ODA-4"));
    EXPECT_EQ(out.step, "add_line[1]");
    EXPECT_EQ(out.outcome, Outcome::retryable) << out.error;
    EXPECT_EQ(out.http_status, 425u);
    EXPECT_EQ(out.retry_after, std::chrono::milliseconds(3000));
    EXPECT_TRUE(out.state.empty());
    EXPECT_FALSE(recorded("oda-web", "GW-ODA-4"));
}

TEST_F(SandboxAdapters, OdaRefusesAWeighedQuantityBeforeSendingAnything) {
    auto oda = adapter("oda-web", "oda-web");
    ASSERT_TRUE(oda);
    auto out = run(*oda, order("GW-ODA-5", "oms-o05-weights.hl7"));
    EXPECT_EQ(out.outcome, Outcome::permanent);
    EXPECT_EQ(out.step, "add_line[1]");
    EXPECT_NE(out.error.find("quantity"), std::string::npos) << out.error;
}

// --- kroger-cart -----------------------------------------------------------------------------------------------

TEST_F(SandboxAdapters, KrogerCartHandOffIs204WithoutBody) {
    auto kroger = adapter("kroger-cart", "kroger-cart");
    ASSERT_TRUE(kroger);
    EXPECT_TRUE(kroger->capabilities().cart_handoff_only);
    auto out = run(*kroger, order("GW-KR-1"));
    ASSERT_EQ(out.outcome, Outcome::success) << out.error;
    EXPECT_EQ(out.state, "handed_over");
    EXPECT_EQ(out.http_status, 204u);  // the attempt log shows what the grocer answered: no content, no reference
    EXPECT_TRUE(out.vendor_order_ref.empty());
    const auto* rec = recorded("kroger-cart", nullptr);
    ASSERT_TRUE(rec) << json::serialize(orders());
    const auto& items = rec->at("body").at("items").as_array();
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0].at("upc"), "7038010000102");
}

TEST_F(SandboxAdapters, BurstsAreRetryableWithAndWithoutRetryAfter) {
    auto kroger = adapter("kroger-cart", "kroger-cart");
    ASSERT_TRUE(kroger);
    faults(R"({"kroger-cart": {"burst": {"status": 429, "count": 2, "retry_after_s": 2}}})");
    // The first 429 hits the token request: the auth scheme reports it as retryable.
    auto token = run(*kroger, order("GW-KR-2"));
    EXPECT_EQ(token.outcome, Outcome::retryable) << token.error;
    auto out = run(*kroger, order("GW-KR-2"));
    EXPECT_EQ(out.outcome, Outcome::retryable) << out.error;
    faults(R"({"kroger-cart": {"burst": {"status": 503, "count": 1}}})");
    auto unavailable = run(*kroger, order("GW-KR-2"));
    EXPECT_EQ(unavailable.outcome, Outcome::retryable) << unavailable.error;
    EXPECT_FALSE(unavailable.retry_after);
    auto finally = run(*kroger, order("GW-KR-2"));
    EXPECT_EQ(finally.outcome, Outcome::success) << finally.error;
}

TEST_F(SandboxAdapters, KrogerValidationErrorIsPermanentWithTheGrocersText) {
    // The shipped mapping sends 13-digit UPCs; a folder that sends the GTIN-14 as is gets Kroger's 400.
    const auto root = gw::testing::temp_dir();
    const auto dir = root + "/kroger-cart";
    std::filesystem::create_directories(dir);
    const std::string shipped = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/kroger-cart/";
    std::filesystem::copy_file(shipped + "adapter.yaml", dir + "/adapter.yaml");
    std::ofstream(dir + "/cart.yaml") << "input: canonical:care_order\noutput: json\ntemplate:\n  items:\n"
                                         "    - {$each: lines, $as: line, upc: =line.gtin, quantity: =line.quantity | int}\n";
    VendorSettings s;
    s.name = "kroger-cart";
    s.folder = dir;
    s.base_url = sandbox_->url("/kroger-cart");
    s.secrets = {{"client_id", "gw"}, {"client_secret", "s3cret"}};
    auto load = create_adapter(io_, s);
    ASSERT_TRUE(load.adapter);
    adapters_.push_back(load.adapter);
    auto out = run(*load.adapter, order("GW-KR-9"));
    EXPECT_EQ(out.outcome, Outcome::permanent);
    EXPECT_EQ(out.http_status, 400u);
    EXPECT_EQ(out.error, "HTTP 400 from add_to_cart: upc must be 13 digits");
    EXPECT_TRUE(orders().empty());
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
}

// --- instacart-connect -----------------------------------------------------------------------------------------

TEST_F(SandboxAdapters, InstacartHoldsASlotThenOrders) {
    auto instacart = adapter("instacart-connect", "instacart-connect");
    ASSERT_TRUE(instacart);
    auto out = run(*instacart, order("GW-IC-1"));
    ASSERT_EQ(out.outcome, Outcome::success) << out.error;
    EXPECT_EQ(out.state, "submitted");
    EXPECT_EQ(out.vendor_order_ref, "GW-IC-1");
    const auto* rec = recorded("instacart-connect", "GW-IC-1");
    ASSERT_TRUE(rec);
    EXPECT_TRUE(rec->at("body").at("service_option_hold_id").as_string().starts_with("hold-"));
    // The same order again: the grocer already has it (409 code 2001), so an earlier attempt got through.
    auto again = run(*instacart, order("GW-IC-1"));
    EXPECT_EQ(again.outcome, Outcome::success) << again.error;
    EXPECT_EQ(again.vendor_order_ref, "GW-IC-1");
}

TEST_F(SandboxAdapters, InstacartServerErrorsAndExpiredTokens) {
    auto instacart = adapter("instacart-connect", "instacart-connect");
    ASSERT_TRUE(instacart);
    ASSERT_EQ(run(*instacart, order("GW-IC-2")).outcome, Outcome::success);
    faults(R"({"instacart-connect": {"expire_tokens": true}})");
    auto refreshed = run(*instacart, order("GW-IC-3"));
    EXPECT_EQ(refreshed.outcome, Outcome::success) << refreshed.error;
    faults(R"({"instacart-connect": {"error_percent": 100}})");
    auto failed = run(*instacart, order("GW-IC-4"));
    EXPECT_EQ(failed.outcome, Outcome::retryable) << failed.error;
    EXPECT_GE(failed.http_status.value_or(0), 500u);
    EXPECT_EQ(failed.step, "hold_slot");
}

TEST_F(SandboxAdapters, InstacartExpiredSlotHoldIsRetryable) {
    // A sandbox whose holds are expired the moment they are made (not 1 ms: a fast loopback places the order
    // within it): the order step meets 409 code 9999.
    auto yaml = sandbox_yaml();
    yaml.replace(yaml.find("slot_hold: 5m"), 13, "slot_hold: 0s");
    gw::testing::SandboxProcess quick(yaml);
    ASSERT_TRUE(quick.running());
    VendorSettings s;
    s.name = "instacart-connect";
    s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/instacart-connect";
    s.base_url = quick.url("/instacart-connect");
    s.secrets = {{"client_id", "gw"}, {"client_secret", "s3cret"}};
    auto load = create_adapter(io_, s);
    ASSERT_TRUE(load.adapter);
    adapters_.push_back(load.adapter);
    auto out = run(*load.adapter, order("GW-IC-9"));
    EXPECT_EQ(out.outcome, Outcome::retryable) << out.error;
    EXPECT_EQ(out.http_status, 409u);
    EXPECT_EQ(out.step, "create_order");
    EXPECT_EQ(out.error, "HTTP 409 from create_order: the slot hold expired before the order was placed");
}

// --- peppol-bis (http_xml) -------------------------------------------------------------------------------------

TEST_F(SandboxAdapters, PeppolPostsTheUblOrder) {
    auto peppol = adapter("peppol-bis", "peppol-ap");
    ASSERT_TRUE(peppol);
    EXPECT_EQ(peppol->kind(), "http_xml");
    auto out = run(*peppol, order("GW-PE-1"));
    ASSERT_EQ(out.outcome, Outcome::success) << out.error;
    EXPECT_EQ(out.state, "submitted");
    const auto placer = canonical_order("oms-o05-three-lines.hl7", "x").at("source").at("placer_order_number");
    EXPECT_EQ(out.vendor_order_ref, placer.as_string().c_str());
    const auto* rec = recorded("peppol-ap", placer);
    ASSERT_TRUE(rec) << json::serialize(orders());
    EXPECT_NE(std::string(rec->at("body").as_string()).find("urn:fdc:peppol.eu:poacc:trns:order:3"), std::string::npos);
}

// --- what grocers send when things go wrong --------------------------------------------------------------------

TEST_F(SandboxAdapters, MalformedJsonAnswerIsClassifiedNotACrash) {
    auto oda = adapter("oda-web", "oda-web");
    ASSERT_TRUE(oda);
    // Every JSON answer cut short: the login's CSRF token cannot be read.
    faults(R"({"oda-web": {"malformed_json_percent": 100}})");
    auto out = run(*oda, order("GW-ODA-6"));
    EXPECT_NE(out.outcome, Outcome::success);
    EXPECT_FALSE(out.error.empty());
    auto peppol = adapter("peppol-bis", "peppol-ap");
    faults(R"({"peppol-ap": {"malformed_json_percent": 100}})");
    // The AP took the document (202) but its answer is cut: the capture fails; the step is idempotent -> retryable.
    auto cut = run(*peppol, order("GW-PE-2"));
    EXPECT_EQ(cut.outcome, Outcome::retryable) << cut.error;
    EXPECT_NE(cut.error.find("malformed JSON"), std::string::npos) << cut.error;
    faults(R"({"peppol-ap": {}})");
    // The retry replays the stored answer (same Idempotency-Key): now readable, the order is submitted once.
    auto retried = run(*peppol, order("GW-PE-2"));
    EXPECT_EQ(retried.outcome, Outcome::success) << retried.error;
}

TEST_F(SandboxAdapters, ConnectionResetsAndDeadlines) {
    auto kroger = adapter("kroger-cart", "kroger-cart");
    ASSERT_TRUE(kroger);
    faults(R"({"kroger-cart": {"reset_percent": 100}})");
    auto reset = run(*kroger, order("GW-KR-3"));
    EXPECT_EQ(reset.outcome, Outcome::retryable) << reset.error;
    faults(R"({"kroger-cart": {"latency_ms": 3000}})");
    auto slow = order("GW-KR-4");
    slow.timeout = std::chrono::milliseconds(400);
    const auto started = std::chrono::steady_clock::now();
    auto late = run(*kroger, std::move(slow));
    EXPECT_EQ(late.outcome, Outcome::retryable) << late.error;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST_F(SandboxAdapters, UnknownHostPortIsRetryableAndUnsupportedOperationPermanent) {
    VendorSettings s;
    s.name = "kroger-cart";
    s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/kroger-cart";
    s.base_url = "http://127.0.0.1:9/kroger-cart";  // discard port: nothing listens
    s.secrets = {{"client_id", "gw"}, {"client_secret", "s3cret"}};
    auto load = create_adapter(io_, s);
    ASSERT_TRUE(load.adapter);
    adapters_.push_back(load.adapter);
    auto out = run(*load.adapter, order("GW-KR-5"));
    EXPECT_EQ(out.outcome, Outcome::retryable) << out.error;
    EXPECT_FALSE(load.adapter->supports(Operation::cancel));
    auto cancel = run(*load.adapter, order("GW-KR-5"), Operation::cancel);
    EXPECT_EQ(cancel.outcome, Outcome::permanent);
}

}  // namespace
}  // namespace gw::adapters
