#pragma once
// RFC 9457 problem details (application/problem+json). Every error response the server generates itself (400, 404,
// 405, 408, 413, 431, 500, 503) is one of these, and handlers use the same helper so clients parse one format.

#include <string>

#include <boost/json/object.hpp>

#include "gateway/core/error.hpp"
#include "gateway/http/message.hpp"

namespace gw::http {

inline constexpr std::string_view problem_content_type = "application/problem+json";

struct Problem {
    std::string type = "about:blank";  // a URI naming the problem kind; about:blank means "just the status"
    std::string title;                 // short, stable summary; defaults to the status reason phrase
    Status status = Status::internal_server_error;
    std::string detail;              // this occurrence, for a human
    std::string instance;            // optional URI of this occurrence (e.g. the request path)
    boost::json::object extensions;  // extra members, e.g. {"errors": [...]}; never overrides the members above

    boost::json::object to_json() const;
    Response to_response() const;
};

// A problem with the status's reason phrase as title.
Problem make_problem(Status status, std::string detail, std::string instance = {});

// A problem for a gw::Error: detail is the error's text and the extension "code" its stable ErrorCode name, so a
// client can branch on it without parsing prose.
Problem make_problem(Status status, const Error& error, std::string instance = {});

// The HTTP status that best fits an ErrorCode (parse_error -> 400, not_found -> 404, too_large -> 413, ...).
Status status_for(ErrorCode code) noexcept;

}  // namespace gw::http
