// The grocer sandbox as a black box: starts build/bin/grocer-sandbox on port 0 with a temporary config and drives
// every API style, quirk and fault through the gateway's own HttpClient. Webhooks and OrderResponses are received
// by an HttpServer in the test.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/hmac.h>

#include "gateway/http/server.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "tests/support/sandbox_process.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using gw::httpclient::BlockingHttpClient;
using gw::httpclient::FailureKind;
using gw::httpclient::HttpRequest;
using gw::httpclient::HttpResponse;
using gw::httpclient::Verb;
using gw::testing::SandboxProcess;
using gw::testing::temp_dir;

// An HttpServer collecting what the sandbox posts back (webhooks, OrderResponses).
class Receiver {
public:
    struct Received {
        gw::http::Fields headers;
        std::string body;
        std::string path;
    };

    Receiver() : server_(ioc_, options(), router()) {
        if (server_.start()) thread_ = std::thread([this] { ioc_.run(); });
    }
    ~Receiver() {
        server_.stop();
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }
    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(server_.port()) + std::string(path);
    }
    // Waits until at least n posts arrived (or the timeout passed) and returns what arrived.
    std::vector<Received> wait_for(std::size_t n, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
        return received_;
    }

private:
    static gw::http::ServerOptions options() {
        gw::http::ServerOptions o;
        o.port = 0;
        o.stop_timeout = 2s;
        return o;
    }
    gw::http::Router router() {
        gw::http::Router r;
        r.post("/hooks/{name}", [this](const gw::http::Request& req) {
            {
                std::lock_guard lock(mutex_);
                received_.push_back({req.headers, req.body, req.path});
            }
            cv_.notify_all();
            return gw::http::Response::no_content();
        });
        return r;
    }

    boost::asio::io_context ioc_;
    gw::http::HttpServer server_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Received> received_;
};

std::string config_yaml(const std::string& webhook_url, const std::string& peppol_url) {
    return R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 7
vendors:
  oda-web:
    username: care
    password: pw
    session_ttl: 10m
    max_in_flight: 2
    sold_out: ["SOLD-1"]
  instacart-connect:
    client_id: gw
    client_secret: s3cret
    token_ttl: 1h
    slot_hold: 5m
    webhook_url: )" + webhook_url + R"(
    webhook_secret: hook-secret
    event_interval: 60ms
    duplicate_percent: 100
    reorder_percent: 100
  kroger-cart:
    client_id: gw
    client_secret: s3cret
  peppol-ap:
    callback_url: )" + peppol_url + R"(
    response_delay: 10ms
    out_of_stock: ["7560000012345"]
)";
}

json::value parse(const std::string& body) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    return ec ? json::value(nullptr) : v;
}

std::string hmac_hex(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &length);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

class SandboxTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sandbox_.running()) << "grocer-sandbox did not start";
        gw::httpclient::ClientOptions options;
        options.total_timeout = 10s;
        auto c = BlockingHttpClient::create(options, 2);
        ASSERT_TRUE(c);
        client_ = std::move(*c);
    }

    HttpResponse call(HttpRequest request) {
        auto r = client_->request(std::move(request));
        EXPECT_TRUE(r) << r.error().to_string();
        return r ? std::move(*r) : HttpResponse{};
    }
    HttpResponse post_json(std::string_view path, const json::value& body) {
        return call(HttpRequest::post(sandbox_.url(path), json::serialize(body), "application/json"));
    }
    HttpResponse faults(const json::value& body) { return post_json("/_sandbox/faults", body); }
    json::array orders() { return parse(call(HttpRequest::get(sandbox_.url("/_sandbox/orders"))).body).as_array(); }
    void advance(int seconds) { post_json("/_sandbox/clock", json::object{{"advance_s", seconds}}); }

    std::string instacart_token() {
        auto r = call(HttpRequest::post(sandbox_.url("/instacart-connect/oauth/token"),
                                        "grant_type=client_credentials&client_id=gw&client_secret=s3cret",
                                        "application/x-www-form-urlencoded"));
        EXPECT_EQ(r.status, 200u) << r.body;
        return std::string(parse(r.body).at("access_token").as_string());
    }
    std::string hold_slot(const std::string& token) {
        auto request = HttpRequest::post(sandbox_.url("/instacart-connect/slots/hold"), "{}", "application/json");
        request.header("Authorization", "Bearer " + token);
        auto r = call(std::move(request));
        EXPECT_EQ(r.status, 201u) << r.body;
        return std::string(parse(r.body).at("service_option_hold").at("id").as_string());
    }
    HttpRequest instacart_order(const std::string& token, const std::string& hold, const std::string& order_id) {
        json::object body{{"order_id", order_id},
                          {"service_option_hold_id", hold},
                          {"items", json::array{json::object{{"upc", "7038010000737"}, {"count", 2}}}}};
        auto request = HttpRequest::post(sandbox_.url("/instacart-connect/orders"), json::serialize(body),
                                         "application/json");
        request.header("Authorization", "Bearer " + token);
        return request;
    }

    Receiver hooks_;
    SandboxProcess sandbox_{config_yaml(hooks_.url("/hooks/instacart"), hooks_.url("/hooks/peppol"))};
    std::unique_ptr<BlockingHttpClient> client_;
};

// --- oda-web ------------------------------------------------------------------------------------------------------

struct OdaSession {
    std::string cookie;
    std::string csrf;
};

OdaSession oda_login(SandboxTest&, BlockingHttpClient& client, const std::string& url) {
    auto r = client.request(HttpRequest::post(url, R"({"username":"care","password":"pw"})", "application/json"));
    OdaSession s;
    if (!r || r->status != 200) return s;
    for (const auto& field : r->headers) {
        if (field.name_string() != "Set-Cookie") continue;
        std::string value(field.value());
        auto pair = value.substr(0, value.find(';'));
        if (pair.starts_with("sessionid=")) s.cookie = pair;
    }
    s.csrf = std::string(parse(r->body).at("csrfToken").as_string());
    return s;
}

TEST_F(SandboxTest, OdaLoginCartAndCheckoutDropsSoldOutItemsSilently) {
    auto session = oda_login(*this, *client_, sandbox_.url("/oda-web/login"));
    ASSERT_FALSE(session.cookie.empty());
    auto add = [&](std::string product, int delta) {
        auto request = HttpRequest::post(sandbox_.url("/oda-web/cart/items"),
                                         json::serialize(json::object{{"product_id", product}, {"quantity_delta", delta}}),
                                         "application/json");
        request.header("Cookie", session.cookie).header("X-CSRFToken", session.csrf);
        return call(std::move(request));
    };
    EXPECT_EQ(add("MILK-1", 3).status, 200u);
    EXPECT_EQ(add("SOLD-1", 1).status, 200u);
    auto cart = add("MILK-1", -1);
    ASSERT_EQ(cart.status, 200u);
    auto cart_json = parse(cart.body);
    ASSERT_EQ(cart_json.at("items").as_array().size(), 2u);
    auto price = cart_json.at("items").at(0).at("unit_price");
    ASSERT_TRUE(price.is_string()) << "prices are decimal strings";
    EXPECT_NE(std::string(price.as_string()).find('.'), std::string::npos);

    auto checkout = HttpRequest::post(sandbox_.url("/oda-web/checkout"),
                                      R"({"externalReference":"PLACER-1","delivery":{"date":"2025-03-01"}})",
                                      "application/json");
    checkout.header("Cookie", session.cookie).header("X-CSRFToken", session.csrf);
    auto done = call(std::move(checkout));
    ASSERT_EQ(done.status, 200u) << "sold-out items are dropped, not refused";
    auto items = parse(done.body).at("items").as_array();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].at("productId").as_string(), "MILK-1");
    EXPECT_EQ(items[0].at("quantity").as_int64(), 2);

    auto recorded = orders();
    ASSERT_EQ(recorded.size(), 1u);
    EXPECT_EQ(recorded[0].at("vendor").as_string(), "oda-web");
    EXPECT_EQ(recorded[0].at("external_ref").as_string(), "PLACER-1");
    EXPECT_EQ(recorded[0].at("body").at("accepted_items").as_array().size(), 1u);
}

