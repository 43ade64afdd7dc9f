#include "gateway/mllp/listener.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include "gateway/log/log.hpp"

namespace gw::mllp {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

Result<void> validate(const ListenerOptions& o) {
    auto bad = [](std::string what) { return make_error(ErrorCode::invalid_argument, std::move(what)); };
    if (o.max_message_bytes == 0) return bad("mllp max_message_bytes must be > 0");
    if (o.max_connections == 0) return bad("mllp max_connections must be > 0");
    if (o.max_pending_responses == 0) return bad("mllp max_pending_responses must be > 0");
    for (auto [name, value] :
         {std::pair{"read_timeout", o.read_timeout}, std::pair{"idle_timeout", o.idle_timeout},
          std::pair{"write_timeout", o.write_timeout}, std::pair{"tls_handshake_timeout", o.tls_handshake_timeout},
          std::pair{"backpressure_poll", o.backpressure_poll}}) {
        if (value.count() <= 0) return bad(fmt::format("mllp {} must be > 0", name));
    }
    return {};
}

namespace detail {

// What a listener's stop() needs from a session; called from the acceptor's strand, so both post to the session's.
class SessionControl {
  public:
    virtual ~SessionControl() = default;
    virtual void drain() = 0;  // stop reading, finish the responses already owed, then close
    virtual void abort() = 0;  // close now
};

// Live sessions of one listener: counts them for the connection limit and tells stop() when the last one closed.
class SessionRegistry {
  public:
    bool add(std::uint64_t id, std::weak_ptr<SessionControl> session) {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        sessions_.emplace(id, std::move(session));
        return true;
    }

    void remove(std::uint64_t id) {
        std::function<void()> on_empty;
        {
            std::lock_guard lock(mutex_);
            if (sessions_.erase(id) == 0) return;
            if (stopping_ && sessions_.empty()) on_empty = std::exchange(on_empty_, nullptr);
        }
        if (on_empty) on_empty();
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return sessions_.size();
    }

    // From now on add() refuses; `on_empty` runs once the last session is removed (at once if there is none).
    std::vector<std::shared_ptr<SessionControl>> begin_stop(std::function<void()> on_empty) {
        bool empty_now = false;
        std::vector<std::shared_ptr<SessionControl>> live;
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            empty_now = sessions_.empty();
            if (!empty_now) on_empty_ = std::move(on_empty);
            live = snapshot_locked();
        }
        if (empty_now) on_empty();
        return live;
    }

    std::vector<std::shared_ptr<SessionControl>> snapshot() const {
        std::lock_guard lock(mutex_);
        return snapshot_locked();
    }

  private:
    std::vector<std::shared_ptr<SessionControl>> snapshot_locked() const {
        std::vector<std::shared_ptr<SessionControl>> live;
        for (const auto& [id, weak] : sessions_) {
            if (auto s = weak.lock()) live.push_back(std::move(s));
        }
        return live;
    }

    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<SessionControl>> sessions_;
    bool stopping_ = false;
    std::function<void()> on_empty_;
};

struct ListenerShared {
    ListenerOptions options;
    std::shared_ptr<FrameHandler> handler;
    tls::SslContextPtr ssl_context;  // null: plain TCP
    SessionRegistry registry;
};

namespace {

// Where a Reply lands. Not a template so that the Reply token below is shared by both session kinds.
class ResponseSink {
  public:
    virtual ~ResponseSink() = default;
    virtual void complete(std::uint64_t seq, std::optional<std::string> response) = 0;
};

// Shared by every copy of one Reply: the first call answers; if none calls, the last copy's destruction tells the
// session "no response" so that the responses behind it are not held up.
struct ReplyToken {
    ReplyToken(std::shared_ptr<ResponseSink> s, std::uint64_t n) : sink(std::move(s)), seq(n) {}
    ReplyToken(const ReplyToken&) = delete;
    ReplyToken& operator=(const ReplyToken&) = delete;
    ~ReplyToken() {
        if (!used.exchange(true)) sink->complete(seq, std::nullopt);
    }
    std::shared_ptr<ResponseSink> sink;
    std::uint64_t seq;
    std::atomic<bool> used{false};
};

std::string peer_subject(SSL* ssl) {
    std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl), &X509_free);
    if (!cert) return {};
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253) < 0) return {};
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string format_endpoint(const tcp::endpoint& ep) {
    const auto addr = ep.address();
    return addr.is_v6() ? fmt::format("[{}]:{}", addr.to_string(), ep.port())
                        : fmt::format("{}:{}", addr.to_string(), ep.port());
}

