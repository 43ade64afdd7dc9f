#include "gateway/httpclient/connection.hpp"

#include <cerrno>

#include <sys/socket.h>
#include <sys/types.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "gateway/httpclient/failure.hpp"
#include "gateway/log/log.hpp"

namespace gw::httpclient::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

bool is_closed_by_peer(const error_code& ec) {
    return ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::connection_aborted || ec == net::error::not_connected ||
           ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
           ec == ssl::error::stream_truncated;
}

bool is_http_parse_error(const error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category();
}

long long millis(std::chrono::milliseconds d) { return static_cast<long long>(d.count()); }

}  // namespace

Connection::Connection(net::io_context& ioc, std::shared_ptr<const ClientConfig> config, Origin origin,
                       bool via_proxy)
    : strand_(net::make_strand(ioc)),
      config_(std::move(config)),
      origin_(std::move(origin)),
      via_proxy_(via_proxy),
      tunnel_(via_proxy && origin_.tls),
      resolver_(strand_),
      socket_(strand_),
      timer_(strand_) {}

template <class F>
void Connection::with_stream(F&& f) {
    if (tls_) {
        f(*tls_);
    } else {
        f(socket_);
    }
}

void Connection::start(std::shared_ptr<const WireRequest> request, std::string url, Done done) {
    net::dispatch(strand_, [self = shared_from_this(), request = std::move(request), url = std::move(url),
                            done = std::move(done)]() mutable {
        self->request_ = std::move(request);
        self->url_ = std::move(url);
        self->done_ = std::move(done);
        self->on_start();
    });
}

void Connection::abort() {
    net::post(strand_, [self = shared_from_this()] {
        self->aborted_ = true;
        self->cancel_io();
    });
}

