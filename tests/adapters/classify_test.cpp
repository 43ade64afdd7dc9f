// The verdict on one answer: defaults of adapters/README.md, `rules:` first, the grocer's own error text, readable
// excerpts of HTML and garbage, Retry-After on retryable answers.
#include <gtest/gtest.h>

#include "adapters/http/classify.hpp"
#include "gateway/httpclient/failure.hpp"

namespace gw::adapters::http {
namespace {

using httpclient::HttpResponse;

const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1795687200));  // 2026-11-26 10:00Z

HttpResponse answer(unsigned status, std::string body, std::string type = "application/json") {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    if (!type.empty()) r.headers.set("Content-Type", type);
    return r;
}

Verdict judge(const HttpResponse& r, const OutcomeConfig& config = {}) {
    return judge_response(r, parse_response_body(r), "checkout", config, kNow);
}

TEST(Classify, TwoHundredsCarryOn) {
    EXPECT_EQ(judge(answer(200, R"({"orderId":"A"})")).next, Verdict::Next::proceed);
    EXPECT_EQ(judge(answer(204, "", "")).next, Verdict::Next::proceed);
}

TEST(Classify, RetryableStatusesWithRetryAfterInBothForms) {
    for (unsigned status : {408u, 425u, 429u, 500u, 502u, 503u, 504u}) {
        auto v = judge(answer(status, R"({"detail":"busy"})"));
        ASSERT_EQ(v.next, Verdict::Next::finish);
        EXPECT_EQ(v.outcome.outcome, Outcome::retryable) << status;
        EXPECT_EQ(v.outcome.http_status, status);
        EXPECT_FALSE(v.outcome.retry_after);
    }
    auto seconds = answer(429, R"({"detail":"slow down"})");
    seconds.headers.set("Retry-After", "7");
    EXPECT_EQ(judge(seconds).outcome.retry_after, std::chrono::milliseconds(7000));
    auto date = answer(503, "down", "text/plain");
    date.headers.set("Retry-After", "Thu, 26 Nov 2026 10:02:00 GMT");
    EXPECT_EQ(judge(date).outcome.retry_after, std::chrono::milliseconds(120'000));
}

TEST(Classify, OtherStatusesArePermanentWithTheGrocersText) {
    auto oda = judge(answer(400, R"({"detail":"Cart is empty."})"));
    EXPECT_EQ(oda.outcome.outcome, Outcome::permanent);
    EXPECT_EQ(oda.outcome.error, "HTTP 400 from checkout: Cart is empty.");
    EXPECT_EQ(oda.outcome.step, "checkout");

    auto instacart = judge(answer(422, R"({"errors":[{"code":1001,"message":"items must be a non-empty array"}]})"));
    EXPECT_EQ(instacart.outcome.error, "HTTP 422 from checkout: items must be a non-empty array");

    auto kroger = judge(answer(400, R"({"errors":{"reason":"upc must be 13 digits","code":"SBX-2216"}})"));
    EXPECT_EQ(kroger.outcome.error, "HTTP 400 from checkout: upc must be 13 digits");

    OutcomeConfig own;
    own.error_text = {"/problem/text"};
    auto custom = judge(answer(404, R"({"detail":"generic","problem":{"text":"no such store"}})"), own);
    EXPECT_EQ(custom.outcome.error, "HTTP 404 from checkout: no such store");
}

TEST(Classify, HtmlAndGarbageBecomeReadableExcerpts) {
    auto html = judge(answer(502, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
                                  "<body><h1>Bad Gateway</h1></body></html>",
                             "text/html"));
    EXPECT_EQ(html.outcome.outcome, Outcome::retryable);
    EXPECT_EQ(html.outcome.error, "HTTP 502 from checkout: 502 Bad Gateway");

    auto garbage = judge(answer(400, std::string("\x01\x02\xff\xfe oops \x00 end", 15), "application/octet-stream"));
    EXPECT_EQ(garbage.outcome.outcome, Outcome::permanent);
    EXPECT_EQ(garbage.outcome.error, "HTTP 400 from checkout: ???? oops ? end");

    auto cut = judge(answer(400, R"({"detail": "trunc)"));
    EXPECT_EQ(cut.outcome.error, R"(HTTP 400 from checkout: {"detail": "trunc)");

    auto empty = judge(answer(403, "", ""));
    EXPECT_EQ(empty.outcome.error, "HTTP 403 from checkout: (no body)");

    EXPECT_EQ(readable_excerpt(std::string(500, 'x'), 10), "xxxxxxxxxx...");
    EXPECT_EQ(readable_excerpt("Nøkkel\n\n  boks"), "Nøkkel boks");
}

TEST(Classify, RulesComeFirst) {
    OutcomeConfig config;
    config.rules.push_back({{409}, {{"/errors/0/code", "9999"}}, Outcome::retryable, "the slot hold expired"});
    config.rules.push_back({{409}, {{"/errors/0/code", "2001"}}, Outcome::success, ""});
    auto expired = judge(answer(409, R"({"errors":[{"code":9999,"message":"The service option hold has expired."}]})"),
                         config);
    EXPECT_EQ(expired.outcome.outcome, Outcome::retryable);
    EXPECT_EQ(expired.outcome.error, "HTTP 409 from checkout: the slot hold expired");

    auto exists = judge(answer(409, R"({"errors":[{"code":2001,"message":"exists"}]})"), config);
    EXPECT_EQ(exists.next, Verdict::Next::proceed_no_capture);

    auto other = judge(answer(409, R"({"errors":[{"code":1,"message":"conflict"}]})"), config);
    EXPECT_EQ(other.outcome.outcome, Outcome::permanent);
    EXPECT_EQ(other.outcome.error, "HTTP 409 from checkout: conflict");
}

TEST(Classify, TransportFailures) {
    using httpclient::FailureKind;
    using httpclient::make_failure;
    EXPECT_EQ(judge_failure(make_failure(FailureKind::timeout, "no answer in 10s"), "add_line[2]").outcome,
              Outcome::retryable);
    EXPECT_EQ(judge_failure(make_failure(FailureKind::connect_failed, "refused"), "s").outcome, Outcome::retryable);
    EXPECT_EQ(judge_failure(make_failure(FailureKind::connection_reset, "reset"), "s").outcome, Outcome::retryable);
    const auto tls = judge_failure(make_failure(FailureKind::tls_error, "unknown CA"), "login");
    EXPECT_EQ(tls.outcome, Outcome::permanent);
    EXPECT_NE(tls.error.find("unknown CA"), std::string::npos);
    EXPECT_EQ(judge_failure(make_failure(FailureKind::invalid_request, "bad URL"), "s").outcome, Outcome::permanent);
}

TEST(ResponseBody, CapturesByPointerAndXPath) {
    auto json = answer(201, R"({"service_option_hold":{"id":"hold-1","expires_in":300}})");
    auto body = parse_response_body(json);
    EXPECT_EQ(*capture_value(body, "/service_option_hold/id"), "hold-1");
    EXPECT_EQ(*capture_value(body, "/service_option_hold/expires_in"), "300");
    EXPECT_FALSE(capture_value(body, "/service_option_hold"));
    EXPECT_FALSE(capture_value(body, "/nope"));

    auto xml = answer(200, R"(<r:Receipt xmlns:r="urn:x"><r:ID>D-7</r:ID></r:Receipt>)", "application/xml");
    auto xbody = parse_response_body(xml);
    ASSERT_EQ(xbody.kind, ResponseBody::Kind::xml);
    EXPECT_EQ(*capture_value(xbody, "//*[local-name()='ID']"), "D-7");
    EXPECT_EQ(*capture_value(xbody, "/r:Receipt/r:ID"), "D-7");
    EXPECT_FALSE(capture_value(xbody, "//Missing"));

    auto broken = parse_response_body(answer(200, R"({"orderId": "A)"));
    EXPECT_EQ(broken.kind, ResponseBody::Kind::other);
    auto r = capture_value(broken, "/orderId");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("malformed JSON"), std::string::npos);
}

}  // namespace
}  // namespace gw::adapters::http
