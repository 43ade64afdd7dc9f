#pragma once
// HL7 v2 acknowledgements (v2.5 chapter 2.9). Original mode (MSH-15 and MSH-16 empty): one ACK with AA/AE/AR.
// Enhanced mode (either present): an accept ACK (CA/CE/CR) when the message is safely stored, and later an
// application ACK (AA/AE/AR) as MSH-16 asks: AL always, NE never, ER only on error, SU only on success.
//
// Every ACK swaps the inbound sender and receiver (inbound MSH-3/4 become MSH-5/6; inbound MSH-5/6 become MSH-3/4,
// or the gateway's own identity when the sender left them empty), uses the inbound delimiters and charset, carries a
// new MSH-10, MSH-9 `ACK^<event>^ACK`, the inbound MSH-11/MSH-12, MSA-2 = inbound MSH-10, and one ERR per issue.
// ERR follows v2.5+ (ERR-2 location, ERR-3 table 0357 code, ERR-4 severity, ERR-8 user text); for v2.1-2.4
// receivers the same facts go into ERR-1 and MSA-3, which is where those versions look.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "gateway/core/error.hpp"
#include "gateway/hl7/message.hpp"

namespace gw::hl7 {

enum class AckCode { AA, AE, AR, CA, CE, CR };
std::string_view to_string(AckCode code) noexcept;

enum class AckMode { original, enhanced };
// Enhanced when MSH-15 or MSH-16 is valued.
AckMode ack_mode(const Message& inbound);

// What happened to a message: accepted; error (valid, but could not be processed: retry may help); rejected
// (invalid: do not resend unchanged).
enum class Outcome { accepted, error, rejected };
AckCode ack_code(AckMode mode, Outcome outcome) noexcept;

// HL7 table 0357, message error condition codes.
enum class ErrorCondition : std::uint16_t {
    segment_sequence_error = 100,
    required_field_missing = 101,
    data_type_error = 102,
    table_value_not_found = 103,
    unsupported_message_type = 200,
    unsupported_event_code = 201,
    unsupported_processing_id = 202,
    unsupported_version_id = 203,
    unknown_key_identifier = 204,
    duplicate_key_identifier = 205,
    application_record_locked = 206,
    application_internal_error = 207,
};
std::string_view description(ErrorCondition condition) noexcept;

enum class Severity : char { error = 'E', warning = 'W', information = 'I' };

// ERR-2 (ERL): where the problem is; 0 leaves a part out.
struct ErrorLocation {
    std::string segment;
    std::uint32_t sequence = 1;
    std::uint32_t field = 0;
    std::uint32_t repetition = 0;
    std::uint32_t component = 0;
    std::uint32_t subcomponent = 0;
};

struct AckIssue {
    ErrorCondition condition = ErrorCondition::application_internal_error;
    std::string text;  // ERR-8; empty: the table 0357 description
    std::optional<ErrorLocation> location;
    Severity severity = Severity::error;
};

// What the gateway fills in itself.
struct AckContext {
    std::string sending_application;             // used when the inbound MSH-5 is empty
    std::string sending_facility;                // used when the inbound MSH-6 is empty
    std::string control_id;                      // MSH-10 of the ACK
    std::chrono::system_clock::time_point time;  // MSH-7
};

// "YYYYMMDDHHMMSS+0000" (UTC), the DTM form every HL7 version reads.
std::string format_timestamp(std::chrono::system_clock::time_point time);
// A fresh MSH-10 for messages the gateway sends: "GW" + 16 hex digits (fits the 20-character limit of v2.5).
std::string new_control_id();

// The ACK with the given MSA-1 code. Always succeeds: missing inbound fields are left empty.
Message build_ack(const Message& inbound, AckCode code, std::span<const AckIssue> issues, const AckContext& context);
// The accept ACK for the inbound mode: AA/AE/AR (original) or CA/CE/CR (enhanced).
Message build_accept_ack(const Message& inbound, Outcome outcome, std::span<const AckIssue> issues,
                         const AckContext& context);
// Whether the sender wants an accept ACK for this outcome: original mode always; enhanced per MSH-15 (empty or AL
// always, NE never, ER only when not accepted, SU only when accepted).
bool accept_ack_wanted(const Message& inbound, Outcome outcome);
// The application ACK (AA/AE/AR) when MSH-16 asks for one for this outcome; original mode always gets one.
std::optional<Message> build_application_ack(const Message& inbound, Outcome outcome, std::span<const AckIssue> issues,
                                             const AckContext& context);

// The best negative ACK for bytes that did not parse strictly: the MSH is salvaged leniently (also after leading
// garbage) so MSA-2 names the control ID and the reply uses the sender's delimiters; AR, or CR when the salvaged
// MSH asks for enhanced mode. When no MSH can be read at all the ACK still goes out with the standard delimiters,
// version 2.5 and an empty MSA-2, because on MLLP the sender is waiting on this very connection for an answer.
Message build_reject_for_unparsed(std::string_view raw, std::span<const AckIssue> issues, const AckContext& context);
// The salvaged header used by build_reject_for_unparsed (nullopt when no MSH can be read).
std::optional<Message> salvage_header(std::string_view raw);

// Turns a codec Error into an ERR issue: 102 with the location when the error names an HL7 path, else 100.
AckIssue issue_from_error(const Error& error);

}  // namespace gw::hl7
