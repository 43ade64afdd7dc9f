#include "gateway/http/problem.hpp"

#include <boost/json/serialize.hpp>

namespace gw::http {

boost::json::object Problem::to_json() const {
    boost::json::object o;
    for (const auto& member : extensions) o[member.key()] = member.value();
    o["type"] = type;
    o["title"] = title.empty() ? std::string(beast_http::obsolete_reason(status)) : title;
    o["status"] = static_cast<std::int64_t>(status);
    if (!detail.empty()) o["detail"] = detail;
    if (!instance.empty()) o["instance"] = instance;
    return o;
}

Response Problem::to_response() const {
    Response r;
    r.status = status;
    r.content_type = std::string(problem_content_type);
    r.body = boost::json::serialize(to_json());
    return r;
}

Problem make_problem(Status status, std::string detail, std::string instance) {
    Problem p;
    p.status = status;
    p.title = std::string(beast_http::obsolete_reason(status));
    p.detail = std::move(detail);
    p.instance = std::move(instance);
    return p;
}

Problem make_problem(Status status, const Error& error, std::string instance) {
    Problem p = make_problem(status, error.to_string(), std::move(instance));
    p.extensions["code"] = std::string(to_string(error.code));
    return p;
}

Status status_for(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::ok:
            return Status::ok;
        case ErrorCode::invalid_argument:
        case ErrorCode::parse_error:
        case ErrorCode::unknown_key:
        case ErrorCode::wrong_type:
        case ErrorCode::missing_required:
            return Status::bad_request;
        case ErrorCode::invalid_value:
            return Status::unprocessable_entity;
        case ErrorCode::not_found:
            return Status::not_found;
        case ErrorCode::too_large:
            return Status::payload_too_large;
        case ErrorCode::timeout:
            return Status::gateway_timeout;
        case ErrorCode::unsupported:
            return Status::unsupported_media_type;
        case ErrorCode::conflict:
            return Status::conflict;
        case ErrorCode::unavailable:
            return Status::service_unavailable;
        case ErrorCode::io_error:
        case ErrorCode::internal:
            return Status::internal_server_error;
    }
    return Status::internal_server_error;
}

}  // namespace gw::http
