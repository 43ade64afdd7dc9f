// The http_json engine against a grocer we script answer by answer (our own HttpServer on port 0): what goes out
// (paths, headers, placeholders, Idempotency-Keys, one request per line, `when:`), and what the adapter makes of
// answers no sandbox sends: HTML error pages, garbage, JSON cut short, HTTP-date Retry-After, problem bodies.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>

#include "adapters/registry.hpp"
#include "gateway/http/server.hpp"
#include "tests/support/sandbox_process.hpp"

namespace gw::adapters {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Seen {
    std::string method;
    std::string path;
    std::string body;
    std::string idempotency_key;
    std::string request_id;
    std::string api_key;
};

// Answers queued per test; every request is recorded.
class FakeGrocer {
public:
    FakeGrocer() : server_(ioc_, options(), router()) {
        if (server_.start()) thread_ = std::thread([this] { ioc_.run(); });
    }
    ~FakeGrocer() {
        server_.stop();
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/api"; }
    void answer(http::Response r) {
        std::lock_guard lock(mutex_);
        answers_.push_back(std::move(r));
    }
    std::vector<Seen> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    static http::ServerOptions options() {
        http::ServerOptions o;
        o.port = 0;
        o.stop_timeout = 1s;
        return o;
    }
    http::Response handle(const http::Request& req, const char* method) {
        std::lock_guard lock(mutex_);
        auto header = [&](const char* name) { return std::string(req.header(name).value_or("")); };
        seen_.push_back({method, req.path, req.body, header("Idempotency-Key"), header("X-Request-Id"), header("X-Api-Key")});
        if (answers_.empty()) return http::Response::json(http::Status::ok, std::string(R"({"id":"DEFAULT"})"));
        auto r = std::move(answers_.front());
        answers_.pop_front();
        return r;
    }
    http::Router router() {
        http::Router r;
        r.post("/api/orders/{customer}", [this](const http::Request& req) { return handle(req, "POST"); });
        r.put("/api/lines/{number}", [this](const http::Request& req) { return handle(req, "PUT"); });
        return r;
    }

    boost::asio::io_context ioc_;
    http::HttpServer server_;
    std::thread thread_;
    std::mutex mutex_;
    std::deque<http::Response> answers_;
    std::vector<Seen> seen_;
};

constexpr const char* kAdapterYaml = R"(adapter: acme
kind: http_json
auth:
  scheme: api_key
  in: header
  name: X-Api-Key
  value: "{{secret.api_key}}"
operations:
  submit:
    steps:
      - name: line
        for_each: lines
        method: PUT
        path: /lines/{{line.line_number}}
        body: line.yaml
        idempotent: true
        when: "{{param.per_line}}"
      - name: create
        path: /orders/{{param.customer}}
        body: order.yaml
        headers: {X-Request-Id: "{{order_id}}"}
        idempotent: IDEMPOTENT
        capture: {vendor_order_ref: /id}
    outcome:
      state: accepted
      error_text: [/problem/text]
)";

class FakeGrocerTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = gw::testing::temp_dir();
        dir_ = root_ + "/acme";
        fs::create_directories(dir_);
        std::ofstream(dir_ + "/order.yaml") << "input: canonical:care_order\noutput: json\nparams: [order_id]\n"
                                               "template: {ref: =$order_id, count: =count(all(lines))}\n";
        std::ofstream(dir_ + "/line.yaml") << "input: canonical:care_order\noutput: json\nitem: {each: lines, as: line}\n"
                                              "template: {gtin: =line.gtin, qty: =line.quantity | number}\n";
        thread_ = std::thread([this] { io_.run(); });
    }
    void TearDown() override {
        adapter_.reset();
        work_.reset();
        thread_.join();
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    std::shared_ptr<Adapter> make(bool idempotent_create, bool per_line) {
        std::string yaml = kAdapterYaml;
        yaml.replace(yaml.find("IDEMPOTENT"), 10, idempotent_create ? "true" : "false");
        std::ofstream(dir_ + "/adapter.yaml") << yaml;
        VendorSettings s;
        s.name = "acme";
        s.folder = dir_;
        s.base_url = grocer_.url();
        s.secrets = {{"api_key", "k-123"}};
        s.params = {{"customer", "C 1"}, {"per_line", per_line ? "yes" : ""}};
        auto load = create_adapter(io_, s);
        std::string errors;
        for (const auto& e : load.errors) errors += e.to_string() + "\n";
        EXPECT_TRUE(load.adapter) << errors;
        adapter_ = load.adapter;
        return adapter_;
    }

    DeliveryOutcome submit(std::chrono::milliseconds timeout = 10s) {
        DeliveryRequest r;
        r.order_id = "GW-7";
        r.idempotency_key = "KEY-7";
        r.order = boost::json::parse(R"({"lines":[{"line_number":1,"gtin":"07038010000102","quantity":"2"},
                                                 {"line_number":2,"gtin":"07038010000119","quantity":"1.5"}]})");
        r.timeout = timeout;
        std::promise<DeliveryOutcome> p;
        auto f = p.get_future();
        adapter_->run(Operation::submit, std::move(r), [&p](DeliveryOutcome o) { p.set_value(std::move(o)); });
        EXPECT_EQ(f.wait_for(20s), std::future_status::ready);
        return f.get();
    }

    static http::Response respond(unsigned status, std::string type, std::string body) {
        http::Response r;
        r.status = static_cast<http::Status>(status);
        r.content_type = std::move(type);
        r.body = std::move(body);
        return r;
    }

    FakeGrocer grocer_;
    std::string root_;
    std::string dir_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
    std::thread thread_;
    std::shared_ptr<Adapter> adapter_;
};

