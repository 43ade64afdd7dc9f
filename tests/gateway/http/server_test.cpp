// HttpServer over real sockets on 127.0.0.1: routing, handler kinds, keep-alive, limits, deadlines, stop.

#include <atomic>
#include <condition_variable>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/http/problem.hpp"
#include "server_harness.hpp"

namespace gw::http {
namespace {

using namespace std::chrono_literals;
using testing::ServerHarness;
using testing::test_options;

boost::json::object parse_object(const std::string& body) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return {};
    return value.as_object();
}

void expect_problem(const ClientResponse& response, unsigned status) {
    EXPECT_EQ(response.status, status);
    EXPECT_EQ(response.header("Content-Type"), "application/problem+json");
    auto json = parse_object(response.body);
    ASSERT_TRUE(json.contains("type")) << response.body;
    EXPECT_EQ(json.at("type").as_string(), "about:blank");
    EXPECT_FALSE(json.at("title").as_string().empty());
    EXPECT_EQ(json.at("status").as_int64(), static_cast<std::int64_t>(status));
    EXPECT_TRUE(json.contains("detail"));
}

Router echo_router() {
    Router router;
    router.get("/api/v1/orders/{id}", [](const Request& req) {
        boost::json::object query;
        for (const auto& [k, v] : req.query) query[k] = v;
        boost::json::object out{{"id", std::string(req.param("id").value_or(""))},
                                {"path", req.path},
                                {"target", req.target},
                                {"query", query},
                                {"peer", req.peer},
                                {"tls", req.tls},
                                {"agent", std::string(req.header("User-Agent").value_or(""))}};
        return Response::json(Status::ok, boost::json::value(out));
    });
    router.post("/api/v1/orders", [](const Request& req) {
        return Response::json(Status::created, boost::json::value(boost::json::object{{"bytes", req.body.size()}}));
    });
    router.put("/api/v1/orders/{id}", [](const Request&) { return Response::no_content(); });
    return router;
}

TEST(HttpServer, RoutesWithPathAndQueryParameters) {
    ServerHarness h(test_options(), echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    Fields headers;
    headers.set("User-Agent", "unit-test");
    auto response = client.request(Verb::get, "/api/v1/orders/a%2Fb?full=1&note=two%20words", {}, headers);
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(response->status, 200U);
    EXPECT_EQ(response->header("Content-Type"), "application/json");
    auto json = parse_object(response->body);
    EXPECT_EQ(json.at("id").as_string(), "a/b");
    EXPECT_EQ(json.at("path").as_string(), "/api/v1/orders/a/b");
    EXPECT_EQ(json.at("target").as_string(), "/api/v1/orders/a%2Fb?full=1&note=two%20words");
    EXPECT_EQ(json.at("query").at("full").as_string(), "1");
    EXPECT_EQ(json.at("query").at("note").as_string(), "two words");
    EXPECT_TRUE(json.at("peer").as_string().starts_with("127.0.0.1:"));
    EXPECT_FALSE(json.at("tls").as_bool());
    EXPECT_EQ(json.at("agent").as_string(), "unit-test");
}

TEST(HttpServer, UnknownPathIs404Problem) {
    ServerHarness h(test_options(), echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    auto response = client.request(Verb::get, "/nothing/here");
    ASSERT_TRUE(response);
    expect_problem(*response, 404);
    EXPECT_EQ(parse_object(response->body).at("instance").as_string(), "/nothing/here");
    EXPECT_TRUE(response->keep_alive);
}

TEST(HttpServer, WrongMethodIs405WithAllowHeader) {
    ServerHarness h(test_options(), echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    auto response = client.request(Verb::delete_, "/api/v1/orders/9");
    ASSERT_TRUE(response);
    expect_problem(*response, 405);
    EXPECT_EQ(response->header("Allow"), "GET, PUT");
}

TEST(HttpServer, HandlerExceptionBecomes500Problem) {
    Router router;
    router.get("/boom", [](const Request&) -> Response { throw std::runtime_error("kaputt"); });
    ServerHarness h(test_options(), std::move(router));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    auto response = client.request(Verb::get, "/boom");
    ASSERT_TRUE(response);
    expect_problem(*response, 500);
}

TEST(HttpServer, PostBodyReachesHandler) {
    ServerHarness h(test_options(), echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    auto response = client.request(Verb::post, "/api/v1/orders", std::string(1000, 'x'));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 201U);
    EXPECT_EQ(parse_object(response->body).at("bytes").as_int64(), 1000);

    // curl sends Expect: 100-continue for larger bodies and waits for the interim response.
    Fields headers;
    headers.set("Expect", "100-continue");
    ASSERT_TRUE(
        client.write("POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     "Content-Length: 5\r\n\r\n"));
    auto interim = client.read_response();
    ASSERT_TRUE(interim) << interim.error().to_string();
    EXPECT_EQ(interim->status, 100U);
    ASSERT_TRUE(client.write("hello"));
    auto final_response = client.read_response();
    ASSERT_TRUE(final_response);
    EXPECT_EQ(final_response->status, 201U);
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
    ServerHarness h(test_options(), echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    std::string peer;
    for (int i = 0; i < 5; ++i) {
        auto response = client.request(Verb::get, "/api/v1/orders/" + std::to_string(i));
        ASSERT_TRUE(response) << i;
        EXPECT_TRUE(response->keep_alive);
        auto json = parse_object(response->body);
        EXPECT_EQ(json.at("id").as_string(), std::to_string(i));
        if (i == 0) peer = std::string(json.at("peer").as_string());
        EXPECT_EQ(json.at("peer").as_string(), peer);
    }
    EXPECT_EQ(h.server().connection_count(), 1U);
    auto last = client.request(Verb::get, "/api/v1/orders/x", {}, [] {
        Fields f;
        f.set("Connection", "close");
        return f;
    }());
    ASSERT_TRUE(last);
    EXPECT_FALSE(last->keep_alive);
    EXPECT_TRUE(client.wait_closed(2s));
}

TEST(HttpServer, AsyncHandlerAnsweredFromAnotherThread) {
    std::vector<std::thread> workers;
    std::mutex workers_mutex;
    Router router;
    router.add_async(Verb::post, "/api/v1/orders", [&](const Request& req, Responder respond) {
        auto bytes = req.body.size();
        std::lock_guard lock(workers_mutex);
        // Stands in for the store committing on its own thread before we acknowledge.
        workers.emplace_back([respond, bytes] {
            respond(Response::json(Status::accepted, boost::json::value(boost::json::object{{"stored", bytes}})));
        });
    });
    {
        ServerHarness h(test_options(), std::move(router));
        ASSERT_TRUE(h.start());
        auto client = h.connect();
        for (int i = 0; i < 3; ++i) {
            auto response = client.request(Verb::post, "/api/v1/orders", "abc");
            ASSERT_TRUE(response);
            EXPECT_EQ(response->status, 202U);
            EXPECT_EQ(parse_object(response->body).at("stored").as_int64(), 3);
        }
    }
    for (auto& w : workers) w.join();
}

TEST(HttpServer, AsyncHandlerThatDropsItsResponderAnswers500) {
    Router router;
    router.add_async(Verb::get, "/forgetful", [](const Request&, Responder) {});
    ServerHarness h(test_options(), std::move(router));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    auto response = client.request(Verb::get, "/forgetful");
    ASSERT_TRUE(response);
    expect_problem(*response, 500);
}

// --- limits --------------------------------------------------------------------------------------------------

// Streams a body of `total` bytes (declared by Content-Length, or chunked) until the server stops taking it.
// Returns the bytes the client managed to send.
std::size_t stream_upload(TestClient& client, std::size_t total, bool chunked) {
    std::string head = "POST /api/v1/orders HTTP/1.1\r\nHost: x\r\n";
    head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + std::to_string(total) + "\r\n\r\n";
    if (!client.write(head)) return 0;
    const std::string chunk(64 * 1024, 'x');
    std::string framed = chunked ? "10000\r\n" + chunk + "\r\n" : chunk;
    std::size_t sent = 0;
    while (sent < total) {
        if (!client.write(framed)) break;
        sent += chunk.size();
    }
    return sent;
}

TEST(HttpServer, HundredMegabyteUploadGets413WithoutBeingRead) {
    std::atomic<int> calls{0};
    Router router;
    router.post("/api/v1/orders", [&](const Request&) {
        ++calls;
        return Response::no_content();
    });
    auto options = test_options();
    ServerHarness h(options, std::move(router));
    ASSERT_TRUE(h.start());
    constexpr std::size_t hundred_mb = 100U * 1024 * 1024;
    for (bool chunked : {false, true}) {
        auto client = h.connect();
        auto sent = stream_upload(client, hundred_mb, chunked);
        // The server stopped reading near the 1 MiB limit and closed; only socket buffers took the rest.
        EXPECT_LT(sent, hundred_mb / 4) << "chunked=" << chunked;
        // The 413 may or may not survive the reset the close causes; if it arrived, it is a problem body.
        auto response = client.read_response();
        if (response) expect_problem(*response, 413);
        EXPECT_TRUE(!response || client.wait_closed(5s));
    }
    EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServer, DeclaredOversizeBodyGets413BeforeTheBodyIsSent) {
    ServerHarness h(test_options(), echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write("POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response) << response.error().to_string();
    expect_problem(*response, 413);
    EXPECT_FALSE(response->keep_alive);
    EXPECT_EQ(parse_object(response->body).at("limit").as_int64(), 1024 * 1024);
    EXPECT_TRUE(client.wait_closed(5s));
}

TEST(HttpServer, RouteBodyLimitOverridesTheDefault) {
    Router router;
    router.post(
        "/upload", [](const Request& req) { return Response::text(Status::ok, std::to_string(req.body.size())); },
        RouteOptions{4 * 1024 * 1024});
    router.post("/small", [](const Request&) { return Response::no_content(); });
    ServerHarness h(test_options(), std::move(router));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    const std::string two_mb(2 * 1024 * 1024, 'u');
    auto big = client.request(Verb::post, "/upload", two_mb);
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 200U);
    EXPECT_EQ(big->body, std::to_string(two_mb.size()));

    auto other = h.connect();
    ASSERT_TRUE(other.write("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n"));
    auto refused = other.read_response();
    ASSERT_TRUE(refused);
    expect_problem(*refused, 413);
}

TEST(HttpServer, OversizedHeaderGets431) {
    auto options = test_options();
    options.header_limit = 1024;
    ServerHarness h(options, echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    Fields headers;
    headers.set("X-Padding", std::string(4096, 'p'));
    auto response = client.request(Verb::get, "/api/v1/orders/1", {}, headers);
    ASSERT_TRUE(response) << response.error().to_string();
    expect_problem(*response, 431);
    EXPECT_TRUE(client.wait_closed(5s));
}

TEST(HttpServer, BytesThatAreNotHttpGet400AndClose) {
    ServerHarness h(test_options(), echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write(std::string("\x16\x03\x01\x02\x00 this is not http\r\n\r\n", 27)));
    auto response = client.read_response();
    ASSERT_TRUE(response) << response.error().to_string();
    expect_problem(*response, 400);
    EXPECT_FALSE(response->keep_alive);
    EXPECT_TRUE(client.wait_closed(5s));
}

// --- deadlines -----------------------------------------------------------------------------------------------

TEST(HttpServer, SlowlorisHeaderIsCutOffAtTheDeadlineWith408) {
    auto options = test_options();
    options.header_timeout = 300ms;
    ServerHarness h(options, echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    const std::string request = "GET /api/v1/orders/1 HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(400, 's');
    auto started = std::chrono::steady_clock::now();
    std::string received;
    bool closed = false;
    // Trickle one byte, then give the server up to 50 ms to answer: the wait is the attack's pace, and also how we
    // observe the answer without a separate sleep.
    for (std::size_t i = 0; i < request.size() && !closed; ++i) {
        if (!client.write(std::string_view(&request[i], 1))) {
            closed = true;
            break;
        }
        auto bytes = client.read_some(50ms);
        if (bytes) {
            received += *bytes;
            closed = client.wait_closed(2s);
        } else if (bytes.error().code == ErrorCode::io_error) {
            closed = true;
        }
    }
    auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(closed);
    EXPECT_LT(elapsed, 3s);
    EXPECT_TRUE(received.starts_with("HTTP/1.1 408")) << received;
    EXPECT_NE(received.find("application/problem+json"), std::string::npos);
}

TEST(HttpServer, IdleKeepAliveConnectionIsClosed) {
    auto options = test_options();
    options.idle_timeout = 200ms;
    ServerHarness h(options, echo_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.request(Verb::get, "/api/v1/orders/1"));
    auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.wait_closed(3s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(HttpServer, ConnectionLimitRefusesTheNextWith503) {
    auto options = test_options();
    options.max_connections = 2;
    ServerHarness h(options, echo_router());
    ASSERT_TRUE(h.start());
    auto first = h.connect();
    auto second = h.connect();
    // A completed request on each proves both were accepted and counted.
    ASSERT_TRUE(first.request(Verb::get, "/api/v1/orders/1"));
    ASSERT_TRUE(second.request(Verb::get, "/api/v1/orders/2"));
    EXPECT_EQ(h.server().connection_count(), 2U);

    auto third = h.connect();
    auto refused = third.request(Verb::get, "/api/v1/orders/3");
    ASSERT_TRUE(refused) << refused.error().to_string();
    expect_problem(*refused, 503);
    EXPECT_TRUE(third.wait_closed(5s));
    // The admitted connections are unaffected.
    EXPECT_TRUE(first.request(Verb::get, "/api/v1/orders/4"));
}

// --- stop ----------------------------------------------------------------------------------------------------

TEST(HttpServer, GracefulStopLetsTheRequestInFlightFinish) {
    std::promise<Responder> in_flight;
    Router router;
    router.add_async(Verb::post, "/api/v1/orders",
                     [&](const Request&, Responder respond) { in_flight.set_value(respond); });
    router.get("/ping", [](const Request&) { return Response::text(Status::ok, "pong"); });
    ServerHarness h(test_options(), std::move(router));
    ASSERT_TRUE(h.start());

    auto idle = h.connect();
    ASSERT_TRUE(idle.request(Verb::get, "/ping"));

    auto busy = h.connect();
    ASSERT_TRUE(busy.write("POST /api/v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
    auto pending = in_flight.get_future();
    ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
    auto respond = pending.get();

    auto stopped = std::make_shared<std::promise<void>>();
    auto stopped_future = stopped->get_future();
    h.server().stop([stopped] { stopped->set_value(); });

    // The idle connection goes at once; the busy one is still waiting for its answer.
    EXPECT_TRUE(idle.wait_closed(3s));
    EXPECT_EQ(stopped_future.wait_for(0s), std::future_status::timeout);

    respond(Response::text(Status::created, "stored"));
    auto response = busy.read_response();
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(response->status, 201U);
    EXPECT_EQ(response->body, "stored");
    EXPECT_FALSE(response->keep_alive);
    EXPECT_TRUE(busy.wait_closed(3s));
    EXPECT_EQ(stopped_future.wait_for(5s), std::future_status::ready);

    TestClient late;
    EXPECT_FALSE(late.connect(h.port()));
}

TEST(HttpServer, StopClosesARequestStuckPastTheStopTimeout) {
    std::promise<Responder> in_flight;
    Router router;
    router.add_async(Verb::get, "/stuck", [&](const Request&, Responder respond) { in_flight.set_value(respond); });
    auto options = test_options();
    options.stop_timeout = 300ms;
    ServerHarness h(options, std::move(router));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto pending = in_flight.get_future();
    ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
    auto respond = pending.get();

    auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(h.stop_and_join(5s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_TRUE(client.wait_closed(3s));
    respond(Response::text(Status::ok, "too late"));  // goes nowhere, and must not crash
}

TEST(HttpServer, StartReportsBadRoutesAndBadAddresses) {
    Router bad_routes;
    bad_routes.get("/x/{a}", [](const Request&) { return Response::no_content(); });
    bad_routes.get("/x/{b}", [](const Request&) { return Response::no_content(); });
    boost::asio::io_context ioc;
    HttpServer first(ioc, test_options(), std::move(bad_routes));
    EXPECT_FALSE(first.start());

    auto options = test_options();
    options.host = "not-an-address";
    HttpServer second(ioc, options, Router{});
    auto started = second.start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, ErrorCode::invalid_value);
}

}  // namespace
}  // namespace gw::http
