#include "gateway/http/message.hpp"

#include <boost/json/serialize.hpp>

namespace gw::http {
namespace {

std::optional<std::string_view> find_first(const Params& params, std::string_view name) {
    for (const auto& [key, value] : params) {
        if (key == name) return std::string_view(value);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string_view> Request::param(std::string_view name) const {
    return find_first(path_params, name);
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
    return find_first(query, name);
}

std::optional<std::string_view> Request::header(std::string_view name) const {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
}

Response Response::text(Status status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Response Response::json(Status status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

Response Response::json(Status status, const boost::json::value& body) {
    return json(status, boost::json::serialize(body));
}

Response Response::no_content() {
    Response r;
    r.status = Status::no_content;
    r.content_type.clear();
    return r;
}

}  // namespace gw::http
