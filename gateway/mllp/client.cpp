#include "gateway/mllp/client.hpp"

#include <array>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace gw::mllp {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

struct MllpClient::Impl {
    explicit Impl(ClientOptions o) : options(std::move(o)), framer(FramerOptions{options.max_response_bytes, 256}) {}

    ClientOptions options;
    asio::io_context io;
    tls::SslContextPtr ssl_context;
    std::optional<ssl::stream<tcp::socket>> tls_stream;
    std::optional<tcp::socket> socket;
    MllpFramer framer;
    std::array<char, 16 * 1024> buf{};
    std::size_t buf_begin = 0;
    std::size_t buf_end = 0;

    std::string where() const { return fmt::format("{}:{}", options.host, options.port); }

    tcp::socket& lowest() { return tls_stream ? tls_stream->next_layer() : *socket; }
    bool open() const { return (tls_stream && tls_stream->next_layer().is_open()) || (socket && socket->is_open()); }

    void close() {
        error_code ignored;
        if (tls_stream) {
            tls_stream->next_layer().shutdown(tcp::socket::shutdown_both, ignored);
            tls_stream->next_layer().close(ignored);
        }
        if (socket) {
            socket->shutdown(tcp::socket::shutdown_both, ignored);
            socket->close(ignored);
        }
    }

    // Runs one asynchronous operation to completion or deadline. The operation is started by `start` with a
    // completion handler; on timeout the socket is closed, which completes the operation with operation_aborted.
    template <class Start>
    error_code run(std::chrono::milliseconds timeout, Start&& start) {
        std::optional<error_code> result;
        start([&result](error_code ec, auto&&...) { result = ec; });
        io.restart();
        io.run_for(timeout);
        if (!result) {
            close();
            io.restart();
            io.run();
            return asio::error::timed_out;
        }
        return *result;
    }

    template <class F>
    decltype(auto) with_stream(F&& f) {
        if (tls_stream) return f(*tls_stream);
        return f(*socket);
    }

