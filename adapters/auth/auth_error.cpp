#include "adapters/auth/auth_error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include "gateway/httpclient/failure.hpp"

namespace gw::adapters::auth {

namespace {

namespace json = boost::json;

const json::string* string_at(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v ? v->if_string() : nullptr;
}

bool retryable_status(unsigned status) { return status == 408 || status == 425 || status == 429 || status >= 500; }

}  // namespace

bool is_retryable(const Error& error) {
    if (auto kind = httpclient::failure_kind(error)) return httpclient::is_transient(*kind);
    return error.code == ErrorCode::unavailable || error.code == ErrorCode::timeout;
}

std::string server_error_text(std::string_view body) {
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    if (!ec && value.is_object()) {
        const auto& o = value.as_object();
        if (auto* error = string_at(o, "error")) {
            if (auto* description = string_at(o, "error_description")) {
                return fmt::format("{}: {}", std::string_view(*error), std::string_view(*description));
            }
            return std::string(*error);
        }
        for (auto key : {"detail", "message", "error_description"}) {
            if (auto* s = string_at(o, key)) return std::string(*s);
        }
        if (auto* errors = o.if_contains("errors"); errors && errors->is_array() && !errors->as_array().empty()) {
            if (auto* first = errors->as_array()[0].if_object()) {
                if (auto* m = string_at(*first, "message")) return std::string(*m);
            }
        }
    }
    // Not JSON (an HTML error page, plain text): the start of it is still the best clue.
    constexpr std::size_t max_text = 200;
    std::string text(body.substr(0, max_text));
    for (auto& c : text) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    return text;
}

Error auth_status_error(std::string_view what, const httpclient::HttpResponse& response) {
    auto text = server_error_text(response.body);
    auto message = text.empty() ? fmt::format("{} answered {}", what, response.status)
                                : fmt::format("{} answered {}: {}", what, response.status, text);
    SourceLocation where;
    where.path = response.url;
    // A refused client or password stays refused until someone fixes the config: retrying only adds load.
    auto code = retryable_status(response.status) ? ErrorCode::unavailable : ErrorCode::invalid_argument;
    return make_error(code, std::move(message), std::move(where));
}

Error auth_transport_error(std::string_view what, Error failure) {
    // The message keeps its "KIND: " prefix so httpclient::failure_kind() still reads it.
    failure.hint = fmt::format("during the {}", what);
    return failure;
}

}  // namespace gw::adapters::auth
