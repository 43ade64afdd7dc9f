// Feeds the input to MllpFramer once whole and once in random-sized chunks, and checks that both see the same events
// and that the framer's memory stays within its limit. The last input bytes choose the limits and the chunking.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "gateway/mllp/framer.hpp"

namespace {

using gw::mllp::FeedStep;
using gw::mllp::FrameEvent;
using gw::mllp::FramerOptions;
using gw::mllp::MllpFramer;

void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
}

bool same(const FrameEvent& a, const FrameEvent& b) {
    if (a.payload != b.payload || a.offset != b.offset || a.is_error() != b.is_error()) return false;
    return !a.is_error() || (a.error->code == b.error->code && a.error->message == b.error->message &&
                             a.error->where.byte_offset == b.error->where.byte_offset);
}

void check_event(const FrameEvent& e, const FramerOptions& o) {
    if (e.is_error()) {
        check(e.payload.size() <= o.error_prefix_bytes, "error prefix within error_prefix_bytes");
        check(e.error->where.byte_offset == e.offset, "error offset is the frame's offset");
    } else {
        check(e.payload.size() <= o.max_message_bytes, "frame within max_message_bytes");
        check(e.payload.find_first_of(std::string_view("\x0B\x1C", 2)) == std::string::npos,
              "frame payload free of framing bytes");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    FramerOptions options;
    options.max_message_bytes = input.ConsumeIntegralInRange<std::size_t>(1, 96);
    options.error_prefix_bytes = input.ConsumeIntegralInRange<std::size_t>(0, 24);
    const auto max_chunk = input.ConsumeIntegralInRange<std::size_t>(1, 64);
    std::minstd_rand chunk_sizes(input.ConsumeIntegral<std::uint32_t>());
    const std::string stream = input.ConsumeRemainingBytesAsString();

    MllpFramer whole(options);
    const auto expected = whole.feed_all(stream);
    for (const auto& e : expected) check_event(e, whole.options());
    check(whole.stream_offset() == stream.size(), "all input consumed");

    MllpFramer chunked(options);
    std::vector<FrameEvent> got;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        std::string_view chunk = std::string_view(stream).substr(pos, 1 + chunk_sizes() % max_chunk);
        pos += chunk.size();
        while (!chunk.empty()) {
            FeedStep step = chunked.feed(chunk);
            check(step.consumed <= chunk.size(), "consumed within input");
            check(step.event || step.consumed == chunk.size(), "without an event, feed consumes everything");
            check(step.consumed > 0 || step.event, "feed makes progress");
            chunk.remove_prefix(step.consumed);
            check(chunked.buffered_bytes() <= chunked.options().max_message_bytes, "buffer within the limit");
            if (step.event) got.push_back(std::move(*step.event));
        }
    }
    check(got.size() == expected.size(), "same number of events whole and chunked");
    for (std::size_t i = 0; i < got.size(); ++i) check(same(got[i], expected[i]), "same events whole and chunked");
    check(chunked.skipped_bytes() == whole.skipped_bytes(), "same junk count");
    check(chunked.in_frame() == whole.in_frame(), "same final state");

    // Re-encoding the decoded frames and decoding again gives the same payloads.
    std::string reencoded;
    std::vector<std::string> payloads;
    for (const auto& e : expected) {
        if (e.is_error()) continue;
        reencoded += gw::mllp::frame(e.payload);
        payloads.push_back(e.payload);
    }
    MllpFramer again(options);
    const auto decoded = again.feed_all(reencoded);
    check(decoded.size() == payloads.size(), "re-encoded frame count");
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        check(!decoded[i].is_error() && decoded[i].payload == payloads[i], "re-encoded frames round-trip");
    }
    return 0;
}
