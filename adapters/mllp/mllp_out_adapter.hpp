#pragma once
// The mllp_out adapter kind: sends pre-rendered HL7 messages (ORS^O06 status reports, stored in the outbox as the
// exact bytes to send) to the care system over MLLP and checks each acknowledgement (ack_verdict.hpp).
//
// Asynchronous on the gateway's io_context: connections are kept open and reused; each one carries one message at a
// time (send, then wait for its ACK), so with one connection (the default) reports arrive in the order the delivery
// engine hands them over. Every step has a deadline: connect + TLS handshake (connect_timeout), the write and the
// ACK (ack_timeout), both capped by what is left of the operation's own timeout. A connection that the receiver
// closed while it was idle is noticed on the next write or read; that message is then sent once more on a fresh
// connection (the receiver never saw it, or sees the same MSH-10 again and can drop the repeat).
//
// Only Operation::submit is supported: the delivery engine runs status reports as "submit this payload".

#include <memory>

#include <boost/asio/io_context.hpp>

#include "adapters/adapter.hpp"
#include "adapters/mllp/mllp_out_options.hpp"
#include "gateway/core/result.hpp"

namespace gw::adapters::mllp {

// Errors: the TLS context cannot be built (a CA or certificate file that does not load).
Result<std::shared_ptr<Adapter>> make_mllp_out_adapter(boost::asio::io_context& io, MllpOutOptions options);

}  // namespace gw::adapters::mllp