    Error io_failure(std::string_view what, error_code ec) {
        close();
        if (ec == asio::error::timed_out) {
            return make_error(ErrorCode::timeout, fmt::format("mllp {} {}: deadline passed", what, where()));
        }
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
            return make_error(ErrorCode::io_error, fmt::format("mllp {} {}: connection closed by peer", what, where()));
        }
        return make_error(ErrorCode::io_error, fmt::format("mllp {} {}: {}", what, where(), ec.message()));
    }

    Result<void> connect() {
        close();
        tls_stream.reset();
        socket.reset();
        framer = MllpFramer(FramerOptions{options.max_response_bytes, 256});
        buf_begin = buf_end = 0;
        if (options.tls && !ssl_context) {
            auto ctx = tls::make_client_context(options.tls_options);
            if (!ctx) return std::move(ctx).error();
            ssl_context = std::move(ctx).value();
        }
        const auto deadline = std::chrono::steady_clock::now() + options.connect_timeout;
        auto remaining = [&] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        };
        tcp::resolver resolver(io);
        tcp::resolver::results_type endpoints;
        auto ec = run(remaining(), [&](auto handler) {
            resolver.async_resolve(options.host, std::to_string(options.port),
                                   [&endpoints, handler](error_code e, tcp::resolver::results_type r) mutable {
                                       endpoints = std::move(r);
                                       handler(e);
                                   });
        });
        if (ec) {
            return make_error(ErrorCode::unavailable, fmt::format("mllp cannot resolve {}: {}", where(), ec.message()));
        }
        tcp::socket raw(io);
        ec = run(remaining(), [&](auto handler) {
            asio::async_connect(raw, endpoints, [handler](error_code e, const tcp::endpoint&) mutable { handler(e); });
        });
        if (ec) {
            error_code ignored;
            raw.close(ignored);
            return make_error(ErrorCode::unavailable,
                              fmt::format("mllp cannot connect to {}: {}", where(),
                                          ec == asio::error::timed_out ? "deadline passed" : ec.message()));
        }
        error_code ignored;
        raw.set_option(tcp::no_delay(true), ignored);
        if (!options.tls) {
            socket.emplace(std::move(raw));
            return {};
        }
        tls_stream.emplace(std::move(raw), *ssl_context);
        const std::string& name = options.tls_server_name.empty() ? options.host : options.tls_server_name;
        error_code not_ip;
        asio::ip::make_address(name, not_ip);
        // SNI is for names only (RFC 6066); an IP address is verified against the certificate's IP SANs.
        if (not_ip && !SSL_set_tlsext_host_name(tls_stream->native_handle(), name.c_str())) {
            return make_error(ErrorCode::internal, "mllp cannot set TLS server name");
        }
        if (options.tls_options.verify_peer) tls_stream->set_verify_callback(ssl::host_name_verification(name));
        ec = run(remaining(), [&](auto handler) {
            tls_stream->async_handshake(ssl::stream_base::client, [handler](error_code e) mutable { handler(e); });
        });
        if (ec) return io_failure("TLS handshake with", ec);
        return {};
    }

    Result<void> send_raw(std::string_view bytes) {
        if (!open()) return make_error(ErrorCode::io_error, fmt::format("mllp send to {}: not connected", where()));
        auto ec = run(options.io_timeout, [&](auto handler) {
            with_stream([&](auto& s) {
                asio::async_write(s, asio::buffer(bytes.data(), bytes.size()),
                                  [handler](error_code e, std::size_t) mutable { handler(e); });
            });
        });
        if (ec) return io_failure("send to", ec);
        return {};
    }

    Result<std::string> receive() {
        if (!open() && buf_begin == buf_end) {
            return make_error(ErrorCode::io_error, fmt::format("mllp receive from {}: not connected", where()));
        }
        const auto deadline = std::chrono::steady_clock::now() + options.io_timeout;
        for (;;) {
            while (buf_begin < buf_end) {
                auto step = framer.feed(std::string_view(buf.data() + buf_begin, buf_end - buf_begin));
                buf_begin += step.consumed;
                if (!step.event) continue;
                if (step.event->is_error()) return std::move(*step.event->error);
                return std::move(step.event->payload);
            }
            if (!open()) return io_failure("receive from", asio::error::eof);
            const auto remaining =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (remaining.count() <= 0) return io_failure("receive from", asio::error::timed_out);
            std::size_t n = 0;
            auto ec = run(remaining, [&](auto handler) {
                with_stream([&](auto& s) {
                    s.async_read_some(asio::buffer(buf), [handler, &n](error_code e, std::size_t got) mutable {
                        n = got;
                        handler(e);
                    });
                });
            });
            if (ec) return io_failure("receive from", ec);
            buf_begin = 0;
            buf_end = n;
        }
    }
};

MllpClient::MllpClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
MllpClient::~MllpClient() = default;
MllpClient::MllpClient(MllpClient&&) noexcept = default;
MllpClient& MllpClient::operator=(MllpClient&&) noexcept = default;

Result<void> MllpClient::connect() {
    return impl_->connect();
}
Result<void> MllpClient::send(std::string_view payload) {
    return impl_->send_raw(frame(payload));
}
Result<void> MllpClient::send_raw(std::string_view bytes) {
    return impl_->send_raw(bytes);
}
Result<std::string> MllpClient::receive() {
    return impl_->receive();
}

Result<std::string> MllpClient::exchange(std::string_view payload) {
    if (auto sent = send(payload); !sent) return std::move(sent).error();
    return receive();
}

Result<void> MllpClient::shutdown_send() {
    if (!impl_->open()) return make_error(ErrorCode::io_error, "mllp shutdown: not connected");
    error_code ec;
    impl_->lowest().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return make_error(ErrorCode::io_error, fmt::format("mllp shutdown: {}", ec.message()));
    return {};
}

void MllpClient::close() {
    impl_->close();
}
bool MllpClient::is_open() const {
    return impl_->open();
}

}  // namespace gw::mllp
