#include "gateway/http/sse.hpp"

#include <utility>

namespace gw::http {
namespace detail {

void SseChannel::attach(std::weak_ptr<SseSink> sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
}

bool SseChannel::push(std::string frame) {
    {
        std::lock_guard lock(mutex_);
        if (!open_ || ending_) return false;
        if (queued_.size() + frame.size() > max_queued_) {
            // A consumer this far behind is dropped: buffering for it would let one slow client grow our memory.
            ending_ = true;
            queued_.clear();
        } else {
            queued_ += frame;
        }
    }
    wake();
    return !ending();
}

void SseChannel::end() {
    {
        std::lock_guard lock(mutex_);
        if (!open_ || ending_) return;
        ending_ = true;
    }
    wake();
}

bool SseChannel::is_open() const {
    std::lock_guard lock(mutex_);
    return open_ && !ending_;
}

void SseChannel::on_close(std::function<void()> callback) {
    {
        std::lock_guard lock(mutex_);
        if (open_) {
            on_close_ = std::move(callback);
            return;
        }
    }
    if (callback) callback();
}

void SseChannel::reject(Response response) {
    std::lock_guard lock(mutex_);
    if (open_) rejection_ = std::move(response);
}

std::optional<Response> SseChannel::take_rejection() {
    std::lock_guard lock(mutex_);
    return std::exchange(rejection_, std::nullopt);
}

std::string SseChannel::take() {
    std::lock_guard lock(mutex_);
    return std::exchange(queued_, {});
}

bool SseChannel::ending() const {
    std::lock_guard lock(mutex_);
    return ending_;
}

void SseChannel::closed() {
    std::function<void()> callback;
    {
        std::lock_guard lock(mutex_);
        if (!open_) return;
        open_ = false;
        queued_.clear();
        callback = std::move(on_close_);
        on_close_ = nullptr;
    }
    // Outside the lock: the callback may call back into this stream (send() returns false, which is fine).
    if (callback) callback();
}

void SseChannel::wake() {
    std::shared_ptr<SseSink> sink;
    {
        std::lock_guard lock(mutex_);
        sink = sink_.lock();
    }
    if (sink) sink->sse_wake();
}

}  // namespace detail

SseStream::SseStream(std::shared_ptr<detail::SseChannel> channel)
    : producer_(std::make_shared<Producer>(std::move(channel))) {}

SseStream::Producer::~Producer() {
    if (channel) channel->end();
}

bool SseStream::send(std::string_view data, std::string_view event, std::string_view id) const {
    return producer_->channel->push(format_sse_event(data, event, id));
}

bool SseStream::comment(std::string_view text) const {
    std::string frame;
    frame.reserve(text.size() + 4);
    frame += ": ";
    for (char c : text) frame.push_back(c == '\n' || c == '\r' ? ' ' : c);
    frame += "\n\n";
    return producer_->channel->push(std::move(frame));
}

bool SseStream::is_open() const {
    return producer_->channel->is_open();
}

void SseStream::close() const {
    producer_->channel->end();
}

void SseStream::reject(Response response) const {
    producer_->channel->reject(std::move(response));
}

void SseStream::on_close(std::function<void()> callback) const {
    producer_->channel->on_close(std::move(callback));
}

std::string format_sse_event(std::string_view data, std::string_view event, std::string_view id) {
    std::string out;
    out.reserve(data.size() + event.size() + id.size() + 32);
    // Field values cannot contain line breaks; they would start a new field.
    auto append_field = [&out](std::string_view name, std::string_view value) {
        out += name;
        out += ": ";
        for (char c : value) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
        out += '\n';
    };
    if (!event.empty()) append_field("event", event);
    if (!id.empty()) append_field("id", id);
    // Each line of data is its own "data:" line; the client joins them with '\n'.
    std::size_t start = 0;
    while (true) {
        auto end = data.find('\n', start);
        auto line = data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out += "data: ";
        out += line;
        out += '\n';
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    out += '\n';
    return out;
}

}  // namespace gw::http
