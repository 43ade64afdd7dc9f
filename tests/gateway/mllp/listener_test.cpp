#include "gateway/mllp/listener.hpp"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/gateway/mllp/test_support.hpp"

namespace gw::mllp::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using Clock = std::chrono::steady_clock;

class MllpListenerTest : public ListenerFixture {};

TEST_F(MllpListenerTest, BindsAnEphemeralPortAndAnswersAFrame) {
    start_listener();
    ASSERT_NE(listener_->port(), 0);
    auto client = connected_client();
    auto response = client.exchange("MSH|1");
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:MSH|1");
    auto peers = handler_->peers();
    ASSERT_EQ(peers.size(), 1u);
    EXPECT_THAT(peers[0].address, StartsWith("127.0.0.1:"));
    EXPECT_FALSE(peers[0].tls);
    EXPECT_TRUE(peers[0].client_cert_subject.empty());
}

TEST_F(MllpListenerTest, SeveralMessagesOnOneConnection) {
    start_listener();
    auto client = connected_client();
    for (int i = 0; i < 20; ++i) {
        auto response = client.exchange("MSH|" + std::to_string(i));
        ASSERT_TRUE(response) << response.error().to_string();
        EXPECT_EQ(*response, "ACK:MSH|" + std::to_string(i));
    }
    EXPECT_EQ(listener_->active_connections(), 1u);
}

TEST_F(MllpListenerTest, FrameSplitIntoSingleByteWrites) {
    start_listener();
    auto client = connected_client();
    for (char c : frame("MSH|split")) ASSERT_TRUE(client.send_raw(std::string(1, c)));
    auto response = client.receive();
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:MSH|split");
}

TEST_F(MllpListenerTest, PipelinedFramesAreAnsweredInOrder) {
    start_listener();
    auto client = connected_client();
    std::string burst;
    for (int i = 0; i < 50; ++i) burst += frame("m" + std::to_string(i));
    ASSERT_TRUE(client.send_raw(burst));
    for (int i = 0; i < 50; ++i) {
        auto response = client.receive();
        ASSERT_TRUE(response) << response.error().to_string();
        EXPECT_EQ(*response, "ACK:m" + std::to_string(i));
    }
}

TEST_F(MllpListenerTest, ResponsesKeepFrameOrderWhenTheHandlerCompletesOutOfOrder) {
    handler_->set_hold(true);
    start_listener();
    auto client = connected_client();
    std::string burst;
    for (int i = 0; i < 5; ++i) burst += frame("m" + std::to_string(i));
    ASSERT_TRUE(client.send_raw(burst));
    ASSERT_TRUE(handler_->wait_frames(5));
    auto replies = handler_->take_held();
    ASSERT_EQ(replies.size(), 5u);
    // Completed last-first, from threads that are not the listener's.
    std::vector<std::thread> repliers;
    for (int i = 4; i >= 0; --i) {
        repliers.emplace_back([reply = replies[static_cast<std::size_t>(i)], i] { reply("r" + std::to_string(i)); });
        repliers.back().join();
    }
    replies.clear();
    for (int i = 0; i < 5; ++i) {
        auto response = client.receive();
        ASSERT_TRUE(response) << response.error().to_string();
        EXPECT_EQ(*response, "r" + std::to_string(i));
    }
}

TEST_F(MllpListenerTest, AReplyThatIsDroppedSendsNothingAndDoesNotBlockTheNext) {
    handler_->set_hold(true);
    start_listener();
    auto client = connected_client();
    ASSERT_TRUE(client.send_raw(frame("a") + frame("b") + frame("c")));
    ASSERT_TRUE(handler_->wait_frames(3));
    auto replies = handler_->take_held();
    replies[2]("C");
    replies[1] = nullptr;  // b gets no response
    replies[0]("A");
    replies[0]("A again");  // only the first call counts
    auto first = client.receive();
    auto second = client.receive();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, "A");
    EXPECT_EQ(*second, "C");
}

