#pragma once
// A MessageSink that keeps messages in memory: for tests, benchmarks and dry runs, never for production (nothing
// survives a restart). Deduplicates by sender + control id like the real store; completes inline.

#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "gateway/ingest/message_sink.hpp"

namespace gw::ingest {

class InMemorySink final : public MessageSink {
public:
    void submit(InboundMessage message, SinkCompletion done) override;
    bool has_capacity() const override { return true; }

    // Make every later submit answer `unavailable` (to test "cannot store" paths).
    void set_unavailable(bool unavailable);

    std::vector<InboundMessage> messages() const;  // every stored message, in order
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::vector<InboundMessage> messages_;
    std::map<std::pair<std::string, std::string>, std::size_t> by_control_id_;
    bool unavailable_ = false;
};

}  // namespace gw::ingest
