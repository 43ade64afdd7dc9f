#pragma once
// Hl7Intake: the glue between a transport (MLLP listener, file drop, tests) and the MessageSink. It parses strictly,
// checks what the gateway accepts (version, message type, control ID), stores every message — rejected ones with
// their Error, so an operator can inspect and replay them — and answers with the acknowledgement only after the sink
// reports the outcome (commit before ACK).
//
// Logging carries channel, peer, control ID, message type, correlation ID and error codes; never segment contents
// beyond MSH (no PID, no free text), since those are personal data.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "gateway/core/error.hpp"
#include "gateway/hl7/ack.hpp"
#include "gateway/ingest/message_sink.hpp"

namespace gw::hl7 {

struct IntakeConfig {
    std::string channel = "mllp";
    // MSH-12.1 values accepted; anything else is rejected with ERR code 203.
    std::vector<std::string> accepted_versions = {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"};
    // MSH-9.1^MSH-9.2 pairs accepted; an unknown MSH-9.1 is rejected with 200, a known one with another event with 201.
    std::vector<std::string> accepted_message_types = {"OMS^O05", "ORM^O01", "OML^O21"};
    // The gateway's identity in ACK MSH-3/MSH-4 when the inbound MSH-5/MSH-6 are empty.
    std::string sending_application = "GROCERY-GW";
    std::string sending_facility = "GW";
    // Injected for hermetic tests; defaults: system_clock::now and new_control_id().
    std::function<std::chrono::system_clock::time_point()> clock;
    std::function<std::string()> control_ids;
};

class Hl7Intake {
  public:
    // Receives the acknowledgement to send back, once. Not called when the sender asked for no accept ACK for this
    // outcome (enhanced mode, MSH-15 NE/ER/SU) — except when the store was unavailable: a message the gateway could
    // not keep is always answered negatively, whatever MSH-15 says, so it is not silently lost.
    using Reply = std::function<void(std::string ack)>;

    Hl7Intake(IntakeConfig config, ingest::MessageSink& sink);

    // Handles one frame payload (ER7, or v2.xml when the first non-blank byte is '<'). `reply` may run on the sink's
    // thread.
    void process(std::string frame, std::string peer, Reply reply);

    // A transport could not deliver a whole frame (too large: `prefix` holds the first bytes; unterminated at EOF or
    // timeout: what arrived). Stores the prefix with `error`; answers AR/CR when an MSH can be read from the prefix.
    void report_frame_error(std::string prefix, Error error, std::string peer, Reply reply);

    const IntakeConfig& config() const noexcept { return config_; }

  private:
    AckContext ack_context() const;
    std::vector<AckIssue> check_acceptance(const Message& message) const;
    void reject(std::string frame, std::string peer, Error error, std::vector<AckIssue> issues, const Message* header,
                Reply reply);
    void accept(std::string frame, std::string peer, const Message& message, Reply reply);

    IntakeConfig config_;
    ingest::MessageSink& sink_;
};

}  // namespace gw::hl7
