#include "gateway/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "gateway/http/problem.hpp"
#include "gateway/log/log.hpp"

namespace gw::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

namespace {

// After an error response to a request whose bytes are still arriving (413, 400), we stop sending and read a little
// more before closing: closing with unread input makes the kernel send RST, which can destroy the response before
// the client reads it. Bounded in bytes and time, so it never turns into reading the whole 100 MB body.
constexpr std::size_t linger_max_bytes = 1024 * 1024;
constexpr auto linger_time = 1s;

// The connection-limit refusal is written without reading the request; these bound how long it may take.
constexpr auto refuse_time = 2s;

bool is_normal_close(const error_code& ec) {
    return ec == net::error::operation_aborted || ec == net::error::eof || ec == bhttp::error::end_of_stream ||
           ec == beast::error::timeout || ec == ssl::error::stream_truncated || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::error::not_connected || ec == net::error::bad_descriptor;
}

void fail(const error_code& ec, std::string_view what, const std::string& peer) {
    if (is_normal_close(ec)) {
        log::debug("http_connection_closed", {{"what", what}, {"reason", ec.message()}, {"peer", peer}});
        return;
    }
    log::warn("http_connection_error", {{"what", what}, {"error", ec.message()}, {"peer", peer}});
}

std::string format_peer(const tcp::endpoint& ep) {
    auto address = ep.address();
    if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), ep.port());
    return fmt::format("{}:{}", address.to_string(), ep.port());
}

std::string subject_rfc2253(X509* cert) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio) return {};
    if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) return {};
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    if (size <= 0 || !data) return {};
    return std::string(data, static_cast<std::size_t>(size));
}

long long millis(std::chrono::milliseconds d) {
    return static_cast<long long>(d.count());
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Shared state: what the server object, its acceptor and every session need. Sessions hold it strongly, so it
// outlives the HttpServer object if connections are still closing.

class SessionBase : public std::enable_shared_from_this<SessionBase> {
  public:
    explicit SessionBase(std::shared_ptr<HttpServer::State> server) : server_(std::move(server)) {}
    virtual ~SessionBase();
    SessionBase(const SessionBase&) = delete;
    SessionBase& operator=(const SessionBase&) = delete;

    virtual void run() = 0;
    virtual void shutdown() = 0;     // graceful; thread-safe
    virtual void force_close() = 0;  // now; thread-safe

  protected:
    // The connection is closed: it no longer counts against the limit or holds up stop(), even if an async
    // handler still holds its Responder (and so this object) for a while.
    void release_slot();

    std::shared_ptr<HttpServer::State> server_;

  private:
    std::atomic<bool> released_{false};
};

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
    State(net::io_context& io, ServerOptions opts, Router r)
        : ioc(io),
          options(std::move(opts)),
          router(std::move(r)),
          strand(net::make_strand(io)),
          acceptor(strand),
          stop_timer(strand),
          retry_timer(strand) {}

    net::io_context& ioc;
    const ServerOptions options;
    const Router router;
    tls::SslContextPtr ssl;
    net::strand<net::io_context::executor_type> strand;  // acceptor and stop bookkeeping
    tcp::acceptor acceptor;
    net::steady_timer stop_timer;
    net::steady_timer retry_timer;
    std::uint16_t port = 0;
    std::atomic<std::size_t> connections{0};

    std::mutex mutex;  // guards the members below; sessions come and go on their own strands
    std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
    bool stopping = false;
    bool stopped = false;
    std::vector<std::function<void()>> on_stopped;

    void do_accept();
    void on_accept(error_code ec, tcp::socket socket);
    void refuse(tcp::socket socket);
    void begin_stop(std::function<void()> callback, bool force);
    void on_stop_timeout(error_code ec);
    void maybe_finish_stop();
    void add(const std::shared_ptr<SessionBase>& session);
    void remove(SessionBase* session);
    std::vector<std::shared_ptr<SessionBase>> snapshot();
    bool is_stopping() {
        std::lock_guard lock(mutex);
        return stopping;
    }
};

SessionBase::~SessionBase() {
    release_slot();
}

void SessionBase::release_slot() {
    if (!released_.exchange(true)) server_->remove(this);
}

// ---------------------------------------------------------------------------------------------------------------
// One connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>; every handler runs on the
// strand the socket was accepted with.

