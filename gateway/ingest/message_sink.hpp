#pragma once
// The point where listeners hand inbound messages to durable storage. A listener never acknowledges a message as
// accepted before the sink reports it stored (commit before ACK). The store implements this interface; tests and
// tools use InMemorySink.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "gateway/core/error.hpp"

namespace gw::ingest {

struct InboundMessage {
    std::string channel;       // listener name from config, e.g. "mllp" or "http-msghead"
    std::string raw;           // the bytes exactly as received (frame payload / request body)
    std::string sender;        // idempotency scope: "MSH-3^MSH-4" for HL7, MsgHead sender org id for XML
    std::string control_id;    // MSH-10 / MsgHead MsgId; empty when the message could not be parsed
    std::string message_type;  // e.g. "OMS^O05"
    std::string peer;          // remote endpoint, for the audit trail
    std::string correlation_id;
    std::chrono::system_clock::time_point received_at{};
    std::optional<Error> error;  // set: the message was rejected; it is stored for inspection and replay only
    std::string ack;             // the acknowledgement to send once stored (returned again for duplicates)
};

enum class SinkStatus {
    stored,       // committed durably; send msg.ack
    duplicate,    // sender + control id seen before; send SinkResult::ack (the original acknowledgement)
    unavailable,  // could not store (disk full, read-only, shutting down): answer "application error, retry later"
};

struct SinkResult {
    SinkStatus status = SinkStatus::unavailable;
    std::int64_t message_id = 0;  // store id of the (original) message
    std::string ack;              // the acknowledgement to send: msg.ack, or the original one for duplicates
    std::optional<Error> error;   // why, when unavailable
};

using SinkCompletion = std::function<void(SinkResult)>;

class MessageSink {
public:
    virtual ~MessageSink() = default;

    // Takes the message; calls `done` exactly once, possibly on another thread (callers post back to their own
    // strand). Never blocks on disk.
    virtual void submit(InboundMessage message, SinkCompletion done) = 0;

    // Back-pressure: false while the sink's queue is full; listeners stop reading from sockets until it is true.
    virtual bool has_capacity() const = 0;
};

}  // namespace gw::ingest
