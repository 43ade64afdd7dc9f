#include "gateway/httpclient/blocking_client.hpp"

#include <future>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace gw::httpclient {

namespace net = boost::asio;

struct BlockingHttpClient::Impl {
    net::io_context ioc;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work{ioc.get_executor()};
    std::unique_ptr<HttpClient> client;
    std::vector<std::thread> threads;

    ~Impl() {
        if (client) client->shutdown();
        // Requests in flight finish under their own deadlines; then run() returns.
        work.reset();
        for (auto& thread : threads) thread.join();
        client.reset();
    }
};

Result<std::unique_ptr<BlockingHttpClient>> BlockingHttpClient::create(ClientOptions options, int io_threads) {
    auto impl = std::make_unique<Impl>();
    auto client = HttpClient::create(impl->ioc, std::move(options));
    if (!client) return std::move(client).error();
    impl->client = std::move(*client);
    for (int i = 0; i < std::max(1, io_threads); ++i) impl->threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
    return std::unique_ptr<BlockingHttpClient>(new BlockingHttpClient(std::move(impl)));
}

BlockingHttpClient::BlockingHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BlockingHttpClient::~BlockingHttpClient() = default;

Result<HttpResponse> BlockingHttpClient::request(HttpRequest request) {
    auto promise = std::make_shared<std::promise<Result<HttpResponse>>>();
    auto future = promise->get_future();
    impl_->client->request(std::move(request),
                           [promise](Result<HttpResponse> result) { promise->set_value(std::move(result)); });
    return future.get();
}

HttpClient& BlockingHttpClient::async() { return *impl_->client; }

}  // namespace gw::httpclient
