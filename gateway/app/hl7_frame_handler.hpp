#pragma once
// Connects an MLLP listener (which knows frames) to the HL7 intake (which knows HL7, the store and ACKs), and turns
// the sink's queue into back-pressure on the sockets. Lives here, in the composition root, so that neither gw_mllp
// nor gw_hl7 includes the other.

#include <memory>
#include <optional>

#include "gateway/hl7/intake.hpp"
#include "gateway/ingest/message_sink.hpp"
#include "gateway/mllp/frame_handler.hpp"
#include "gateway/ops/gateway_metrics.hpp"

namespace gw::app {

class Hl7FrameHandler final : public mllp::FrameHandler {
public:
    // `counters`: the channel's metrics (messages received, acknowledgements by code); optional for tests.
    Hl7FrameHandler(hl7::IntakeConfig config, ingest::MessageSink& sink,
                    std::optional<ops::ChannelCounters> counters = std::nullopt)
        : sink_(sink), intake_(std::move(config), sink), counters_(counters) {}

    void on_frame(std::string payload, const mllp::PeerInfo& peer, mllp::Reply reply) override {
        intake_.process(std::move(payload), peer.address, counted(std::move(reply)));
    }

    void on_frame_error(const Error& error, std::string_view prefix, const mllp::PeerInfo& peer,
                        mllp::Reply reply) override {
        intake_.report_frame_error(std::string(prefix), error, peer.address, counted(std::move(reply)));
    }

    bool ready() const override { return sink_.has_capacity(); }

private:
    mllp::Reply counted(mllp::Reply reply) {
        if (!counters_) return reply;
        counters_->received();
        return [counters = *counters_, reply = std::move(reply)](std::string ack) mutable {
            counters.answered(ack);
            reply(std::move(ack));
        };
    }

    ingest::MessageSink& sink_;
    hl7::Hl7Intake intake_;
    std::optional<ops::ChannelCounters> counters_;
};

}  // namespace gw::app
