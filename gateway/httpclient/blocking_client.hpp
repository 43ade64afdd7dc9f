#pragma once
// BlockingHttpClient: HttpClient behind a blocking call, for tools, tests and benchmarks. It owns its io_context
// and io threads. Never use it on an io thread (it would wait for itself) or on the gateway's data path.
//
//   auto client = gw::httpclient::BlockingHttpClient::create(options);
//   auto response = (*client)->request(HttpRequest::get("http://127.0.0.1:18080/_sandbox/orders"));

#include <memory>

#include "gateway/core/result.hpp"
#include "gateway/httpclient/http_client.hpp"

namespace gw::httpclient {

class BlockingHttpClient {
public:
    static Result<std::unique_ptr<BlockingHttpClient>> create(ClientOptions options = {}, int io_threads = 1);
    // Shuts the client down and joins its threads (requests in flight end with their deadlines at the latest).
    ~BlockingHttpClient();
    BlockingHttpClient(const BlockingHttpClient&) = delete;
    BlockingHttpClient& operator=(const BlockingHttpClient&) = delete;

    // Thread-safe: several threads may wait on requests at once.
    Result<HttpResponse> request(HttpRequest request);

    // The asynchronous client underneath, for issuing many requests at once.
    HttpClient& async();

    struct Impl;

private:
    explicit BlockingHttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace gw::httpclient
