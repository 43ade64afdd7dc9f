#include "gateway/httpclient/failure.hpp"

#include <array>

#include <fmt/format.h>

namespace gw::httpclient {

namespace {

constexpr std::array all_kinds{FailureKind::invalid_request, FailureKind::connect_failed, FailureKind::timeout,
                               FailureKind::tls_error,       FailureKind::too_large,      FailureKind::protocol_error,
                               FailureKind::connection_reset, FailureKind::cancelled};

ErrorCode code_for(FailureKind kind) noexcept {
    switch (kind) {
        case FailureKind::invalid_request: return ErrorCode::invalid_argument;
        case FailureKind::connect_failed: return ErrorCode::unavailable;
        case FailureKind::timeout: return ErrorCode::timeout;
        case FailureKind::tls_error: return ErrorCode::io_error;
        case FailureKind::too_large: return ErrorCode::too_large;
        case FailureKind::protocol_error: return ErrorCode::parse_error;
        case FailureKind::connection_reset: return ErrorCode::io_error;
        case FailureKind::cancelled: return ErrorCode::unavailable;
    }
    return ErrorCode::internal;
}

}  // namespace

std::string_view to_string(FailureKind kind) noexcept {
    switch (kind) {
        case FailureKind::invalid_request: return "invalid_request";
        case FailureKind::connect_failed: return "connect_failed";
        case FailureKind::timeout: return "timeout";
        case FailureKind::tls_error: return "tls_error";
        case FailureKind::too_large: return "too_large";
        case FailureKind::protocol_error: return "protocol_error";
        case FailureKind::connection_reset: return "connection_reset";
        case FailureKind::cancelled: return "cancelled";
    }
    return "unknown";
}

Error make_failure(FailureKind kind, std::string detail, std::string url) {
    SourceLocation where;
    where.path = std::move(url);
    return make_error(code_for(kind), fmt::format("{}: {}", to_string(kind), detail), std::move(where));
}

std::optional<FailureKind> failure_kind(const Error& error) {
    std::string_view message = error.message;
    auto colon = message.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto name = message.substr(0, colon);
    for (auto kind : all_kinds) {
        if (name == to_string(kind) && code_for(kind) == error.code) return kind;
    }
    return std::nullopt;
}

bool is_transient(FailureKind kind) noexcept {
    return kind == FailureKind::connect_failed || kind == FailureKind::timeout ||
           kind == FailureKind::connection_reset || kind == FailureKind::cancelled;
}

}  // namespace gw::httpclient