bool is_peer_gone(const error_code& ec) {
    return ec == asio::error::eof || ec == ssl::error::stream_truncated || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe;
}

template <class Stream>
class Session final : public SessionControl, public ResponseSink, public std::enable_shared_from_this<Session<Stream>> {
    static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;
    static constexpr std::size_t kReadBufferBytes = 16 * 1024;

  public:
    Session(std::shared_ptr<ListenerShared> shared, Stream stream, PeerInfo peer)
        : shared_(std::move(shared)),
          stream_(std::move(stream)),
          deadline_timer_(stream_.get_executor(), Clock::time_point::max()),
          pause_timer_(stream_.get_executor()),
          peer_(std::move(peer)),
          framer_(FramerOptions{shared_->options.max_message_bytes, shared_->options.error_prefix_bytes}) {}

    ~Session() override { shared_->registry.remove(peer_.connection_id); }

    void start() {
        asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->on_start(); });
    }

    void drain() override {
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->on_drain(); });
    }

    void abort() override {
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close("stop_grace_expired"); });
    }

    void complete(std::uint64_t seq, std::optional<std::string> response) override {
        asio::post(stream_.get_executor(), [self = this->shared_from_this(), seq, r = std::move(response)]() mutable {
            self->on_reply(seq, std::move(r));
        });
    }

  private:
    const ListenerOptions& options() const { return shared_->options; }

    void on_start() {
        wait_deadline();
        if constexpr (kTls) {
            set_read_deadline(Clock::now() + options().tls_handshake_timeout, "tls_handshake");
            stream_.async_handshake(ssl::stream_base::server,
                                    [self = this->shared_from_this()](error_code ec) { self->on_handshake(ec); });
        } else {
            on_established();
        }
    }

    void on_handshake(error_code ec) {
        if (closed_) return;
        if (ec) {
            // Includes mTLS refusals (no certificate, or one from another CA): the reason names which.
            log::warn("mllp_tls_handshake_failed", {{"listener", options().name},
                                                    {"connection", peer_.connection_id},
                                                    {"peer", peer_.address},
                                                    {"reason", ec.message()}});
            close("tls_handshake_failed");
            return;
        }
        if constexpr (kTls) peer_.client_cert_subject = peer_subject(stream_.native_handle());
        set_read_deadline(Clock::time_point::max(), "");
        on_established();
    }

    void on_established() {
        established_ = true;
        idle_since_ = Clock::now();
        log::info("mllp_connection_open", {{"listener", options().name},
                                           {"connection", peer_.connection_id},
                                           {"peer", peer_.address},
                                           {"tls", peer_.tls ? "true" : "false"},
                                           {"client_cert_subject", peer_.client_cert_subject}});
        shared_->handler->on_connection_open(peer_);
        if (draining_) {
            close("stopping");
            return;
        }
        process_buffer();
    }

    // Hands buffered bytes to the framer one event at a time, so that back-pressure can stop between two frames;
    // reads again once the buffer is used up.
    void process_buffer() {
        while (!closed_ && !draining_ && !paused_) {
            if (buf_begin_ == buf_end_) {
                do_read();
                return;
            }
            if (!can_dispatch()) {
                pause();
                return;
            }
            const bool was_in_frame = framer_.in_frame();
            auto step = framer_.feed(std::string_view(read_buf_.data() + buf_begin_, buf_end_ - buf_begin_));
            buf_begin_ += step.consumed;
            if (framer_.in_frame() && (!was_in_frame || step.event)) {
                frame_deadline_ = Clock::now() + options().read_timeout;
            }
            log_skipped();
            if (step.event) dispatch(std::move(*step.event));
        }
    }

    bool can_dispatch() const { return slots_.size() < options().max_pending_responses && shared_->handler->ready(); }

    void dispatch(FrameEvent event) {
        idle_since_ = Clock::now();
        const auto seq = next_seq_++;
        slots_.emplace_back();
        Reply reply = [token = std::make_shared<ReplyToken>(this->shared_from_this(), seq)](std::string response) {
            if (!token->used.exchange(true)) token->sink->complete(token->seq, std::move(response));
        };
        if (event.is_error()) {
            ++frame_errors_;
            log::warn("mllp_frame_error", {{"listener", options().name},
                                           {"connection", peer_.connection_id},
                                           {"peer", peer_.address},
                                           {"code", to_string(event.error->code)},
                                           {"error", event.error->message},
                                           {"offset", event.offset}});
            shared_->handler->on_frame_error(*event.error, event.payload, peer_, std::move(reply));
        } else {
            ++frames_;
            shared_->handler->on_frame(std::move(event.payload), peer_, std::move(reply));
        }
    }

    void log_skipped() {
        if (framer_.skipped_bytes() == skipped_logged_ || !framer_.in_frame()) return;
        log::warn("mllp_junk_skipped", {{"listener", options().name},
                                        {"connection", peer_.connection_id},
                                        {"peer", peer_.address},
                                        {"bytes", framer_.skipped_bytes() - skipped_logged_}});
        skipped_logged_ = framer_.skipped_bytes();
    }

    void do_read() {
        reading_ = true;
        buf_begin_ = buf_end_ = 0;
        update_read_deadline();
        stream_.async_read_some(asio::buffer(read_buf_), [self = this->shared_from_this()](
                                                             error_code ec, std::size_t n) { self->on_read(ec, n); });
    }

    void on_read(error_code ec, std::size_t n) {
        reading_ = false;
        update_read_deadline();
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
            on_peer_closed();
            return;
        }
        if (ec) {
            fail(ec, "read");
            return;
        }
        bytes_in_ += n;
        buf_end_ = n;
        // While draining, frames not yet handed to the handler are dropped: nothing was acknowledged for them.
        if (draining_) return;
        process_buffer();
    }

    void on_peer_closed() {
        if (closed_) return;
        peer_closed_ = true;
        set_read_deadline(Clock::time_point::max(), "");
        // The peer may half-close after sending; it still gets the responses it is owed.
        if (slots_.empty()) close("peer_closed");
    }

    void pause() {
        paused_ = true;
        pause_timer_.expires_after(options().backpressure_poll);
        pause_timer_.async_wait([self = this->shared_from_this()](error_code) { self->on_pause_timer(); });
    }

    void on_pause_timer() {
        if (closed_ || !paused_) return;
        if (can_dispatch()) {
            resume();
            return;
        }
        pause();
    }

    void resume() {
        paused_ = false;
        pause_timer_.cancel();
        // The pause was ours, not the peer's: the deadlines start afresh.
        idle_since_ = Clock::now();
        if (framer_.in_frame()) frame_deadline_ = idle_since_ + options().read_timeout;
        process_buffer();
    }

    void on_reply(std::uint64_t seq, std::optional<std::string> response) {
        if (closed_ || seq < first_seq_ || seq - first_seq_ >= slots_.size()) return;
        auto& slot = slots_[seq - first_seq_];
        slot.done = true;
        slot.response = std::move(response);
        write_next();
    }

    // Responses leave strictly in frame order, one write each; a frame without a response is skipped when its
    // turn comes.
    void write_next() {
        if (closed_) return;
        if (!writing_) {
            while (!slots_.empty() && slots_.front().done && !slots_.front().response) pop_slot();
            if (!slots_.empty() && slots_.front().done) do_write();
        }
        if (slots_.empty() && !writing_) {
            if (draining_ || peer_closed_) {
                close(draining_ ? "stopping" : "peer_closed");
                return;
            }
            idle_since_ = Clock::now();
            update_read_deadline();
        }
        if (paused_ && can_dispatch()) resume();
    }

    void do_write() {
        out_ = frame(*slots_.front().response);
        writing_ = true;
        set_write_deadline(Clock::now() + options().write_timeout);
        asio::async_write(stream_, asio::buffer(out_),
                          [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
    }

    void on_write(error_code ec, std::size_t n) {
        writing_ = false;
        set_write_deadline(Clock::time_point::max());
        if (ec) {
            fail(ec, "write");
            return;
        }
        bytes_out_ += n;
        ++responses_;
        pop_slot();
        write_next();
    }

    void pop_slot() {
        slots_.pop_front();
        ++first_seq_;
    }

    void on_drain() {
        if (closed_) return;
        draining_ = true;
        paused_ = false;
        pause_timer_.cancel();
        if (slots_.empty() && !writing_) close("stopping");
    }

    // Deadlines: one timer serves the read and the write deadline; whichever passes first closes the connection.
    void update_read_deadline() {
        if (!reading_) {
            set_read_deadline(Clock::time_point::max(), "");
        } else if (framer_.in_frame()) {
            set_read_deadline(frame_deadline_, "frame_read");
        } else if (!slots_.empty()) {
            // The peer is waiting for us, not idle.
            set_read_deadline(Clock::time_point::max(), "");
        } else {
            // Counted from the last frame or response, not the last read: junk bytes are not activity.
            set_read_deadline(idle_since_ + options().idle_timeout, "idle");
        }
    }

    void set_read_deadline(Clock::time_point when, const char* what) {
        read_deadline_ = when;
        read_deadline_what_ = what;
        rearm_deadline();
    }

    void set_write_deadline(Clock::time_point when) {
        write_deadline_ = when;
        rearm_deadline();
    }

    void rearm_deadline() {
        const auto next = std::min(read_deadline_, write_deadline_);
        // Changing the expiry cancels the pending wait; on_deadline then waits again for the new time.
        if (next != deadline_timer_.expiry()) deadline_timer_.expires_at(next);
    }

    void wait_deadline() {
        deadline_timer_.async_wait([self = this->shared_from_this()](error_code) { self->on_deadline(); });
    }

    void on_deadline() {
        if (closed_) return;
        const auto now = Clock::now();
        const bool read_expired = read_deadline_ <= now;
        if (read_expired || write_deadline_ <= now) {
            const std::string what = read_expired ? read_deadline_what_ : "write";
            const bool normal = what == "idle";
            log::write(normal ? log::Level::info : log::Level::warn, "mllp_timeout",
                       {{"listener", options().name},
                        {"connection", peer_.connection_id},
                        {"peer", peer_.address},
                        {"deadline", what}});
            close(what + "_timeout");
            return;
        }
        deadline_timer_.expires_at(std::min(read_deadline_, write_deadline_));
        wait_deadline();
    }

    // The one place where I/O errors are judged: our own cancellations and a peer that went away are normal.
    void fail(error_code ec, std::string_view what) {
        if (closed_ || ec == asio::error::operation_aborted) return;
        if (is_peer_gone(ec)) {
            close("peer_closed");
            return;
        }
        log::warn("mllp_io_error", {{"listener", options().name},
                                    {"connection", peer_.connection_id},
                                    {"peer", peer_.address},
                                    {"operation", what},
                                    {"reason", ec.message()}});
        close(fmt::format("{}_error", what));
    }

    // Closes the socket without a TLS close_notify: frames are self-delimiting, so a truncated TLS stream cannot be
    // mistaken for a complete message, and a close_notify exchange would need its own deadline for nothing.
    void close(std::string_view reason) {
        if (closed_) return;
        closed_ = true;
        deadline_timer_.cancel();
        pause_timer_.cancel();
        error_code ignored;
        auto& socket = stream_.lowest_layer();
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        log::info("mllp_connection_closed", {{"listener", options().name},
                                             {"connection", peer_.connection_id},
                                             {"peer", peer_.address},
                                             {"reason", reason},
                                             {"frames", frames_},
                                             {"frame_errors", frame_errors_},
                                             {"responses", responses_},
                                             {"unanswered", slots_.size()},
                                             {"partial_frame_bytes", framer_.buffered_bytes()},
                                             {"bytes_in", bytes_in_},
                                             {"bytes_out", bytes_out_}});
        slots_.clear();
        if (established_) shared_->handler->on_connection_closed(peer_);
        shared_->registry.remove(peer_.connection_id);
    }

    struct Slot {
        bool done = false;
        std::optional<std::string> response;  // nullopt with done: the handler sends nothing for this frame
    };

    std::shared_ptr<ListenerShared> shared_;
    Stream stream_;
    asio::steady_timer deadline_timer_;
    asio::steady_timer pause_timer_;
    PeerInfo peer_;
    MllpFramer framer_;
    std::array<char, kReadBufferBytes> read_buf_{};
    std::size_t buf_begin_ = 0;
    std::size_t buf_end_ = 0;
    std::deque<Slot> slots_;       // one per frame handed to the handler and not yet answered, in frame order
    std::uint64_t first_seq_ = 0;  // sequence number of slots_.front()
    std::uint64_t next_seq_ = 0;
    std::string out_;
    Clock::time_point read_deadline_ = Clock::time_point::max();
    Clock::time_point write_deadline_ = Clock::time_point::max();
    Clock::time_point frame_deadline_ = Clock::time_point::max();
    Clock::time_point idle_since_ = Clock::now();
    std::string read_deadline_what_;
    std::uint64_t skipped_logged_ = 0;
    std::uint64_t frames_ = 0;
    std::uint64_t frame_errors_ = 0;
    std::uint64_t responses_ = 0;
    std::uint64_t bytes_in_ = 0;
    std::uint64_t bytes_out_ = 0;
    bool established_ = false;
    bool reading_ = false;
    bool writing_ = false;
    bool paused_ = false;
    bool draining_ = false;
    bool peer_closed_ = false;
    bool closed_ = false;
};

}  // namespace
}  // namespace detail

