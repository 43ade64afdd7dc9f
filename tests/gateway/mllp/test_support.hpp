#pragma once
// Shared by the MLLP tests: io_context threads, a recording FrameHandler, a listener fixture and dev certificates.

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "gateway/log/log.hpp"
#include "gateway/mllp/client.hpp"
#include "gateway/mllp/frame_handler.hpp"
#include "gateway/mllp/listener.hpp"

namespace gw::mllp::testing {

using namespace std::chrono_literals;

// Generous bound for anything that should happen "soon": only reached when a test is about to fail.
inline constexpr std::chrono::seconds kWait{10};

// The response text, or the error's text: keeps EXPECT_EQ readable and never dereferences a failed Result.
inline std::string receive_text(MllpClient& client) {
    auto response = client.receive();
    return response ? *response : "error: " + response.error().to_string();
}

class IoThreads {
  public:
    explicit IoThreads(int threads) : guard_(io_.get_executor()) {
        for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    }
    ~IoThreads() {
        guard_.reset();
        io_.stop();
        for (auto& t : threads_) t.join();
    }
    boost::asio::io_context& context() { return io_; }

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::vector<std::thread> threads_;
};

// Answers "ACK:<payload>" at once, or holds the Reply for the test to complete (hold mode). Frame errors are answered
// "NAK:<code>:<prefix>". Everything is recorded and can be waited for.
class RecordingHandler : public FrameHandler {
  public:
    void on_frame(std::string payload, const PeerInfo& peer, Reply reply) override {
        std::unique_lock lock(mutex_);
        frames_.push_back(payload);
        peers_.push_back(peer);
        if (hold_) held_.push_back(std::move(reply));
        changed_.notify_all();
        const bool hold = hold_;
        lock.unlock();
        if (!hold) reply("ACK:" + payload);
    }

    void on_frame_error(const Error& error, std::string_view prefix, const PeerInfo&, Reply reply) override {
        {
            std::lock_guard lock(mutex_);
            errors_.push_back(error);
            changed_.notify_all();
        }
        reply("NAK:" + std::string(to_string(error.code)) + ":" + std::string(prefix));
    }

    bool ready() const override {
        std::lock_guard lock(mutex_);
        ++ready_calls_;
        changed_.notify_all();
        return ready_;
    }

    void on_connection_open(const PeerInfo&) override {
        std::lock_guard lock(mutex_);
        ++opened_;
        changed_.notify_all();
    }

    void on_connection_closed(const PeerInfo&) override {
        std::lock_guard lock(mutex_);
        ++closed_;
        changed_.notify_all();
    }

    void set_hold(bool hold) {
        std::lock_guard lock(mutex_);
        hold_ = hold;
    }
    void set_ready(bool ready) {
        std::lock_guard lock(mutex_);
        ready_ = ready;
    }

    template <class Pred>
    bool wait(Pred pred, std::chrono::milliseconds timeout = kWait) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pred(*this); });
    }
    bool wait_frames(std::size_t n, std::chrono::milliseconds timeout = kWait) {
        return wait([n](const RecordingHandler& h) { return h.frames_.size() >= n; }, timeout);
    }
    bool wait_closed(std::size_t n, std::chrono::milliseconds timeout = kWait) {
        return wait([n](const RecordingHandler& h) { return h.closed_ >= n; }, timeout);
    }
    bool wait_opened(std::size_t n, std::chrono::milliseconds timeout = kWait) {
        return wait([n](const RecordingHandler& h) { return h.opened_ >= n; }, timeout);
    }
    bool wait_ready_calls(std::size_t n, std::chrono::milliseconds timeout = kWait) {
        return wait([n](const RecordingHandler& h) { return h.ready_calls_ >= n; }, timeout);
    }

    std::vector<Reply> take_held() {
        std::lock_guard lock(mutex_);
        return std::exchange(held_, {});
    }
    std::vector<std::string> frames() const {
        std::lock_guard lock(mutex_);
        return frames_;
    }
    std::vector<PeerInfo> peers() const {
        std::lock_guard lock(mutex_);
        return peers_;
    }
    std::vector<Error> errors() const {
        std::lock_guard lock(mutex_);
        return errors_;
    }
    std::size_t ready_calls() const {
        std::lock_guard lock(mutex_);
        return ready_calls_;
    }
    std::size_t closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<std::string> frames_;
    std::vector<PeerInfo> peers_;
    std::vector<Error> errors_;
    std::vector<Reply> held_;
    mutable std::size_t ready_calls_ = 0;
    std::size_t opened_ = 0;
    std::size_t closed_ = 0;
    bool hold_ = false;
    bool ready_ = true;
};

