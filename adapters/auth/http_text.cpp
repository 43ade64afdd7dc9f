#include "adapters/auth/http_text.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace gw::adapters::auth {

std::string join_url(std::string_view base_url, std::string_view path) {
    if (path.starts_with("http://") || path.starts_with("https://")) return std::string(path);
    std::string out(base_url);
    while (!out.empty() && out.back() == '/') out.pop_back();
    if (!path.starts_with('/')) out += '/';
    out += path;
    return out;
}

std::string form_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string form_body(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out += '&';
        out += form_encode(name);
        out += '=';
        out += form_encode(value);
    }
    return out;
}

std::string add_query_parameter(std::string_view url, std::string_view name, std::string_view value) {
    auto hash = url.find('#');
    auto base = url.substr(0, hash);
    std::string out(base);
    out += base.find('?') == std::string_view::npos ? '?' : '&';
    out += form_encode(name);
    out += '=';
    out += form_encode(value);
    if (hash != std::string_view::npos) out += url.substr(hash);
    return out;
}

std::string path_and_query(std::string_view url) {
    auto scheme = url.find("://");
    auto rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
    auto slash = rest.find_first_of("/?#");
    if (slash == std::string_view::npos) return "/";
    auto tail = rest.substr(slash);
    tail = tail.substr(0, tail.find('#'));
    if (tail.empty()) return "/";
    if (tail.front() == '?') return "/" + std::string(tail);
    return std::string(tail);
}

std::string base64_encode(std::string_view bytes) {
    std::string out(boost::beast::detail::base64::encoded_size(bytes.size()), '\0');
    out.resize(boost::beast::detail::base64::encode(out.data(), bytes.data(), bytes.size()));
    return out;
}

std::string hex_encode(std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

}  // namespace gw::adapters::auth