Result<std::shared_ptr<MllpListener>> MllpListener::create(asio::io_context& io, ListenerOptions options,
                                                           std::shared_ptr<FrameHandler> handler) {
    if (auto valid = validate(options); !valid) return std::move(valid).error();
    if (!handler) return make_error(ErrorCode::invalid_argument, "mllp listener needs a frame handler");
    auto shared = std::make_shared<detail::ListenerShared>();
    shared->options = std::move(options);
    shared->handler = std::move(handler);
    if (shared->options.tls.enabled) {
        auto ctx = tls::make_server_context(shared->options.tls);
        if (!ctx) return std::move(ctx).error();
        shared->ssl_context = std::move(ctx).value();
    }
    auto listener = std::make_shared<MllpListener>(PrivateTag{}, io, std::move(shared));
    if (auto bound = listener->bind_and_listen(); !bound) return std::move(bound).error();
    return listener;
}

MllpListener::MllpListener(PrivateTag, asio::io_context& io, std::shared_ptr<detail::ListenerShared> shared)
    : io_(io),
      shared_(std::move(shared)),
      strand_(asio::make_strand(io)),
      acceptor_(strand_),
      retry_timer_(strand_),
      grace_timer_(strand_) {}

MllpListener::~MllpListener() = default;

const ListenerOptions& MllpListener::options() const {
    return shared_->options;
}

