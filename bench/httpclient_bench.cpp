// HttpClient throughput against a local HttpServer over keep-alive connections, at 1, 16 and 64 requests in flight
// (max_connections_per_host = concurrency). Each run first checks that a response is what the route returns.
// Loopback only; one iteration = 256 requests.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <optional>
#include <mutex>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>

#include "gateway/http/server.hpp"
#include "gateway/httpclient/http_client.hpp"

namespace {

using namespace std::chrono_literals;
constexpr int requests_per_iteration = 256;
const std::string payload(512, 'p');

class Fixture {
public:
    explicit Fixture(std::size_t connections) : server_(server_ioc_, options(), router()) {
        if (!server_.start()) return;
        server_thread_ = std::thread([this] { server_ioc_.run(); });
        gw::httpclient::ClientOptions client_options;
        client_options.max_connections_per_host = connections;
        auto client = gw::httpclient::HttpClient::create(client_ioc_, client_options);
        if (!client) return;
        client_ = std::move(*client);
        client_thread_ = std::thread([this] { client_ioc_.run(); });
        url_ = "http://127.0.0.1:" + std::to_string(server_.port()) + "/bench";
    }
    ~Fixture() {
        if (client_) client_->shutdown();
        work_.reset();
        server_.stop();
        server_ioc_.stop();
        client_ioc_.stop();
        if (server_thread_.joinable()) server_thread_.join();
        if (client_thread_.joinable()) client_thread_.join();
    }

    bool ready() const { return client_ != nullptr; }

    // One request, checked.
    bool verify() {
        std::promise<bool> done;
        client_->request(gw::httpclient::HttpRequest::get(url_), [&](gw::Result<gw::httpclient::HttpResponse> r) {
            done.set_value(r && r->status == 200 && r->body == payload);
        });
        return done.get_future().get();
    }

    // `total` requests with at most `concurrency` in flight; returns the number that failed.
    int run(int total, int concurrency) {
        std::mutex mutex;
        std::condition_variable cv;
        int issued = 0;
        int completed = 0;
        int failed = 0;
        std::function<void()> issue = [&] {
            client_->request(gw::httpclient::HttpRequest::get(url_), [&](gw::Result<gw::httpclient::HttpResponse> r) {
                bool more = false;
                {
                    std::lock_guard lock(mutex);
                    ++completed;
                    if (!r || r->status != 200 || r->body.size() != payload.size()) ++failed;
                    if (issued < total) {
                        ++issued;
                        more = true;
                    }
                }
                if (more) issue();
                cv.notify_one();
            });
        };
        {
            std::lock_guard lock(mutex);
            issued = std::min(concurrency, total);
        }
        for (int i = 0; i < std::min(concurrency, total); ++i) issue();
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return completed == total; });
        return failed;
    }

    gw::httpclient::PoolStats stats() const { return client_->stats(); }

private:
    static gw::http::ServerOptions options() {
        gw::http::ServerOptions o;
        o.port = 0;
        o.stop_timeout = 2s;
        return o;
    }
    static gw::http::Router router() {
        gw::http::Router r;
        r.get("/bench", [](const gw::http::Request&) { return gw::http::Response::text(gw::http::Status::ok, payload); });
        return r;
    }

    boost::asio::io_context server_ioc_;
    boost::asio::io_context client_ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        client_ioc_.get_executor()};
    gw::http::HttpServer server_;
    std::unique_ptr<gw::httpclient::HttpClient> client_;
    std::thread server_thread_;
    std::thread client_thread_;
    std::string url_;
};

void BM_HttpClientKeepAlive(benchmark::State& state) {
    auto concurrency = static_cast<int>(state.range(0));
    Fixture fixture(static_cast<std::size_t>(concurrency));
    if (!fixture.ready() || !fixture.verify()) {
        state.SkipWithError("the client or server did not start, or the response was wrong");
        return;
    }
    int failed = 0;
    for (auto _ : state) failed += fixture.run(requests_per_iteration, concurrency);
    if (failed > 0) state.SkipWithError("some requests failed");
    state.SetItemsProcessed(state.iterations() * requests_per_iteration);
    state.counters["connections"] = static_cast<double>(fixture.stats().connections_opened);
}

BENCHMARK(BM_HttpClientKeepAlive)->Arg(1)->Arg(16)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
