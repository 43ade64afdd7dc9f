#pragma once
// HttpServer: the HTTP/1.1 listener that the admin API, dashboard, health checks and HTTP inbound channels mount
// their routes on. Plain TCP or TLS (optionally mTLS), driven by an io_context that any number of threads may run.
//
// Protection against slow or hostile clients, all from ServerOptions:
//   - every read and write has a deadline; a client that trickles its request header past header_timeout gets 408
//     and is closed; an idle keep-alive connection is closed after idle_timeout
//   - headers are capped at header_limit (431); bodies at body_limit or the route's own limit (413, sent as soon as
//     Content-Length says so, or when a chunked body crosses the limit: a body is never buffered past its limit)
//   - bytes that are not HTTP get 400 and the connection is closed
//   - at most max_connections connections; the next gets 503 and is closed
// Every error the server generates itself is an RFC 9457 problem body (problem.hpp).
//
// Usage:
//   gw::http::Router router;
//   router.get("/healthz", ...).add_async(Verb::post, "/api/v1/orders", ...);
//   gw::http::HttpServer server(ioc, options, std::move(router));
//   if (auto r = server.start(); !r) ...;          // binds; server.port() is the bound port (options.port 0 = any)
//   ...
//   server.stop([] { /* all connections closed */ });

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "gateway/core/result.hpp"
#include "gateway/http/router.hpp"
#include "gateway/tls/tls_context.hpp"

namespace gw::http {

struct ServerOptions {
    std::string host = "127.0.0.1";  // an IP address; "0.0.0.0" or "::" for all interfaces
    std::uint16_t port = 8080;       // 0: any free port (tests), see HttpServer::port()
    tls::ServerTlsOptions tls;       // tls.enabled turns on TLS; tls.require_client_cert turns on mTLS

    std::size_t body_limit = 1024 * 1024;  // default request body limit; RouteOptions::body_limit overrides
    std::uint32_t header_limit = 16 * 1024;
    std::size_t max_connections = 1024;

    std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake
    // The whole request header: counted from accept, or on a keep-alive connection from the header's first byte.
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds body_timeout{60'000};   // whole request body
    std::chrono::milliseconds idle_timeout{30'000};   // keep-alive: wait for the next request to start
    std::chrono::milliseconds write_timeout{30'000};  // each response write
    std::chrono::milliseconds stop_timeout{10'000};   // stop(): in-flight requests get this long, then closed

    std::chrono::milliseconds sse_heartbeat{15'000};  // comment line on an idle event stream; 0 = none
    std::size_t sse_max_queued_bytes = 1024 * 1024;   // per stream; a client further behind is dropped

    std::string server_header = "care-grocer-gateway";
};

class HttpServer {
  public:
    HttpServer(boost::asio::io_context& ioc, ServerOptions options, Router router);
    // Stops accepting and closes connections without waiting; prefer stop() and its callback.
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Checks the routes, builds the TLS context, binds and starts accepting. Errors: the Router's first
    // registration error, TLS files that cannot be loaded, an address that cannot be bound.
    Result<void> start();

    // The bound port (after a successful start()).
    std::uint16_t port() const;

    // Graceful stop, callable from any thread and more than once: stop accepting, let requests in flight finish
    // (their responses carry Connection: close), close idle connections and event streams at once; after
    // stop_timeout, close whatever is left. on_stopped runs once every connection is gone (on an io thread).
    void stop(std::function<void()> on_stopped = {});

    // Open connections right now (for tests, metrics and /readyz).
    std::size_t connection_count() const;

    struct State;  // implementation detail, shared with the connections

  private:
    std::shared_ptr<State> state_;
};

}  // namespace gw::http