TEST_F(SandboxTest, OdaRequiresSessionAndCsrfAndExpiresSessions) {
    auto cart_request = [&](const std::string& cookie, const std::string& csrf) {
        auto request = HttpRequest::get(sandbox_.url("/oda-web/cart"));
        if (!cookie.empty()) request.header("Cookie", cookie);
        if (!csrf.empty()) request.header("X-CSRFToken", csrf);
        return call(std::move(request));
    };
    EXPECT_EQ(cart_request("", "").status, 401u);
    auto form = client_->request(HttpRequest::post(sandbox_.url("/oda-web/login"), "username=care&password=wrong",
                                                   "application/x-www-form-urlencoded"));
    ASSERT_TRUE(form);
    EXPECT_EQ(form->status, 401u);
    auto session = oda_login(*this, *client_, sandbox_.url("/oda-web/login"));
    EXPECT_EQ(cart_request(session.cookie, "wrong").status, 403u);
    EXPECT_EQ(cart_request(session.cookie, session.csrf).status, 200u);
    advance(11 * 60);
    EXPECT_EQ(cart_request(session.cookie, session.csrf).status, 419u);
}

TEST_F(SandboxTest, OdaAnswersTooEarlyUnderLoad) {
    auto session = oda_login(*this, *client_, sandbox_.url("/oda-web/login"));
    faults(json::object{{"oda-web", json::object{{"latency_ms", 300}}}});
    std::vector<std::future<gw::Result<HttpResponse>>> results;
    for (int i = 0; i < 6; ++i) {
        auto promise = std::make_shared<std::promise<gw::Result<HttpResponse>>>();
        results.push_back(promise->get_future());
        auto request = HttpRequest::get(sandbox_.url("/oda-web/cart"));
        request.header("Cookie", session.cookie).header("X-CSRFToken", session.csrf);
        client_->async().request(std::move(request), [promise](auto r) { promise->set_value(std::move(r)); });
    }
    int ok = 0;
    int too_early = 0;
    for (auto& f : results) {
        auto r = f.get();
        ASSERT_TRUE(r) << r.error().to_string();
        ok += r->status == 200;
        too_early += r->status == 425;
    }
    EXPECT_GE(ok, 1);
    EXPECT_GE(too_early, 1);
}

// --- instacart-connect --------------------------------------------------------------------------------------------

TEST_F(SandboxTest, InstacartTokensExpireWithInvalidToken) {
    auto token = instacart_token();
    hold_slot(token);
    advance(2 * 60 * 60);
    auto request = HttpRequest::post(sandbox_.url("/instacart-connect/slots/hold"), "{}", "application/json");
    request.header("Authorization", "Bearer " + token);
    auto expired = call(std::move(request));
    EXPECT_EQ(expired.status, 401u);
    EXPECT_EQ(parse(expired.body).at("error").as_string(), "invalid_token");
    // Basic authentication works as well as credentials in the body.
    auto basic = HttpRequest::post(sandbox_.url("/instacart-connect/oauth/token"), R"({"grant_type":"client_credentials"})",
                                   "application/json");
    basic.header("Authorization", "Basic Z3c6czNjcmV0");  // gw:s3cret
    auto fresh = call(std::move(basic));
    ASSERT_EQ(fresh.status, 200u) << fresh.body;
    hold_slot(std::string(parse(fresh.body).at("access_token").as_string()));
}

