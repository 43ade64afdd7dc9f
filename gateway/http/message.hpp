#pragma once
// What a route handler sees (Request) and gives back (Response). Handlers never touch sockets: the session parses
// and limits the request before a handler runs, and serialises the Response with deadlines afterwards.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

namespace gw::http {

namespace beast_http = boost::beast::http;
using Verb = beast_http::verb;
using Status = beast_http::status;
using Fields = beast_http::fields;

// Ordered name/value pairs, percent-decoded. Order is kept because query strings may repeat a key on purpose.
using Params = std::vector<std::pair<std::string, std::string>>;

struct Request {
    Verb method = Verb::unknown;
    std::string method_string;  // as sent, also for methods Beast does not know
    std::string target;         // raw request-target, e.g. "/api/v1/orders/42?full=1"
    std::string path;           // percent-decoded path, e.g. "/api/v1/orders/42"
    Params query;               // percent-decoded query parameters in order
    Params path_params;         // values of {name} segments of the matched route
    Fields headers;
    std::string body;
    unsigned version = 11;  // 10 or 11
    std::string peer;       // "address:port" of the client
    bool tls = false;
    std::string client_subject;  // RFC 2253 subject of a verified client certificate (mTLS), else empty

    // First value or nullopt; views stay valid as long as the Request.
    std::optional<std::string_view> param(std::string_view name) const;
    std::optional<std::string_view> query_param(std::string_view name) const;
    std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
    Status status = Status::ok;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    Fields headers;  // extra headers; Content-Length, Connection and Server are set by the session

    static Response text(Status status, std::string body);
    static Response json(Status status, std::string body);
    static Response json(Status status, const boost::json::value& body);
    static Response no_content();
};

}  // namespace gw::http
