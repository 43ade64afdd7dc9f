#pragma once
// Connects an MLLP listener (which knows frames) to the HL7 intake (which knows HL7, the store and ACKs), and turns
// the sink's queue into back-pressure on the sockets. Lives here, in the composition root, so that neither gw_mllp
// nor gw_hl7 includes the other.

#include <memory>

#include "gateway/hl7/intake.hpp"
#include "gateway/ingest/message_sink.hpp"
#include "gateway/mllp/frame_handler.hpp"

namespace gw::app {

class Hl7FrameHandler final : public mllp::FrameHandler {
public:
    Hl7FrameHandler(hl7::IntakeConfig config, ingest::MessageSink& sink) : sink_(sink), intake_(std::move(config), sink) {}

    void on_frame(std::string payload, const mllp::PeerInfo& peer, mllp::Reply reply) override {
        intake_.process(std::move(payload), peer.address, std::move(reply));
    }

    void on_frame_error(const Error& error, std::string_view prefix, const mllp::PeerInfo& peer,
                        mllp::Reply reply) override {
        intake_.report_frame_error(std::string(prefix), error, peer.address, std::move(reply));
    }

    bool ready() const override { return sink_.has_capacity(); }

private:
    ingest::MessageSink& sink_;
    hl7::Hl7Intake intake_;
};

}  // namespace gw::app