TEST_F(SandboxTest, InstacartExpiredSlotHoldIsAnEnvelopedError) {
    auto token = instacart_token();
    auto hold = hold_slot(token);
    advance(6 * 60);
    auto r = call(instacart_order(token, hold, "CARE-1"));
    EXPECT_EQ(r.status, 409u);
    auto errors = parse(r.body).at("errors").as_array();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].at("code").as_int64(), 9999);
    EXPECT_TRUE(orders().empty());
}

TEST_F(SandboxTest, InstacartWebhooksAreSignedWithHugeIdsDuplicatedAndOutOfOrder) {
    auto token = instacart_token();
    auto r = call(instacart_order(token, hold_slot(token), "CARE-2"));
    ASSERT_EQ(r.status, 201u) << r.body;
    // duplicate_percent 100: each of the 5 lifecycle events twice; reorder_percent 100: brand_new comes last.
    auto received = hooks_.wait_for(10);
    ASSERT_EQ(received.size(), 10u);
    std::set<std::string> ids;
    std::set<std::string> statuses;
    std::vector<std::string> first_seen;
    for (const auto& hook : received) {
        auto timestamp = std::string(hook.headers["X-Instacart-Timestamp"]);
        auto signature = std::string(hook.headers["X-Instacart-Signature"]);
        EXPECT_EQ(signature, "v1=" + hmac_hex("hook-secret", timestamp + "." + hook.body)) << hook.body;
        auto event = parse(hook.body);
        ASSERT_TRUE(event.at("event_id").is_uint64() || event.at("event_id").is_int64()) << "a JSON number";
        auto id = event.at("event_id").to_number<std::uint64_t>();
        EXPECT_GT(id, 1ull << 53);
        auto text = std::to_string(id);
        EXPECT_NE(hook.body.find("\"event_id\":" + text), std::string::npos) << "exact digits on the wire";
        if (ids.insert(text).second) first_seen.push_back(std::string(event.at("status").as_string()));
        statuses.insert(std::string(event.at("status").as_string()));
        EXPECT_EQ(event.at("order_id").as_string(), "CARE-2");
    }
    EXPECT_EQ(ids.size(), 5u);
    EXPECT_EQ(statuses, (std::set<std::string>{"brand_new", "acknowledged", "picking", "delivering", "delivered"}));
    ASSERT_FALSE(first_seen.empty());
    EXPECT_NE(first_seen.front(), "brand_new") << "events arrive out of order";
    // Polling sees the true lifecycle, whatever order the webhooks came in.
    auto poll = HttpRequest::get(sandbox_.url("/instacart-connect/orders/CARE-2"));
    poll.header("Authorization", "Bearer " + token);
    auto status = call(std::move(poll));
    ASSERT_EQ(status.status, 200u) << status.body;
    EXPECT_EQ(parse(status.body).at("status").as_string(), "delivered");
}

