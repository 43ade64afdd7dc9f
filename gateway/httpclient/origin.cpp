#include "gateway/httpclient/origin.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <fmt/format.h>

#include "gateway/httpclient/failure.hpp"

namespace gw::httpclient {

namespace {

std::string base64(std::string_view in) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        auto n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (auto rest = in.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned char>(in[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string host_of(const boost::urls::url_view& u) {
    if (u.host_type() == boost::urls::host_type::ipv6) return u.host_ipv6_address().to_string();
    return std::string(u.host());
}

}  // namespace

std::string Origin::key() const { return fmt::format("{}://{}", tls ? "https" : "http", authority_with_port()); }

std::string Origin::authority() const {
    auto name = host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
    bool default_port = port == (tls ? 443 : 80);
    return default_port ? name : fmt::format("{}:{}", name, port);
}

std::string Origin::authority_with_port() const {
    auto name = host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
    return fmt::format("{}:{}", name, port);
}

bool Origin::host_is_ip() const {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
}

Result<Target> parse_target(std::string_view url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        auto fallback = boost::urls::parse_uri(url);
        if (!fallback) {
            return make_failure(FailureKind::invalid_request,
                                fmt::format("not an absolute URL: {}", parsed.error().message()), std::string(url));
        }
        parsed = *fallback;
    }
    boost::urls::url u(*parsed);
    Target target;
    auto scheme = u.scheme_id();
    if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
        return make_failure(FailureKind::invalid_request, fmt::format("unsupported scheme '{}'", u.scheme()),
                            std::string(url));
    }
    if (u.has_userinfo()) {
        return make_failure(FailureKind::invalid_request, "credentials in the URL are refused; use a header",
                            std::string(url));
    }
    target.origin.tls = scheme == boost::urls::scheme::https;
    target.origin.host = host_of(u);
    if (target.origin.host.empty()) {
        return make_failure(FailureKind::invalid_request, "URL has no host", std::string(url));
    }
    target.origin.port = target.origin.tls ? 443 : 80;
    if (u.has_port()) {
        if (u.port_number() == 0) {
            return make_failure(FailureKind::invalid_request, "URL has an invalid port", std::string(url));
        }
        target.origin.port = u.port_number();
    }
    u.remove_fragment();
    target.path_and_query = std::string(u.encoded_path());
    if (target.path_and_query.empty()) target.path_and_query = "/";
    if (u.has_query()) target.path_and_query += "?" + std::string(u.encoded_query());
    target.url = std::string(u.buffer());
    return target;
}

Result<std::optional<ProxySettings>> parse_proxy(std::string_view url) {
    if (url.empty()) return std::optional<ProxySettings>{};
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme_id() != boost::urls::scheme::http) {
        return make_failure(FailureKind::invalid_request, "proxy must be an http://host:port URL", std::string(url));
    }
    ProxySettings proxy;
    proxy.origin.host = host_of(*parsed);
    proxy.origin.port = parsed->has_port() ? parsed->port_number() : 80;
    if (proxy.origin.host.empty() || proxy.origin.port == 0) {
        return make_failure(FailureKind::invalid_request, "proxy URL needs a host and port", std::string(url));
    }
    if (parsed->has_userinfo()) {
        auto credentials = fmt::format("{}:{}", std::string(parsed->user()), std::string(parsed->password()));
        proxy.authorization = "Basic " + base64(credentials);
    }
    return std::optional<ProxySettings>(std::move(proxy));
}

bool bypasses_proxy(const std::vector<std::string>& no_proxy, std::string_view host) {
    for (const auto& entry : no_proxy) {
        if (entry.empty()) continue;
        if (entry == host) return true;
        if (entry.front() == '.' && host.size() > entry.size() && host.ends_with(entry)) return true;
        if (entry.front() == '.' && host == std::string_view(entry).substr(1)) return true;
    }
    return false;
}

Result<std::string> resolve_location(std::string_view base, std::string_view location) {
    auto base_url = boost::urls::parse_uri(base);
    auto ref = boost::urls::parse_uri_reference(location);
    if (!base_url || !ref) {
        return make_failure(FailureKind::protocol_error, fmt::format("invalid Location '{}'", location),
                            std::string(base));
    }
    boost::urls::url out;
    auto resolved = boost::urls::resolve(*base_url, *ref, out);
    if (!resolved) {
        return make_failure(FailureKind::protocol_error, fmt::format("cannot resolve Location '{}'", location),
                            std::string(base));
    }
    return std::string(out.buffer());
}

}  // namespace gw::httpclient
