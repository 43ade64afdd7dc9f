#pragma once
// MllpListener: accepts MLLP connections (plain TCP, TLS or mutual TLS) and turns each connection's byte stream into
// calls on a FrameHandler, writing the handler's responses back in the order the frames arrived.
//
// Threading: the listener runs on an io_context that any number of threads may run. Each connection is one session
// object (owned by shared_from_this) whose handlers all run on its own strand; the acceptor has its own strand.
//
// Limits, so that a slow or hostile peer cannot hold a socket or memory forever:
// - TLS handshake must finish within tls_handshake_timeout.
// - Once a frame's first byte arrived, the whole frame must arrive within read_timeout.
// - Between frames, a connection with no response outstanding is closed idle_timeout after its last frame or
//   response (bytes skipped as junk are not activity).
// - A response write must finish within write_timeout.
// - At most max_connections connections (including those in the TLS handshake); more are accepted and closed
//   at once, with a log line.
// - At most max_pending_responses frames per connection awaiting their response; then reading pauses.
// - Memory per connection: one read buffer plus at most max_message_bytes for a frame in progress.
//
// Graceful stop: stop() closes the acceptor; each connection stops reading (a frame only partly received is
// dropped unacknowledged, so an MLLP sender resends it), writes the responses to frames it already handed to the
// handler, then closes. Connections still open after `grace` are closed. `done` runs when every connection is closed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "gateway/core/result.hpp"
#include "gateway/mllp/frame_handler.hpp"
#include "gateway/mllp/framer.hpp"
#include "gateway/tls/tls_context.hpp"

namespace gw::mllp {

struct ListenerOptions {
    std::string name = "mllp";  // listener name in logs (config key)
    std::string host = "0.0.0.0";
    std::uint16_t port = 2575;  // 0: any free port (tests); ask port() afterwards
    std::size_t max_message_bytes = kDefaultMaxMessageBytes;
    std::size_t error_prefix_bytes = 512;
    std::chrono::milliseconds read_timeout{30'000};
    std::chrono::milliseconds idle_timeout{300'000};
    std::chrono::milliseconds write_timeout{30'000};
    std::chrono::milliseconds tls_handshake_timeout{10'000};
    std::chrono::milliseconds backpressure_poll{10};
    std::size_t max_connections = 256;
    std::size_t max_pending_responses = 64;
    tls::ServerTlsOptions tls;  // tls.enabled: TLS; tls.require_client_cert: mutual TLS
};

// Checks option values once, at start-up (the data path never re-checks them).
Result<void> validate(const ListenerOptions& options);

namespace detail {
struct ListenerShared;
}

class MllpListener : public std::enable_shared_from_this<MllpListener> {
  public:
    // Validates the options, builds the TLS context and binds + listens (errors: invalid_argument, TLS file errors,
    // io_error for a port in use). Call start() to begin accepting.
    static Result<std::shared_ptr<MllpListener>> create(boost::asio::io_context& io, ListenerOptions options,
                                                        std::shared_ptr<FrameHandler> handler);
    ~MllpListener();
    MllpListener(const MllpListener&) = delete;
    MllpListener& operator=(const MllpListener&) = delete;

    void start();

    // Stops accepting and lets connections finish within `grace` (see above). Safe from any thread, also from a
    // thread that runs the io_context; `done` runs on an io_context thread. Only the first call counts.
    void stop(std::chrono::milliseconds grace, std::function<void()> done = {});

    boost::asio::ip::tcp::endpoint local_endpoint() const { return endpoint_; }
    std::uint16_t port() const { return endpoint_.port(); }
    std::size_t active_connections() const;
    const ListenerOptions& options() const;

  private:
    struct PrivateTag {};

  public:
    MllpListener(PrivateTag, boost::asio::io_context& io, std::shared_ptr<detail::ListenerShared> shared);

  private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    void finish_stop();

    Result<void> bind_and_listen();

    boost::asio::io_context& io_;
    std::shared_ptr<detail::ListenerShared> shared_;  // options, handler, TLS context: shared with the sessions
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;
    boost::asio::steady_timer grace_timer_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::uint64_t next_connection_id_ = 1;
    bool stopping_ = false;
    bool stopped_ = false;
    std::function<void()> on_stopped_;
};

}  // namespace gw::mllp