TEST_F(SandboxTest, IdempotencyKeyPreventsASecondOrder) {
    auto token = instacart_token();
    auto hold = hold_slot(token);
    auto first_request = instacart_order(token, hold, "CARE-3");
    first_request.header("Idempotency-Key", "key-3");
    auto second_request = first_request;
    auto first = call(std::move(first_request));
    auto second = call(std::move(second_request));
    EXPECT_EQ(first.status, 201u);
    EXPECT_EQ(second.status, first.status);
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(second.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(orders().size(), 1u);
    // Without the key, the same order id is a conflict, not a second order.
    auto again = call(instacart_order(token, hold_slot(token), "CARE-3"));
    EXPECT_EQ(again.status, 409u);
    EXPECT_EQ(orders().size(), 1u);
}

// --- kroger-cart --------------------------------------------------------------------------------------------------

TEST_F(SandboxTest, KrogerCartAddIs204WithoutBodyAndWantsUpc13) {
    auto token_request = HttpRequest::post(sandbox_.url("/kroger-cart/connect/oauth2/token"),
                                           "grant_type=client_credentials&scope=cart.basic:write",
                                           "application/x-www-form-urlencoded");
    token_request.header("Authorization", "Basic Z3c6czNjcmV0");
    auto token = call(std::move(token_request));
    ASSERT_EQ(token.status, 200u) << token.body;
    auto bearer = "Bearer " + std::string(parse(token.body).at("access_token").as_string());

    auto add = [&](std::string upc) {
        HttpRequest request = HttpRequest::put(
            sandbox_.url("/kroger-cart/v1/cart/add"),
            json::serialize(json::object{{"items", json::array{json::object{{"upc", upc}, {"quantity", 2}}}}}),
            "application/json");
        request.header("Authorization", bearer);
        return call(std::move(request));
    };
    auto ok = add("0001111041700");
    EXPECT_EQ(ok.status, 204u);
    EXPECT_TRUE(ok.body.empty());
    EXPECT_EQ(add("07038010000737").status, 400u) << "GTIN-14 is refused";
    auto recorded = orders();
    ASSERT_EQ(recorded.size(), 1u);
    EXPECT_EQ(recorded[0].at("vendor").as_string(), "kroger-cart");
    EXPECT_TRUE(recorded[0].at("external_ref").is_null());
}

// --- peppol-ap ----------------------------------------------------------------------------------------------------

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(SandboxTest, PeppolOrderIsAcceptedAndAnOrderResponseWithLineStatusIsPostedBack) {
    auto order = read_file(std::string(GATEWAY_SOURCE_DIR) + "/../shared/data/peppol/examples/Order_Example.xml");
    ASSERT_FALSE(order.empty());
    auto r = call(HttpRequest::post(sandbox_.url("/peppol-ap/documents"), order, "application/xml"));
    ASSERT_EQ(r.status, 202u) << r.body;
    auto received = hooks_.wait_for(1);
    ASSERT_EQ(received.size(), 1u);
    const auto& response = received[0].body;
    EXPECT_EQ(received[0].path, "/hooks/peppol");
    EXPECT_NE(response.find("<OrderResponse"), std::string::npos);
    EXPECT_NE(response.find("<cbc:OrderResponseCode>CA</cbc:OrderResponseCode>"), std::string::npos) << response;
    EXPECT_NE(response.find("<cbc:LineStatusCode>7</cbc:LineStatusCode>"), std::string::npos) << response;
    EXPECT_NE(response.find("<cbc:LineStatusCode>5</cbc:LineStatusCode>"), std::string::npos) << response;
    auto recorded = orders();
    ASSERT_EQ(recorded.size(), 1u);
    EXPECT_EQ(recorded[0].at("external_ref").as_string(), "34");
}

TEST_F(SandboxTest, PeppolRefusesDoctypeAndForeignRoots) {
    auto doctype = call(HttpRequest::post(sandbox_.url("/peppol-ap/documents"),
                                          "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><Order/>",
                                          "application/xml"));
    EXPECT_EQ(doctype.status, 400u);
    auto invoice = call(HttpRequest::post(
        sandbox_.url("/peppol-ap/documents"),
        R"(<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>)",
        "application/xml"));
    EXPECT_EQ(invoice.status, 400u);
    auto broken = call(HttpRequest::post(sandbox_.url("/peppol-ap/documents"), "<Order><unclosed></Order>",
                                         "application/xml"));
    EXPECT_EQ(broken.status, 400u);
    EXPECT_TRUE(orders().empty());
}

// --- faults -------------------------------------------------------------------------------------------------------

TEST_F(SandboxTest, BurstsOf429WithAndWithoutRetryAfter) {
    faults(json::object{{"kroger-cart", json::object{{"burst", json::object{{"status", 429}, {"count", 2}}}}}});
    auto token = [&] {
        auto request = HttpRequest::post(sandbox_.url("/kroger-cart/connect/oauth2/token"),
                                         "grant_type=client_credentials", "application/x-www-form-urlencoded");
        request.header("Authorization", "Basic Z3c6czNjcmV0");
        return call(std::move(request));
    };
    for (int i = 0; i < 2; ++i) {
        auto r = token();
        EXPECT_EQ(r.status, 429u);
        EXPECT_EQ(r.header("Retry-After"), "");
    }
    EXPECT_EQ(token().status, 200u);
    faults(json::object{{"kroger-cart", json::object{{"burst", json::object{{"status", 503}, {"count", 1}, {"retry_after_s", 3}}}}}});
    auto r = token();
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(r.header("Retry-After"), "3");
}

TEST_F(SandboxTest, ErrorsResetsTrickleAndMalformedJsonOnDemand) {
    faults(json::object{{"instacart-connect", json::object{{"error_percent", 100}}}});
    auto r = client_->request(HttpRequest::post(sandbox_.url("/instacart-connect/oauth/token"), "", "text/plain"));
    ASSERT_TRUE(r);
    EXPECT_GE(r->status, 500u);

    faults(json::object{{"instacart-connect", json::object{{"reset_percent", 100}}}});
    auto reset = client_->request(HttpRequest::post(sandbox_.url("/instacart-connect/oauth/token"), "", "text/plain"));
    ASSERT_FALSE(reset);
    EXPECT_EQ(gw::httpclient::failure_kind(reset.error()), FailureKind::connection_reset) << reset.error().to_string();

    faults(json::object{{"instacart-connect", json::object{{"malformed_json_percent", 100}}}});
    auto malformed = call(HttpRequest::post(sandbox_.url("/instacart-connect/oauth/token"),
                                            "grant_type=client_credentials&client_id=gw&client_secret=s3cret",
                                            "application/x-www-form-urlencoded"));
    EXPECT_EQ(malformed.status, 200u);
    EXPECT_TRUE(parse(malformed.body).is_null()) << malformed.body;

    faults(json::object{{"instacart-connect", json::object{{"trickle_ms", 20}}}});
    auto started = std::chrono::steady_clock::now();
    auto slow = call(HttpRequest::post(sandbox_.url("/instacart-connect/oauth/token"),
                                       "grant_type=client_credentials&client_id=gw&client_secret=s3cret",
                                       "application/x-www-form-urlencoded"));
    EXPECT_EQ(slow.status, 200u);
    EXPECT_TRUE(parse(slow.body).is_object()) << "a trickled body arrives intact";
    EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms);
    EXPECT_EQ(slow.header("X-Sandbox-Fault"), "");

    auto bad = faults(json::object{{"instacart-connect", json::object{{"latncy_ms", 1}}}});
    EXPECT_EQ(bad.status, 400u) << "a typo is refused, not ignored";
    auto cleared = call([&] {
        HttpRequest request = HttpRequest::get(sandbox_.url("/_sandbox/faults"));
        request.method = Verb::delete_;
        return request;
    }());
    EXPECT_EQ(cleared.status, 200u);
}

TEST_F(SandboxTest, ExpireTokensFaultInvalidatesIssuedTokens) {
    auto token = instacart_token();
    hold_slot(token);
    faults(json::object{{"instacart-connect", json::object{{"expire_tokens", true}}}});
    auto request = HttpRequest::post(sandbox_.url("/instacart-connect/slots/hold"), "{}", "application/json");
    request.header("Authorization", "Bearer " + token);
    EXPECT_EQ(call(std::move(request)).status, 401u);
    hold_slot(instacart_token());
}

TEST(SandboxConfigTest, UnknownKeysAreReportedWithFileLineColumn) {
    auto dir = temp_dir();
    auto path = dir + "/bad.yaml";
    std::ofstream(path) << "sandbox:\n  port: 0\n  prot: 1\n";
    std::string command = std::string(GATEWAY_BIN_DIR) + "/grocer-sandbox --config " + path + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    int status = ::pclose(pipe);
    EXPECT_NE(WEXITSTATUS(status), 0);
    EXPECT_NE(output.find(path + ":3:3: error:"), std::string::npos) << output;
    std::filesystem::remove_all(dir);
}

}  // namespace