// The dev CA and certificates from certs/make-certs, made once per build directory (ctest runs every test in its
// own process, and making RSA keys costs seconds). Made in a temporary folder and renamed into place, so parallel
// test processes never see half-written files: the first rename wins, the others use its result.
class DevCerts {
  public:
    static const DevCerts& get() {
        static const DevCerts certs;
        return certs;
    }
    std::string path(const char* name) const { return (dir_ / name).string(); }
    bool ok() const { return ok_; }

  private:
    DevCerts() : dir_(std::filesystem::path(GATEWAY_BIN_DIR).parent_path() / "test-certs" / "mllp") {
        ok_ = complete(dir_) || make();
    }

    static bool complete(const std::filesystem::path& dir) {
        for (const char* name : {"ca.pem", "server.pem", "server.key", "client.pem", "client.key", "other-ca.pem",
                                 "other-client.pem", "other-client.key"}) {
            std::error_code ec;
            if (!std::filesystem::is_regular_file(dir / name, ec)) return false;
        }
        return true;
    }

    bool make() const {
        std::error_code ec;
        std::filesystem::create_directories(dir_.parent_path(), ec);
        std::string pattern = (dir_.parent_path() / "mllp-tmp-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) return false;
        const std::filesystem::path tmp = pattern;
        const std::string command =
            std::string("'") + GATEWAY_SOURCE_DIR + "/certs/make-certs' '" + tmp.string() + "' >/dev/null";
        const bool made = std::system(command.c_str()) == 0 && complete(tmp);
        if (made) std::filesystem::rename(tmp, dir_, ec);  // fails harmlessly if another process was first
        std::filesystem::remove_all(tmp, ec);
        return complete(dir_);
    }

    std::filesystem::path dir_;
    bool ok_ = false;
};

class ListenerFixture : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { log::init(log::Options{.level = log::Level::warn}); }

    void TearDown() override {
        for (auto& reply : handler_->take_held()) reply("late");
        if (listener_) {
            EXPECT_TRUE(stop_listener(5s));
        }
    }

    ListenerOptions default_options() const {
        ListenerOptions o;
        o.name = "mllp-test";
        o.host = "127.0.0.1";
        o.port = 0;
        return o;
    }

    void start_listener(ListenerOptions options) {
        auto created = MllpListener::create(io_.context(), std::move(options), handler_);
        ASSERT_TRUE(created) << created.error().to_string();
        listener_ = std::move(created).value();
        listener_->start();
    }
    void start_listener() { start_listener(default_options()); }

    // Stops the listener and waits for it to report every connection closed.
    bool stop_listener(std::chrono::milliseconds grace) {
        auto done = std::make_shared<std::promise<void>>();
        auto stopped = done->get_future();
        listener_->stop(grace, [done] { done->set_value(); });
        const bool ok = stopped.wait_for(grace + kWait) == std::future_status::ready;
        listener_.reset();
        return ok;
    }

    ClientOptions client_options() const {
        ClientOptions o;
        o.host = "127.0.0.1";
        o.port = listener_->port();
        o.connect_timeout = kWait;
        o.io_timeout = kWait;
        return o;
    }

    MllpClient connected_client(ClientOptions options) {
        MllpClient client(std::move(options));
        auto connected = client.connect();
        EXPECT_TRUE(connected) << connected.error().to_string();
        return client;
    }
    MllpClient connected_client() { return connected_client(client_options()); }

    IoThreads io_{2};
    std::shared_ptr<RecordingHandler> handler_ = std::make_shared<RecordingHandler>();
    std::shared_ptr<MllpListener> listener_;
};

}  // namespace gw::mllp::testing
