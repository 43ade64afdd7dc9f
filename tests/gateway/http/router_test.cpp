// Router, problem bodies, Responder and SSE framing: the parts that need no socket.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "gateway/http/problem.hpp"
#include "gateway/http/router.hpp"
#include "gateway/http/sse.hpp"

namespace gw::http {
namespace {

Response ok(const Request&) {
    return Response::text(Status::ok, "ok");
}

TEST(SplitPattern, RootLiteralsAndParameters) {
    EXPECT_TRUE(split_pattern("/").value().empty());
    EXPECT_EQ(split_pattern("/api/v1/orders/{id}").value(), (std::vector<std::string>{"api", "v1", "orders", "{id}"}));
    EXPECT_FALSE(split_pattern("api"));
    EXPECT_FALSE(split_pattern("/orders/x{id}"));
    EXPECT_FALSE(split_pattern("/orders/{}"));
    EXPECT_FALSE(split_pattern("/orders/{a{b}}"));
}

TEST(Router, MatchesLiteralBeforeParameterAndExtractsParams) {
    Router router;
    router.get("/api/v1/orders/{id}", ok).get("/api/v1/orders/export", ok).post("/api/v1/orders", ok);
    ASSERT_TRUE(router.status());

    auto m = router.match(Verb::get, {"api", "v1", "orders", "42"});
    ASSERT_EQ(m.outcome, RouteMatch::Outcome::found);
    EXPECT_EQ(m.route->pattern, "/api/v1/orders/{id}");
    ASSERT_EQ(m.params.size(), 1U);
    EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"id", "42"}));

    auto literal = router.match(Verb::get, {"api", "v1", "orders", "export"});
    ASSERT_EQ(literal.outcome, RouteMatch::Outcome::found);
    EXPECT_EQ(literal.route->pattern, "/api/v1/orders/export");
    EXPECT_TRUE(literal.params.empty());
}

TEST(Router, NotFoundAndMethodNotAllowedWithAllow) {
    Router router;
    router.get("/api/v1/orders/{id}", ok).put("/api/v1/orders/{id}", ok).get("/", ok);
    EXPECT_EQ(router.match(Verb::get, {"api", "v1", "nothing"}).outcome, RouteMatch::Outcome::not_found);
    EXPECT_EQ(router.match(Verb::get, {"api", "v1", "orders", ""}).outcome, RouteMatch::Outcome::not_found);
    EXPECT_EQ(router.match(Verb::get, {}).outcome, RouteMatch::Outcome::found);

    auto m = router.match(Verb::delete_, {"api", "v1", "orders", "7"});
    EXPECT_EQ(m.outcome, RouteMatch::Outcome::method_not_allowed);
    EXPECT_EQ(m.allow, "GET, PUT");
}

TEST(Router, RegistrationErrorsAreKeptNotThrown) {
    Router router;
    router.get("/a/{x}", ok).get("/a/{y}", ok);
    auto status = router.status();
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::conflict);

    Router bad;
    bad.get("no-slash", ok);
    EXPECT_FALSE(bad.status());

    Router empty_handler;
    empty_handler.get("/x", SyncHandler{});
    EXPECT_FALSE(empty_handler.status());
}

TEST(Problem, HasRfc9457MembersAndExtensions) {
    auto problem = make_problem(Status::unprocessable_entity, "line 2 has no GTIN", "/api/v1/orders");
    problem.extensions["errors"] = boost::json::array{"lines[1].gtin: missing"};
    problem.extensions["status"] = "ignored: the standard member wins";
    auto response = problem.to_response();
    EXPECT_EQ(response.status, Status::unprocessable_entity);
    EXPECT_EQ(response.content_type, "application/problem+json");

    auto json = boost::json::parse(response.body).as_object();
    EXPECT_EQ(json.at("type").as_string(), "about:blank");
    EXPECT_EQ(json.at("title").as_string(), "Unprocessable Entity");
    EXPECT_EQ(json.at("status").as_int64(), 422);
    EXPECT_EQ(json.at("detail").as_string(), "line 2 has no GTIN");
    EXPECT_EQ(json.at("instance").as_string(), "/api/v1/orders");
    EXPECT_EQ(json.at("errors").as_array().at(0).as_string(), "lines[1].gtin: missing");
}

TEST(Problem, FromErrorCarriesTheStableCode) {
    auto error = make_error(ErrorCode::too_large, "body over 1048576 bytes");
    auto json = make_problem(status_for(error.code), error).to_json();
    EXPECT_EQ(json.at("status").as_int64(), 413);
    EXPECT_EQ(json.at("code").as_string(), "too_large");
    EXPECT_FALSE(json.contains("instance"));
}

TEST(Responder, FirstCallWinsAndADroppedResponderAnswers500) {
    std::vector<unsigned> delivered;
    {
        Responder responder([&](Response r) { delivered.push_back(static_cast<unsigned>(r.status)); });
        auto copy = responder;
        copy(Response::text(Status::created, "made"));
        responder(Response::text(Status::ok, "late"));
        EXPECT_TRUE(responder.responded());
    }
    {
        Responder forgotten([&](Response r) { delivered.push_back(static_cast<unsigned>(r.status)); });
    }
    EXPECT_EQ(delivered, (std::vector<unsigned>{201, 500}));
}

TEST(Sse, FormatsMultiLineDataAndFields) {
    EXPECT_EQ(format_sse_event("hello"), "data: hello\n\n");
    EXPECT_EQ(format_sse_event("a\nb\r\nc", "order", "7"), "event: order\nid: 7\ndata: a\ndata: b\ndata: c\n\n");
    EXPECT_EQ(format_sse_event("x", "bad\nname"), "event: bad name\ndata: x\n\n");
}

TEST(Sse, ChannelRefusesAfterCloseAndRunsOnCloseOnce) {
    auto channel = std::make_shared<detail::SseChannel>(64);
    SseStream stream(channel);
    int closed = 0;
    stream.on_close([&] { ++closed; });
    EXPECT_TRUE(stream.send("one"));
    EXPECT_EQ(channel->take(), "data: one\n\n");
    channel->closed();
    channel->closed();
    EXPECT_EQ(closed, 1);
    EXPECT_FALSE(stream.send("two"));
    int late = 0;
    stream.on_close([&] { ++late; });
    EXPECT_EQ(late, 1);
}

TEST(Sse, OverflowingQueueEndsTheStream) {
    auto channel = std::make_shared<detail::SseChannel>(32);
    SseStream stream(channel);
    EXPECT_TRUE(stream.send("short"));
    EXPECT_FALSE(stream.send(std::string(64, 'x')));
    EXPECT_TRUE(channel->ending());
    EXPECT_FALSE(stream.is_open());
}

TEST(Sse, DroppingTheLastHandleEndsTheStream) {
    auto channel = std::make_shared<detail::SseChannel>(64);
    {
        SseStream stream(channel);
        auto copy = stream;
        EXPECT_FALSE(channel->ending());
    }
    EXPECT_TRUE(channel->ending());
}

}  // namespace
}  // namespace gw::http
