#include "gateway/http/test_client.hpp"

#include <array>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace gw::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

std::string ClientResponse::header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
}

struct TestClient::Impl {
    explicit Impl(TestClientOptions o) : options(std::move(o)) {}

    TestClientOptions options;
    net::io_context ioc;
    tls::SslContextPtr ssl_ctx;
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;

    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
    bool connected() const { return plain || secure; }

    template <class F>
    void with_stream(F&& f) {
        if (secure) {
            f(*secure);
        } else {
            f(*plain);
        }
    }

    // Runs one asynchronous operation to completion or until the timeout, which makes the blocking API bounded.
    template <class Start>
    error_code run(std::chrono::milliseconds timeout, Start&& start) {
        std::optional<error_code> result;
        ioc.restart();
        start([&result](error_code ec, auto&&...) { result = ec; });
        ioc.run_for(timeout);
        if (result) return *result;
        // Cancel and let the handler run, so no operation outlives this call.
        if (connected()) lowest().cancel();
        ioc.restart();
        ioc.run();
        return beast::error::timeout;
    }

    static Error to_error(std::string_view what, const error_code& ec) {
        auto code = ec == beast::error::timeout ? ErrorCode::timeout : ErrorCode::io_error;
        return make_error(code, fmt::format("{}: {}", what, ec.message()));
    }
};

TestClient::TestClient(TestClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
TestClient::~TestClient() {
    close();
}
TestClient::TestClient(TestClient&&) noexcept = default;
TestClient& TestClient::operator=(TestClient&&) noexcept = default;

Result<void> TestClient::connect(std::uint16_t port, const std::string& host) {
    if (!impl_) impl_ = std::make_unique<Impl>(TestClientOptions{});
    close();
    auto& d = *impl_;
    error_code ec;
    auto address = net::ip::make_address(host, ec);
    if (ec) return make_error(ErrorCode::invalid_argument, fmt::format("bad address '{}'", host));
    tcp::endpoint endpoint(address, port);
    if (d.options.tls) {
        if (!d.ssl_ctx) {
            auto ctx = tls::make_client_context(*d.options.tls);
            if (!ctx) return std::move(ctx).error();
            d.ssl_ctx = std::move(*ctx);
        }
        d.secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(d.ioc, *d.ssl_ctx);
    } else {
        d.plain = std::make_unique<beast::tcp_stream>(d.ioc);
    }
    d.buffer.clear();
    ec = d.run(d.options.timeout, [&](auto handler) { d.lowest().async_connect(endpoint, std::move(handler)); });
    if (ec) {
        close();
        return Impl::to_error("connect", ec);
    }
    if (d.secure) {
        SSL_set_tlsext_host_name(d.secure->native_handle(), d.options.server_name.c_str());
        if (d.options.tls->verify_peer) {
            d.secure->set_verify_callback(net::ssl::host_name_verification(d.options.server_name));
        }
        ec = d.run(d.options.timeout,
                   [&](auto handler) { d.secure->async_handshake(net::ssl::stream_base::client, std::move(handler)); });
        if (ec) {
            close();
            return Impl::to_error("TLS handshake", ec);
        }
    }
    return {};
}

Result<void> TestClient::write(std::string_view bytes) {
    auto& d = *impl_;
    if (!d.connected()) return make_error(ErrorCode::io_error, "not connected");
    auto ec = d.run(d.options.timeout, [&](auto handler) {
        d.with_stream([&](auto& stream) { net::async_write(stream, net::buffer(bytes), std::move(handler)); });
    });
    if (ec) return Impl::to_error("write", ec);
    return {};
}

Result<ClientResponse> TestClient::read_response() {
    auto& d = *impl_;
    if (!d.connected()) return make_error(ErrorCode::io_error, "not connected");
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    auto ec = d.run(d.options.timeout, [&](auto handler) {
        d.with_stream([&](auto& stream) { bhttp::async_read(stream, d.buffer, parser, std::move(handler)); });
    });
    if (ec) return Impl::to_error("read response", ec);
    auto message = parser.release();
    ClientResponse response;
    response.status = message.result_int();
    response.keep_alive = message.keep_alive();
    response.headers = static_cast<const Fields&>(message.base());
    response.body = std::move(message.body());
    return response;
}

Result<ClientResponse> TestClient::request(Verb method, std::string_view target, std::string body,
                                           const Fields& headers) {
    auto& d = *impl_;
    if (!d.connected()) return make_error(ErrorCode::io_error, "not connected");
    bhttp::request<bhttp::string_body> req{method, target, 11, std::move(body), headers};
    req.set(bhttp::field::host, d.options.server_name);
    req.prepare_payload();
    auto ec = d.run(d.options.timeout, [&](auto handler) {
        d.with_stream([&](auto& stream) { bhttp::async_write(stream, req, std::move(handler)); });
    });
    if (ec) return Impl::to_error("write request", ec);
    return read_response();
}

Result<std::string> TestClient::read_some(std::chrono::milliseconds timeout) {
    auto& d = *impl_;
    if (!d.connected()) return make_error(ErrorCode::io_error, "not connected");
    if (d.buffer.size() > 0) {
        std::string out = beast::buffers_to_string(d.buffer.data());
        d.buffer.consume(d.buffer.size());
        return out;
    }
    std::array<char, 64 * 1024> chunk{};
    std::size_t received = 0;
    std::optional<error_code> result;
    d.ioc.restart();
    d.with_stream([&](auto& stream) {
        stream.async_read_some(net::buffer(chunk), [&](error_code ec, std::size_t n) {
            result = ec;
            received = n;
        });
    });
    d.ioc.run_for(timeout);
    if (!result) {
        d.lowest().cancel();
        d.ioc.restart();
        d.ioc.run();
        return make_error(ErrorCode::timeout, "read: nothing arrived in time");
    }
    if (received > 0) return std::string(chunk.data(), received);
    return Impl::to_error("read", *result);
}

bool TestClient::wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        auto bytes = read_some(left);
        if (bytes) continue;
        return bytes.error().code == ErrorCode::io_error;
    }
}

void TestClient::close() {
    if (!impl_) return;
    auto& d = *impl_;
    if (!d.connected()) return;
    error_code ignored;
    d.lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    d.lowest().close();
    // Let cancelled handlers (if any) run before the streams go away.
    d.ioc.restart();
    d.ioc.poll();
    d.secure.reset();
    d.plain.reset();
}

}  // namespace gw::http