TEST_F(MllpListenerTest, FrameErrorsReachTheHandlerAndTheConnectionStaysInSync) {
    start_listener();
    auto client = connected_client();
    ASSERT_TRUE(client.send_raw(std::string("\r\njunk\x0B"
                                            "bad trailer\x1C"
                                            "X") +
                                frame("good")));
    auto nak = client.receive();
    ASSERT_TRUE(nak) << nak.error().to_string();
    EXPECT_EQ(*nak, "NAK:parse_error:bad trailer");
    auto ack = client.receive();
    ASSERT_TRUE(ack) << ack.error().to_string();
    EXPECT_EQ(*ack, "ACK:good");
}

TEST_F(MllpListenerTest, EmptyFrameIsHandedToTheHandler) {
    start_listener();
    auto client = connected_client();
    auto response = client.exchange("");
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:");
}

long max_rss_kib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

TEST_F(MllpListenerTest, FiftyMegabyteFrameGetsTooLargeInBoundedMemory) {
    auto options = default_options();
    options.max_message_bytes = 64 * 1024;
    options.error_prefix_bytes = 16;
    start_listener(options);
    const long rss_before = max_rss_kib();
    auto client = connected_client();
    ASSERT_TRUE(client.send_raw(std::string(1, kStartBlock)));
    const std::string chunk(256 * 1024, 'Z');  // streamed: the test itself never holds the 50 MB either
    for (std::size_t sent = 0; sent < 50u * 1024 * 1024; sent += chunk.size()) {
        ASSERT_TRUE(client.send_raw(chunk));
    }
    ASSERT_TRUE(client.send_raw("\x1C\x0D"));
    auto nak = client.receive();
    ASSERT_TRUE(nak) << nak.error().to_string();
    EXPECT_EQ(*nak, "NAK:too_large:" + std::string(16, 'Z'));
    auto errors = handler_->errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_THAT(errors[0].message, HasSubstr("52428800 bytes"));
    EXPECT_TRUE(handler_->frames().empty());
    // The connection is still in sync.
    auto ack = client.exchange("after");
    ASSERT_TRUE(ack) << ack.error().to_string();
    EXPECT_EQ(*ack, "ACK:after");
    EXPECT_LT(max_rss_kib() - rss_before, 16 * 1024) << "peak RSS grew by more than 16 MiB";
}

TEST_F(MllpListenerTest, IdleConnectionIsClosed) {
    auto options = default_options();
    options.idle_timeout = 200ms;
    start_listener(options);
    auto client = connected_client();
    ASSERT_TRUE(client.exchange("MSH|1"));
    const auto started = Clock::now();
    auto response = client.receive();
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::io_error);
    EXPECT_THAT(response.error().message, HasSubstr("closed"));
    EXPECT_LT(Clock::now() - started, 5s);
    EXPECT_TRUE(handler_->wait_closed(1));
}

TEST_F(MllpListenerTest, JunkBytesDoNotKeepAnIdleConnectionOpen) {
    auto options = default_options();
    options.idle_timeout = 300ms;
    start_listener(options);
    auto client = connected_client();
    ASSERT_TRUE(handler_->wait_opened(1));
    const auto started = Clock::now();
    // A junk byte every 50 ms (paced by the bounded wait for the close we expect), well inside the idle timeout.
    while (!handler_->wait_closed(1, 50ms) && Clock::now() - started < kWait) {
        if (!client.send_raw("\r")) break;
    }
    EXPECT_TRUE(handler_->wait_closed(1));
    EXPECT_LT(Clock::now() - started, 5s);
    EXPECT_TRUE(handler_->frames().empty());
}

TEST_F(MllpListenerTest, HalfSentFrameIsClosedAfterTheReadTimeout) {
    auto options = default_options();
    options.read_timeout = 200ms;
    options.idle_timeout = 60s;
    start_listener(options);
    auto client = connected_client();
    ASSERT_TRUE(client.send_raw("\x0BMSH|never finished"));
    const auto started = Clock::now();
    auto response = client.receive();
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::io_error);
    EXPECT_LT(Clock::now() - started, 5s);
    EXPECT_TRUE(handler_->frames().empty());
}