std::size_t MllpListener::active_connections() const {
    return shared_->registry.size();
}

Result<void> MllpListener::bind_and_listen() {
    const auto& o = shared_->options;
    error_code ec;
    const auto address = asio::ip::make_address(o.host == "localhost" ? "127.0.0.1" : o.host, ec);
    if (ec) {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mllp host '{}' is not an IP address: {}", o.host, ec.message()));
    }
    const tcp::endpoint endpoint(address, o.port);
    auto failed = [&](std::string_view step) {
        return make_error(ErrorCode::io_error, fmt::format("mllp listener cannot {} {}: {}", step,
                                                           detail::format_endpoint(endpoint), ec.message()));
    };
    if (acceptor_.open(endpoint.protocol(), ec); ec) return failed("open");
    if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); ec) return failed("configure");
    if (acceptor_.bind(endpoint, ec); ec) return failed("bind");
    if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) return failed("listen on");
    endpoint_ = acceptor_.local_endpoint(ec);
    if (ec) return failed("query");
    log::info("mllp_listening", {{"listener", o.name},
                                 {"address", detail::format_endpoint(endpoint_)},
                                 {"tls", o.tls.enabled ? (o.tls.require_client_cert ? "mutual" : "server") : "off"}});
    return {};
}

void MllpListener::start() {
    asio::post(strand_, [self = shared_from_this()] { self->do_accept(); });
}

