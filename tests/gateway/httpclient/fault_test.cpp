// HttpClient against misbehaving servers (raw sockets on 127.0.0.1): every failure is bounded in time and memory
// and classified so that a delivery engine can tell "retry" from "give up".

#include <gtest/gtest.h>

#include "test_servers.hpp"

namespace gw::httpclient {
namespace {

using namespace std::chrono_literals;
using testing::describe;
using testing::kind_of;
using testing::make_client;
using testing::RawServer;
using testing::read_head;
using testing::TestProxy;
using testing::write_all;
using tcp = boost::asio::ip::tcp;

ClientOptions quick() {
    ClientOptions options;
    options.connect_timeout = 300ms;
    options.request_timeout = 300ms;
    options.total_timeout = 5s;
    return options;
}

// Waits until the peer closes (or the server is stopped).
void drain(tcp::socket& socket) {
    std::array<char, 4096> sink{};
    boost::system::error_code ec;
    while (!ec) socket.read_some(boost::asio::buffer(sink), ec);
}

TEST(HttpClientFaults, ConnectionRefusedIsConnectFailed) {
    std::uint16_t port = 0;
    {
        RawServer closed([](tcp::socket&) {});
        port = closed.port();
    }
    auto client = make_client(quick());
    auto r = client->request(HttpRequest::get("http://127.0.0.1:" + std::to_string(port) + "/"));
    EXPECT_EQ(kind_of(r), FailureKind::connect_failed) << describe(r);
    EXPECT_TRUE(is_transient(*kind_of(r)));
}

TEST(HttpClientFaults, TlsHandshakeThatNeverCompletesHitsTheConnectTimeout) {
    RawServer silent([](tcp::socket& s) { drain(s); });
    silent.serve();
    auto client = make_client(quick());
    auto started = std::chrono::steady_clock::now();
    auto r = client->request(HttpRequest::get("https://localhost:" + std::to_string(silent.port()) + "/"));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(kind_of(r), FailureKind::timeout) << describe(r);
    EXPECT_NE(r.error().message.find("could not connect"), std::string::npos) << r.error().message;
    EXPECT_LT(took, 3s);
}

TEST(HttpClientFaults, ServerThatNeverAnswersHitsTheRequestTimeout) {
    RawServer silent([](tcp::socket& s) { drain(s); });
    silent.serve();
    auto client = make_client(quick());
    auto started = std::chrono::steady_clock::now();
    auto r = client->request(HttpRequest::get(silent.url("/")));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(kind_of(r), FailureKind::timeout) << describe(r);
    EXPECT_NE(r.error().message.find("request_timeout"), std::string::npos) << r.error().message;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
}

TEST(HttpClientFaults, TotalTimeoutBoundsATrickledResponse) {
    RawServer trickle([](tcp::socket& s) {
        boost::asio::streambuf buffer;
        if (read_head(s, buffer).empty()) return;
        if (!write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")) return;
        for (int i = 0; i < 100; ++i) {
            if (!write_all(s, "x")) return;
            std::this_thread::sleep_for(50ms);
        }
    });
    trickle.serve();
    auto options = quick();
    options.request_timeout = 10s;
    auto client = make_client(options);
    auto request = HttpRequest::get(trickle.url("/"));
    request.total_timeout = 400ms;
    auto started = std::chrono::steady_clock::now();
    auto r = client->request(std::move(request));
    EXPECT_EQ(kind_of(r), FailureKind::timeout) << describe(r);
    EXPECT_NE(r.error().message.find("total_timeout"), std::string::npos) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(HttpClientFaults, EndlessChunkedBodyIsCutOffAtTheLimit) {
    std::atomic<std::size_t> sent{0};
    RawServer endless([&](tcp::socket& s) {
        boost::asio::streambuf buffer;
        if (read_head(s, buffer).empty()) return;
        if (!write_all(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
        std::string chunk = "4000\r\n" + std::string(0x4000, 'z') + "\r\n";
        // Stops when the client hangs up, or after 64 MiB as a safety net.
        while (sent < 64u * 1024 * 1024 && write_all(s, chunk)) sent += chunk.size();
    });
    endless.serve();
    auto options = quick();
    options.max_body_bytes = 1024 * 1024;
    options.request_timeout = 10s;
    auto client = make_client(options);
    auto r = client->request(HttpRequest::get(endless.url("/")));
    EXPECT_EQ(kind_of(r), FailureKind::too_large) << describe(r);
    EXPECT_FALSE(is_transient(*kind_of(r)));
    EXPECT_LT(sent.load(), 32u * 1024 * 1024);
}

TEST(HttpClientFaults, HugeContentLengthIsRefusedAtTheHeader) {
    RawServer huge([](tcp::socket& s) {
        boost::asio::streambuf buffer;
        if (read_head(s, buffer).empty()) return;
        write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\nabc");
        drain(s);
    });
    huge.serve();
    auto client = make_client(quick());
    auto r = client->request(HttpRequest::get(huge.url("/")));
    EXPECT_EQ(kind_of(r), FailureKind::too_large) << describe(r);
}

TEST(HttpClientFaults, CloseInTheMiddleOfTheResponseIsConnectionReset) {
    RawServer cut([](tcp::socket& s) {
        boost::asio::streambuf buffer;
        if (read_head(s, buffer).empty()) return;
        write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    });
    cut.serve();
    auto client = make_client(quick());
    auto r = client->request(HttpRequest::post(cut.url("/"), "{}", "application/json"));
    EXPECT_EQ(kind_of(r), FailureKind::connection_reset) << describe(r);
    EXPECT_TRUE(is_transient(*kind_of(r)));
}

TEST(HttpClientFaults, CloseWithoutAnyResponseIsConnectionReset) {
    RawServer rude([](tcp::socket& s) {
        boost::asio::streambuf buffer;
        read_head(s, buffer);
    });
    rude.serve();
    auto client = make_client(quick());
    auto r = client->request(HttpRequest::post(rude.url("/"), "{}", "application/json"));
    EXPECT_EQ(kind_of(r), FailureKind::connection_reset) << describe(r);
    EXPECT_EQ(rude.accepted(), 1) << "a POST must not be retried behind the caller's back";
}

TEST(HttpClientFaults, NonHttpBytesAreAProtocolError) {
    RawServer ssh([](tcp::socket& s) {
        boost::asio::streambuf buffer;
        if (read_head(s, buffer).empty()) return;
        write_all(s, "SSH-2.0-OpenSSH_9.2\r\nProtocol mismatch.\r\n");
        drain(s);
    });
    ssh.serve();
    auto client = make_client(quick());
    auto r = client->request(HttpRequest::get(ssh.url("/")));
    EXPECT_EQ(kind_of(r), FailureKind::protocol_error) << describe(r);
    EXPECT_FALSE(is_transient(*kind_of(r)));
}

TEST(HttpClientFaults, UnknownContentEncodingIsAProtocolError) {
    RawServer brotli([](tcp::socket& s) {
        boost::asio::streambuf buffer;
        if (read_head(s, buffer).empty()) return;
        write_all(s, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 3\r\n\r\nabc");
        drain(s);
    });
    brotli.serve();
    auto client = make_client(quick());
    auto r = client->request(HttpRequest::get(brotli.url("/")));
    EXPECT_EQ(kind_of(r), FailureKind::protocol_error) << describe(r);
}

TEST(HttpClientFaults, StaleKeepAliveConnectionIsRetriedOnceForIdempotentRequests) {
    // Answers one request per connection with keep-alive, then closes without saying so: the pooled connection is
    // dead when the next request comes. The pool notices (or the retry does) and a new connection serves it.
    RawServer once([](tcp::socket& s) {
        boost::asio::streambuf buffer;
        if (read_head(s, buffer).empty()) return;
        write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    once.serve();
    auto client = make_client(quick());
    for (int i = 0; i < 3; ++i) {
        auto r = client->request(HttpRequest::get(once.url("/")));
        ASSERT_TRUE(r) << i << ": " << describe(r);
        EXPECT_EQ(r->body, "ok");
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(once.accepted(), 3);
}

TEST(HttpClientFaults, HttpsThroughAConnectProxy) {
    const auto& certs = testing::cert_dir();
    ASSERT_FALSE(certs.empty());
    auto options = testing::server_options(true);
    options.tls.cert_file = certs + "/server.pem";
    options.tls.key_file = certs + "/server.key";
    http::Router router;
    router.get("/hello", [](const http::Request& req) {
        return http::Response::text(http::Status::ok, req.tls ? "tls" : "plain");
    });
    testing::TestHttpServer server(options, std::move(router));
    ASSERT_TRUE(server.start());
    TestProxy proxy;

    auto client_options = quick();
    client_options.proxy = proxy.url();
    client_options.tls.ca_file = certs + "/ca.pem";
    auto client = make_client(client_options);
    for (int i = 0; i < 2; ++i) {
        auto r = client->request(HttpRequest::get(server.https_url("/hello")));
        ASSERT_TRUE(r) << describe(r);
        EXPECT_EQ(r->body, "tls");
    }
    auto lines = proxy.request_lines();
    ASSERT_EQ(lines.size(), 1u) << "the tunnel is kept alive and reused";
    EXPECT_EQ(lines[0], "CONNECT localhost:" + std::to_string(server.port()) + " HTTP/1.1");
}

TEST(HttpClientFaults, PlainHttpThroughAProxyUsesAbsoluteForm) {
    http::Router router;
    router.get("/hello", [](const http::Request& req) { return http::Response::text(http::Status::ok, req.target); });
    testing::TestHttpServer server(testing::server_options(), std::move(router));
    ASSERT_TRUE(server.start());
    TestProxy proxy;
    auto options = quick();
    options.proxy = proxy.url();
    auto client = make_client(options);
    auto r = client->request(HttpRequest::get(server.url("/hello?x=1")));
    ASSERT_TRUE(r) << describe(r);
    EXPECT_EQ(r->body, "/hello?x=1");
    auto lines = proxy.request_lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "GET " + server.url("/hello?x=1") + " HTTP/1.1");
}

TEST(HttpClientFaults, ProxyRefusingConnectIsConnectFailed) {
    TestProxy proxy;
    proxy.refuse_with("HTTP/1.1 407 Proxy Authentication Required");
    auto options = quick();
    options.proxy = proxy.url();
    auto client = make_client(options);
    auto r = client->request(HttpRequest::get("https://localhost:1/"));
    EXPECT_EQ(kind_of(r), FailureKind::connect_failed) << describe(r);
    EXPECT_NE(r.error().message.find("407"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace gw::httpclient
