#pragma once
// The verdict on the care system's answer to one message the gateway sent over MLLP (ORS^O06 status reports).
//
// The policy, chosen to match what the gateway's own intake means by each code (gateway/hl7/ack.hpp: AE = "could
// not be processed, a retry may help", AR = "invalid, do not resend unchanged"):
//
//   AA / CA                       success
//   AE / CE                       retryable: the receiver could not process it now (record locked, its database
//                                 down); the same bytes may well go through later
//   AR / CR                       permanent: the receiver refused the message itself (type, version, content);
//                                 sending the same bytes again cannot help -> dead letter for an operator
//   ERR-3 (v2.5+) or ERR-1.4 (v2.1-2.4) overrides both when it names the cause (HL7 table 0357):
//     206 record locked, 207 internal error            -> retryable
//     100-105 content errors, 200-205 unsupported/keys -> permanent
//   MSA-2 is not our MSH-10, no MSA, not HL7 at all    -> retryable, and the connection is dropped (the answer
//                                                         belongs to something else: the stream is out of step)
//
// A retryable verdict goes back to the delivery engine, whose backoff and max_attempts/max_age bound the retries; a
// permanent one becomes a dead letter that an operator can requeue after fixing the cause.

#include <string>
#include <string_view>

#include "adapters/adapter.hpp"

namespace gw::adapters::mllp {

struct AckVerdict {
    DeliveryOutcome outcome;
    bool drop_connection = false;  // the answer did not fit the message: the connection cannot be trusted
};

// `ack`: the payload of the answer frame; `control_id`: MSH-10 of the message it answers.
AckVerdict judge_ack(std::string_view ack, std::string_view control_id);

}  // namespace gw::adapters::mllp