void MllpListener::do_accept() {
    if (stopping_) return;
    // Each connection gets its own strand: its handlers never run concurrently, different connections do.
    acceptor_.async_accept(asio::make_strand(io_), [self = shared_from_this()](error_code ec, tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
    });
}

void MllpListener::on_accept(error_code ec, tcp::socket socket) {
    const auto& o = shared_->options;
    if (ec) {
        if (ec == asio::error::operation_aborted || stopping_) return;
        // E.g. out of file descriptors: retry a little later instead of spinning.
        log::warn("mllp_accept_failed", {{"listener", o.name}, {"reason", ec.message()}});
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
            if (!wait_ec) self->do_accept();
        });
        return;
    }
    error_code ignored;
    if (stopping_) {
        socket.close(ignored);
        return;
    }
    // Each ACK is one small write after the peer's message: Nagle would hold it for the peer's delayed ACK.
    socket.set_option(tcp::no_delay(true), ignored);
    PeerInfo peer;
    peer.connection_id = next_connection_id_++;
    peer.tls = shared_->ssl_context != nullptr;
    const auto remote = socket.remote_endpoint(ignored);
    peer.address = ignored ? std::string("unknown") : detail::format_endpoint(remote);
    if (shared_->registry.size() >= o.max_connections) {
        log::warn("mllp_connection_refused", {{"listener", o.name},
                                              {"peer", peer.address},
                                              {"reason", "connection limit"},
                                              {"max_connections", o.max_connections}});
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        do_accept();
        return;
    }
    const auto id = peer.connection_id;
    if (shared_->ssl_context) {
        using TlsStream = ssl::stream<tcp::socket>;
        auto s = std::make_shared<detail::Session<TlsStream>>(
            shared_, TlsStream(std::move(socket), *shared_->ssl_context), std::move(peer));
        if (shared_->registry.add(id, s)) s->start();
    } else {
        auto s = std::make_shared<detail::Session<tcp::socket>>(shared_, std::move(socket), std::move(peer));
        if (shared_->registry.add(id, s)) s->start();
    }
    do_accept();
}

