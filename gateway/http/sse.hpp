#pragma once
// Server-Sent Events: a route that keeps its connection open and pushes "data:" events (the live dashboard).
//
// The handler gets an SseStream and may keep copies of it anywhere (a subscriber list) and call send() from any
// thread. The stream ends when the client disconnects, a write fails or times out, the queue overflows (a consumer
// too slow to keep up is dropped rather than buffered without bound), the server stops, close() is called, or the
// last copy of the SseStream is destroyed. After that send() returns false, and the on_close callback has run once,
// so a producer learns to unsubscribe and nothing leaks.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <optional>
#include <utility>

#include "gateway/http/message.hpp"

namespace gw::http {

namespace detail {

// Implemented by the session that owns the connection; both calls are thread-safe and only schedule work on its
// strand.
class SseSink {
  public:
    virtual void sse_wake() = 0;  // new bytes are queued, or the producer asked to end
  protected:
    ~SseSink() = default;
};

// Shared by the producer handles (SseStream) and the session. The session holds it strongly; the channel holds the
// session weakly, so a producer that forgets a stream never keeps a connection alive.
class SseChannel {
  public:
    explicit SseChannel(std::size_t max_queued_bytes) : max_queued_(max_queued_bytes) {}

    void attach(std::weak_ptr<SseSink> sink);
    bool push(std::string frame);  // false if closed, ending, or the queue would overflow
    void end();                    // no more events: flush what is queued, then close
    bool is_open() const;
    void on_close(std::function<void()> callback);
    void reject(Response response);

    // Session side, on its strand.
    std::string take();   // all queued bytes
    bool ending() const;  // end() was called or the queue overflowed
    void closed();        // the stream is over; runs the on_close callback once
    std::optional<Response> take_rejection();

  private:
    void wake();

    mutable std::mutex mutex_;
    std::string queued_;
    std::size_t max_queued_;
    bool open_ = true;
    bool ending_ = false;
    std::function<void()> on_close_;
    std::optional<Response> rejection_;
    std::weak_ptr<SseSink> sink_;
};

}  // namespace detail

class SseStream {
  public:
    explicit SseStream(std::shared_ptr<detail::SseChannel> channel);

    // Queues one event: each line of data becomes a "data:" line; event and id are optional fields. Returns false
    // when the stream is over (the caller should stop producing for it).
    bool send(std::string_view data, std::string_view event = {}, std::string_view id = {}) const;
    // A comment line (": text"), e.g. to keep proxies from closing an idle stream.
    bool comment(std::string_view text) const;
    bool is_open() const;
    // Ends the stream from the server side after what is queued has been written.
    void close() const;
    // Runs once when the stream is over, on the connection's strand (or right away, here, if it already is).
    // Keep it short; it may capture this SseStream (the reference is dropped after the call).
    void on_close(std::function<void()> callback) const;
    // Refuses the stream instead of starting it (401, 403, 503 ...): only during the handler call. The client gets
    // `response` as an ordinary reply and no event stream; on_close callbacks run.
    void reject(Response response) const;

  private:
    // Destroying the last producer handle ends the stream, so a forgotten stream does not stay open forever.
    struct Producer {
        explicit Producer(std::shared_ptr<detail::SseChannel> c) : channel(std::move(c)) {}
        Producer(const Producer&) = delete;
        Producer& operator=(const Producer&) = delete;
        ~Producer();
        std::shared_ptr<detail::SseChannel> channel;
    };
    std::shared_ptr<Producer> producer_;
};

// Formats one event as it goes on the wire (exposed for tests and for writers of other transports).
std::string format_sse_event(std::string_view data, std::string_view event = {}, std::string_view id = {});

}  // namespace gw::http