bool Connection::usable_when_idle(std::chrono::steady_clock::time_point now) const {
    if (closed_ || aborted_) return false;
    if (!connected_) return true;
    if (now - idle_since_ > config_->options.idle_timeout) return false;
    // Bytes we did not ask for, or an orderly close, both mean the connection is finished.
    if (buffer_.size() > 0) return false;
    char byte = 0;
    auto n = ::recv(const_cast<tcp::socket&>(socket_).native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// --- connect ------------------------------------------------------------------------------------------------------

void Connection::on_start() {
    if (aborted_ || closed_) {
        return finish(make_failure(FailureKind::cancelled, "connection was closed", url_), {});
    }
    if (connected_) return do_write();
    do_resolve();
}

void Connection::do_resolve() {
    phase_ = Phase::resolving;
    arm(config_->options.connect_timeout);
    const Origin& peer = via_proxy_ ? config_->proxy->origin : origin_;
    resolver_.async_resolve(peer.host, std::to_string(peer.port),
                            beast::bind_front_handler(&Connection::on_resolve, shared_from_this()));
}

void Connection::on_resolve(const error_code& ec, tcp::resolver::results_type results) {
    if (ec) return fail(ec);
    phase_ = Phase::connecting;
    net::async_connect(socket_, results, [self = shared_from_this()](const error_code& connect_ec, const tcp::endpoint&) {
        self->on_connect(connect_ec);
    });
}

void Connection::on_connect(const error_code& ec) {
    if (ec) return fail(ec);
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    if (tunnel_) return do_proxy_connect();
    if (origin_.tls) return do_handshake();
    connected_ = true;
    do_write();
}

void Connection::do_proxy_connect() {
    phase_ = Phase::proxy_connect;
    connect_request_ = {};
    connect_request_.method(bhttp::verb::connect);
    connect_request_.target(origin_.authority_with_port());
    connect_request_.version(11);
    connect_request_.set(bhttp::field::host, origin_.authority_with_port());
    connect_request_.set(bhttp::field::user_agent, config_->options.user_agent);
    if (!config_->proxy->authorization.empty()) {
        connect_request_.set(bhttp::field::proxy_authorization, config_->proxy->authorization);
    }
    bhttp::async_write(socket_, connect_request_, [self = shared_from_this()](const error_code& write_ec, std::size_t) {
        self->on_proxy_write(write_ec);
    });
}

void Connection::on_proxy_write(const error_code& ec) {
    if (ec) return fail(ec);
    proxy_parser_.emplace();
    proxy_parser_->header_limit(config_->options.max_header_bytes);
    // A 2xx answer to CONNECT has no body: what follows is the tunnel.
    proxy_parser_->skip(true);
    bhttp::async_read_header(socket_, buffer_, *proxy_parser_,
                             [self = shared_from_this()](const error_code& read_ec, std::size_t) {
                                 self->on_proxy_read(read_ec);
                             });
}

void Connection::on_proxy_read(const error_code& ec) {
    if (ec) return fail(ec);
    auto status = proxy_parser_->get().result_int();
    if (status < 200 || status > 299) {
        disarm();
        return finish(make_failure(FailureKind::connect_failed,
                                   fmt::format("proxy {} refused CONNECT {}: {} {}", config_->proxy->origin.key(),
                                               origin_.authority_with_port(), status,
                                               std::string(proxy_parser_->get().reason())),
                                   url_),
                      {});
    }
    proxy_parser_.reset();
    do_handshake();
}

void Connection::do_handshake() {
    phase_ = Phase::handshaking;
    tls_.emplace(socket_, *config_->ssl);
    SSL* handle = tls_->native_handle();
    bool is_ip = origin_.host_is_ip();
    // SNI only for names (RFC 6066 forbids IP literals); the certificate is checked against the name or address.
    if (!is_ip) SSL_set_tlsext_host_name(handle, origin_.host.c_str());
    if (config_->options.tls.verify_peer) {
        X509_VERIFY_PARAM* param = SSL_get0_param(handle);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (is_ip) {
            X509_VERIFY_PARAM_set1_ip_asc(param, origin_.host.c_str());
        } else {
            X509_VERIFY_PARAM_set1_host(param, origin_.host.c_str(), origin_.host.size());
        }
    }
    tls_->async_handshake(ssl::stream_base::client,
                          beast::bind_front_handler(&Connection::on_handshake, shared_from_this()));
}

void Connection::on_handshake(const error_code& ec) {
    if (ec) return fail(ec);
    connected_ = true;
    do_write();
}

// --- exchange -----------------------------------------------------------------------------------------------------

void Connection::do_write() {
    phase_ = Phase::writing;
    arm(config_->options.request_timeout);
    with_stream([&](auto& stream) {
        bhttp::async_write(stream, *request_, [self = shared_from_this()](const error_code& ec, std::size_t) {
            self->on_write(ec);
        });
    });
}

void Connection::on_write(const error_code& ec) {
    if (ec) return fail(ec);
    phase_ = Phase::reading;
    parser_.emplace();
    parser_->header_limit(config_->options.max_header_bytes);
    parser_->body_limit(config_->options.max_body_bytes);
    if (request_->method() == bhttp::verb::head) parser_->skip(true);
    with_stream([&](auto& stream) {
        bhttp::async_read(stream, buffer_, *parser_, [self = shared_from_this()](const error_code& read_ec, std::size_t) {
            self->on_read(read_ec);
        });
    });
}

void Connection::on_read(const error_code& ec) {
    if (ec) return fail(ec);
    disarm();
    auto message = parser_->release();
    HttpResponse response;
    response.status = message.result_int();
    response.body = std::move(message.body());
    response.headers = std::move(message.base());
    response.url = url_;
    response.reused_connection = exchanges_ > 0;
    ExchangeOutcome outcome;
    outcome.reused = exchanges_ > 0;
    outcome.response_started = true;
    outcome.reusable = message.keep_alive() && !aborted_;
    ++exchanges_;
    parser_.reset();
    finish(std::move(response), outcome);
}

// --- deadlines, errors, completion --------------------------------------------------------------------------------

void Connection::arm(std::chrono::milliseconds timeout) {
    timed_out_ = false;
    auto generation = ++timer_generation_;
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), generation](const error_code& ec) {
        if (ec || generation != self->timer_generation_) return;
        self->timed_out_ = true;
        self->cancel_io();
    });
}

