#include "adapters/mllp/mllp_out_adapter.hpp"

#include <array>
#include <deque>
#include <optional>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include "adapters/mllp/ack_verdict.hpp"
#include "gateway/hl7/message.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mllp/framer.hpp"

namespace gw::adapters::mllp {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::io_context::executor_type>;
using Done = std::function<void(DeliveryOutcome)>;

struct Job {
    std::string frame;       // the MLLP-framed message
    std::string control_id;  // its MSH-10, which the ACK's MSA-2 must name
    Clock::time_point deadline;
    Done done;
};

DeliveryOutcome failure(Outcome outcome, std::string error, std::string step) {
    DeliveryOutcome o;
    o.outcome = outcome;
    o.error = std::move(error);
    o.step = std::move(step);
    return o;
}

std::chrono::milliseconds left_until(Clock::time_point deadline) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
}

class Core;

// One MLLP connection to the receiver. Every handler runs on the adapter's strand (the socket and timers are made
// on it), so there is no locking here.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(asio::io_context& io, Strand strand, MllpOutOptions options, tls::SslContextPtr ssl_context,
               std::weak_ptr<Core> core)
        : io_(io),
          strand_(strand),
          options_(std::move(options)),
          ssl_context_(std::move(ssl_context)),
          core_(std::move(core)),
          timer_(strand),
          idle_timer_(strand),
          resolver_(strand),
          framer_(::gw::mllp::FramerOptions{options_.max_ack_bytes, 256}) {}

    bool busy() const { return job_.has_value(); }

    void start(Job job) {
        idle_timer_.cancel();
        job_ = std::move(job);
        reused_ = is_open();
        retried_ = false;
        if (reused_) {
            write();
        } else {
            connect();
        }
    }

    void close() {
        ++generation_;  // handlers of the closed socket see a stale generation and do nothing more
        error_code ignored;
        if (tls_) {
            tls_->next_layer().shutdown(tcp::socket::shutdown_both, ignored);
            tls_->next_layer().close(ignored);
            tls_.reset();
        }
        if (socket_) {
            socket_->shutdown(tcp::socket::shutdown_both, ignored);
            socket_->close(ignored);
            socket_.reset();
        }
        resolver_.cancel();
        timer_.cancel();
        idle_timer_.cancel();
    }

    // Shutdown: whatever is in flight fails now.
    void abort(const std::string& why) {
        if (job_) fail_now(why);
        close();
    }

