#include "gateway/httpclient/message.hpp"

namespace gw::httpclient {

namespace {

HttpRequest with_body(Verb method, std::string url, std::string body, std::string_view content_type) {
    HttpRequest request;
    request.method = method;
    request.url = std::move(url);
    request.body = std::move(body);
    if (!content_type.empty()) request.headers.set(boost::beast::http::field::content_type, content_type);
    return request;
}

}  // namespace

HttpRequest HttpRequest::get(std::string url) {
    HttpRequest request;
    request.url = std::move(url);
    return request;
}

HttpRequest HttpRequest::post(std::string url, std::string body, std::string_view content_type) {
    return with_body(Verb::post, std::move(url), std::move(body), content_type);
}

HttpRequest HttpRequest::put(std::string url, std::string body, std::string_view content_type) {
    return with_body(Verb::put, std::move(url), std::move(body), content_type);
}

HttpRequest& HttpRequest::header(std::string_view name, std::string_view value) {
    headers.set(name, value);
    return *this;
}

std::string HttpResponse::header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
}

}  // namespace gw::httpclient
