#include "gateway/runtime/runtime.hpp"

#include <csignal>
#include <future>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

namespace gw::runtime {
namespace {

using namespace std::chrono_literals;

TEST(Runtime, SigtermRunsShutdownHooksAndReturnsZero) {
    Runtime rt(2, 5s);
    std::atomic<int> hooks{0};
    rt.on_shutdown([&] { ++hooks; });
    boost::asio::post(rt.io(), [] { std::raise(SIGTERM); });
    EXPECT_EQ(rt.run(), 0);
    EXPECT_EQ(hooks.load(), 1);
}

TEST(Runtime, ShutdownWaitsForOutstandingWorkWithinGrace) {
    Runtime rt(1, 5s);
    boost::asio::steady_timer work(rt.io());
    bool work_finished = false;
    rt.on_shutdown([&] {
        // A component finishing in-flight work after stop was requested.
        work.expires_after(100ms);
        work.async_wait([&](auto) { work_finished = true; });
    });
    rt.request_shutdown();
    EXPECT_EQ(rt.run(), 0);
    EXPECT_TRUE(work_finished);
}

TEST(Runtime, GraceBoundsWorkThatNeverEnds) {
    Runtime rt(1, 200ms);
    boost::asio::steady_timer stuck(rt.io());
    rt.on_shutdown([&] {
        stuck.expires_after(1h);
        stuck.async_wait([](auto) {});
    });
    rt.request_shutdown();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(rt.run(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Runtime, SighupRunsReloadHooksAndKeepsRunning) {
    Runtime rt(1, 5s);
    int reloads = 0;
    rt.on_reload([&] {
        ++reloads;
        rt.request_shutdown();
    });
    boost::asio::post(rt.io(), [] { std::raise(SIGHUP); });
    EXPECT_EQ(rt.run(), 0);
    EXPECT_EQ(reloads, 1);
    EXPECT_EQ(rt.reload_count(), 1);
}

}  // namespace
}  // namespace gw::runtime