private:
    std::string where() const { return fmt::format("{}:{}", options_.host, options_.port); }
    bool is_open() const { return (tls_ && tls_->next_layer().is_open()) || (socket_ && socket_->is_open()); }

    template <class F>
    void with_stream(F&& f) {
        if (tls_) {
            f(*tls_);
        } else {
            f(*socket_);
        }
    }

    // Arms the deadline of the current step: the step's own timeout, capped by the operation's deadline. On expiry
    // the socket is closed, which completes the pending operation with an error; `timed_out_` names the cause.
    void arm(std::chrono::milliseconds step_timeout, std::string_view step) {
        step_ = std::string(step);
        timed_out_ = false;
        const auto limit = std::min(step_timeout, left_until(job_->deadline));
        timer_.expires_after(std::max(limit, std::chrono::milliseconds(0)));
        timer_.async_wait([self = shared_from_this(), generation = generation_](error_code ec) {
            if (ec || generation != self->generation_) return;
            self->timed_out_ = true;
            error_code ignored;
            if (self->tls_) self->tls_->next_layer().close(ignored);
            if (self->socket_) self->socket_->close(ignored);
            self->resolver_.cancel();
        });
    }

    void connect() {
        close();
        framer_ = ::gw::mllp::MllpFramer(::gw::mllp::FramerOptions{options_.max_ack_bytes, 256});
        arm(options_.connect_timeout, "connect");
        resolver_.async_resolve(
            options_.host, std::to_string(options_.port),
            [self = shared_from_this(), generation = generation_](error_code ec, tcp::resolver::results_type r) {
                if (generation != self->generation_) return;
                if (ec) return self->fail(ec, "resolve");
                self->on_resolved(std::move(r));
            });
    }

    void on_resolved(tcp::resolver::results_type endpoints) {
        socket_.emplace(strand_);
        asio::async_connect(*socket_, endpoints,
                            [self = shared_from_this(), generation = generation_](error_code ec, const tcp::endpoint&) {
                                if (generation != self->generation_) return;
                                if (ec) return self->fail(ec, "connect");
                                self->on_connected();
                            });
    }

    void on_connected() {
        error_code ignored;
        socket_->set_option(tcp::no_delay(true), ignored);
        if (!options_.tls) {
            timer_.cancel();
            return write();
        }
        tls_.emplace(std::move(*socket_), *ssl_context_);
        socket_.reset();
        error_code not_ip;
        asio::ip::make_address(options_.host, not_ip);
        // SNI is for names only (RFC 6066); an IP address is verified against the certificate's IP SANs.
        if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), options_.host.c_str())) {
            return fail_now("cannot set the TLS server name");
        }
        if (options_.tls_options.verify_peer) tls_->set_verify_callback(ssl::host_name_verification(options_.host));
        tls_->async_handshake(ssl::stream_base::client,
                              [self = shared_from_this(), generation = generation_](error_code ec) {
                                  if (generation != self->generation_) return;
                                  if (ec) return self->fail(ec, "TLS handshake");
                                  self->timer_.cancel();
                                  self->write();
                              });
    }

    void write() {
        got_bytes_ = false;
        arm(options_.ack_timeout, "send");
        with_stream([&](auto& stream) {
            asio::async_write(stream, asio::buffer(job_->frame),
                              [self = shared_from_this(), generation = generation_](error_code ec, std::size_t) {
                                  if (generation != self->generation_) return;
                                  if (ec) return self->fail(ec, "send");
                                  self->step_ = "ack";
                                  self->read();
                              });
        });
    }

    void read() {
        with_stream([&](auto& stream) {
            stream.async_read_some(asio::buffer(buffer_),
                                   [self = shared_from_this(), generation = generation_](error_code ec, std::size_t n) {
                                       if (generation != self->generation_) return;
                                       if (ec) return self->fail(ec, "ack");
                                       self->on_read(n);
                                   });
        });
    }

    void on_read(std::size_t n) {
        got_bytes_ = true;
        std::string_view input(buffer_.data(), n);
        while (!input.empty()) {
            auto step = framer_.feed(input);
            input.remove_prefix(step.consumed);
            if (!step.event) continue;
            timer_.cancel();
            if (step.event->is_error()) {
                // A broken answer frame leaves the stream out of step.
                close();
                return finish(failure(Outcome::retryable,
                                      fmt::format("mllp {}: bad answer frame: {}", where(), step.event->error->message),
                                      "ack"));
            }
            // Bytes after the ACK would belong to no message of ours: the connection is not reused.
            auto verdict = judge_ack(step.event->payload, job_->control_id);
            if (verdict.drop_connection || !input.empty()) close();
            return finish(std::move(verdict.outcome));
        }
        read();
    }

    void fail(error_code ec, std::string_view what) {
        const bool timed_out = timed_out_;
        close();
        // A kept connection the receiver dropped while idle: try once more on a new one before giving up.
        if (reused_ && !retried_ && !got_bytes_ && !timed_out && left_until(job_->deadline).count() > 0) {
            retried_ = true;
            reused_ = false;
            log::debug("mllp_out.reconnect", {{"destination", options_.name}, {"error", ec.message()}});
            return connect();
        }
        std::string reason;
        if (timed_out) {
            reason = fmt::format("mllp {}: deadline passed during {}", where(), step_);
        } else if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
            reason = fmt::format("mllp {}: connection closed by the receiver during {}", where(), what);
        } else {
            reason = fmt::format("mllp {}: {} failed: {}", where(), what, ec.message());
        }
        // Any transport failure may heal (the receiver restarts, the network comes back): the engine retries.
        finish(failure(Outcome::retryable, std::move(reason), std::string(what)));
    }

    void fail_now(const std::string& why) {
        close();
        finish(failure(Outcome::retryable, fmt::format("mllp {}: {}", where(), why), step_));
    }

    void finish(DeliveryOutcome outcome);

    asio::io_context& io_;
    Strand strand_;
    const MllpOutOptions options_;
    tls::SslContextPtr ssl_context_;
    std::weak_ptr<Core> core_;
    asio::steady_timer timer_;
    asio::steady_timer idle_timer_;
    tcp::resolver resolver_;
    std::optional<tcp::socket> socket_;
    std::optional<ssl::stream<tcp::socket>> tls_;
    ::gw::mllp::MllpFramer framer_;
    std::array<char, 4096> buffer_{};
    std::optional<Job> job_;
    std::string step_;
    std::uint64_t generation_ = 0;
    bool timed_out_ = false;
    bool reused_ = false;
    bool retried_ = false;
    bool got_bytes_ = false;
};

// The adapter's state, shared with its connections; everything but the constructor runs on `strand`.
class Core : public std::enable_shared_from_this<Core> {
public:
    Core(asio::io_context& io, MllpOutOptions o, tls::SslContextPtr ssl_context)
        : io_(io), options_(std::move(o)), ssl_context_(std::move(ssl_context)), strand_(asio::make_strand(io)) {}

    void init() {
        for (std::size_t i = 0; i < options_.connections; ++i) {
            connections_.push_back(
                std::make_shared<Connection>(io_, strand_, options_, ssl_context_, weak_from_this()));
        }
    }