TEST_F(FakeGrocerTest, WhatGoesOut) {
    ASSERT_TRUE(make(true, true));
    grocer_.answer(http::Response::json(http::Status::ok, std::string("{}")));
    grocer_.answer(http::Response::json(http::Status::ok, std::string("{}")));
    grocer_.answer(http::Response::json(http::Status::created, std::string(R"({"id":"V-42"})")));
    auto out = submit();
    ASSERT_EQ(out.outcome, Outcome::success) << out.error;
    EXPECT_EQ(out.vendor_order_ref, "V-42");
    EXPECT_EQ(out.state, "accepted");
    EXPECT_EQ(out.step, "create");
    const auto seen = grocer_.seen();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].method, "PUT");
    EXPECT_EQ(seen[0].path, "/api/lines/1");
    EXPECT_EQ(boost::json::parse(seen[0].body), boost::json::parse(R"({"gtin":"07038010000102","qty":2})"));
    EXPECT_EQ(seen[1].path, "/api/lines/2");
    EXPECT_EQ(boost::json::parse(seen[1].body), boost::json::parse(R"({"gtin":"07038010000119","qty":1.5})"));
    EXPECT_EQ(seen[0].idempotency_key, "KEY-7/line/1");
    EXPECT_EQ(seen[1].idempotency_key, "KEY-7/line/2");
    EXPECT_EQ(seen[2].method, "POST");
    EXPECT_EQ(seen[2].path, "/api/orders/C 1");  // sent as C%201: our server decodes the path
    EXPECT_EQ(seen[2].idempotency_key, "KEY-7");
    EXPECT_EQ(seen[2].request_id, "GW-7");
    EXPECT_EQ(boost::json::parse(seen[2].body), boost::json::parse(R"({"ref":"GW-7","count":2})"));
    for (const auto& s : seen) EXPECT_EQ(s.api_key, "k-123");
}

TEST_F(FakeGrocerTest, WhenFalseSkipsTheStep) {
    ASSERT_TRUE(make(false, false));
    grocer_.answer(http::Response::json(http::Status::created, std::string(R"({"id":"V-1"})")));
    auto out = submit();
    ASSERT_EQ(out.outcome, Outcome::success) << out.error;
    const auto seen = grocer_.seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].path, "/api/orders/C 1");
    EXPECT_EQ(seen[0].idempotency_key, "");
}

TEST_F(FakeGrocerTest, HtmlErrorPage) {
    ASSERT_TRUE(make(false, false));
    grocer_.answer(respond(502, "text/html",
                           "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"));
    auto out = submit();
    EXPECT_EQ(out.outcome, Outcome::retryable);
    EXPECT_EQ(out.http_status, 502u);
    EXPECT_EQ(out.error, "HTTP 502 from create: 502 Bad Gateway");
}

TEST_F(FakeGrocerTest, GarbageOnSuccessIsPermanentUnlessIdempotent) {
    ASSERT_TRUE(make(false, false));
    grocer_.answer(respond(200, "application/octet-stream", std::string("\x89PNG\r\n\x1a\n\0\0", 10)));
    auto out = submit();
    EXPECT_EQ(out.outcome, Outcome::permanent);
    EXPECT_NE(out.error.find("unexpected answer"), std::string::npos) << out.error;

    ASSERT_TRUE(make(true, false));
    grocer_.answer(respond(201, "application/json", R"({"id": "V-)"));
    auto cut = submit();
    EXPECT_EQ(cut.outcome, Outcome::retryable);
    EXPECT_NE(cut.error.find("malformed JSON"), std::string::npos) << cut.error;
}

TEST_F(FakeGrocerTest, ProblemBodyAndHttpDateRetryAfter) {
    ASSERT_TRUE(make(false, false));
    grocer_.answer(respond(422, "application/problem+json",
                           R"({"title":"Unprocessable","problem":{"text":"customer C 1 is blocked"}})"));
    auto out = submit();
    EXPECT_EQ(out.outcome, Outcome::permanent);
    EXPECT_EQ(out.error, "HTTP 422 from create: customer C 1 is blocked");

    auto busy = respond(503, "application/json", R"({"detail":"maintenance"})");
    const auto in_90s = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + 90s);
    char date[64];
    std::tm tm{};
    gmtime_r(&in_90s, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    busy.headers.set("Retry-After", date);
    grocer_.answer(std::move(busy));
    auto later = submit();
    EXPECT_EQ(later.outcome, Outcome::retryable);
    EXPECT_EQ(later.error, "HTTP 503 from create: maintenance");
    ASSERT_TRUE(later.retry_after);
    EXPECT_GT(*later.retry_after, 85s);
    EXPECT_LE(*later.retry_after, 90s);
}

TEST_F(FakeGrocerTest, MappingErrorIsPermanentBeforeAnythingIsSent) {
    std::ofstream(dir_ + "/line.yaml") << "input: canonical:care_order\noutput: json\nitem: {each: lines, as: line}\n"
                                          "template: {qty: =line.quantity | int}\n";
    ASSERT_TRUE(make(true, true));
    grocer_.answer(http::Response::json(http::Status::ok, std::string("{}")));
    auto out = submit();
    EXPECT_EQ(out.outcome, Outcome::permanent);
    EXPECT_EQ(out.step, "line[2]");
    EXPECT_NE(out.error.find("1.5"), std::string::npos) << out.error;
    EXPECT_EQ(grocer_.seen().size(), 1u);  // line 1 went out, line 2 could not be rendered
}

}  // namespace
}  // namespace gw::adapters
