#pragma once
// Errors on the data path are values, never exceptions: a code from one documented enum, a message, and where the
// problem is (a byte offset in an input, or file:line:col in a config or mapping file), plus an optional hint.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace gw {

enum class ErrorCode : std::uint16_t {
    ok = 0,
    invalid_argument,  // a caller passed something that can never work
    parse_error,       // input bytes do not follow the grammar (HL7, XML, JSON, YAML)
    unknown_key,       // config/mapping key that the schema does not know
    wrong_type,        // config/mapping value of the wrong type
    missing_required,  // a required field/key is absent
    invalid_value,     // present and well-typed, but outside its domain (GTIN check digit, quantity <= 0, ...)
    not_found,         // a file, record, env variable or path that does not exist
    io_error,          // reading/writing a file or socket failed
    too_large,         // input over a configured limit
    timeout,           // a deadline passed
    unsupported,       // valid but not supported (HL7 version, message type, charset)
    conflict,          // duplicate or contradicting state
    unavailable,       // a dependency (store, grocer) cannot serve now; retry later
    internal,          // a bug: an invariant did not hold
};

// Stable lower_snake name of a code, used in logs, problem bodies and tests.
std::string_view to_string(ErrorCode code) noexcept;

struct SourceLocation {
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
    std::string file;               // config/mapping file, or empty for in-memory input
    int line = 0;                   // 1-based; 0 = unknown
    int column = 0;                 // 1-based; 0 = unknown
    std::size_t byte_offset = npos; // offset into a parsed input; npos = unknown
    std::string path;               // logical path of the element (HL7 path, JSON pointer, config key path)

    bool has_file_position() const noexcept { return !file.empty() && line > 0; }
};

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;
    SourceLocation where;
    std::string hint;  // optional: "did you mean ...?"

    // "FILE:LINE:COL: error: MESSAGE (hint: HINT)" when the location is a file position; otherwise
    // "error: MESSAGE at byte N" / "error: MESSAGE at PATH" as far as known.
    std::string to_string() const;
};

Error make_error(ErrorCode code, std::string message, SourceLocation where = {}, std::string hint = {});

}  // namespace gw