TEST_F(MllpListenerTest, StalledResponseWriteIsClosedAfterTheWriteTimeout) {
    handler_->set_hold(true);
    auto options = default_options();
    options.write_timeout = 200ms;
    start_listener(options);
    auto client = connected_client();
    ASSERT_TRUE(client.send("a big answer, please"));
    ASSERT_TRUE(handler_->wait_frames(1));
    // Far more than loopback socket buffers hold, and the client never reads it.
    handler_->take_held()[0](std::string(16 * 1024 * 1024, 'R'));
    const auto started = Clock::now();
    ASSERT_TRUE(handler_->wait_closed(1));
    EXPECT_LT(Clock::now() - started, 5s);
}

TEST_F(MllpListenerTest, ConnectionOverTheLimitIsClosed) {
    auto options = default_options();
    options.max_connections = 2;
    start_listener(options);
    auto first = connected_client();
    auto second = connected_client();
    ASSERT_TRUE(first.exchange("1"));
    ASSERT_TRUE(second.exchange("2"));
    auto third = connected_client();  // TCP accepts it; the listener closes it at once
    auto refused = third.exchange("3");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::io_error);
    first.close();
    ASSERT_TRUE(handler_->wait_closed(1));
    auto fourth = connected_client();
    auto response = fourth.exchange("4");
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:4");
    EXPECT_THAT(handler_->frames(), ElementsAre("1", "2", "4"));
}

TEST_F(MllpListenerTest, BackPressurePausesReadingUntilTheHandlerIsReady) {
    handler_->set_ready(false);
    auto options = default_options();
    options.backpressure_poll = 5ms;
    options.idle_timeout = 200ms;  // must not fire while the listener itself is the one holding back
    start_listener(options);
    auto client = connected_client();
    ASSERT_TRUE(client.send("held back"));
    // Polling ready() repeatedly proves the session has the bytes and is holding them back.
    const auto before = handler_->ready_calls();
    ASSERT_TRUE(handler_->wait_ready_calls(before + 3));
    EXPECT_TRUE(handler_->frames().empty());
    ASSERT_TRUE(handler_->wait_ready_calls(before + 300 / 5));  // paused for >= 300 ms, past the idle timeout
    EXPECT_TRUE(handler_->frames().empty());
    handler_->set_ready(true);
    auto response = client.receive();
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:held back");
}

TEST_F(MllpListenerTest, PendingResponseLimitPausesReading) {
    handler_->set_hold(true);
    auto options = default_options();
    options.max_pending_responses = 2;
    options.backpressure_poll = 5ms;
    start_listener(options);
    auto client = connected_client();
    ASSERT_TRUE(client.send_raw(frame("a") + frame("b") + frame("c")));
    ASSERT_TRUE(handler_->wait_frames(2));
    EXPECT_FALSE(handler_->wait_frames(3, 200ms)) << "a third frame was dispatched over the limit";
    auto replies = handler_->take_held();
    replies[0]("A");
    ASSERT_TRUE(handler_->wait_frames(3));
    replies[1]("B");
    for (auto& reply : handler_->take_held()) reply("C");
    EXPECT_EQ(receive_text(client), "A");
    EXPECT_EQ(receive_text(client), "B");
    EXPECT_EQ(receive_text(client), "C");
}

TEST_F(MllpListenerTest, PeerThatHalfClosesStillGetsItsResponses) {
    start_listener();
    auto client = connected_client();
    ASSERT_TRUE(client.send_raw(frame("a") + frame("b")));
    ASSERT_TRUE(client.shutdown_send());
    EXPECT_EQ(receive_text(client), "ACK:a");
    EXPECT_EQ(receive_text(client), "ACK:b");
    EXPECT_FALSE(client.receive());
}

