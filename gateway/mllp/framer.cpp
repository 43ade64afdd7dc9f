#include "gateway/mllp/framer.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace gw::mllp {

std::string frame(std::string_view payload) {
    std::string out;
    out.reserve(payload.size() + 3);
    out.push_back(kStartBlock);
    out.append(payload);
    out.push_back(kEndBlock);
    out.push_back(kCarriageReturn);
    return out;
}

MllpFramer::MllpFramer(FramerOptions options) : options_(options) {
    options_.max_message_bytes = std::max<std::size_t>(options_.max_message_bytes, 1);
    options_.error_prefix_bytes = std::min(options_.error_prefix_bytes, options_.max_message_bytes);
}

FeedStep MllpFramer::feed(std::string_view input) {
    static constexpr char kFrameSpecial[] = {kStartBlock, kEndBlock};
    std::size_t i = 0;
    auto step = [&](std::optional<FrameEvent> event) {
        offset_ += i;
        return FeedStep{i, std::move(event)};
    };
    while (i < input.size()) {
        switch (state_) {
            case State::idle: {
                const auto start = input.find(kStartBlock, i);
                const auto junk_end = start == std::string_view::npos ? input.size() : start;
                skipped_ += junk_end - i;
                i = junk_end;
                if (start != std::string_view::npos) {
                    start_frame(offset_ + i);
                    ++i;
                }
                break;
            }
            case State::in_frame: {
                const auto special = input.find_first_of(std::string_view(kFrameSpecial, 2), i);
                const auto chunk_end = special == std::string_view::npos ? input.size() : special;
                append(input.substr(i, chunk_end - i));
                i = chunk_end;
                if (special == std::string_view::npos) break;
                if (input[special] == kEndBlock) {
                    state_ = State::saw_end_block;
                    ++i;
                    break;
                }
                // A start byte inside a frame: report the abandoned frame, then begin the new one here.
                auto event = abandon_frame("start block 0x0B inside a frame; the frame before it was abandoned");
                start_frame(offset_ + i);
                ++i;
                return step(std::move(event));
            }
            case State::saw_end_block: {
                if (input[i] == kCarriageReturn) {
                    ++i;
                    return step(finish_frame());
                }
                // Leave the byte unconsumed: it may be the start of the next frame.
                return step(abandon_frame("end block 0x1C not followed by 0x0D"));
            }
        }
    }
    return step(std::nullopt);
}

std::vector<FrameEvent> MllpFramer::feed_all(std::string_view input) {
    std::vector<FrameEvent> events;
    while (!input.empty()) {
        auto step = feed(input);
        input.remove_prefix(step.consumed);
        if (step.event) events.push_back(std::move(*step.event));
    }
    return events;
}

void MllpFramer::start_frame(std::uint64_t start_offset) {
    state_ = State::in_frame;
    payload_.clear();
    discarding_ = false;
    frame_size_ = 0;
    frame_offset_ = start_offset;
}

void MllpFramer::append(std::string_view chunk) {
    frame_size_ += chunk.size();
    if (discarding_) return;
    if (payload_.size() + chunk.size() <= options_.max_message_bytes) {
        payload_.append(chunk);
        return;
    }
    // Over the limit: keep only the prefix for the error report and give the memory back now, not at frame end.
    discarding_ = true;
    const auto keep = std::min(options_.error_prefix_bytes, payload_.size() + chunk.size());
    if (payload_.size() < keep) payload_.append(chunk.substr(0, keep - payload_.size()));
    payload_.resize(keep);
    payload_.shrink_to_fit();
}

FrameEvent MllpFramer::finish_frame() {
    state_ = State::idle;
    if (discarding_) return abandon_frame({});
    FrameEvent event{std::move(payload_), std::nullopt, frame_offset_};
    payload_ = std::string();
    return event;
}

FrameEvent MllpFramer::abandon_frame(std::string_view why) {
    state_ = State::idle;
    SourceLocation where;
    where.byte_offset = frame_offset_;
    // An oversized frame is reported as too large whatever ended it: that is the actionable problem.
    Error error = discarding_ ? make_error(ErrorCode::too_large,
                                           fmt::format("MLLP frame payload of {} bytes exceeds the limit of {} bytes",
                                                       frame_size_, options_.max_message_bytes),
                                           std::move(where))
                              : make_error(ErrorCode::parse_error, std::string(why), std::move(where));
    std::string prefix = payload_.size() > options_.error_prefix_bytes ? payload_.substr(0, options_.error_prefix_bytes)
                                                                       : std::move(payload_);
    payload_ = std::string();
    discarding_ = false;
    return FrameEvent{std::move(prefix), std::move(error), frame_offset_};
}

}  // namespace gw::mllp
