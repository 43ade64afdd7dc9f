#include "adapters/auth/cookie_jar.hpp"

#include <boost/algorithm/string/predicate.hpp>

namespace gw::adapters::auth {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

void CookieJar::store(std::string_view set_cookie) {
    auto semi = set_cookie.find(';');
    auto pair = set_cookie.substr(0, semi);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) return;
    auto name = trim(pair.substr(0, eq));
    auto value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (name.empty()) return;

    bool deleted = false;
    auto attributes = semi == std::string_view::npos ? std::string_view{} : set_cookie.substr(semi + 1);
    while (!attributes.empty()) {
        auto next = attributes.find(';');
        auto attribute = trim(attributes.substr(0, next));
        if (boost::algorithm::istarts_with(attribute, "max-age=")) {
            auto age = trim(attribute.substr(8));
            deleted = deleted || age.starts_with('-') || age == "0";
        } else if (boost::algorithm::istarts_with(attribute, "expires=") && value.empty()) {
            deleted = true;
        }
        if (next == std::string_view::npos) break;
        attributes.remove_prefix(next + 1);
    }
    if (deleted) {
        if (auto it = cookies_.find(name); it != cookies_.end()) cookies_.erase(it);
        return;
    }
    cookies_.insert_or_assign(std::string(name), std::string(value));
}

void CookieJar::store_all(const httpclient::HttpResponse& response) {
    auto [begin, end] = response.headers.equal_range(boost::beast::http::field::set_cookie);
    for (auto it = begin; it != end; ++it) store(it->value());
}

std::optional<std::string> CookieJar::get(std::string_view name) const {
    auto it = cookies_.find(name);
    if (it == cookies_.end()) return std::nullopt;
    return it->second;
}

std::string CookieJar::header() const {
    std::string out;
    for (const auto& [name, value] : cookies_) {
        if (!out.empty()) out += "; ";
        out += name;
        out += '=';
        out += value;
    }
    return out;
}

}  // namespace gw::adapters::auth
