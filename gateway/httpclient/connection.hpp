#pragma once
// One client connection to one origin (directly, or through an HTTP proxy): resolve, connect, CONNECT tunnel, TLS
// handshake with host name verification, then one request/response exchange at a time. Every step runs on the
// connection's strand under a deadline. Internal to gw_httpclient: HostPool owns idle connections and hands them
// to requests; HttpClient drives exchanges.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "gateway/core/result.hpp"
#include "gateway/httpclient/message.hpp"
#include "gateway/httpclient/options.hpp"
#include "gateway/httpclient/origin.hpp"

namespace gw::httpclient::detail {

// Immutable after HttpClient::create(); shared by every connection of one client.
struct ClientConfig {
    ClientOptions options;
    tls::SslContextPtr ssl;
    std::optional<ProxySettings> proxy;
};

using WireRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct ExchangeOutcome {
    bool reusable = false;          // the connection may serve another request
    bool reused = false;            // it had served a request before this one
    bool response_started = false;  // response bytes had arrived, so the server surely saw the request
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Done = std::function<void(Result<HttpResponse>, ExchangeOutcome)>;

    // via_proxy: connect to config->proxy instead of the origin (a CONNECT tunnel for https origins).
    Connection(boost::asio::io_context& ioc, std::shared_ptr<const ClientConfig> config, Origin origin,
               bool via_proxy);

    // Runs one exchange, connecting first if needed. `done` runs exactly once, on the connection's strand; the
    // HttpResponse carries status, headers and the raw (still encoded) body.
    void start(std::shared_ptr<const WireRequest> request, std::string url, Done done);

    // Cancels whatever is in progress and closes the socket; the running exchange (if any) fails. Any thread.
    void abort();

    // For HostPool, on an idle connection only: connected and not yet used, or still open and not older than
    // the idle timeout (a peer that closed an idle connection is noticed here, not on the next request).
    bool usable_when_idle(std::chrono::steady_clock::time_point now) const;

private:
    enum class Phase { idle, resolving, connecting, proxy_connect, handshaking, writing, reading };

    template <class F>
    void with_stream(F&& f);

    void on_start();
    void do_resolve();
    void on_resolve(const boost::system::error_code& ec, boost::asio::ip::tcp::resolver::results_type results);
    void on_connect(const boost::system::error_code& ec);
    void do_proxy_connect();
    void on_proxy_write(const boost::system::error_code& ec);
    void on_proxy_read(const boost::system::error_code& ec);
    void do_handshake();
    void on_handshake(const boost::system::error_code& ec);
    void do_write();
    void on_write(const boost::system::error_code& ec);
    void on_read(const boost::system::error_code& ec);

    void arm(std::chrono::milliseconds timeout);
    void disarm();
    void cancel_io();
    void fail(const boost::system::error_code& ec);
    void finish(Result<HttpResponse> result, ExchangeOutcome outcome);

    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    std::shared_ptr<const ClientConfig> config_;
    const Origin origin_;
    const bool via_proxy_;
    const bool tunnel_;  // CONNECT through the proxy, then TLS end to end

    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::ip::tcp::socket socket_;
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    boost::asio::steady_timer timer_;
    boost::beast::flat_buffer buffer_;

    std::shared_ptr<const WireRequest> request_;
    std::string url_;
    Done done_;
    std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
    boost::beast::http::request<boost::beast::http::empty_body> connect_request_;
    std::optional<boost::beast::http::response_parser<boost::beast::http::empty_body>> proxy_parser_;

    Phase phase_ = Phase::idle;
    // closed_ and aborted_ are also read by usable_when_idle() on a pool thread while an abort() may be running.
    std::atomic<bool> connected_{false};
    std::atomic<bool> closed_{false};
    bool timed_out_ = false;
    std::atomic<bool> aborted_{false};
    unsigned exchanges_ = 0;
    std::uint64_t timer_generation_ = 0;
    std::chrono::steady_clock::time_point idle_since_{};
};

}  // namespace gw::httpclient::detail
