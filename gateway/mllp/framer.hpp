#pragma once
// MLLP (Minimal Lower Layer Protocol, HL7 v2.5.1 appendix C) framing: every message travels as
//     0x0B <payload> 0x1C 0x0D
// MllpFramer is an incremental decoder for one connection's byte stream; frame() is the encoder.
//
// Decoder policy (the choices the standard leaves open), chosen so that one bad frame never costs the frames after
// it and memory stays bounded whatever the peer sends:
// - Bytes outside a frame (before a start byte) are skipped and counted (skipped_bytes()); senders commonly put a
//   CR/LF between frames, so this is not an error. The listener logs the count.
// - A frame may be empty; it is delivered as a frame with an empty payload (the HL7 layer NAKs it).
// - A payload over max_message_bytes is not buffered: the framer keeps the first error_prefix_bytes, discards the rest
//   up to the frame's end and then reports ErrorCode::too_large with that prefix (so the sender gets its NAK after it
//   finished sending, which is when an MLLP sender reads). Memory held never exceeds max_message_bytes.
// - 0x1C followed by anything but 0x0D ends the frame with ErrorCode::parse_error; the byte after 0x1C is not
//   consumed, so if it is a start byte the next frame begins there, otherwise it is skipped as junk.
// - A start byte inside a frame means the sender abandoned that frame and began a new one (a sender retrying after
//   a local error): the abandoned frame is reported as ErrorCode::parse_error and the new frame starts.
// Every error carries where.byte_offset = the stream offset of the frame's start byte.
//
// The decoder processes input byte-wise in effect, so the events produced do not depend on how the stream is split
// into reads (the fuzz target checks exactly this).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.hpp"

namespace gw::mllp {

inline constexpr char kStartBlock = 0x0B;
inline constexpr char kEndBlock = 0x1C;
inline constexpr char kCarriageReturn = 0x0D;
inline constexpr std::size_t kDefaultMaxMessageBytes = 1024 * 1024;

// Wraps a payload in MLLP framing. The payload is not checked for framing bytes: callers send HL7 text.
std::string frame(std::string_view payload);

struct FramerOptions {
    std::size_t max_message_bytes = kDefaultMaxMessageBytes;  // largest payload accepted (must be > 0)
    std::size_t error_prefix_bytes = 512;  // how much of a rejected payload is kept for the NAK and the log
};

// One decoded unit: a complete frame, or a frame-level error.
struct FrameEvent {
    std::string payload;         // frame: the whole payload; error: at most error_prefix_bytes of the payload
    std::optional<Error> error;  // set for a frame-level error
    std::uint64_t offset = 0;    // stream offset of the frame's start byte

    bool is_error() const noexcept { return error.has_value(); }
};

// Result of one feed(): how much input was consumed and at most one event. Bytes not consumed must be fed again.
struct FeedStep {
    std::size_t consumed = 0;
    std::optional<FrameEvent> event;
};

class MllpFramer {
  public:
    explicit MllpFramer(FramerOptions options = {});

    // Consumes a prefix of `input`, stopping right after the first event (frame or error) or at the end of input.
    // Callers loop until all input is consumed; this keeps events strictly one at a time so that a caller applying
    // back-pressure can stop between two frames without the framer queueing anything.
    FeedStep feed(std::string_view input);

    // Convenience for tests and tools: feeds all of `input`, returns every event.
    std::vector<FrameEvent> feed_all(std::string_view input);

    // True between a start byte and the end of that frame (including while an oversized frame is discarded).
    bool in_frame() const noexcept { return state_ != State::idle; }
    // Payload bytes held for the frame in progress; never more than max_message_bytes.
    std::size_t buffered_bytes() const noexcept { return payload_.size(); }
    // Bytes skipped outside frames since construction.
    std::uint64_t skipped_bytes() const noexcept { return skipped_; }
    // Bytes consumed since construction (the stream offset of the next byte).
    std::uint64_t stream_offset() const noexcept { return offset_; }
    const FramerOptions& options() const noexcept { return options_; }

  private:
    enum class State { idle, in_frame, saw_end_block };

    void start_frame(std::uint64_t start_offset);
    void append(std::string_view chunk);
    FrameEvent finish_frame();
    FrameEvent abandon_frame(std::string_view why);

    FramerOptions options_;
    State state_ = State::idle;
    std::string payload_;
    bool discarding_ = false;       // the frame went over the limit; payload_ holds only its prefix
    std::uint64_t frame_size_ = 0;  // payload bytes of the frame in progress, including discarded ones
    std::uint64_t frame_offset_ = 0;
    std::uint64_t offset_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace gw::mllp