TEST_F(MllpListenerTest, TwoHundredConcurrentConnections) {
    constexpr int kThreads = 8;
    constexpr int kClientsPerThread = 25;
    constexpr int kMessages = 5;
    start_listener();
    std::atomic<int> answered{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::vector<MllpClient> clients;
            for (int c = 0; c < kClientsPerThread; ++c) {
                clients.emplace_back(client_options());
                if (!clients.back().connect()) ++wrong;
            }
            // Every client sends before any reads: the listener has all connections' frames in flight at once.
            for (int m = 0; m < kMessages; ++m) {
                for (int c = 0; c < kClientsPerThread; ++c) {
                    const auto text = "t" + std::to_string(t) + "c" + std::to_string(c) + "m" + std::to_string(m);
                    if (!clients[static_cast<std::size_t>(c)].send(text)) ++wrong;
                }
                for (int c = 0; c < kClientsPerThread; ++c) {
                    const auto text = "t" + std::to_string(t) + "c" + std::to_string(c) + "m" + std::to_string(m);
                    auto response = clients[static_cast<std::size_t>(c)].receive();
                    if (response && *response == "ACK:" + text) {
                        ++answered;
                    } else {
                        ++wrong;
                    }
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(answered.load(), kThreads * kClientsPerThread * kMessages);
}

TEST_F(MllpListenerTest, GracefulStopWritesTheInFlightResponseThenCloses) {
    handler_->set_hold(true);
    start_listener();
    const auto port = listener_->port();
    auto client = connected_client();
    ASSERT_TRUE(client.send("in flight"));
    ASSERT_TRUE(handler_->wait_frames(1));
    std::promise<void> stopped;
    listener_->stop(10s, [&stopped] { stopped.set_value(); });
    auto stopped_future = stopped.get_future();
    EXPECT_EQ(stopped_future.wait_for(100ms), std::future_status::timeout) << "stopped with a response owed";
    handler_->take_held()[0]("ACK:in flight");
    auto response = client.receive();
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:in flight");
    EXPECT_FALSE(client.receive());  // then the listener closes the connection
    ASSERT_EQ(stopped_future.wait_for(kWait), std::future_status::ready);
    listener_.reset();
    ClientOptions options;
    options.port = port;
    options.connect_timeout = kWait;
    MllpClient late(options);
    auto refused = late.connect();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
}

TEST_F(MllpListenerTest, GracefulStopClosesConnectionsThatOutliveTheGrace) {
    handler_->set_hold(true);
    start_listener();
    auto client = connected_client();
    ASSERT_TRUE(client.send("never answered"));
    ASSERT_TRUE(handler_->wait_frames(1));
    const auto started = Clock::now();
    EXPECT_TRUE(stop_listener(200ms));
    EXPECT_GE(Clock::now() - started, 200ms);
    EXPECT_FALSE(client.receive());
}

TEST_F(MllpListenerTest, GracefulStopClosesIdleConnectionsAtOnce) {
    start_listener();
    auto client = connected_client();
    ASSERT_TRUE(client.exchange("1"));
    const auto started = Clock::now();
    EXPECT_TRUE(stop_listener(10s));
    EXPECT_LT(Clock::now() - started, 5s);
    EXPECT_FALSE(client.receive());
}

TEST_F(MllpListenerTest, StopWithoutConnections) {
    start_listener();
    EXPECT_TRUE(stop_listener(10s));
}

TEST_F(MllpListenerTest, RejectsInvalidOptions) {
    auto options = default_options();
    options.max_message_bytes = 0;
    auto zero = MllpListener::create(io_.context(), options, handler_);
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, ErrorCode::invalid_argument);

    options = default_options();
    options.host = "not an address";
    auto host = MllpListener::create(io_.context(), options, handler_);
    ASSERT_FALSE(host);
    EXPECT_EQ(host.error().code, ErrorCode::invalid_argument);

    auto no_handler = MllpListener::create(io_.context(), default_options(), nullptr);
    ASSERT_FALSE(no_handler);
}

TEST_F(MllpListenerTest, PortInUseIsAnError) {
    start_listener();
    auto options = default_options();
    options.port = listener_->port();
    auto second = MllpListener::create(io_.context(), options, handler_);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::io_error);
    EXPECT_THAT(second.error().message, HasSubstr("bind"));
}

}  // namespace
}  // namespace gw::mllp::testing