template <class Stream>
class Session final : public SessionBase, public detail::SseSink {
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    enum class Phase { handshaking, reading, handling, writing, streaming, closing };

  public:
    Session(std::shared_ptr<HttpServer::State> server, tcp::socket socket, std::string peer)
        : SessionBase(std::move(server)),
          stream_(make_stream(std::move(socket))),
          read_timer_(stream_.get_executor()),
          heartbeat_timer_(stream_.get_executor()),
          peer_(std::move(peer)),
          options_(server_->options) {}

    void run() override { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::on_run, self())); }

    void shutdown() override {
        net::post(stream_.get_executor(), [self = self()] { self->on_shutdown(); });
    }

    void force_close() override {
        net::post(stream_.get_executor(), [self = self()] { self->close_now(); });
    }

    void sse_wake() override {
        net::post(stream_.get_executor(), [self = self()] { self->sse_flush(); });
    }

  private:
    Stream make_stream(tcp::socket socket) {
        if constexpr (is_tls) {
            return Stream(std::move(socket), *server_->ssl);
        } else {
            return Stream(std::move(socket));
        }
    }

    std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    // --- start ------------------------------------------------------------------------------------------------

    void on_run() {
        if (server_->is_stopping()) return close_now();
        if constexpr (is_tls) {
            phase_ = Phase::handshaking;
            lowest().expires_after(options_.handshake_timeout);
            stream_.async_handshake(ssl::stream_base::server,
                                    beast::bind_front_handler(&Session::on_handshake, self()));
        } else {
            do_read();
        }
    }

    void on_handshake(error_code ec) {
        if (ec) {
            // Under mTLS this is where a client without an acceptable certificate ends up.
            log::info("http_tls_handshake_failed", {{"peer", peer_}, {"error", ec.message()}});
            return close_now();
        }
        if constexpr (is_tls) {
            SSL* ssl_handle = stream_.native_handle();
            if (X509* cert = SSL_get1_peer_certificate(ssl_handle)) {
                if (SSL_get_verify_result(ssl_handle) == X509_V_OK) client_subject_ = subject_rfc2253(cert);
                X509_free(cert);
            }
        }
        do_read();
    }

    // --- request header ---------------------------------------------------------------------------------------

    void do_read() {
        if (stopping_ || closed_) return close_gracefully();
        phase_ = Phase::reading;
        header_parser_.emplace();
        header_parser_->header_limit(options_.header_limit);
        // The body limit depends on the route, which we only know once the header is in; checked in on_read_header.
        header_parser_->body_limit(boost::none);
        deadline_hit_ = false;
        // A keep-alive connection first waits idle; the header deadline starts once the next request begins.
        waiting_idle_ = !first_request_;
        arm_read_timer(first_request_ ? options_.header_timeout : options_.idle_timeout);
        // Backstop on the socket itself, in case the timer path is ever skipped.
        lowest().expires_after(options_.header_timeout + options_.idle_timeout + 1s);
        bhttp::async_read_header(stream_, buffer_, *header_parser_,
                                 beast::bind_front_handler(&Session::on_read_header, self()));
    }

    void arm_read_timer(std::chrono::milliseconds timeout) {
        auto generation = ++read_generation_;
        read_timer_.expires_after(timeout);
        read_timer_.async_wait([self = self(), generation](error_code ec) { self->on_read_timer(ec, generation); });
    }

    // Our own deadline instead of the stream's: the stream's timeout closes the socket, and we want to say 408.
    void on_read_timer(error_code ec, std::uint64_t generation) {
        if (ec || generation != read_generation_ || phase_ != Phase::reading) return;
        bool started = buffer_.size() > 0 || header_parser_->got_some();
        if (waiting_idle_ && started) {
            waiting_idle_ = false;
            return arm_read_timer(options_.header_timeout);
        }
        deadline_hit_ = true;
        lowest().cancel();
    }

    void on_read_header(error_code ec, std::size_t) {
        ++read_generation_;
        read_timer_.cancel();
        first_request_ = false;
        if (deadline_hit_) {
            if (waiting_idle_ || stopping_) return close_now();
            log::info("http_header_timeout", {{"peer", peer_}});
            return send_problem(
                make_problem(Status::request_timeout, fmt::format("the request header was not complete within {} ms",
                                                                  millis(options_.header_timeout))),
                true);
        }
        if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted) return close_now();
        if (ec == bhttp::error::header_limit) {
            return send_problem(
                make_problem(Status::request_header_fields_too_large,
                             fmt::format("the request header is larger than {} bytes", options_.header_limit)),
                true);
        }
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
            ec != bhttp::error::partial_message && ec != bhttp::error::short_read) {
            return send_problem(
                make_problem(Status::bad_request, fmt::format("not a valid HTTP/1.1 request: {}", ec.message())), true);
        }
        if (ec) {
            fail(ec, "read header", peer_);
            return close_now();
        }
        on_header();
    }

    void on_header() {
        auto& header = header_parser_->get();
        request_ = Request{};
        request_.method = header.method();
        request_.method_string = std::string(header.method_string());
        request_.target = std::string(header.target());
        request_.version = header.version();
        request_.headers = static_cast<const Fields&>(header);
        request_.peer = peer_;
        request_.tls = is_tls;
        request_.client_subject = client_subject_;
        keep_alive_ = header.keep_alive();
        bool has_body = !header_parser_->is_done();

        auto url = boost::urls::parse_origin_form(request_.target);
        if (!url) {
            return send_problem(
                make_problem(Status::bad_request, fmt::format("invalid request target: {}", url.error().message())),
                has_body);
        }
        request_.path = url->path();
        std::vector<std::string> segments;
        for (auto segment : url->segments()) segments.emplace_back(segment);
        for (auto param : url->params()) request_.query.emplace_back(param.key, param.value);

        auto match = server_->router.match(request_.method, segments);
        if (match.outcome == RouteMatch::Outcome::not_found) {
            return send_problem(make_problem(Status::not_found, "no route for this path", request_.path), has_body);
        }
        if (match.outcome == RouteMatch::Outcome::method_not_allowed) {
            auto problem = make_problem(
                Status::method_not_allowed,
                fmt::format("{} is not allowed here; allowed: {}", request_.method_string, match.allow), request_.path);
            Response response = problem.to_response();
            response.headers.set(bhttp::field::allow, match.allow);
            return send(std::move(response), has_body);
        }
        route_ = match.route;
        request_.path_params = std::move(match.params);

        auto limit = route_->options.body_limit.value_or(options_.body_limit);
        auto length = header_parser_->content_length();
        if (length && *length > limit) return send_too_large(limit);
        if (!has_body) return handle();

        auto expect = header[bhttp::field::expect];
        if (beast::iequals(expect, "100-continue")) {
            // The client waits for this before sending the body; we only say it once the limits allow the body.
            phase_ = Phase::writing;
            continue_.emplace(Status::continue_, request_.version);
            lowest().expires_after(options_.write_timeout);
            return bhttp::async_write(stream_, *continue_, beast::bind_front_handler(&Session::on_continue, self()));
        }
        do_read_body(limit);
    }

    void on_continue(error_code ec, std::size_t) {
        continue_.reset();
        if (ec) {
            fail(ec, "write 100-continue", peer_);
            return close_now();
        }
        do_read_body(route_->options.body_limit.value_or(options_.body_limit));
    }

    // --- request body -----------------------------------------------------------------------------------------

    void do_read_body(std::size_t limit) {
        phase_ = Phase::reading;
        reading_body_ = true;
        body_limit_ = limit;
        body_parser_.emplace(std::move(*header_parser_));
        header_parser_.reset();
        body_parser_->body_limit(limit);
        lowest().expires_after(options_.body_timeout);
        bhttp::async_read(stream_, buffer_, *body_parser_, beast::bind_front_handler(&Session::on_read_body, self()));
    }

    void on_read_body(error_code ec, std::size_t) {
        reading_body_ = false;
        if (ec == bhttp::error::body_limit) return send_too_large(body_limit_);
        if (ec == beast::error::timeout) {
            log::info("http_body_timeout", {{"peer", peer_}});
            return close_now();
        }
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
            ec != bhttp::error::partial_message && ec != bhttp::error::short_read &&
            ec != bhttp::error::end_of_stream) {
            return send_problem(
                make_problem(Status::bad_request, fmt::format("malformed request body: {}", ec.message())), true);
        }
        if (ec) {
            fail(ec, "read body", peer_);
            return close_now();
        }
        request_.body = body_parser_->release().body();
        body_parser_.reset();
        handle();
    }

    // --- handlers ---------------------------------------------------------------------------------------------

    void handle() {
        phase_ = Phase::handling;
        header_parser_.reset();
        std::visit([this](const auto& handler) { this->invoke(handler); }, route_->handler);
    }

    void invoke(const SyncHandler& handler) {
        Response response;
        try {
            response = handler(request_);
        } catch (const std::exception& e) {
            response = handler_threw(e.what());
        }
        send(std::move(response), false);
    }

    void invoke(const AsyncHandler& handler) {
        auto executor = stream_.get_executor();
        Responder responder([self = self(), executor](Response response) {
            // Whatever thread answered, the write happens on this connection's strand.
            net::post(executor,
                      [self, response = std::move(response)]() mutable { self->send(std::move(response), false); });
        });
        try {
            handler(request_, responder);
        } catch (const std::exception& e) {
            responder(handler_threw(e.what()));
        }
    }

    void invoke(const SseHandler& handler) {
        sse_ = std::make_shared<detail::SseChannel>(options_.sse_max_queued_bytes);
        sse_->attach(std::weak_ptr<detail::SseSink>(self()));
        try {
            handler(request_, SseStream(sse_));
        } catch (const std::exception& e) {
            sse_->closed();
            sse_.reset();
            return send(handler_threw(e.what()), false);
        }
        if (auto refused = sse_->take_rejection()) {
            sse_->closed();
            sse_.reset();
            return send(std::move(*refused), false);
        }
        start_sse();
    }

    Response handler_threw(std::string_view what) {
        log::error("http_handler_threw", {{"path", request_.path}, {"error", what}});
        return make_problem(Status::internal_server_error, "the request handler failed", request_.path).to_response();
    }

    // --- response ---------------------------------------------------------------------------------------------

    void send_too_large(std::size_t limit) {
        auto problem = make_problem(Status::payload_too_large,
                                    fmt::format("the request body is larger than {} bytes", limit), request_.path);
        problem.extensions["limit"] = limit;
        send_problem(problem, true);
    }

    void send_problem(const Problem& problem, bool close) { send(problem.to_response(), close); }

    // close: the request was not read completely (or should not be trusted), so this connection ends after the
    // response, lingering briefly so the client gets to read it.
    void send(Response response, bool close) {
        if (closed_ || phase_ == Phase::closing) return;
        linger_ = close;
        auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
            response.status, request_.version, std::move(response.body), std::move(response.headers));
        res->set(bhttp::field::server, options_.server_header);
        if (!response.content_type.empty()) res->set(bhttp::field::content_type, response.content_type);
        res->keep_alive(keep_alive_ && !close && !stopping_);
        res->prepare_payload();
        log::debug("http_request", {{"method", request_.method_string},
                                    {"path", request_.path},
                                    {"status", static_cast<unsigned>(response.status)},
                                    {"peer", peer_}});
        phase_ = Phase::writing;
        response_ = res;
        lowest().expires_after(options_.write_timeout);
        bhttp::async_write(stream_, *response_,
                           beast::bind_front_handler(&Session::on_write, self(), res->keep_alive()));
    }

    void on_write(bool keep_alive, error_code ec, std::size_t) {
        response_.reset();
        if (ec) {
            fail(ec, "write", peer_);
            return close_now();
        }
        if (!keep_alive || stopping_) return close_gracefully();
        request_ = Request{};
        do_read();
    }

    // --- Server-Sent Events -----------------------------------------------------------------------------------

    void start_sse() {
        phase_ = Phase::streaming;
        // No Content-Length and Connection: close: the event stream is the rest of this connection.
        sse_out_ = fmt::format(
            "HTTP/1.{} 200 OK\r\nServer: {}\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n",
            request_.version == 10 ? 0 : 1, options_.server_header);
        // The read below only notices the client going away; it has no deadline (heartbeat writes have one),
        // and the writes set their own deadline without touching it.
        lowest().expires_never();
        stream_.async_read_some(net::buffer(sse_in_), beast::bind_front_handler(&Session::on_sse_read, self()));
        arm_heartbeat();
        sse_flush();
    }

    void on_sse_read(error_code ec, std::size_t) {
        if (ec) {
            // EOF or reset: the client is gone. Anything it sends otherwise is ignored.
            log::debug("http_sse_client_gone", {{"peer", peer_}, {"reason", ec.message()}});
            return sse_finish(false);
        }
        if (sse_done_) return;
        stream_.async_read_some(net::buffer(sse_in_), beast::bind_front_handler(&Session::on_sse_read, self()));
    }

    void sse_flush() {
        if (phase_ != Phase::streaming || sse_done_ || sse_writing_) return;
        sse_out_ += sse_->take();
        if (sse_out_.empty()) {
            if (sse_->ending() || stopping_) sse_finish(true);
            return;
        }
        sse_writing_ = true;
        sse_sending_ = std::exchange(sse_out_, {});
        lowest().expires_after(options_.write_timeout);
        net::async_write(stream_, net::buffer(sse_sending_), beast::bind_front_handler(&Session::on_sse_write, self()));
    }

    void on_sse_write(error_code ec, std::size_t) {
        sse_writing_ = false;
        sse_sending_.clear();
        if (ec) {
            fail(ec, "sse write", peer_);
            return sse_finish(false);
        }
        sse_flush();
    }

    void arm_heartbeat() {
        if (options_.sse_heartbeat.count() <= 0) return;
        heartbeat_timer_.expires_after(options_.sse_heartbeat);
        heartbeat_timer_.async_wait([self = self()](error_code ec) {
            if (ec || self->sse_done_) return;
            // Also how we notice a peer that vanished without FIN: the write times out.
            self->sse_out_ += ": keep-alive\n\n";
            self->sse_flush();
            self->arm_heartbeat();
        });
    }

    // graceful: the producer ended the stream and everything was written.
    void sse_finish(bool graceful) {
        if (sse_done_) return;
        sse_done_ = true;
        heartbeat_timer_.cancel();
        // close_now() tells the producer (SseChannel::closed) once the connection is really gone.
        if (graceful) return close_gracefully();
        close_now();
    }

    // --- stop and close ---------------------------------------------------------------------------------------

    void on_shutdown() {
        stopping_ = true;
        switch (phase_) {
            case Phase::reading:
                // Only an idle connection is cut: a request already arriving is in flight, finishes under its own
                // deadlines, and its response says Connection: close.
                if (!reading_body_ && buffer_.size() == 0 && !header_parser_->got_some()) {
                    deadline_hit_ = true;
                    waiting_idle_ = true;
                    lowest().cancel();
                }
                break;
            case Phase::streaming:
                sse_->end();
                sse_flush();
                break;
            case Phase::handshaking:
            case Phase::handling:
            case Phase::writing:
            case Phase::closing:
                // A request in flight finishes; its response says Connection: close.
                break;
        }
    }

    void close_gracefully() {
        if (closed_ || phase_ == Phase::closing) return;
        phase_ = Phase::closing;
        read_timer_.cancel();
        heartbeat_timer_.cancel();
        if constexpr (is_tls) {
            // An event stream still has its disconnect-watching read pending (without a deadline); a TLS shutdown
            // would race it, and there is nothing left to deliver in order anyway.
            if (sse_) return close_now();
            lowest().expires_after(std::min<std::chrono::milliseconds>(options_.write_timeout, linger_time));
            stream_.async_shutdown([self = self()](error_code) { self->close_now(); });
        } else {
            error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
            if (!linger_) return close_now();
            linger_left_ = linger_max_bytes;
            lowest().expires_after(linger_time);
            do_linger();
        }
    }

    void do_linger() {
        lowest().async_read_some(net::buffer(sse_in_), [self = self()](error_code ec, std::size_t n) {
            if (ec || n >= self->linger_left_) return self->close_now();
            self->linger_left_ -= n;
            self->do_linger();
        });
    }

    void close_now() {
        if (closed_) return;
        closed_ = true;
        phase_ = Phase::closing;
        read_timer_.cancel();
        heartbeat_timer_.cancel();
        error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
        release_slot();
        // Last: the producer's on_close may look at connection_count() or stop the server.
        if (sse_) sse_->closed();
    }

    Stream stream_;
    beast::flat_buffer buffer_;
    net::steady_timer read_timer_;
    net::steady_timer heartbeat_timer_;
    std::string peer_;
    std::string client_subject_;
    const ServerOptions& options_;

    Phase phase_ = Phase::handshaking;
    bool first_request_ = true;
    bool waiting_idle_ = false;
    bool deadline_hit_ = false;
    bool keep_alive_ = false;
    bool stopping_ = false;
    bool closed_ = false;
    bool linger_ = false;
    bool reading_body_ = false;
    std::size_t linger_left_ = 0;
    std::uint64_t read_generation_ = 0;
    std::size_t body_limit_ = 0;

    std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
    std::optional<bhttp::request_parser<bhttp::string_body>> body_parser_;
    std::optional<bhttp::response<bhttp::empty_body>> continue_;
    Request request_;
    const Route* route_ = nullptr;
    std::shared_ptr<bhttp::response<bhttp::string_body>> response_;

    std::shared_ptr<detail::SseChannel> sse_;
    std::string sse_out_;      // queued for the next write
    std::string sse_sending_;  // being written
    bool sse_writing_ = false;
    bool sse_done_ = false;
    std::array<char, 1024> sse_in_{};
};

