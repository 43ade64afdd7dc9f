#pragma once
// Test support: an HttpServer on 127.0.0.1 port 0, run by two io threads (as in production, handlers of different
// connections run concurrently), stopped and joined with a bound when the test ends.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "gateway/http/server.hpp"
#include "gateway/http/test_client.hpp"

namespace gw::http::testing {

inline ServerOptions test_options() {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    // Short enough that a test that goes wrong fails fast, long enough for a loaded CI machine.
    options.stop_timeout = std::chrono::milliseconds(5'000);
    return options;
}

class ServerHarness {
  public:
    ServerHarness(ServerOptions options, Router router) : server_(ioc_, std::move(options), std::move(router)) {}
    ~ServerHarness() { stop_and_join(); }

    ::testing::AssertionResult start(int threads = 2) {
        auto started = server_.start();
        if (!started) return ::testing::AssertionFailure() << started.error().to_string();
        for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
        return ::testing::AssertionSuccess();
    }

    // Graceful stop; true if every connection was gone within timeout.
    bool stop_and_join(std::chrono::milliseconds timeout = std::chrono::milliseconds(15'000)) {
        if (joined_) return stopped_in_time_;
        joined_ = true;
        auto done = std::make_shared<std::promise<void>>();
        auto stopped = done->get_future();
        server_.stop([done] { done->set_value(); });
        stopped_in_time_ = threads_.empty() || stopped.wait_for(timeout) == std::future_status::ready;
        ioc_.stop();
        for (auto& t : threads_) t.join();
        return stopped_in_time_;
    }

    HttpServer& server() { return server_; }
    std::uint16_t port() const { return server_.port(); }

    TestClient connect(TestClientOptions options = {}) {
        TestClient client(std::move(options));
        auto connected = client.connect(port());
        EXPECT_TRUE(connected) << (connected ? "" : connected.error().to_string());
        return client;
    }

  private:
    boost::asio::io_context ioc_;
    HttpServer server_;
    std::vector<std::thread> threads_;
    bool joined_ = false;
    bool stopped_in_time_ = true;
};

// The development certificates, made once per test process in a temporary folder by certs/make-certs.
inline const std::string& cert_dir() {
    static std::once_flag once;
    static std::string dir;
    std::call_once(once, [] {
        auto path =
            std::filesystem::temp_directory_path() / ("gw-http-certs-" + std::to_string(static_cast<long>(::getpid())));
        std::filesystem::create_directories(path);
        std::string command =
            std::string("'") + GATEWAY_SOURCE_DIR + "/certs/make-certs' '" + path.string() + "' > /dev/null";
        if (std::system(command.c_str()) == 0) dir = path.string();
    });
    return dir;
}

}  // namespace gw::http::testing
