#pragma once
// What a caller gives the HTTP client (HttpRequest) and gets back (HttpResponse). Plain values: no sockets, no
// Beast parser state, so a response can be moved to any thread or stored.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

namespace gw::httpclient {

using Verb = boost::beast::http::verb;
using Fields = boost::beast::http::fields;

struct HttpRequest {
    Verb method = Verb::get;
    std::string url;     // absolute http:// or https:// URL; a fragment is ignored, userinfo is refused
    Fields headers;      // Host, Content-Length, User-Agent and Accept-Encoding are filled in unless given
    std::string body;    // sent with Content-Length (also 0 for POST/PUT/PATCH without a body)
    // Overrides ClientOptions::total_timeout for this request (time from request() to the callback).
    std::optional<std::chrono::milliseconds> total_timeout;

    static HttpRequest get(std::string url);
    static HttpRequest post(std::string url, std::string body, std::string_view content_type);
    static HttpRequest put(std::string url, std::string body, std::string_view content_type);
    // Sets a header, replacing any previous value; returns *this for chaining.
    HttpRequest& header(std::string_view name, std::string_view value);
};

struct HttpResponse {
    unsigned status = 0;
    Fields headers;        // as received; after content decoding, Content-Encoding and Content-Length are removed
    std::string body;      // decoded when the server used gzip or deflate
    std::string url;       // the URL that produced this response (differs from the request after redirects)
    unsigned redirects = 0;          // redirects followed to get here
    bool reused_connection = false;  // the exchange ran on a pooled keep-alive connection

    // First value of a header, or "" when absent.
    std::string header(std::string_view name) const;
};

}  // namespace gw::httpclient