// ---------------------------------------------------------------------------------------------------------------
// Acceptor and stop.

void HttpServer::State::do_accept() {
    acceptor.async_accept(net::make_strand(ioc), beast::bind_front_handler(&State::on_accept, shared_from_this()));
}

void HttpServer::State::on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
        // Typically out of file descriptors: wait a little instead of spinning on accept.
        log::warn("http_accept_failed", {{"error", ec.message()}});
        retry_timer.expires_after(100ms);
        retry_timer.async_wait([self = shared_from_this()](error_code timer_ec) {
            if (!timer_ec && self->acceptor.is_open()) self->do_accept();
        });
        return;
    }
    // Responses are written whole; without TCP_NODELAY a keep-alive response that follows one the peer has not yet
    // acknowledged waits for its delayed ACK (~40 ms on Linux) — Nagle's algorithm against a request/response API.
    error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    error_code peer_ec;
    auto endpoint = socket.remote_endpoint(peer_ec);
    std::string peer = peer_ec ? std::string("unknown") : format_peer(endpoint);
    if (connections.load() >= options.max_connections) {
        log::warn("http_connection_limit", {{"peer", peer}, {"limit", options.max_connections}});
        refuse(std::move(socket));
    } else {
        std::shared_ptr<SessionBase> session;
        if (ssl) {
            session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(shared_from_this(),
                                                                                      std::move(socket), peer);
        } else {
            session = std::make_shared<Session<beast::tcp_stream>>(shared_from_this(), std::move(socket), peer);
        }
        add(session);
        session->run();
    }
    do_accept();
}

