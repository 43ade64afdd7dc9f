#pragma once
// HttpClient: the gateway's outbound HTTP/1.1 client (grocer APIs, webhooks, AppRec over HTTP). Asynchronous on a
// caller's io_context, which any number of threads may run; request() may be called from any thread.
//
//   - a connection pool per origin (scheme, host, port) with keep-alive and ClientOptions::max_connections_per_host
//   - TLS 1.2+ with certificate and host name verification (system CAs or tls.ca_file), SNI, client certificates
//   - deadlines: connect_timeout, request_timeout, and total_timeout from request() to the callback
//   - an optional HTTP proxy: CONNECT tunnels for https, absolute-form requests for http
//   - bounded memory: header, body (on the wire) and decoded body limits; gzip/deflate decoding
//   - redirects only when ClientOptions::max_redirects > 0
//   - a request that failed on a reused keep-alive connection before any response byte arrived (the server had
//     closed it) is retried once on a new connection, but only if it is idempotent (GET, HEAD, OPTIONS, PUT,
//     DELETE) or carries an Idempotency-Key header: a POST is never sent twice behind the caller's back
//
// Failures are gw::Errors classified by FailureKind (failure.hpp); any HTTP status, including 4xx and 5xx, is a
// successful HttpResponse.
//
// Usage:
//   auto client = gw::httpclient::HttpClient::create(ioc, options);   // Result<std::unique_ptr<HttpClient>>
//   (*client)->request(HttpRequest::get("https://api.example.no/v1/slots"), [](Result<HttpResponse> r) { ... });

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "gateway/core/result.hpp"
#include "gateway/httpclient/failure.hpp"
#include "gateway/httpclient/host_pool.hpp"
#include "gateway/httpclient/message.hpp"
#include "gateway/httpclient/options.hpp"

namespace gw::httpclient {

class HttpClient {
public:
    using Callback = std::function<void(Result<HttpResponse>)>;

    // Checks the options and loads the TLS context (CA file, client certificate). Errors name the bad value or file.
    // The io_context must outlive the client and every request in flight.
    static Result<std::unique_ptr<HttpClient>> create(boost::asio::io_context& ioc, ClientOptions options = {});

    // shutdown(), then returns without waiting: requests in flight still complete (their callbacks run).
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends `request`; `callback` runs exactly once, on one of the io_context's threads, never inside request().
    // Keep it short: it runs on a connection's strand.
    void request(HttpRequest request, Callback callback);

    // Closes idle connections and fails queued requests with `cancelled`; later request() calls fail the same way.
    // Requests already on a connection run to completion. Any thread.
    void shutdown();

    PoolStats stats() const;
    const ClientOptions& options() const;

    struct State;

private:
    explicit HttpClient(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace gw::httpclient
