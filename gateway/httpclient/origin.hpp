#pragma once
// URLs as the client needs them: the origin a connection belongs to (scheme, host, port), the request-target to
// send, and the proxy settings. Internal to gw_httpclient; exposed for its tests.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"

namespace gw::httpclient {

struct Origin {
    bool tls = false;
    std::string host;  // host name or IP literal, IPv6 without brackets
    std::uint16_t port = 0;

    // "https://host:port": the pool key.
    std::string key() const;
    // Value of the Host header: the port only when not the scheme's default, IPv6 in brackets.
    std::string authority() const;
    // "host:port" with the port always present: the CONNECT request-target.
    std::string authority_with_port() const;
    bool host_is_ip() const;
};

struct Target {
    Origin origin;
    std::string path_and_query;  // origin-form request-target, "/" when the URL has no path
    std::string url;             // the URL without fragment, for messages and redirects
};

// Parses an absolute http:// or https:// URL. Errors are invalid_request failures.
Result<Target> parse_target(std::string_view url);

struct ProxySettings {
    Origin origin;              // always plain http to the proxy
    std::string authorization;  // "Basic ..." from the URL's userinfo, or empty
};

// "" -> nullopt; "http://[user:pass@]host:port" -> settings; anything else an invalid_request failure.
Result<std::optional<ProxySettings>> parse_proxy(std::string_view url);

// Whether host is reached directly despite a proxy (see ClientOptions::no_proxy).
bool bypasses_proxy(const std::vector<std::string>& no_proxy, std::string_view host);

// The absolute URL a Location header points to, relative to the URL that answered.
Result<std::string> resolve_location(std::string_view base, std::string_view location);

}  // namespace gw::httpclient
