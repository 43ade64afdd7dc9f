#include "gateway/ingest/in_memory_sink.hpp"

namespace gw::ingest {

void InMemorySink::submit(InboundMessage message, SinkCompletion done) {
    SinkResult result;
    {
        std::lock_guard lock(mutex_);
        if (unavailable_) {
            result.status = SinkStatus::unavailable;
            result.error = make_error(ErrorCode::unavailable, "message store unavailable");
        } else if (auto it = !message.control_id.empty()
                                 ? by_control_id_.find({message.sender, message.control_id})
                                 : by_control_id_.end();
                   it != by_control_id_.end()) {
            result.status = SinkStatus::duplicate;
            result.message_id = static_cast<std::int64_t>(it->second) + 1;
            result.ack = messages_[it->second].ack;
        } else {
            const auto index = messages_.size();
            // Rejected messages are stored but do not claim the control id: a corrected resend must go through.
            if (!message.control_id.empty() && !message.error) {
                by_control_id_.emplace(std::pair{message.sender, message.control_id}, index);
            }
            result.status = SinkStatus::stored;
            result.message_id = static_cast<std::int64_t>(index) + 1;
            result.ack = message.ack;
            messages_.push_back(std::move(message));
        }
    }
    done(std::move(result));
}

void InMemorySink::set_unavailable(bool unavailable) {
    std::lock_guard lock(mutex_);
    unavailable_ = unavailable;
}

std::vector<InboundMessage> InMemorySink::messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

std::size_t InMemorySink::size() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
}

}  // namespace gw::ingest