// Over the connection limit: a plain client gets a 503 problem (best effort, bounded in time); a TLS client is
// closed, because answering would first cost a handshake.
void HttpServer::State::refuse(tcp::socket socket) {
    if (ssl) return;
    struct Refusal {
        beast::tcp_stream stream;
        std::string bytes;
        std::array<char, 1024> sink{};
    };
    auto body = make_problem(Status::service_unavailable, "too many connections; retry later").to_response().body;
    auto refusal = std::make_shared<Refusal>(Refusal{beast::tcp_stream(std::move(socket)), {}, {}});
    refusal->bytes = fmt::format(
        "HTTP/1.1 503 Service Unavailable\r\nServer: {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
        "Retry-After: 1\r\nConnection: close\r\n\r\n{}",
        options.server_header, problem_content_type, body.size(), body);
    refusal->stream.expires_after(refuse_time);
    net::async_write(refusal->stream, net::buffer(refusal->bytes), [refusal](error_code ec, std::size_t) {
        if (ec) return;
        error_code ignored;
        refusal->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        // Read what the client sent until it closes (or the deadline passes), so it sees the 503 and not a reset.
        struct Drain {
            std::shared_ptr<Refusal> r;
            void operator()(error_code drain_ec, std::size_t) const {
                if (drain_ec) return;
                r->stream.async_read_some(net::buffer(r->sink), *this);
            }
        };
        Drain{refusal}(error_code{}, 0);
    });
}

