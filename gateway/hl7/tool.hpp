#pragma once
// The logic behind `gateway hl7 get` and `gateway hl7 roundtrip` (gateway/cli/hl7_command.cpp only wires these to
// CLI11), on streams so it is testable without a process.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/hl7/message.hpp"

namespace gw::hl7 {

// Strict parse of ER7 or v2.xml (XML when the first non-blank byte is '<').
Result<Message> parse_any(std::string_view bytes);

// Prints each path's value on its own line. Exit code 0; 1 when the input does not parse or a path is invalid
// (the error, with its byte offset and what was expected, goes to `err`, prefixed by `name`).
int run_get(std::string_view name, std::string_view bytes, const std::vector<std::string>& paths, std::ostream& out,
            std::ostream& err);

// Writes the re-encoded message: the input bytes for ER7; for v2.xml its ER7 rendering (see xml.hpp).
int run_roundtrip(std::string_view name, std::string_view bytes, std::ostream& out, std::ostream& err);

}  // namespace gw::hl7
