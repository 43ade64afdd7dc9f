#include "gateway/mllp/client.hpp"

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/gateway/mllp/test_support.hpp"

namespace gw::mllp::testing {
namespace {

using ::testing::HasSubstr;

class MllpClientTest : public ListenerFixture {};

TEST_F(MllpClientTest, ConnectToAClosedPortIsUnavailable) {
    start_listener();
    ClientOptions options = client_options();
    ASSERT_TRUE(stop_listener(1s));
    MllpClient client(options);
    auto connected = client.connect();
    ASSERT_FALSE(connected);
    EXPECT_EQ(connected.error().code, ErrorCode::unavailable);
}

TEST_F(MllpClientTest, ReceiveTimesOutWhenNoResponseComes) {
    handler_->set_hold(true);
    start_listener();
    auto options = client_options();
    options.io_timeout = 200ms;
    auto client = connected_client(options);
    const auto started = std::chrono::steady_clock::now();
    auto response = client.exchange("unanswered");
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::timeout);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_FALSE(client.is_open());
}

TEST_F(MllpClientTest, OversizedResponseIsTooLarge) {
    start_listener();
    auto options = client_options();
    options.max_response_bytes = 8;
    auto client = connected_client(options);
    auto response = client.exchange("a payload longer than eight bytes");
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::too_large);
}

TEST_F(MllpClientTest, ReconnectsAfterClose) {
    start_listener();
    auto client = connected_client();
    ASSERT_TRUE(client.exchange("1"));
    client.close();
    EXPECT_FALSE(client.is_open());
    auto not_connected = client.send("2");
    ASSERT_FALSE(not_connected);
    EXPECT_THAT(not_connected.error().message, HasSubstr("not connected"));
    ASSERT_TRUE(client.connect());
    EXPECT_EQ(*client.exchange("3"), "ACK:3");
}

}  // namespace
}  // namespace gw::mllp::testing