void HttpServer::State::add(const std::shared_ptr<SessionBase>& session) {
    std::lock_guard lock(mutex);
    sessions.emplace(session.get(), session);
    connections.fetch_add(1);
}

void HttpServer::State::remove(SessionBase* session) {
    bool finish = false;
    {
        std::lock_guard lock(mutex);
        sessions.erase(session);
        connections.fetch_sub(1);
        finish = stopping && sessions.empty();
    }
    if (finish) net::post(strand, [self = shared_from_this()] { self->maybe_finish_stop(); });
}

std::vector<std::shared_ptr<SessionBase>> HttpServer::State::snapshot() {
    std::vector<std::shared_ptr<SessionBase>> out;
    std::lock_guard lock(mutex);
    for (auto& [raw, weak] : sessions) {
        if (auto session = weak.lock()) out.push_back(std::move(session));
    }
    return out;
}

void HttpServer::State::begin_stop(std::function<void()> callback, bool force) {
    bool first = false;
    {
        std::lock_guard lock(mutex);
        if (callback) on_stopped.push_back(std::move(callback));
        first = !stopping;
        stopping = true;
    }
    if (first) {
        error_code ignored;
        acceptor.close(ignored);
        retry_timer.cancel();
        for (auto& session : snapshot()) session->shutdown();
        stop_timer.expires_after(options.stop_timeout);
        stop_timer.async_wait(beast::bind_front_handler(&State::on_stop_timeout, shared_from_this()));
    }
    if (force) {
        for (auto& session : snapshot()) session->force_close();
    }
    maybe_finish_stop();
}

