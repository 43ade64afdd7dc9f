#pragma once
// A compiled HL7 path (syntax of shared/data/hl7/README.md): `SEG[n]-F[r].C.S`, everything 1-based, e.g.
// `PID-3[2].1`, `OBX[3]-5`, `MSH-9.2`, `PID-5.1.1`. Compile once with compile_path() and reuse the Path on hot
// paths; reading a value then never re-parses the string.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"

namespace gw::hl7 {

struct Path {
    std::array<char, 3> segment{};   // e.g. {'P','I','D'}
    std::uint32_t occurrence = 1;    // SEG[n]
    std::uint32_t field = 0;         // -F, >= 1
    std::uint32_t repetition = 1;    // [r]
    std::uint32_t component = 0;     // .C, 0 = not given
    std::uint32_t subcomponent = 0;  // .S, 0 = not given

    std::string_view segment_name() const noexcept { return {segment.data(), segment.size()}; }
    std::string to_string() const;
    friend bool operator==(const Path&, const Path&) = default;
};

// Largest index accepted anywhere in a path; generous for HL7 (PV1 has 52 fields) and keeps arithmetic safe.
inline constexpr std::uint32_t kMaxPathIndex = 100000;

// Parses a path; the Error names the byte offset in `text` and what was expected there.
Result<Path> compile_path(std::string_view text);

// Builds a path without parsing, for code that knows its target (ACK builder, mappings).
Path make_path(std::string_view segment, std::uint32_t field, std::uint32_t component = 0,
               std::uint32_t subcomponent = 0, std::uint32_t repetition = 1, std::uint32_t occurrence = 1);

}  // namespace gw::hl7