void MllpListener::stop(std::chrono::milliseconds grace, std::function<void()> done) {
    asio::post(strand_, [self = shared_from_this(), grace, done = std::move(done)]() mutable {
        if (self->stopping_) return;
        self->stopping_ = true;
        self->on_stopped_ = std::move(done);
        error_code ignored;
        self->acceptor_.close(ignored);
        self->retry_timer_.cancel();
        log::info("mllp_stopping", {{"listener", self->shared_->options.name},
                                    {"connections", self->shared_->registry.size()},
                                    {"grace_ms", grace.count()}});
        auto live =
            self->shared_->registry.begin_stop([self] { asio::post(self->strand_, [self] { self->finish_stop(); }); });
        for (auto& session : live) session->drain();
        self->grace_timer_.expires_after(grace);
        self->grace_timer_.async_wait([self](error_code ec) {
            if (ec || self->stopped_) return;
            auto left = self->shared_->registry.snapshot();
            log::warn("mllp_stop_grace_expired",
                      {{"listener", self->shared_->options.name}, {"connections", left.size()}});
            for (auto& session : left) session->abort();
        });
    });
}

void MllpListener::finish_stop() {
    if (stopped_) return;
    stopped_ = true;
    grace_timer_.cancel();
    log::info("mllp_stopped", {{"listener", shared_->options.name}});
    if (auto done = std::exchange(on_stopped_, nullptr)) done();
}

}  // namespace gw::mllp