void Connection::disarm() {
    ++timer_generation_;
    timer_.cancel();
}

void Connection::cancel_io() {
    closed_ = true;
    resolver_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

void Connection::fail(const error_code& ec) {
    disarm();
    ExchangeOutcome outcome;
    outcome.reused = exchanges_ > 0;
    outcome.response_started = parser_ && parser_->got_some();
    const bool connecting = phase_ != Phase::writing && phase_ != Phase::reading;

    if (aborted_) return finish(make_failure(FailureKind::cancelled, "request was abandoned", url_), outcome);
    if (timed_out_) {
        auto detail = connecting ? fmt::format("could not connect to {} within {} ms", origin_.key(),
                                               millis(config_->options.connect_timeout))
                                 : fmt::format("no complete response within {} ms (request_timeout)",
                                               millis(config_->options.request_timeout));
        return finish(make_failure(FailureKind::timeout, detail, url_), outcome);
    }
    if (ec == bhttp::error::body_limit) {
        return finish(make_failure(FailureKind::too_large, fmt::format("response body is larger than {} bytes",
                                                                       config_->options.max_body_bytes),
                                   url_),
                      outcome);
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        return finish(make_failure(FailureKind::too_large, fmt::format("response header is larger than {} bytes",
                                                                       config_->options.max_header_bytes),
                                   url_),
                      outcome);
    }

    switch (phase_) {
        case Phase::idle:
        case Phase::resolving:
        case Phase::connecting:
            return finish(make_failure(FailureKind::connect_failed,
                                       fmt::format("cannot connect to {}{}: {}",
                                                   via_proxy_ ? "proxy " : "",
                                                   via_proxy_ ? config_->proxy->origin.key() : origin_.key(),
                                                   ec.message()),
                                       url_),
                          outcome);
        case Phase::proxy_connect: {
            auto kind = is_http_parse_error(ec) && !is_closed_by_peer(ec) ? FailureKind::protocol_error
                                                                          : FailureKind::connect_failed;
            return finish(make_failure(kind, fmt::format("proxy CONNECT to {} failed: {}", origin_.key(), ec.message()),
                                       url_),
                          outcome);
        }
        case Phase::handshaking: {
            std::string detail = ec.message();
            if (tls_) {
                auto verify = SSL_get_verify_result(tls_->native_handle());
                if (verify != X509_V_OK) {
                    detail = fmt::format("certificate verify failed: {}", X509_verify_cert_error_string(verify));
                }
            }
            return finish(make_failure(FailureKind::tls_error,
                                       fmt::format("TLS handshake with {} failed: {}", origin_.key(), detail), url_),
                          outcome);
        }
        case Phase::writing:
        case Phase::reading:
            break;
    }
    if (is_closed_by_peer(ec)) {
        auto detail = outcome.response_started ? "the server closed the connection in the middle of the response"
                                               : "the server closed the connection without a response";
        return finish(make_failure(FailureKind::connection_reset, fmt::format("{} ({})", detail, ec.message()), url_),
                      outcome);
    }
    if (is_http_parse_error(ec)) {
        return finish(make_failure(FailureKind::protocol_error,
                                   fmt::format("the response is not valid HTTP/1.1: {}", ec.message()), url_),
                      outcome);
    }
    if (ec.category() == net::error::get_ssl_category()) {
        return finish(make_failure(FailureKind::tls_error, fmt::format("TLS error: {}", ec.message()), url_), outcome);
    }
    finish(make_failure(FailureKind::connection_reset, fmt::format("connection failed: {}", ec.message()), url_),
           outcome);
}

void Connection::finish(Result<HttpResponse> result, ExchangeOutcome outcome) {
    phase_ = Phase::idle;
    if (!outcome.reusable) cancel_io();
    idle_since_ = std::chrono::steady_clock::now();
    request_.reset();
    auto done = std::move(done_);
    done_ = nullptr;
    if (!result) {
        log::debug("httpclient_exchange_failed", {{"url", url_}, {"error", result.error().message}});
    }
    if (done) done(std::move(result), outcome);
}

}  // namespace gw::httpclient::detail
