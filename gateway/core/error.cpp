#include "gateway/core/error.hpp"

#include <fmt/format.h>

namespace gw {

std::string_view to_string(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::ok: return "ok";
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::parse_error: return "parse_error";
        case ErrorCode::unknown_key: return "unknown_key";
        case ErrorCode::wrong_type: return "wrong_type";
        case ErrorCode::missing_required: return "missing_required";
        case ErrorCode::invalid_value: return "invalid_value";
        case ErrorCode::not_found: return "not_found";
        case ErrorCode::io_error: return "io_error";
        case ErrorCode::too_large: return "too_large";
        case ErrorCode::timeout: return "timeout";
        case ErrorCode::unsupported: return "unsupported";
        case ErrorCode::conflict: return "conflict";
        case ErrorCode::unavailable: return "unavailable";
        case ErrorCode::internal: return "internal";
    }
    return "unknown";
}

std::string Error::to_string() const {
    std::string out;
    if (where.has_file_position()) {
        out = fmt::format("{}:{}:{}: error: {}", where.file, where.line, where.column > 0 ? where.column : 1, message);
    } else {
        out = fmt::format("error: {}", message);
        if (!where.path.empty()) out += fmt::format(" at {}", where.path);
        if (where.byte_offset != SourceLocation::npos) out += fmt::format(" (byte offset {})", where.byte_offset);
    }
    if (!hint.empty()) out += fmt::format(" (hint: {})", hint);
    return out;
}

Error make_error(ErrorCode code, std::string message, SourceLocation where, std::string hint) {
    return Error{code, std::move(message), std::move(where), std::move(hint)};
}

}  // namespace gw
