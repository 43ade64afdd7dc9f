#pragma once
// The seam between the MLLP transport and whatever understands the payloads (the HL7 intake). The transport knows
// frames, sockets, TLS and deadlines; the handler knows HL7, storage and acknowledgements. Neither includes the other.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "gateway/core/error.hpp"

namespace gw::mllp {

// Who sent a frame. Passed by reference for the duration of a call; copy what you keep.
struct PeerInfo {
    std::uint64_t connection_id = 0;  // unique per listener, for correlating log lines
    std::string address;              // "ip:port" of the remote end
    bool tls = false;
    std::string client_cert_subject;  // RFC 2253 subject of a verified client certificate (mTLS), else empty
};

// Sends the response to one frame. The transport frames the payload (0x0B ... 0x1C 0x0D) and writes it after the
// responses to all earlier frames of the connection, whatever order the handler completes them in.
// - Callable from any thread, at any time after the call that received it; only the first call counts.
// - To send nothing, let every copy of the Reply go without calling it: the transport then moves on to the next
//   frame's response. A Reply that is kept forever holds up the responses behind it (until the listener stops).
// - Replying after the connection closed is harmless (the response is dropped).
using Reply = std::function<void(std::string response_payload)>;

class FrameHandler {
  public:
    virtual ~FrameHandler() = default;

    // A complete frame arrived. Called on the connection's strand: must not block (hand work to a queue or the
    // store and reply from its completion).
    virtual void on_frame(std::string payload, const PeerInfo& peer, Reply reply) = 0;

    // A frame-level error (see framer.hpp): ErrorCode::too_large with the payload's first bytes as `prefix`, or
    // ErrorCode::parse_error for broken framing. The connection stays open and in sync. Reply with a NAK, or not.
    virtual void on_frame_error(const Error& error, std::string_view prefix, const PeerInfo& peer, Reply reply) = 0;

    // Back-pressure: while false, the listener hands no further frames over and stops reading from its sockets (each
    // connection holds at most one read buffer, 16 KiB; then the peers' TCP windows fill up). It polls again every
    // ListenerOptions::backpressure_poll; idle and read deadlines do not run meanwhile, since the wait is ours.
    // Called from many strands at once: keep it cheap and thread-safe.
    virtual bool ready() const { return true; }

    // Lifecycle notifications (metrics, tests). Called on the connection's strand; must not block.
    virtual void on_connection_open(const PeerInfo& /*peer*/) {}
    virtual void on_connection_closed(const PeerInfo& /*peer*/) {}
};

}  // namespace gw::mllp
