// HttpClient against our HttpServer on 127.0.0.1: keep-alive, pool limit, content decoding, redirects, statuses.

#include <atomic>
#include <set>

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>

#include "gateway/httpclient/content_decoding.hpp"
#include "test_servers.hpp"

namespace gw::httpclient {
namespace {

using namespace std::chrono_literals;
using http::Request;
using http::Response;
using http::Status;
using testing::describe;
using testing::kind_of;
using testing::make_client;
using testing::server_options;
using testing::TestHttpServer;

TEST(HttpClient, KeepAliveReusesOneConnectionForSequentialRequests) {
    http::Router router;
    router.get("/peer", [](const Request& req) { return Response::text(Status::ok, req.peer); });
    TestHttpServer server(server_options(), std::move(router));
    ASSERT_TRUE(server.start());
    auto client = make_client();
    ASSERT_TRUE(client);

    std::set<std::string> peers;
    for (int i = 0; i < 10; ++i) {
        auto response = client->request(HttpRequest::get(server.url("/peer")));
        ASSERT_TRUE(response) << describe(response);
        EXPECT_EQ(response->status, 200u);
        EXPECT_EQ(response->reused_connection, i > 0);
        peers.insert(response->body);
    }
    EXPECT_EQ(peers.size(), 1u);
    auto stats = client->async().stats();
    EXPECT_EQ(stats.connections_opened, 1u);
    EXPECT_EQ(stats.idle, 1u);
}

TEST(HttpClient, PoolLimitsConnectionsPerHostAndQueuesTheRest) {
    std::atomic<int> in_flight{0};
    std::atomic<int> max_in_flight{0};
    std::mutex mutex;
    std::set<std::string> peers;
    boost::asio::io_context timers;
    auto guard = boost::asio::make_work_guard(timers);
    std::thread timer_thread([&] { timers.run(); });

    http::Router router;
    router.add_async(http::Verb::get, "/slow", [&](const Request& req, http::Responder respond) {
        int now = ++in_flight;
        for (int seen = max_in_flight.load(); now > seen && !max_in_flight.compare_exchange_weak(seen, now);) {
        }
        {
            std::lock_guard lock(mutex);
            peers.insert(req.peer);
        }
        auto timer = std::make_shared<boost::asio::steady_timer>(timers, 50ms);
        timer->async_wait([&, timer, respond](const boost::system::error_code&) {
            --in_flight;
            respond(Response::text(Status::ok, "done"));
        });
    });
    TestHttpServer server(server_options(), std::move(router));
    ASSERT_TRUE(server.start());
    ClientOptions options;
    options.max_connections_per_host = 2;
    auto client = make_client(options);
    ASSERT_TRUE(client);

    constexpr int n = 10;
    std::vector<std::future<Result<HttpResponse>>> results;
    for (int i = 0; i < n; ++i) {
        auto promise = std::make_shared<std::promise<Result<HttpResponse>>>();
        results.push_back(promise->get_future());
        client->async().request(HttpRequest::get(server.url("/slow")),
                                [promise](Result<HttpResponse> r) { promise->set_value(std::move(r)); });
    }
    for (auto& f : results) {
        auto r = f.get();
        ASSERT_TRUE(r) << describe(r);
        EXPECT_EQ(r->status, 200u);
    }
    EXPECT_LE(max_in_flight.load(), 2);
    EXPECT_EQ(max_in_flight.load(), 2);
    EXPECT_EQ(peers.size(), 2u);
    EXPECT_EQ(client->async().stats().connections_opened, 2u);
    guard.reset();
    timer_thread.join();
}

TEST(HttpClient, HttpErrorStatusesAndHtmlAreResponsesNotFailures) {
    http::Router router;
    router.get("/html", [](const Request&) {
        Response r = Response::text(Status::bad_gateway, "<html><body>upstream down</body></html>");
        r.content_type = "text/html";
        return r;
    });
    TestHttpServer server(server_options(), std::move(router));
    ASSERT_TRUE(server.start());
    auto client = make_client();
    auto response = client->request(HttpRequest::get(server.url("/html")));
    ASSERT_TRUE(response) << describe(response);
    EXPECT_EQ(response->status, 502u);
    EXPECT_NE(response->body.find("<html>"), std::string::npos);
    auto missing = client->request(HttpRequest::get(server.url("/nope")));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404u);
}

TEST(HttpClient, PostsBodyAndHeaders) {
    http::Router router;
    router.post("/echo", [](const Request& req) {
        Response r = Response::text(Status::created, req.body);
        r.headers.set("X-Seen-Type", std::string(req.header("Content-Type").value_or("")));
        r.headers.set("X-Seen-Key", std::string(req.header("Idempotency-Key").value_or("")));
        return r;
    });
    TestHttpServer server(server_options(), std::move(router));
    ASSERT_TRUE(server.start());
    auto client = make_client();
    auto request = HttpRequest::post(server.url("/echo"), R"({"a":1})", "application/json");
    request.header("Idempotency-Key", "k-1");
    auto response = client->request(std::move(request));
    ASSERT_TRUE(response) << describe(response);
    EXPECT_EQ(response->status, 201u);
    EXPECT_EQ(response->body, R"({"a":1})");
    EXPECT_EQ(response->header("X-Seen-Type"), "application/json");
    EXPECT_EQ(response->header("X-Seen-Key"), "k-1");
}

TEST(HttpClient, DecodesGzipAndLimitsTheDecodedSize) {
    std::string text;
    for (int i = 0; i < 20'000; ++i) text += "line " + std::to_string(i) + " of a compressible body\n";
    http::Router router;
    router.get("/gzip", [&](const Request& req) {
        Response r = Response::text(Status::ok, gzip_compress(text));
        r.headers.set("Content-Encoding", "gzip");
        r.headers.set("X-Accept-Encoding", std::string(req.header("Accept-Encoding").value_or("")));
        return r;
    });
    TestHttpServer server(server_options(), std::move(router));
    ASSERT_TRUE(server.start());

    auto client = make_client();
    auto response = client->request(HttpRequest::get(server.url("/gzip")));
    ASSERT_TRUE(response) << describe(response);
    EXPECT_EQ(response->body, text);
    EXPECT_EQ(response->header("Content-Encoding"), "");
    EXPECT_EQ(response->header("X-Accept-Encoding"), "gzip, deflate");

    ClientOptions small;
    small.max_decoded_bytes = 64 * 1024;
    auto limited = make_client(small);
    auto bomb = limited->request(HttpRequest::get(server.url("/gzip")));
    EXPECT_EQ(kind_of(bomb), FailureKind::too_large) << describe(bomb);
}

TEST(HttpClient, RedirectsAreNotFollowedUnlessConfigured) {
    http::Router router;
    router.get("/old", [](const Request&) {
        Response r = Response::text(Status::found, "");
        r.headers.set("Location", "/new");
        return r;
    });
    router.get("/new", [](const Request&) { return Response::text(Status::ok, "new"); });
    router.get("/loop", [](const Request&) {
        Response r = Response::text(Status::temporary_redirect, "");
        r.headers.set("Location", "/loop");
        return r;
    });
    TestHttpServer server(server_options(), std::move(router));
    ASSERT_TRUE(server.start());

    auto plain = make_client();
    auto not_followed = plain->request(HttpRequest::get(server.url("/old")));
    ASSERT_TRUE(not_followed) << describe(not_followed);
    EXPECT_EQ(not_followed->status, 302u);
    EXPECT_EQ(not_followed->header("Location"), "/new");

    ClientOptions options;
    options.max_redirects = 3;
    auto following = make_client(options);
    auto followed = following->request(HttpRequest::get(server.url("/old")));
    ASSERT_TRUE(followed) << describe(followed);
    EXPECT_EQ(followed->status, 200u);
    EXPECT_EQ(followed->body, "new");
    EXPECT_EQ(followed->redirects, 1u);
    EXPECT_EQ(followed->url, server.url("/new"));

    auto loop = following->request(HttpRequest::get(server.url("/loop")));
    EXPECT_EQ(kind_of(loop), FailureKind::protocol_error) << describe(loop);
}

TEST(HttpClient, InvalidUrlsAreInvalidRequests) {
    auto client = make_client();
    for (const char* url : {"ftp://example.org/", "not a url", "http://user:pw@127.0.0.1/", "/relative"}) {
        auto r = client->request(HttpRequest::get(url));
        EXPECT_EQ(kind_of(r), FailureKind::invalid_request) << url << ": " << describe(r);
    }
}

TEST(HttpClient, ShutdownCancelsLaterRequests) {
    auto client = make_client();
    client->async().shutdown();
    auto r = client->request(HttpRequest::get("http://127.0.0.1:9/"));
    EXPECT_EQ(kind_of(r), FailureKind::cancelled) << describe(r);
}

TEST(HttpClient, ManyThreadsShareOneClient) {
    http::Router router;
    router.get("/n/{n}", [](const Request& req) { return Response::text(Status::ok, std::string(*req.param("n"))); });
    TestHttpServer server(server_options(), std::move(router));
    ASSERT_TRUE(server.start());
    ClientOptions options;
    options.max_connections_per_host = 4;
    auto client = make_client(options);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                auto n = std::to_string(t * 100 + i);
                auto r = client->request(HttpRequest::get(server.url("/n/" + n)));
                if (r && r->status == 200 && r->body == n) ++ok;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 100);
    EXPECT_LE(client->async().stats().connections_opened, 4u);
}

}  // namespace
}  // namespace gw::httpclient
