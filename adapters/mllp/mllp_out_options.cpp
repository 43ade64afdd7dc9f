#include "adapters/mllp/mllp_out_options.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace gw::adapters::mllp {

Result<MllpOutOptions> mllp_out_options(const VendorSettings& settings) {
    MllpOutOptions o;
    o.name = settings.name;
    std::string_view url = settings.base_url;
    if (url.starts_with("mllps://")) {
        o.tls = true;
        url.remove_prefix(8);
    } else if (url.starts_with("mllp://")) {
        url.remove_prefix(7);
    } else {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mllp_out {}: base_url '{}' must be mllp://HOST:PORT or mllps://HOST:PORT",
                                      settings.name, settings.base_url));
    }
    if (!url.empty() && url.back() == '/') url.remove_suffix(1);
    const auto colon = url.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mllp_out {}: base_url '{}' names no port", settings.name, settings.base_url));
    }
    std::string_view host = url.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string_view port_text = url.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mllp_out {}: '{}' is not a port (1-65535)", settings.name, port_text));
    }
    o.host = std::string(host);
    o.port = static_cast<std::uint16_t>(port);
    o.tls_options = settings.http.tls;
    o.connect_timeout = settings.http.connect_timeout;
    o.ack_timeout = settings.http.request_timeout;
    o.idle_timeout = settings.http.idle_timeout;
    o.connections = std::clamp<std::size_t>(settings.http.max_connections_per_host, 1, 64);
    return o;
}

}  // namespace gw::adapters::mllp