    void submit(Job job) {
        asio::post(strand_, [self = shared_from_this(), job = std::move(job)]() mutable {
            if (self->stopping_) {
                return self->complete(std::move(job.done),
                                      failure(Outcome::retryable, "mllp_out is shutting down", "queue"));
            }
            if (self->queue_.size() >= self->options_.max_queue) {
                return self->complete(std::move(job.done),
                                      failure(Outcome::retryable, "mllp_out queue is full", "queue"));
            }
            self->queue_.push_back(std::move(job));
            self->pump();
        });
    }

    void pump() {
        for (auto& c : connections_) {
            if (queue_.empty() || stopping_) return;
            if (c->busy()) continue;
            Job job = std::move(queue_.front());
            queue_.pop_front();
            if (left_until(job.deadline).count() <= 0) {
                complete(std::move(job.done), failure(Outcome::retryable, "the deadline passed in the queue", "queue"));
                continue;
            }
            c->start(std::move(job));
        }
    }

    void shutdown() {
        asio::post(strand_, [self = shared_from_this()] {
            self->stopping_ = true;
            for (auto& job : self->queue_) {
                self->complete(std::move(job.done), failure(Outcome::retryable, "mllp_out is shutting down", "queue"));
            }
            self->queue_.clear();
            for (auto& c : self->connections_) c->abort("shutting down");
        });
    }

    // `done` always runs on the io_context, never inside run() or on the strand's current call stack.
    void complete(Done done, DeliveryOutcome outcome) {
        asio::post(io_, [done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
    }

    const MllpOutOptions& options() const { return options_; }

private:
    asio::io_context& io_;
    MllpOutOptions options_;
    tls::SslContextPtr ssl_context_;
    Strand strand_;
    std::vector<std::shared_ptr<Connection>> connections_;
    std::deque<Job> queue_;
    bool stopping_ = false;
};

void Connection::finish(DeliveryOutcome outcome) {
    auto job = std::move(*job_);
    job_.reset();
    asio::post(io_, [done = std::move(job.done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
    auto core = core_.lock();
    if (!core) return;
    if (is_open()) {
        idle_timer_.expires_after(options_.idle_timeout);
        idle_timer_.async_wait([self = shared_from_this(), generation = generation_](error_code ec) {
            if (!ec && generation == self->generation_ && !self->busy()) self->close();
        });
    }
    core->pump();
}

class MllpOutAdapter final : public Adapter {
public:
    explicit MllpOutAdapter(std::shared_ptr<Core> core) : core_(std::move(core)) {
        capabilities_.status = StatusMode::none;
    }
    ~MllpOutAdapter() override { core_->shutdown(); }

    const std::string& vendor() const noexcept override { return core_->options().name; }
    std::string_view kind() const noexcept override { return "mllp_out"; }
    const Capabilities& capabilities() const noexcept override { return capabilities_; }
    bool supports(Operation op) const noexcept override { return op == Operation::submit; }

    void run(Operation op, DeliveryRequest request, std::function<void(DeliveryOutcome)> done) override {
        if (op != Operation::submit) {
            return core_->complete(std::move(done),
                                   failure(Outcome::permanent,
                                           fmt::format("mllp_out cannot {}: it only sends messages", to_string(op)),
                                           "prepare"));
        }
        if (request.payload.empty()) {
            return core_->complete(std::move(done),
                                   failure(Outcome::permanent, "nothing to send: the outbox item has no payload "
                                                               "(removed by retention?)", "prepare"));
        }
        auto message = hl7::parse(request.payload, hl7::ParseOptions{.strict = false, .charset = {}});
        const std::string control_id = message ? message->get("MSH-10") : std::string();
        if (control_id.empty()) {
            return core_->complete(std::move(done),
                                   failure(Outcome::permanent,
                                           message ? "the message has no MSH-10, so its ACK cannot be matched"
                                                   : "the payload is not an HL7 message: " + message.error().message,
                                           "prepare"));
        }
        Job job;
        job.frame = ::gw::mllp::frame(request.payload);
        job.control_id = control_id;
        job.deadline = Clock::now() + request.timeout;
        job.done = std::move(done);
        core_->submit(std::move(job));
    }

    void shutdown() override { core_->shutdown(); }

private:
    std::shared_ptr<Core> core_;
    Capabilities capabilities_;
};

}  // namespace

Result<std::shared_ptr<Adapter>> make_mllp_out_adapter(boost::asio::io_context& io, MllpOutOptions options) {
    tls::SslContextPtr ssl_context;
    if (options.tls) {
        auto ctx = tls::make_client_context(options.tls_options);
        if (!ctx) {
            auto e = std::move(ctx).error();
            e.message = fmt::format("mllp_out {}: {}", options.name, e.message);
            return e;
        }
        ssl_context = std::move(ctx).value();
    }
    auto core = std::make_shared<Core>(io, std::move(options), std::move(ssl_context));
    core->init();
    return std::shared_ptr<Adapter>(std::make_shared<MllpOutAdapter>(std::move(core)));
}

}  // namespace gw::adapters::mllp
