// Server-Sent Events over a real connection: events arrive, and the server notices when the client goes away.

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "server_harness.hpp"

namespace gw::http {
namespace {

using namespace std::chrono_literals;
using testing::ServerHarness;
using testing::test_options;

// What the live dashboard will do: keep subscribers, push to them, forget them when they go.
struct Hub {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<SseStream> streams;
    int closed = 0;

    void subscribe(SseStream stream) {
        stream.on_close([this] {
            std::lock_guard lock(mutex);
            ++closed;
            changed.notify_all();
        });
        std::lock_guard lock(mutex);
        streams.push_back(std::move(stream));
        changed.notify_all();
    }

    bool wait(std::chrono::milliseconds timeout, const std::function<bool()>& ready) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, timeout, ready);
    }

    SseStream first() {
        std::lock_guard lock(mutex);
        return streams.front();
    }
};

// Reads from the client until `needle` has arrived (or the timeout passes); returns all that arrived.
std::string read_until(TestClient& client, std::string_view needle, std::chrono::milliseconds timeout) {
    std::string received;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received.find(needle) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        auto bytes = client.read_some(left);
        if (!bytes) break;
        received += *bytes;
    }
    return received;
}

Router sse_router(Hub& hub) {
    Router router;
    router.add_sse("/api/v1/events", [&hub](const Request&, SseStream stream) { hub.subscribe(std::move(stream)); });
    router.add_sse("/api/v1/once", [](const Request&, SseStream stream) {
        stream.send("only event");
        // The handler keeps no copy: the stream ends after this event is written.
    });
    return router;
}

TEST(HttpServerSse, StreamReceivesEventsAndServerNoticesDisconnect) {
    Hub hub;
    ServerHarness h(test_options(), sse_router(hub));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
    ASSERT_TRUE(hub.wait(5s, [&] { return !hub.streams.empty(); }));

    auto stream = hub.first();
    EXPECT_TRUE(stream.send("{\"order\":1}", "order", "1"));
    EXPECT_TRUE(stream.send("second"));
    EXPECT_TRUE(stream.send("line one\nline two"));
    auto received = read_until(client, "data: line two\n\n", 5s);
    EXPECT_TRUE(received.starts_with("HTTP/1.1 200 OK\r\n")) << received;
    EXPECT_NE(received.find("Content-Type: text/event-stream\r\n"), std::string::npos);
    EXPECT_NE(received.find("\r\n\r\nevent: order\nid: 1\ndata: {\"order\":1}\n\ndata: second\n\n"
                            "data: line one\ndata: line two\n\n"),
              std::string::npos)
        << received;

    client.close();
    ASSERT_TRUE(hub.wait(5s, [&] { return hub.closed == 1; }));
    EXPECT_FALSE(stream.is_open());
    EXPECT_FALSE(stream.send("nobody listens"));
    EXPECT_EQ(h.server().connection_count(), 0U);
}

TEST(HttpServerSse, ServerStopEndsTheStream) {
    Hub hub;
    ServerHarness h(test_options(), sse_router(hub));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write("GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(hub.wait(5s, [&] { return !hub.streams.empty(); }));
    EXPECT_TRUE(hub.first().send("before stop"));
    EXPECT_NE(read_until(client, "data: before stop\n\n", 5s).find("before stop"), std::string::npos);

    auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(h.stop_and_join(5s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_TRUE(client.wait_closed(3s));
    EXPECT_EQ(hub.closed, 1);
}

TEST(HttpServerSse, ForgottenStreamEndsAfterItsEvents) {
    Hub hub;
    ServerHarness h(test_options(), sse_router(hub));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write("GET /api/v1/once HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto received = read_until(client, "data: only event\n\n", 5s);
    EXPECT_NE(received.find("data: only event\n\n"), std::string::npos) << received;
    EXPECT_TRUE(client.wait_closed(3s));
}

TEST(HttpServerSse, HeartbeatKeepsAnIdleStreamAlive) {
    Hub hub;
    auto options = test_options();
    options.sse_heartbeat = 50ms;
    ServerHarness h(options, sse_router(hub));
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write("GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto received = read_until(client, ": keep-alive\n\n", 5s);
    EXPECT_NE(received.find(": keep-alive\n\n"), std::string::npos) << received;
}

}  // namespace
}  // namespace gw::http