void HttpServer::State::on_stop_timeout(error_code ec) {
    if (ec) return;
    auto left = snapshot();
    if (!left.empty()) log::warn("http_stop_timeout", {{"closing", left.size()}});
    for (auto& session : left) session->force_close();
}

void HttpServer::State::maybe_finish_stop() {
    std::vector<std::function<void()>> callbacks;
    {
        std::lock_guard lock(mutex);
        if (!stopping || !sessions.empty()) return;
        stopped = true;
        callbacks.swap(on_stopped);
    }
    stop_timer.cancel();
    for (auto& callback : callbacks) callback();
}

// ---------------------------------------------------------------------------------------------------------------

HttpServer::HttpServer(net::io_context& ioc, ServerOptions options, Router router)
    : state_(std::make_shared<State>(ioc, std::move(options), std::move(router))) {}

HttpServer::~HttpServer() {
    net::dispatch(state_->strand, [state = state_] { state->begin_stop({}, true); });
}

Result<void> HttpServer::start() {
    if (auto routes = state_->router.status(); !routes) return routes;
    const auto& options = state_->options;
    if (options.tls.enabled) {
        auto ctx = tls::make_server_context(options.tls);
        if (!ctx) return std::move(ctx).error();
        state_->ssl = std::move(*ctx);
    }
    error_code ec;
    auto address = net::ip::make_address(options.host, ec);
    if (ec) {
        return make_error(ErrorCode::invalid_value,
                          fmt::format("HTTP listen address '{}' is not an IP address", options.host));
    }
    tcp::endpoint endpoint(address, options.port);
    auto& acceptor = state_->acceptor;
    auto failed = [&](std::string_view step) {
        error_code ignored;
        acceptor.close(ignored);
        return make_error(ErrorCode::io_error, fmt::format("HTTP listener {}:{}: {} failed: {}", options.host,
                                                           options.port, step, ec.message()));
    };
    acceptor.open(endpoint.protocol(), ec);
    if (ec) return failed("open");
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return failed("SO_REUSEADDR");
    acceptor.bind(endpoint, ec);
    if (ec) return failed("bind");
    acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return failed("listen");
    state_->port = acceptor.local_endpoint(ec).port();
    log::info("http_listening", {{"host", options.host},
                                 {"port", state_->port},
                                 {"tls", options.tls.enabled ? 1 : 0},
                                 {"mtls", options.tls.require_client_cert ? 1 : 0}});
    net::dispatch(state_->strand, [state = state_] { state->do_accept(); });
    return {};
}

std::uint16_t HttpServer::port() const {
    return state_->port;
}

void HttpServer::stop(std::function<void()> on_stopped) {
    net::dispatch(state_->strand, [state = state_, callback = std::move(on_stopped)]() mutable {
        state->begin_stop(std::move(callback), false);
    });
}

std::size_t HttpServer::connection_count() const {
    return state_->connections.load();
}

}  // namespace gw::http
